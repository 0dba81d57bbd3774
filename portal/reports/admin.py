from django.contrib import admin

from portal.audit.admin import AuditedModelAdmin
from portal.reports.models import RuleBookVersion


@admin.register(RuleBookVersion)
class RuleBookVersionAdmin(AuditedModelAdmin):
    list_display = ("created_at", "region", "comment", "rules", "created_by")
    list_filter = ("region",)
    readonly_fields = ("region", "text", "comment", "rules", "created_by", "created_at")

    def has_add_permission(self, request: object) -> bool:
        return False  # versions are saved through the checked page, never typed here unchecked
