from django.contrib import admin

from portal.audit.admin import AuditedModelAdmin
from portal.results.models import ImportBatch, OfficialListEntry, ReferenceDataset


@admin.register(ImportBatch)
class ImportBatchAdmin(AuditedModelAdmin):
    list_display = ["uploaded_at", "municipality", "kind", "filename", "status", "rows"]
    list_filter = ["kind", "status", "municipality"]


@admin.register(ReferenceDataset)
class ReferenceDatasetAdmin(AuditedModelAdmin):
    list_display = ["name", "municipality", "schools"]
    exclude = ["results_csv", "context_csv"]


@admin.register(OfficialListEntry)
class OfficialListEntryAdmin(AuditedModelAdmin):
    list_display = ["school", "year", "category", "source"]
    list_filter = ["year", "category"]
