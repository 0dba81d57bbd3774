from django.urls import path

from portal.audit import views

app_name = "audit"

urlpatterns = [
    path("municipalities/<int:pk>/audit/", views.log, name="log"),
    path("municipalities/<int:pk>/audit/export.<str:fmt>", views.export, name="export"),
    path("regions/<int:pk>/audit/", views.region_log, name="region_log"),
    path("regions/<int:pk>/audit/export.<str:fmt>", views.region_export, name="region_export"),
]
