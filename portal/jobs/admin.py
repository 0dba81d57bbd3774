from django.contrib import admin

from portal.audit.admin import AuditedModelAdmin
from portal.jobs.models import Job


@admin.register(Job)
class JobAdmin(AuditedModelAdmin):
    list_display = (
        "title",
        "kind",
        "municipality",
        "status",
        "progress",
        "attempts",
        "created_at",
        "finished_at",
    )
    list_filter = ("status", "kind")
    readonly_fields = (
        "kind",
        "params",
        "status",
        "progress",
        "message",
        "error",
        "result",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
        "heartbeat",
        "attempts",
        "max_attempts",
        "worker",
        "lease",
        "attempt_log",
        "advice",
    )
