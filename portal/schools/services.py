"""Write use-cases of the school registry; each is atomic and leaves an audit entry."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from portal.audit.services import record, snapshot
from portal.lib import stale
from portal.schools.models import AcademicYear, Municipality, Region, School

#: Fields a school team or coordinator may change from the school page.
EDITABLE_SCHOOL_FIELDS = ("name", "short_name", "kind", "address", "site_url", "locality", "students")


def school_state(school: School) -> dict[str, Any]:
    """The editable fields as the form shows them (choices by their Russian label): the stale-save snapshot."""
    out: dict[str, Any] = {}
    for name in EDITABLE_SCHOOL_FIELDS:
        field = School._meta.get_field(name)
        value = getattr(school, name)
        out[name] = dict(field.flatchoices).get(value, value) if field.choices else value
    return out


SCHOOL_LABELS = {name: str(School._meta.get_field(name).verbose_name) for name in EDITABLE_SCHOOL_FIELDS}


def update_school(school: School, changes: dict[str, Any], *, by: Any, expected: str | None = None) -> School:
    """Apply edits of the school card; unknown fields are refused, the change is logged with before/after.

    ``expected`` is the form's snapshot (``portal.lib.stale``): if someone saved the school since the form was
    loaded, ``StaleEdit`` is raised and nothing is written.
    """
    unknown = set(changes) - set(EDITABLE_SCHOOL_FIELDS)
    if unknown:
        raise ValueError(f"fields not editable: {sorted(unknown)}")
    with transaction.atomic():
        locked = School.objects.select_for_update().get(pk=school.pk)
        stale.check(expected, school_state(locked), SCHOOL_LABELS)
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
