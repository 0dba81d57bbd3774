from django.urls import path

from portal.reports import views

app_name = "reports"

urlpatterns = [
    path("municipalities/<int:pk>/reports/", views.index, name="index"),
    path("municipalities/<int:pk>/reports/<slug:code>/", views.start, name="start"),
    path("schools/<int:pk>/card/", views.card, name="card"),
    path("jobs/<int:pk>/publish/", views.publish, name="publish"),
    path("municipalities/<int:pk>/recommendations/rules/", views.rules, name="rules"),
]
