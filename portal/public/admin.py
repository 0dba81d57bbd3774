"""Admin: public documents; every write is audited. Files come only through the checked upload of the staff
pages (portal/lib/uploads.py), never the admin."""

from __future__ import annotations

from django.contrib import admin

from portal.audit.admin import AuditedModelAdmin
from portal.public.models import PublicDocument


@admin.register(PublicDocument)
class PublicDocumentAdmin(AuditedModelAdmin):
    list_display = ["title", "municipality", "school", "section", "status", "document_date", "published_at"]
    list_filter = ["status", "section", "municipality"]
    search_fields = ["title", "description"]
    raw_id_fields = ["school"]
    readonly_fields = [
        "file",
        "extension",
        "original_name",
        "size",
        "key",
        "created_by",
        "published_at",
        "published_by",
    ]
