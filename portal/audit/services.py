"""Recording audit entries. Every write of a service function and of the admin goes through ``record``."""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from portal.audit.models import AuditEntry

#: Fields never copied into the log (secrets).
SECRET_FIELDS = frozenset({"password"})


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or None
    return value


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The object's concrete field values as JSON-safe data (foreign keys as ids, secrets masked)."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in SECRET_FIELDS:
            data[field.name] = "***"
            continue
        data[field.attname] = _json_value(getattr(obj, field.attname))
    return data


def _scope(obj: models.Model) -> tuple[int | None, int | None]:
    """(municipality_id, school_id) the object belongs to, for filtering the log by scope."""
    from portal.schools.models import Municipality, School

    scope = getattr(obj, "_audit_scope", None)  # set by portal.audit.signals for users (their role's scope)
    if scope is not None:
        return scope[1], scope[2]
    if isinstance(obj, School):
        return obj.municipality_id, obj.pk
    if isinstance(obj, Municipality):
        return obj.pk, None
    school = getattr(obj, "school", None)
    if isinstance(school, School):
        return school.municipality_id, school.pk
    municipality = getattr(obj, "municipality", None)
    if isinstance(municipality, Municipality):
        return municipality.pk, None
    return None, None


def _region_id(obj: models.Model) -> int | None:
    """The region of a region-level object (a region, a regional run, a user holding a regional role)."""
    from portal.schools.models import Region

    scope = getattr(obj, "_audit_scope", None)
    if scope is not None:
        return scope[0]
    if isinstance(obj, Region):
        return obj.pk
    region_id = getattr(obj, "region_id", None)
    return region_id if isinstance(region_id, int) else None


def actor(by: Any) -> Any:
    """The user to store as the author of a write, or None for the system (demo loader, commands)."""
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def record(
    obj: models.Model,
    action: str,
    *,
    by: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    source: str = AuditEntry.Source.SERVICE,
    municipality: models.Model | None = None,
) -> AuditEntry:
    """Write one audit entry. ``by`` is the acting user, or None for the system (e.g. the demo loader).

    An object of a region's shared library (its class sets ``audit_region_wide = True`` and it has a ``region``)
    gives a region-wide entry: every municipality of the region sees it in its log. ``municipality`` names the
    municipality whose page the write was made from, when the object itself belongs to no municipality.
    """
    user = actor(by)
    municipality_id, school_id = _scope(obj)
    if municipality_id is None and municipality is not None:
        municipality_id = municipality.pk
    region_id = _region_id(obj)
    return AuditEntry.objects.create(
        region_id=region_id,
        region_wide=bool(getattr(obj, "audit_region_wide", False)) and region_id is not None,
        actor=user,
        actor_repr=str(user) if user is not None else "система",
        source=AuditEntry.Source.SYSTEM if user is None and source == AuditEntry.Source.SERVICE else source,
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk) if obj.pk is not None else "",
        object_repr=str(obj)[:300],
        municipality_id=municipality_id,
        school_id=school_id,
        before=before,
        after=after,
        data=data,
    )
