from django.contrib import admin

from portal.audit.admin import AuditedModelAdmin
from portal.demo.models import DemoStep


@admin.register(DemoStep)
class DemoStepAdmin(AuditedModelAdmin):
    """The demo's loaded steps; deleting one makes the next ``load_demo`` run that step again."""

    list_display = ("key", "done_at", "note")
    readonly_fields = ("key", "done_at", "note")

    def has_add_permission(self, request: object) -> bool:
        return False
