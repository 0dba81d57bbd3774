"""Admin of the library, profiles and programs; every write is audited (AuditedModelAdmin)."""

from __future__ import annotations

from django.contrib import admin

from portal.audit.admin import AuditedModelAdmin
from portal.programs.models import Goal, Measure, Program, ProgramMeasure, RiskFactor, RiskLevel, RiskProfile


@admin.register(RiskFactor)
class RiskFactorAdmin(AuditedModelAdmin):
    list_display = ["code", "title", "optional", "enabled", "position"]
    list_editable = ["enabled"]


@admin.register(Measure)
class MeasureAdmin(AuditedModelAdmin):
    list_display = ["code", "title", "region", "priority", "is_active", "origin"]
    list_filter = ["region", "is_active", "origin", "priority"]
    search_fields = ["code", "title", "description"]


class RiskLevelInline(admin.TabularInline):  # type: ignore[type-arg]
    model = RiskLevel
    extra = 0
    fields = ["factor", "level", "source", "computed_level", "comment"]


@admin.register(RiskProfile)
class RiskProfileAdmin(AuditedModelAdmin):
    list_display = ["school", "year", "updated_at"]
    list_filter = ["year"]
    inlines = [RiskLevelInline]


@admin.register(Program)
class ProgramAdmin(AuditedModelAdmin):
    list_display = ["school", "kind", "version", "status", "updated_at"]
    list_filter = ["kind", "status"]
    exclude = ["snapshot"]


@admin.register(Goal)
class GoalAdmin(AuditedModelAdmin):
    list_display = ["program", "text", "baseline", "target"]


@admin.register(ProgramMeasure)
class ProgramMeasureAdmin(AuditedModelAdmin):
    list_display = ["program", "title", "start", "end", "responsible", "origin"]
    list_filter = ["origin"]
