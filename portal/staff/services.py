"""Write use-cases of the staff app and its computations; every write takes an actor and leaves an audit entry.

Computed values go to two places: the open monitoring period (IndicatorValue rows with origin «records») and the
municipal risk-factor inputs (portal.results.models.RiskInput). The formulas are in opora.staff_indicators.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from opora import staff_indicators as core
from portal.audit.services import actor, record, snapshot
from portal.lib import stale
from portal.schools.models import Municipality, School
from portal.staff.models import (
    BestPractice,
    Course,
    DevelopmentRoute,
    Diagnostic,
    EventParticipation,
    Partnership,
    PracticeParticipation,
    SupportVisit,
    Teacher,
)


class StaffError(Exception):
    """A use-case refused; ``str(error)`` is a Russian sentence for the user."""


# --------------------------------------------------------------------------------------------- plain writes


def save_object(obj: models.Model, *, by: Any, action: str) -> models.Model:
    """Validate and save one record (create or update); the audit entry holds the fields before and after."""
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise StaffError("; ".join(m for msgs in exc.message_dict.values() for m in msgs)) from exc
    with transaction.atomic():
        before = None
        if obj.pk is not None:
            old = type(obj).objects.filter(pk=obj.pk).first()
            before = snapshot(old) if old is not None else None
        obj.save()
        record(
            obj, f"{action}.{'changed' if before else 'created'}", by=by, before=before, after=snapshot(obj)
        )
    return obj


#: The teacher form's fields, in the order the stale-save message lists them.
TEACHER_FIELDS = ("name", "subjects", "category", "is_leadership", "hired_year", "left_year")


def teacher_state(teacher: Teacher) -> dict[str, Any]:
    """The teacher's record as the edit form shows it: the snapshot ``portal.lib.stale`` compares on save."""
    state = {name: getattr(teacher, name) for name in TEACHER_FIELDS}
    state["category"] = teacher.get_category_display()
    return state


TEACHER_LABELS = {name: str(Teacher._meta.get_field(name).verbose_name) for name in TEACHER_FIELDS}


def save_teacher(teacher: Teacher, *, by: Any, expected: str | None = None) -> Teacher:
    """Save an edited teacher's record; ``expected`` is the form's snapshot: if someone saved the record since the
    form was loaded, ``portal.lib.stale.StaleEdit`` is raised and nothing is written."""
    try:
        teacher.full_clean()
    except ValidationError as exc:
        raise StaffError("; ".join(m for msgs in exc.message_dict.values() for m in msgs)) from exc
    with transaction.atomic():
        locked = Teacher.objects.select_for_update().get(pk=teacher.pk)
        stale.check(expected, teacher_state(locked), TEACHER_LABELS)
        before = snapshot(locked)
        teacher.save()
        after = snapshot(teacher)
        if after != before:
            record(teacher, "staff.teacher.changed", by=by, before=before, after=after)
    return teacher


def delete_object(obj: models.Model, *, by: Any, action: str) -> None:
    with transaction.atomic():
        record(obj, f"{action}.deleted", by=by, before=snapshot(obj))
        obj.delete()


def review_practice(
    practice: BestPractice, *, status: str, comment: str, for_atlas: bool, by: Any
) -> BestPractice:
    """The method centre approves, returns (comment required) or publishes a practice; flags it for РАОП."""
    allowed = {
        BestPractice.Status.SUBMITTED: {BestPractice.Status.APPROVED, BestPractice.Status.RETURNED},
        BestPractice.Status.APPROVED: {BestPractice.Status.PUBLISHED, BestPractice.Status.RETURNED},
        BestPractice.Status.RETURNED: set(),
        BestPractice.Status.PUBLISHED: {BestPractice.Status.RETURNED},
    }
    if status not in allowed.get(practice.status, set()) and status != practice.status:
        raise StaffError(
            f"Практику в статусе «{practice.get_status_display()}» нельзя перевести в «{BestPractice.Status(status).label}»."
        )
    if status == BestPractice.Status.RETURNED and not comment.strip():
        raise StaffError("Укажите, что доработать: при возврате комментарий обязателен.")
    with transaction.atomic():
        before = snapshot(practice)
        practice.status, practice.for_atlas = status, for_atlas
        practice.review_comment = comment.strip()
        practice.reviewed_at = timezone.now()
        practice.save()
        record(practice, "staff.practice.reviewed", by=by, before=before, after=snapshot(practice))
    return practice


