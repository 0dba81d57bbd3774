"""Admin integration: every model admin derives from AuditedModelAdmin so admin writes are logged too."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from portal.audit.models import AuditEntry
from portal.audit.services import record, snapshot


class AuditedModelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Records created/changed/deleted entries with before/after values for every admin write."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def _action(self, obj: models.Model, verb: str) -> str:
        return f"{obj._meta.app_label}.{obj._meta.model_name}.{verb}"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = snapshot(type(obj)._default_manager.get(pk=obj.pk)) if change and obj.pk else None
            super().save_model(request, obj, form, change)
            record(
                obj,
                self._action(obj, "changed" if change else "created"),
                by=request.user,
                before=before,
                after=snapshot(obj),
                source=AuditEntry.Source.ADMIN,
            )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Inline rows are writes too: log each created, changed and deleted row."""
        with transaction.atomic():
            befores = {
                f.instance.pk: snapshot(type(f.instance)._default_manager.get(pk=f.instance.pk))
                for f in formset.forms
                if f.instance.pk and f.has_changed()
            }
            super().save_formset(request, form, formset, change)
            for obj in formset.new_objects:
                record(
                    obj,
                    self._action(obj, "created"),
                    by=request.user,
                    after=snapshot(obj),
                    source=AuditEntry.Source.ADMIN,
                )
            for obj, _fields in formset.changed_objects:
                record(
                    obj,
                    self._action(obj, "changed"),
                    by=request.user,
                    before=befores.get(obj.pk),
                    after=snapshot(obj),
                    source=AuditEntry.Source.ADMIN,
                )
            for obj in formset.deleted_objects:
                record(
                    obj,
                    self._action(obj, "deleted"),
                    by=request.user,
                    before=snapshot(obj),
                    source=AuditEntry.Source.ADMIN,
                )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            record(
                obj,
                self._action(obj, "deleted"),
                by=request.user,
                before=snapshot(obj),
                source=AuditEntry.Source.ADMIN,
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset:
                record(
                    obj,
                    self._action(obj, "deleted"),
                    by=request.user,
                    before=snapshot(obj),
                    source=AuditEntry.Source.ADMIN,
                )
            super().delete_queryset(request, queryset)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: the log can be read, never edited."""

    list_display = ["at", "actor_repr", "source", "action", "object_repr", "municipality"]
    list_filter = ["source", "action", "municipality"]
    search_fields = ["object_repr", "actor_repr", "action"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
