from django.contrib import admin

from portal.audit.admin import AuditedModelAdmin
from portal.schools.models import AcademicYear, Municipality, Region, School


@admin.register(Region)
class RegionAdmin(AuditedModelAdmin):
    list_display = ["name", "code", "is_demo"]


@admin.register(Municipality)
class MunicipalityAdmin(AuditedModelAdmin):
    list_display = ["name", "code", "region", "is_demo"]
    list_filter = ["region"]


@admin.register(School)
class SchoolAdmin(AuditedModelAdmin):
    list_display = ["short_name", "code", "kind", "locality", "students", "municipality"]
    list_filter = ["municipality", "kind", "locality"]
    search_fields = ["name", "short_name", "code"]


@admin.register(AcademicYear)
class AcademicYearAdmin(AuditedModelAdmin):
    list_display = ["label", "is_current"]
