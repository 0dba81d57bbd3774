from django.urls import path

from portal.overview import views
from portal.schools.edit_views import school_edit

# The pages keep their historical namespace «schools» so that every {% url "schools:…" %} still resolves.
app_name = "schools"

urlpatterns = [
    path("regions/<int:pk>/", views.region, name="region"),
    path("regions/<int:pk>/export.xlsx", views.region_export, name="region_export"),
    path("municipalities/<int:pk>/", views.municipality, name="municipality"),
    path("schools/<int:pk>/", views.school, name="school"),
    path("schools/<int:pk>/edit/", school_edit, name="school_edit"),
]
