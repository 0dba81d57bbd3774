from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from portal.overview import views as overview_views


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


admin.site.site_header = "Опора — администрирование"
admin.site.site_title = "Опора"
admin.site.index_title = "Справочники и пользователи"

urlpatterns = [
    path("", overview_views.home, name="home"),
    path("accounts/", include("portal.accounts.urls")),
    path("", include("portal.overview.urls")),
    path("", include("portal.audit.urls")),
    path("", include("portal.results.urls")),
    path("", include("portal.identification.urls")),
    path("", include("portal.monitoring.urls")),
    path("", include("portal.staff.urls")),
    path("", include("portal.roadmap.urls")),
    path("", include("portal.programs.urls")),
    path("", include("portal.public.urls")),
    path("", include("portal.documents.urls")),
    path("", include("portal.jobs.urls")),
    path("", include("portal.reports.urls")),
    path("", include("portal.api.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
]

handler404 = "portal.lib.errors.page_not_found"
handler500 = "portal.lib.errors.server_error"
