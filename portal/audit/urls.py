from django.urls import path

from portal.audit import views

app_name = "audit"

urlpatterns = [path("municipalities/<int:pk>/audit/", views.log, name="log")]
