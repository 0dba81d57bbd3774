from django.contrib import admin

from portal.audit.admin import AuditedModelAdmin
from portal.identification.models import (
    IdentificationRun,
    IdentificationSettings,
    RegionIdentificationSettings,
    RegionRun,
)


@admin.register(IdentificationRun)
class IdentificationRunAdmin(AuditedModelAdmin):
    list_display = ["pk", "municipality", "year", "status", "created_at", "fit_description"]
    list_filter = ["status", "year", "municipality"]
    readonly_fields = ["config", "model", "data_version", "excluded"]


@admin.register(IdentificationSettings)
class IdentificationSettingsAdmin(AuditedModelAdmin):
    list_display = ["municipality", "updated_at"]


@admin.register(RegionRun)
class RegionRunAdmin(AuditedModelAdmin):
    list_display = ["pk", "region", "year", "status", "created_at", "n_municipalities", "n_schools", "n_fit"]
    list_filter = ["status", "year", "region"]
    readonly_fields = ["config", "model", "data_version", "job", "error"]


@admin.register(RegionIdentificationSettings)
class RegionIdentificationSettingsAdmin(AuditedModelAdmin):
    list_display = ["region", "updated_at"]
