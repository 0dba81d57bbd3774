from django.urls import path

from portal.api import views
from portal.api.api import urls as api_urls

app_name = "api"

urlpatterns = [
    path("api/v1/", api_urls()),
    path("municipalities/<int:pk>/api-tokens/", views.tokens, name="tokens"),
    path("api-tokens/<int:pk>/revoke/", views.revoke, name="revoke"),
]