def resubmit_practice(practice: BestPractice, *, by: Any) -> BestPractice:
    """The school sends a returned (and corrected) practice back for review."""
    if practice.status != BestPractice.Status.RETURNED:
        raise StaffError("Повторно отправить можно только возвращённую практику.")
    before = snapshot(practice)
    practice.status = BestPractice.Status.SUBMITTED
    practice.save(update_fields=["status"])
    record(practice, "staff.practice.resubmitted", by=by, before=before, after=snapshot(practice))
    return practice


# --------------------------------------------------------------------------------------------- reading for the core


@dataclass
class Records:
    """The municipality's records in the core's terms, with the Django objects behind each ``ref``."""

    teachers: list[core.Teacher]
    activities: list[core.Activity]
    school_records: list[core.SchoolRecord]


def records_for(municipality: Municipality, schools: Iterable[int] | None = None) -> Records:
    """Every record of the municipality's schools (or of ``schools``), read in seven queries."""
    tq = Teacher.objects.filter(school__municipality=municipality)
    if schools is not None:
        tq = tq.filter(school_id__in=list(schools))
    teachers = [
        core.Teacher(pk, school, category, lead, hired, left)
        for pk, school, category, lead, hired, left in tq.values_list(
            "pk", "school_id", "category", "is_leadership", "hired_year", "left_year"
        )
    ]
    ids = [t.id for t in teachers]
    acts: list[core.Activity] = []
    for pk, teacher, date in Diagnostic.objects.filter(teacher_id__in=ids).values_list(
        "pk", "teacher_id", "date"
    ):
        acts.append(core.Activity(f"diagnostic:{pk}", teacher, "diagnostic", date.year))
    for pk, teacher, year, implemented in DevelopmentRoute.objects.filter(teacher_id__in=ids).values_list(
        "pk", "teacher_id", "year", "implemented"
    ):
        acts.append(core.Activity(f"route:{pk}", teacher, "route_formed", year))
        if implemented:
            acts.append(core.Activity(f"route:{pk}", teacher, "route_implemented", year))
    for pk, teacher, year, registry in Course.objects.filter(teacher_id__in=ids).values_list(
        "pk", "teacher_id", "year", "registry"
    ):
        acts.append(core.Activity(f"course:{pk}", teacher, "course", year, registry))
    for pk, teacher, year, kind in PracticeParticipation.objects.filter(teacher_id__in=ids).values_list(
        "pk", "teacher_id", "year", "kind"
    ):
        acts.append(core.Activity(f"practice:{pk}", teacher, "practice", year, kind))
    for pk, teacher, date, level, team, title in EventParticipation.objects.filter(
        teacher_id__in=ids
    ).values_list("pk", "teacher_id", "date", "level", "as_team", "title"):
        acts.append(core.Activity(f"event:{pk}", teacher, "event", date.year, level, team, f"{title}|{date}"))
    vq = SupportVisit.objects.filter(school__municipality=municipality)
    pq = Partnership.objects.filter(municipality=municipality, school__isnull=False)
    if schools is not None:
        vq, pq = vq.filter(school_id__in=list(schools)), pq.filter(school_id__in=list(schools))
    recs = [
        core.SchoolRecord(f"visit:{pk}", school, "support", kind, date.year, date.year)
        for pk, school, kind, date in vq.values_list("pk", "school_id", "kind", "date")
    ]
    recs += [
        core.SchoolRecord(
            f"partnership:{pk}", school, "partnership", kind, start.year, end.year if end else None
        )
        for pk, school, kind, start, end in pq.values_list("pk", "school_id", "kind", "starts_on", "ends_on")
    ]
    return Records(teachers, acts, recs)


def kept_schools(recs: Records, year: int) -> list[int]:
    """Schools whose records are kept for ``year``: a teacher working that year, or a support/partnership record."""
    ids = {t.school for t in core.teachers_in_year(recs.teachers, year)}
    ids |= {r.school for r in recs.school_records if r.in_year(year)}
    return sorted(ids)


def compute(
    municipality: Municipality, year: int, schools: Iterable[int] | None = None
) -> list[core.SlotValue]:
    """Computed slot values of the municipality's schools (or of ``schools``) for ``year``."""
    recs = records_for(municipality, schools)
    return core.school_values(
        recs.teachers, recs.activities, recs.school_records, year=year, schools=kept_schools(recs, year)
    )


