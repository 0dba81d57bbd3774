from django.urls import path

from portal.reports import rules_views, views

app_name = "reports"

urlpatterns = [
    path("municipalities/<int:pk>/reports/", views.index, name="index"),
    path("municipalities/<int:pk>/reports/<slug:code>/", views.start, name="start"),
    path("schools/<int:pk>/card/", views.card, name="card"),
    path("jobs/<int:pk>/publish/", views.publish, name="publish"),
    path("municipalities/<int:pk>/recommendations/rules/", rules_views.rules, name="rules"),
    path("municipalities/<int:pk>/recommendations/rules/new/", rules_views.rule_new, name="rule_new"),
    path(
        "municipalities/<int:pk>/recommendations/rules/import/", rules_views.rules_import, name="rules_import"
    ),
    path("municipalities/<int:pk>/recommendations/rules.yaml", rules_views.rules_export, name="rules_export"),
    path("municipalities/<int:pk>/recommendations/rules/<str:code>/", rules_views.rule, name="rule"),
    path(
        "municipalities/<int:pk>/recommendations/rules/<str:code>/delete/",
        rules_views.rule_delete,
        name="rule_delete",
    ),
]
