"""Admin: the registry and the status history; every write is audited. Files come only through the checked upload
of the staff pages (portal/lib/uploads.py), never the admin."""

from __future__ import annotations

from django.contrib import admin

from portal.audit.admin import AuditedModelAdmin
from portal.documents.models import ProgramDocument, SchoolStatus


@admin.register(ProgramDocument)
class ProgramDocumentAdmin(AuditedModelAdmin):
    list_display = ["title", "municipality", "school", "kind", "date", "number", "status", "is_public"]
    list_filter = ["kind", "status", "is_public", "municipality"]
    search_fields = ["title", "number", "issuer"]
    raw_id_fields = ["school"]
    readonly_fields = ["file", "original_name", "size", "key", "created_by", "updated_by"]
    filter_horizontal = ["roadmap_entries"]


@admin.register(SchoolStatus)
class SchoolStatusAdmin(AuditedModelAdmin):
    list_display = ["school", "year", "kind", "document"]
    list_filter = ["kind", "year"]
    raw_id_fields = ["school", "document"]