MODELS_BY_PREFIX: dict[str, type[models.Model]] = {
    "diagnostic": Diagnostic,
    "route": DevelopmentRoute,
    "course": Course,
    "practice": PracticeParticipation,
    "event": EventParticipation,
    "visit": SupportVisit,
    "partnership": Partnership,
}


def source_objects(refs: Iterable[str]) -> list[models.Model]:
    """The records behind the core's refs («course:12»), in the given order, each once."""
    wanted: dict[str, list[int]] = {}
    order = list(dict.fromkeys(refs))
    for ref in order:
        prefix, _, pk = ref.partition(":")
        wanted.setdefault(prefix, []).append(int(pk))
    found: dict[str, models.Model] = {}
    for prefix, pks in wanted.items():
        model = MODELS_BY_PREFIX[prefix]
        qs = model.objects.filter(pk__in=pks)
        if prefix not in ("visit", "partnership"):
            qs = qs.select_related("teacher")
        for obj in qs:
            found[f"{prefix}:{obj.pk}"] = obj
    return [found[r] for r in order if r in found]


# --------------------------------------------------------------------------------------------- monitoring feed


def _payload(v: core.SlotValue) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "bool_value": None,
        "number": None,
        "numerator": None,
        "status3": "",
        "text": "",
        "links": [],
    }
    if v.measure == "people":
        payload.update(
            numerator=float(v.numerator),
            number=v.number,
            denominator=float(v.denominator),  # the monitoring divides by the same teachers (issue #18 §3)
            text=f"Из учёта педагогов: {v.numerator} из {v.denominator} педагогов.",
        )
    elif v.measure in ("count", "teams"):
        payload.update(number=v.number, text=f"Из учёта педагогов: записей — {len(v.sources)}.")
    else:
        payload.update(
            bool_value=v.flag,
            text=f"Из учёта: записей — {len(v.sources)}." if v.sources else "Из учёта: записей за год нет.",
        )
    return payload


@dataclass(frozen=True)
class FeedReport:
    written: int
    replaced_typed: int
    removed: int


def feed_monitoring(period: Any, *, by: Any) -> FeedReport:
    """Write the computed school values of ``period.year`` into the open period (origin «из учёта педагогов»).

    A value typed by the school for such a slot is replaced (its old value stays in the audit log); the school's
    form then shows the slot read-only. Slots of 3.8 are written only when the method centre keeps support
    records for the year. Closed periods raise ``PeriodLocked``; the period's revision is bumped.
    """
    from portal.monitoring.models import IndicatorValue, MonitoringPeriod
    from portal.monitoring.services import check_open, touch

    check_open(period)
    values = compute(period.municipality, period.year)
    support_kept = SupportVisit.objects.filter(
        school__municipality=period.municipality, date__year=period.year
    ).exists()
    origin = IndicatorValue.Origin.RECORDS
    written = replaced = removed = 0
    with transaction.atomic():
        locked = MonitoringPeriod.objects.select_for_update().get(pk=period.pk)
        check_open(locked)
        indicators = {
            i.code: i for i in locked.indicator_set.indicators.filter(code__in={r.code for r in core.RULES})
        }
        existing = {
            (v.school_id, v.indicator_id, v.subitem): v
            for v in IndicatorValue.objects.filter(
                period=locked, school__isnull=False, indicator__in=list(indicators.values())
            )
        }
        seen: set[tuple[int, int, str]] = set()
        who = actor(by)
        for sv in values:
            ind = indicators.get(sv.code)
            if ind is None or sv.subitem not in ind.school_slots or (sv.code == "3.8" and not support_kept):
                continue
            key = (sv.school, ind.pk, sv.subitem)
            seen.add(key)
            payload = _payload(sv)
            current = existing.get(key)
            if current is not None and current.origin == origin and current.as_payload() == payload:
                continue
            if current is None:
                current = IndicatorValue(
                    period=locked, school_id=sv.school, indicator=ind, subitem=sv.subitem
                )
            elif current.origin != origin:
                replaced += 1
                record(
                    current,
                    "staff.monitoring.typed_value_replaced",
                    by=by,
                    before={**current.as_payload(), "origin": current.origin},
                    after=payload,
                )
            for name, value in payload.items():
                setattr(current, name, value)
            current.origin, current.updated_by = origin, who
            current.save()
            written += 1
        stale = [v for k, v in existing.items() if v.origin == origin and k not in seen]
        for v in stale:
            v.delete()
        removed = len(stale)
        touch(locked.pk)
        record(
            locked,
            "staff.monitoring.fed",
            by=by,
            data={"year": locked.year, "written": written, "replaced_typed": replaced, "removed": removed},
        )
    return FeedReport(written, replaced, removed)


