"""Admin of the staff app: every write is audited (AuditedModelAdmin)."""

from django.contrib import admin

from portal.audit.admin import AuditedModelAdmin
from portal.staff.models import (
    BestPractice,
    Course,
    DevelopmentRoute,
    Diagnostic,
    EventParticipation,
    JointEvent,
    Partnership,
    PracticeParticipation,
    SupportVisit,
    Teacher,
    TrainingSite,
)


@admin.register(Teacher)
class TeacherAdmin(AuditedModelAdmin):
    list_display = ["name", "school", "category", "is_leadership", "hired_year", "left_year"]
    list_filter = ["category", "is_leadership", "school__municipality"]
    search_fields = ["name"]


@admin.register(Diagnostic, DevelopmentRoute, Course, PracticeParticipation, EventParticipation)
class TeacherRecordAdmin(AuditedModelAdmin):
    list_display = ["__str__", "teacher"]
    raw_id_fields = ["teacher"]


@admin.register(SupportVisit)
class SupportVisitAdmin(AuditedModelAdmin):
    list_display = ["date", "school", "kind", "team"]
    list_filter = ["kind"]


@admin.register(Partnership)
class PartnershipAdmin(AuditedModelAdmin):
    list_display = ["partner", "kind", "school", "municipality", "starts_on", "ends_on"]
    list_filter = ["kind"]


@admin.register(JointEvent)
class JointEventAdmin(AuditedModelAdmin):
    list_display = ["date", "title", "partnership"]


@admin.register(BestPractice)
class BestPracticeAdmin(AuditedModelAdmin):
    list_display = ["title", "school", "status", "for_atlas"]
    list_filter = ["status", "for_atlas"]


@admin.register(TrainingSite)
class TrainingSiteAdmin(AuditedModelAdmin):
    list_display = ["school", "subject_area", "year"]
