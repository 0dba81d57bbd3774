"""Write use-cases of the school registry; each is atomic and leaves an audit entry."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from portal.audit.services import record, snapshot
from portal.schools.models import AcademicYear, Municipality, Region, School

#: Fields a school team or coordinator may change from the school page.
EDITABLE_SCHOOL_FIELDS = ("name", "short_name", "kind", "address", "site_url", "locality", "students")


def update_school(school: School, changes: dict[str, Any], *, by: Any) -> School:
    """Apply edits of the school card; unknown fields are refused, the change is logged with before/after."""
    unknown = set(changes) - set(EDITABLE_SCHOOL_FIELDS)
    if unknown:
        raise ValueError(f"fields not editable: {sorted(unknown)}")
    with transaction.atomic():
        locked = School.objects.select_for_update().get(pk=school.pk)
        before = snapshot(locked)
        for field, value in changes.items():
            setattr(locked, field, value)
        locked.full_clean()
        locked.save()
        after = snapshot(locked)
        if after != before:
            record(locked, "schools.school.changed", by=by, before=before, after=after)
    return locked


def upsert_region(code: str, *, by: Any, **fields: Any) -> Region:
    return _upsert(Region, {"code": code}, fields, by=by, action="schools.region")


def upsert_municipality(code: str, *, by: Any, **fields: Any) -> Municipality:
    return _upsert(Municipality, {"code": code}, fields, by=by, action="schools.municipality")


def upsert_school(code: str, *, by: Any, **fields: Any) -> School:
    return _upsert(School, {"code": code}, fields, by=by, action="schools.school")


def ensure_academic_years(start_years: range, *, current: int, by: Any) -> list[AcademicYear]:
    """Create the given academic years if missing and mark ``current`` as the current one."""
    years = []
    with transaction.atomic():
        AcademicYear.objects.exclude(start_year=current).filter(is_current=True).update(is_current=False)
        for start in start_years:
            years.append(
                _upsert(
                    AcademicYear,
                    {"start_year": start},
                    {"is_current": start == current},
                    by=by,
                    action="schools.academic_year",
                )
            )
    return years


def _upsert(model: Any, key: dict[str, Any], fields: dict[str, Any], *, by: Any, action: str) -> Any:
    with transaction.atomic():
        obj = model.objects.select_for_update().filter(**key).first()
        if obj is None:
            obj = model(**key, **fields)
            obj.full_clean()
            obj.save()
            record(obj, f"{action}.created", by=by, after=snapshot(obj))
            return obj
        before = snapshot(obj)
        for name, value in fields.items():
            setattr(obj, name, value)
        obj.full_clean()
        obj.save()
        after = snapshot(obj)
        if after != before:
            record(obj, f"{action}.changed", by=by, before=before, after=after)
        return obj
