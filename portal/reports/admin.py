from django.contrib import admin

from portal.audit.admin import AuditedModelAdmin
from portal.reports.models import RuleBookVersion


@admin.register(RuleBookVersion)
class RuleBookVersionAdmin(AuditedModelAdmin):
    list_display = ("created_at", "comment", "rules", "created_by")
    readonly_fields = ("text", "comment", "rules", "created_by", "created_at")

    def has_add_permission(self, request: object) -> bool:
        return False  # versions are saved through the checked page, never typed here unchecked