# --------------------------------------------------------------------------------------------- risk inputs

RISK_LAYOUT = "staff_records"
RISK_FIELDS = ("share_category_first_highest", "share_trained_3y")


@dataclass(frozen=True)
class RiskReport:
    created: int
    updated: int
    kept_from_file: int


def derive_risk_inputs(
    municipality: Municipality, year: int, *, by: Any, overwrite: bool = False
) -> RiskReport:
    """Fill RiskInput's two teacher shares of ``year`` from the records.

    A value imported from a file is kept unless ``overwrite``; values this service wrote before are refreshed.
    Rows created here belong to an ImportBatch of layout ``staff_records`` («рассчитано по учёту педагогов»),
    so their source is visible in «Данные»; every change is in the audit log with its source.
    """
    from portal.results.models import ImportBatch, RiskInput

    recs = records_for(municipality)
    shares = core.risk_inputs(recs.teachers, recs.activities, year=year)
    if not shares:
        raise StaffError(f"За {year} г. в учёте нет ни одного педагога: рассчитывать нечего.")
    created = updated = kept = 0
    digest = hashlib.sha256(json.dumps([s.__dict__ for s in shares], sort_keys=True).encode()).hexdigest()
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            municipality=municipality,
            kind=ImportBatch.Kind.RISK,
            filename=f"Учёт педагогов (рассчитано), {year} г.",
            sha256=digest,
            uploaded_by=actor(by),
            status=ImportBatch.Status.IMPORTED,
            years=[year],
            layout=RISK_LAYOUT,
        )
        existing = {
            r.school_id: r
            for r in RiskInput.objects.filter(school__municipality=municipality, year=year).select_related(
                "batch"
            )
        }
        for s in shares:
            new = {
                "share_category_first_highest": s.share_category_first_highest,
                "share_trained_3y": s.share_trained_3y,
            }
            row = existing.get(s.school)
            if row is None:
                row = RiskInput.objects.create(school_id=s.school, batch=batch, year=year, **new)
                record(row, "staff.risk_input.created", by=by, after={**new, "source": RISK_LAYOUT})
                created += 1
                continue
            from_file = row.batch.layout != RISK_LAYOUT
            before = {f: getattr(row, f) for f in RISK_FIELDS}
            changes = {
                f: v
                for f, v in new.items()
                if before[f] != v and (overwrite or not from_file or before[f] is None)
            }
            kept += sum(
                1 for f, v in new.items() if before[f] not in (None, v) and from_file and not overwrite
            )
            if not changes:
                continue
            for f, v in changes.items():
                setattr(row, f, v)
            if not from_file:
                row.batch = batch
            row.save()
            record(
                row,
                "staff.risk_input.changed",
                by=by,
                before=before,
                after={**changes, "source": RISK_LAYOUT},
            )
            updated += 1
        batch.rows, batch.replaced = created, updated
        batch.save(update_fields=["rows", "replaced"])
        record(
            batch,
            "staff.risk_input.derived",
            by=by,
            data={"year": year, "created": created, "updated": updated, "kept_from_file": kept},
        )
    return RiskReport(created, updated, kept)


# --------------------------------------------------------------------------------------------- public query


PUBLIC_PRACTICE_FIELDS = ("title", "authors", "description", "materials_url", "results", "for_atlas")


def published_practices(municipality: Municipality) -> list[dict[str, Any]]:
    """Published practices for a public page: the practice and its school; the only names are its own authors."""
    out = []
    for p in BestPractice.objects.published_in(municipality).select_related("school").order_by("title"):
        item = {f: getattr(p, f) for f in PUBLIC_PRACTICE_FIELDS}
        item["school"] = p.school.short_name
        out.append(item)
    return out


def teacher_count(school: School, year: int) -> int:
    teachers = [
        core.Teacher(pk, school.pk, "none", False, hired, left)
        for pk, hired, left in Teacher.objects.filter(school=school).values_list(
            "pk", "hired_year", "left_year"
        )
    ]
    return len(core.teachers_in_year(teachers, year))
