from django.urls import path

from portal.monitoring import school_views, target_views, views

app_name = "monitoring"

urlpatterns = [
    path("municipalities/<int:pk>/monitoring/", views.periods, name="periods"),
    path("schools/<int:school_pk>/monitoring/", school_views.school_entry, name="school_entry"),
    path("monitoring/periods/<int:pk>/", views.dashboard, name="period"),
    path("monitoring/periods/<int:pk>/indicators/<str:code>/", views.explain, name="explain"),
    path("monitoring/periods/<int:pk>/municipal/", views.municipal_form, name="municipal_form"),
    path("monitoring/periods/<int:pk>/submissions/", views.submissions, name="submissions"),
    path("monitoring/periods/<int:pk>/targets/", target_views.target_schools, name="targets"),
    path("monitoring/periods/<int:pk>/goals/", target_views.goals, name="goals"),
    path("monitoring/periods/<int:pk>/close/", views.close, name="close"),
    path("monitoring/periods/<int:pk>/reopen/", views.reopen, name="reopen"),
    path("monitoring/periods/<int:pk>/refresh/", views.refresh, name="refresh"),
    path("monitoring/periods/<int:pk>/template.xlsx", views.excel_template, name="template"),
    path("monitoring/periods/<int:pk>/upload/", views.excel_upload, name="upload"),
    path("monitoring/periods/<int:pk>/schools/<int:school_pk>/", school_views.school_card, name="school"),
    path(
        "monitoring/periods/<int:pk>/schools/<int:school_pk>/edit/",
        school_views.school_form,
        name="school_form",
    ),
    path("monitoring/periods/<int:pk>/schools/<int:school_pk>/submit/", school_views.submit, name="submit"),
    path("monitoring/periods/<int:pk>/schools/<int:school_pk>/review/", views.review, name="review"),
]
