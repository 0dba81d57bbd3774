"""Admin: catalogues (with a YAML upload that goes through the same validation as the command), periods, values."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path

from portal.audit.admin import AuditedModelAdmin
from portal.monitoring import services
from portal.monitoring.forms import IndicatorSetUploadForm
from portal.monitoring.models import (
    Indicator,
    IndicatorSet,
    IndicatorValue,
    MonitoringPeriod,
    SchoolSubmission,
    TargetSchool,
)


class TouchesPeriodAdmin(AuditedModelAdmin):
    """Admin writes change the period's data too: bump its revision so the dashboard recomputes."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.touch(obj.period_id)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        services.touch(obj.period_id)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        periods = set(queryset.values_list("period_id", flat=True))
        super().delete_queryset(request, queryset)
        for period_id in periods:
            services.touch(period_id)


@admin.register(IndicatorSet)
class IndicatorSetAdmin(AuditedModelAdmin):
    list_display = ["code", "title", "loaded_at"]
    readonly_fields = ["sha256", "loaded_at"]
    change_list_template = "monitoring/admin_set_changelist.html"

    def get_urls(self) -> list[URLPattern]:
        return [
            path("upload/", self.admin_site.admin_view(self.upload), name="monitoring_indicatorset_upload"),
            *super().get_urls(),
        ]

    def upload(self, request: HttpRequest) -> HttpResponse:
        """Load a new or changed catalogue from a YAML file: «a new order's indicators without code»."""
        form = IndicatorSetUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                obj = services.load_indicator_set_text(
                    upload.read().decode("utf-8"), by=request.user, name=upload.name
                )
            except (services.MonitoringError, UnicodeDecodeError) as exc:
                form.add_error("file", str(exc))
            else:
                messages.success(
                    request, f"Набор «{obj.code}» загружен: показателей {obj.indicators.count()}."
                )
                return redirect("admin:monitoring_indicatorset_changelist")
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": "Загрузка набора показателей (YAML)",
            "opts": self.model._meta,
        }
        return render(request, "monitoring/admin_set_upload.html", context)


@admin.register(Indicator)
class IndicatorAdmin(AuditedModelAdmin):
    list_display = ["code", "indicator_set", "direction", "municipal_type", "school_type", "derivation"]
    list_filter = ["indicator_set", "direction", "derivation"]
    search_fields = ["code", "municipal_wording", "school_wording"]


@admin.register(MonitoringPeriod)
class MonitoringPeriodAdmin(AuditedModelAdmin):
    list_display = ["year", "municipality", "indicator_set", "status", "deadline"]
    list_filter = ["status", "municipality"]
    exclude = ["frozen"]


@admin.register(TargetSchool)
class TargetSchoolAdmin(TouchesPeriodAdmin):
    list_display = ["school", "period", "is_shnor", "is_at_risk", "source"]
    list_filter = ["period"]


@admin.register(SchoolSubmission)
class SchoolSubmissionAdmin(TouchesPeriodAdmin):
    list_display = ["school", "period", "status", "submitted_at"]
    list_filter = ["status", "period"]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(TouchesPeriodAdmin):
    list_display = ["indicator", "subitem", "school", "period", "bool_value", "number", "origin"]
    list_filter = ["period", "origin"]
