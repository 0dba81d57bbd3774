from django.urls import path

from portal.documents import views

app_name = "documents"

urlpatterns = [
    path("municipalities/<int:pk>/documents/", views.municipal, name="municipal"),
    path("municipalities/<int:pk>/documents/new/", views.create_municipal, name="create"),
    path("municipalities/<int:pk>/school-statuses/", views.statuses, name="statuses"),
    path("schools/<int:pk>/documents/", views.school, name="school"),
    path("schools/<int:pk>/documents/new/", views.create_school, name="create_school"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("documents/<int:pk>/edit/", views.edit, name="edit"),
    path("documents/<int:pk>/file/", views.document_file, name="file"),
    path("documents/<int:pk>/delete/", views.delete, name="delete"),
    path("school-statuses/<int:pk>/delete/", views.status_delete, name="status_delete"),
]
