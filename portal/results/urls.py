from django.urls import path

from portal.results import views

app_name = "results"

urlpatterns = [
    path("municipalities/<int:pk>/data/", views.data, name="data"),
    path("municipalities/<int:pk>/data/templates/<slug:kind>/", views.template, name="template"),
]
