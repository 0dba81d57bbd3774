from django.urls import path

from portal.identification import settings_views, views

app_name = "identification"

urlpatterns = [
    path("municipalities/<int:pk>/identification/", views.runs, name="runs"),
    path("municipalities/<int:pk>/identification/settings/", settings_views.settings_page, name="settings"),
    path(
        "municipalities/<int:pk>/identification/settings/file/",
        settings_views.settings_file,
        name="settings_file",
    ),
    path("identification/runs/<int:pk>/", views.run_detail, name="run"),
    path("identification/runs/<int:pk>/publish/", views.publish, name="publish"),
    path("identification/runs/<int:pk>/export.xlsx", views.export, name="export"),
    path("identification/runs/<int:pk>/schools/<int:school_pk>/", views.school_detail, name="school"),
    path("methodology/", views.methodology, name="methodology"),
    path("regions/<int:pk>/identification/", views.region_runs, name="region_runs"),
    path("regions/<int:pk>/identification/settings/", settings_views.region_settings, name="region_settings"),
    path(
        "regions/<int:pk>/identification/settings/file/",
        settings_views.region_settings_file,
        name="region_settings_file",
    ),
    path("identification/region-runs/<int:pk>/", views.region_run_detail, name="region_run"),
    path("identification/region-runs/<int:pk>/publish/", views.region_publish, name="region_publish"),
]
