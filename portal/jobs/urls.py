from django.urls import path

from portal.jobs import views

app_name = "jobs"

urlpatterns = [
    path("jobs/<int:pk>/", views.job, name="job"),
    path("jobs/<int:pk>/download/", views.download, name="download"),
    path("municipalities/<int:pk>/jobs/", views.municipality_jobs, name="list"),
]
