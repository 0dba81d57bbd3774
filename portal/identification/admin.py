from django.contrib import admin

from portal.audit.admin import AuditedModelAdmin
from portal.identification.models import IdentificationRun, IdentificationSettings


@admin.register(IdentificationRun)
class IdentificationRunAdmin(AuditedModelAdmin):
    list_display = ["pk", "municipality", "year", "status", "created_at", "fit_description"]
    list_filter = ["status", "year", "municipality"]
    readonly_fields = ["config", "model", "data_version", "excluded"]


@admin.register(IdentificationSettings)
class IdentificationSettingsAdmin(AuditedModelAdmin):
    list_display = ["municipality", "updated_at"]
