from django.urls import path

from portal.public import site, views

app_name = "public"

urlpatterns = [
    # Staff pages (login).
    path("municipalities/<int:pk>/public/", views.municipal, name="municipal"),
    path("schools/<int:pk>/public/", views.school, name="school"),
    path("public-documents/<int:pk>/", views.document, name="document"),
    path("public-documents/<int:pk>/file/", views.document_file, name="document_file"),
    path("public-documents/<int:pk>/publish/", views.publish, name="publish"),
    path("public-documents/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("public-documents/<int:pk>/delete/", views.delete, name="delete"),
    # Public pages (no login); stable addresses.
    path("p/<slug:code>/", site.authority, name="authority"),
    path("p/<slug:code>/feed.atom", site.DocumentsFeed(), name="feed"),
    path("p/<slug:code>/feed.rss", site.DocumentsRssFeed(), name="feed_rss"),
    path("p/<slug:code>/d/<int:pk>/", site.document_file, name="file"),
    path("p/<slug:code>/r/<int:pk>/", site.registry_file, name="registry_file"),
    path("p/<slug:code>/<str:school_code>/", site.school, name="school_page"),
]
