from django.urls import path

from portal.results import views, views_mapping, views_report

app_name = "results"

# «kind» is «m» (a municipality: its coordinator) or «r» (a region: its regional coordinator).
urlpatterns = [
    path("municipalities/<int:pk>/data/", views.data, name="data"),
    path("municipalities/<int:pk>/data/templates/<slug:kind>/", views.template, name="template"),
    path("regions/<int:pk>/data/", views_report.region_data, name="region_data"),
    path("data/<str:kind>/<int:pk>/pending/<int:pid>/", views_report.pending, name="pending"),
    path("data/<str:kind>/<int:pk>/pending/<int:pid>/mapping/", views_mapping.mapping, name="mapping"),
    path("data/<str:kind>/<int:pk>/presets/", views_mapping.preset_list, name="presets"),
    path("data/<str:kind>/<int:pk>/presets/<int:preset_id>/", views_mapping.preset_edit, name="preset"),
]
