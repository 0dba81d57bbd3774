from django.urls import path

from portal.roadmap import views

app_name = "roadmap"

urlpatterns = [
    path("municipalities/<int:pk>/roadmap/", views.municipal, name="municipal"),
    path("municipalities/<int:pk>/roadmap/digest/", views.digest, name="digest"),
    path("schools/<int:pk>/roadmap/", views.school, name="school"),
    path("roadmap/entries/<int:pk>/", views.entry, name="entry"),
    path("roadmap/evidence/<int:pk>/", views.evidence, name="evidence"),
    path("roadmap/evidence/<int:pk>/remove/", views.evidence_remove, name="evidence_remove"),
]
