from django.urls import path

from portal.schools import views

app_name = "schools"

urlpatterns = [
    path("regions/<int:pk>/", views.region, name="region"),
    path("regions/<int:pk>/export.xlsx", views.region_export, name="region_export"),
    path("municipalities/<int:pk>/", views.municipality, name="municipality"),
    path("schools/<int:pk>/", views.school, name="school"),
    path("schools/<int:pk>/edit/", views.school_edit, name="school_edit"),
]
