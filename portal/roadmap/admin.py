"""Admin: items with their years, comments and documents; every write is audited."""

from __future__ import annotations

from django.contrib import admin

from portal.audit.admin import AuditedModelAdmin
from portal.roadmap.models import Evidence, RoadmapComment, RoadmapEntry, RoadmapItem


@admin.register(RoadmapItem)
class RoadmapItemAdmin(AuditedModelAdmin):
    list_display = ["code", "source", "municipality", "school", "direction", "is_active"]
    list_filter = ["source", "municipality", "direction", "is_active"]
    search_fields = ["code", "measure", "responsible"]


@admin.register(RoadmapEntry)
class RoadmapEntryAdmin(AuditedModelAdmin):
    list_display = ["item", "year", "status", "done_on"]
    list_filter = ["status", "year", "item__source"]
    search_fields = ["item__measure", "planned_result"]
    raw_id_fields = ["item"]


@admin.register(RoadmapComment)
class RoadmapCommentAdmin(AuditedModelAdmin):
    list_display = ["entry", "author_repr", "status_from", "status_to", "created_at"]
    raw_id_fields = ["entry"]


@admin.register(Evidence)
class EvidenceAdmin(AuditedModelAdmin):
    list_display = ["entry", "title", "original_name", "url", "added_at"]
    raw_id_fields = ["entry"]
    # Files come only through the checked upload of the entry page (portal/lib/uploads.py), never the admin.
    readonly_fields = ["file", "original_name", "size"]
