from django.urls import path

from portal.staff import views

app_name = "staff"

urlpatterns = [
    path("schools/<int:school_pk>/staff/", views.school_staff, name="school"),
    path("schools/<int:school_pk>/staff/add/", views.teacher_add, name="teacher_add"),
    path("schools/<int:school_pk>/staff/import/", views.import_teachers, name="import"),
    path("schools/<int:school_pk>/staff/template.xlsx", views.import_template, name="template"),
    path(
        "schools/<int:school_pk>/staff/indicators/<str:code>/",
        views.school_indicator,
        name="school_indicator",
    ),
    path("schools/<int:school_pk>/partnerships/", views.school_partnerships, name="school_partnerships"),
    path("schools/<int:school_pk>/practices/add/", views.practice_add, name="practice_add"),
    path("staff/teachers/<int:pk>/", views.teacher, name="teacher"),
    path("staff/teachers/<int:pk>/edit/", views.teacher_edit, name="teacher_edit"),
    path("staff/teachers/<int:pk>/<str:kind>/add/", views.record_add, name="record_add"),
    path("staff/records/<str:kind>/<int:pk>/delete/", views.record_delete, name="record_delete"),
    path("staff/partnerships/<int:pk>/events/add/", views.joint_event_add, name="joint_event_add"),
    path("staff/practices/<int:pk>/review/", views.practice_review, name="practice_review"),
    path("municipalities/<int:pk>/staff/", views.municipal, name="municipal"),
    path(
        "municipalities/<int:pk>/staff/indicators/<str:code>/",
        views.municipal_indicator,
        name="municipal_indicator",
    ),
    path("municipalities/<int:pk>/staff/feed/", views.feed, name="feed"),
    path("municipalities/<int:pk>/staff/risk/", views.risk, name="risk"),
    path("municipalities/<int:pk>/support/", views.support, name="support"),
    path("municipalities/<int:pk>/partnerships/", views.partnerships, name="partnerships"),
    path("municipalities/<int:pk>/practices/", views.practices, name="practices"),
]
