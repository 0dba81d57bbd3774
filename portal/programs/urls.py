from django.urls import path

from portal.programs import library_views, views, wizard

app_name = "programs"

urlpatterns = [
    path("schools/<int:school_pk>/programs/", views.school_programs, name="school"),
    path("schools/<int:school_pk>/risk/<int:year>/", views.risk_profile, name="risk_profile"),
    path("municipalities/<int:pk>/programs/", views.municipal, name="municipal"),
    path("municipalities/<int:pk>/risk/import/", views.risk_import, name="risk_import"),
    path("municipalities/<int:pk>/measures/", library_views.library, name="library"),
    path("municipalities/<int:pk>/measures/new/", library_views.measure_edit, name="measure_new"),
    path("municipalities/<int:pk>/measures/<str:code>/", library_views.measure_edit, name="measure_edit"),
    path("programs/<int:pk>/step/<int:n>/", wizard.step, name="step"),
    path("programs/<int:pk>/measures/add/", wizard.add_measure, name="add_measure"),
    path("programs/<int:pk>/submit/", wizard.submit, name="submit"),
    path("programs/<int:pk>/withdraw/", wizard.withdraw, name="withdraw"),
    path("programs/<int:pk>/return/", wizard.return_program, name="return"),
    path("programs/<int:pk>/approve/", wizard.approve, name="approve"),
    path("programs/<int:pk>/new-version/", wizard.new_version, name="new_version"),
    path("programs/<int:pk>/preview/", wizard.preview, name="preview"),
    path("programs/<int:pk>/document.<str:fmt>", wizard.download, name="download"),
]
