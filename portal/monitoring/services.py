"""Write use-cases of monitoring: each takes an explicit actor, is atomic and leaves an audit entry.

A closed period rejects every write here (not only in views): ``PeriodLocked`` with a Russian message.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import tempfile
from collections.abc import Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import polars as pl
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from opora import indicator_catalogue as catalogue
from opora.indicators import fmt_num
from opora.risk_factors import risk_flags
from opora.trends import groups_for, school_dynamics
from portal.audit.services import record, snapshot
from portal.monitoring.models import (
    Indicator,
    IndicatorSet,
    IndicatorValue,
    MonitoringPeriod,
    SchoolSubmission,
    TargetSchool,
)
from portal.monitoring.values import InvalidValue, Slot, clean, is_empty
from portal.schools.models import Municipality, School

logger = logging.getLogger(__name__)


class MonitoringError(Exception):
    """A use-case refused; ``str(error)`` is a Russian sentence for the user."""


class PeriodLocked(MonitoringError):
    """The period is closed: nothing in it can change."""


class ValidationFailed(MonitoringError):
    """Entered values are invalid; ``errors`` lists every problem (Russian)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


# --------------------------------------------------------------------------------------------- catalogue


def _indicator_fields(ind: catalogue.Indicator, position: int) -> dict[str, Any]:
    targets = [
        {
            "subitem": sub,
            "year": year,
            "op": t.op,
            "value": t.value,
            "unit": t.unit,
            "source": t.source,
            "note": t.note,
        }
        for (sub, year), t in sorted(ind.all_targets().items(), key=lambda kv: (kv[0][0] or "", kv[0][1]))
    ]
    return {
        "position": position,
        "source_number": ind.source_number or "",
        "block": ind.block or "",
        "direction": ind.direction,
        "municipal_wording": ind.municipal_wording or "",
        "municipal_type": ind.municipal_type or "",
        "municipal_indicator_text": ind.municipal_indicator_text or "",
        "school_wording": ind.school_wording or "",
        "school_type": ind.school_type or "",
        "school_indicator_text": ind.school_indicator_text or "",
        "derivation": ind.derivation or "",
        "target_group": ind.target_group or "",
        "bucket_scheme": ind.bucket_scheme or "",
        "school_bucket_scheme": ind.school_bucket_scheme or "",
        "status_labels": dict(ind.status_labels),
        "subitems": [
            {
                "code": s.code,
                "label": s.label,
                "levels": list(s.levels),
                "municipal_wording": s.municipal_wording,
                "school_wording": s.school_wording,
                "note": s.note,
            }
            for s in ind.subitems
        ],
        "targets": targets,
        "source_lines": list(ind.source_lines),
        "note": ind.note or "",
    }


def sync_indicator_set(loaded: catalogue.IndicatorSet, yaml_text: str, *, by: Any) -> IndicatorSet:
    """Create or update the set and its indicators from a validated catalogue; idempotent.

    An indicator missing from the new file is deleted only if nothing was entered for it; otherwise the load is
    refused, so values are never orphaned silently.
    """
    with transaction.atomic():
        obj = IndicatorSet.objects.select_for_update().filter(code=loaded.code).first()
        fields = {
            "title": loaded.title,
            "source": loaded.source,
            "source_file": loaded.source_file or "",
            "buckets": {
                name: {
                    "label": s.label,
                    "buckets": [
                        {"code": b.code, "label": b.label, "lower": b.lower, "upper": b.upper}
                        for b in s.buckets
                    ],
                }
                for name, s in loaded.buckets.items()
            },
            "blocks": [
                {"code": b.code, "source_number": b.source_number, "title": b.title, "direction": b.direction}
                for b in loaded.blocks.values()
            ],
            "yaml_text": yaml_text,
            "sha256": hashlib.sha256(yaml_text.encode("utf-8")).hexdigest(),
        }
        created = obj is None
        if obj is None:
            obj = IndicatorSet.objects.create(code=loaded.code, **fields)
            record(
                obj, "monitoring.indicator_set.created", by=by, after={"code": obj.code, "sha256": obj.sha256}
            )
        elif obj.sha256 == fields["sha256"] and obj.indicators.count() == len(loaded.indicators):
            return obj
        else:
            before = {"sha256": obj.sha256}
            for name, value in fields.items():
                setattr(obj, name, value)
            obj.save()
        existing = {i.code: i for i in obj.indicators.all()}
        wanted = [ind.id for ind in loaded.indicators]
        stale = [code for code in existing if code not in wanted]
        used = set(
            IndicatorValue.objects.filter(
                indicator__indicator_set=obj, indicator__code__in=stale
            ).values_list("indicator__code", flat=True)
        )
        if used:
            raise MonitoringError(
                f"Набор «{obj.code}»: в новом файле нет показателей {', '.join(sorted(used))}, "
                "но по ним уже введены значения. Загрузка отменена."
            )
        Indicator.objects.filter(indicator_set=obj, code__in=stale).delete()
        for position, ind in enumerate(loaded.indicators, start=1):
            values = _indicator_fields(ind, position)
            if ind.id in existing:
                row = existing[ind.id]
                for name, value in values.items():
                    setattr(row, name, value)
                row.save()
            else:
                Indicator.objects.create(indicator_set=obj, code=ind.id, **values)
        if not created:
            record(
                obj,
                "monitoring.indicator_set.changed",
                by=by,
                before=before,
                after={"sha256": obj.sha256, "indicators": len(wanted), "removed": stale},
            )
    return obj


def load_indicator_set_text(yaml_text: str, *, by: Any, name: str = "загруженный файл") -> IndicatorSet:
    """Validate a catalogue YAML (as text) with the core's loader and sync it; ``CatalogueError`` if invalid."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / (Path(name).name or "set.yaml")
        path.write_text(yaml_text, encoding="utf-8")
        try:
            loaded = catalogue.load_set(path)
        except catalogue.CatalogueError as exc:
            raise MonitoringError(str(exc).replace(str(path), name)) from exc
    return sync_indicator_set(loaded, yaml_text, by=by)


def sync_builtin_sets(*, by: Any) -> list[IndicatorSet]:
    """Load the catalogues shipped with the core (``opora/data/indicators``)."""
    out = []
    for code, filename in catalogue.BUILTIN_FILES.items():
        text = (Path(catalogue.__file__).resolve().parent / "data" / "indicators" / filename).read_text(
            "utf-8"
        )
        obj = load_indicator_set_text(text, by=by, name=filename)
        if obj.code != code:  # pragma: no cover - builtin_sets() checks the same
            raise MonitoringError(f"{filename}: ожидается код набора {code!r}")
        out.append(obj)
    return out


# --------------------------------------------------------------------------------------------- periods


def touch(period_id: int) -> None:
    """Mark the period's data as changed and derive its municipal values again once the write is committed.

    The dashboard's cached values are keyed by ``revision``, so the old entry is never read again. Deriving the
    new one here, after the commit, costs the writer ~0.1 s for 1,000 schools and spares every reader: the next
    dashboard request (in any worker: the cache is shared) finds the values ready.
    """
    MonitoringPeriod.objects.filter(pk=period_id).update(revision=F("revision") + 1)
    transaction.on_commit(partial(warm, period_id))


def warm(period_id: int) -> None:
    """Derive and cache the period's rows for the default view (all target schools) unless already cached."""
    from portal.monitoring.derive import cached_rows

    period = MonitoringPeriod.objects.select_related("indicator_set").filter(pk=period_id).first()
    if period is None:
        return
    try:
        cached_rows(period)
    except Exception:  # the write itself succeeded; the next reader derives the values and shows any error
        logger.exception("monitoring: warming the dashboard of period %s failed", period_id)


def check_open(period: MonitoringPeriod) -> None:
    """Raise ``PeriodLocked`` unless the period is open (every write use-case calls this first)."""
    if period.status != MonitoringPeriod.Status.OPEN:
        raise PeriodLocked(
            f"Период мониторинга {period.year} г. закрыт координатором: изменения не принимаются."
        )


def open_period(
    municipality: Municipality,
    indicator_set: IndicatorSet,
    year: int,
    *,
    by: Any,
    deadline: datetime.date | None = None,
) -> MonitoringPeriod:
    """Open a year: target schools from the latest published identification, a draft form for every school."""
    if MonitoringPeriod.objects.filter(
        municipality=municipality, indicator_set=indicator_set, year=year
    ).exists():
        raise MonitoringError(f"Период мониторинга {year} г. по этому набору уже есть.")
    with transaction.atomic():
        period = MonitoringPeriod.objects.create(
            municipality=municipality,
            indicator_set=indicator_set,
            year=year,
            deadline=deadline,
            opened_by=by if getattr(by, "is_authenticated", False) else None,
        )
        targets_from_identification(period, by=by)
        schools = list(School.objects.filter(municipality=municipality))
        SchoolSubmission.objects.bulk_create(
            [SchoolSubmission(period=period, school=s, students_total=s.students) for s in schools]
        )
        record(period, "monitoring.period.opened", by=by, after=snapshot(period))
        refresh_computed(period, by=by)
    return period


def targets_from_identification(period: MonitoringPeriod, *, by: Any) -> int:
    """Replace the target list with the latest published identification's categories; return its size.

    ШНОР = ``low_results``, зона риска = ``at_risk``. Without a published run the list stays as it is
    (the coordinator sets it by hand).
    """
    from portal.identification.services import latest_published

    check_open(period)
    run = latest_published(period.municipality)
    if run is None:
        period.targets_source = "Опубликованного расчёта идентификации нет: список задаёт координатор."
        period.save(update_fields=["targets_source"])
        return period.target_schools.count()
    note = f"Расчёт идентификации № {run.pk} за {run.year} г., опубликован"
    rows = []
    for school_id, categories in run.outcomes.values_list("school_id", "categories"):
        shnor, risk = "low_results" in categories, "at_risk" in categories
        if shnor or risk:
            rows.append(
                TargetSchool(
                    period=period,
                    school_id=school_id,
                    is_shnor=shnor,
                    is_at_risk=risk,
                    source=TargetSchool.Source.IDENTIFICATION,
                    source_note=note,
                )
            )
    with transaction.atomic():
        period.target_schools.all().delete()
        TargetSchool.objects.bulk_create(rows)
        period.targets_source = note
        period.save(update_fields=["targets_source"])
        touch(period.pk)
        record(
            period,
            "monitoring.period.targets_from_identification",
            by=by,
            data={"run": run.pk, "schools": [r.school_id for r in rows]},
        )
    return len(rows)


def set_target_schools(
    period: MonitoringPeriod, *, shnor: Iterable[int], at_risk: Iterable[int], by: Any
) -> None:
    """The coordinator's own target list (replaces the one from identification)."""
    check_open(period)
    shnor_ids, risk_ids = set(shnor), set(at_risk)
    valid = set(School.objects.filter(municipality=period.municipality).values_list("pk", flat=True))
    if not (shnor_ids | risk_ids) <= valid:
        raise MonitoringError("В списке есть школы другого муниципалитета.")
    with transaction.atomic():
        before = sorted(period.target_schools.values_list("school_id", "is_shnor", "is_at_risk"))
        period.target_schools.all().delete()
        TargetSchool.objects.bulk_create(
            [
                TargetSchool(
                    period=period,
                    school_id=pk,
                    is_shnor=pk in shnor_ids,
                    is_at_risk=pk in risk_ids,
                    source=TargetSchool.Source.MANUAL,
                    source_note="указано координатором",
                )
                for pk in sorted(shnor_ids | risk_ids)
            ]
        )
        period.targets_source = "Список задан координатором вручную."
        period.save(update_fields=["targets_source"])
        touch(period.pk)
        after = sorted(period.target_schools.values_list("school_id", "is_shnor", "is_at_risk"))
        record(
            period,
            "monitoring.period.targets_set",
            by=by,
            before={"targets": before},
            after={"targets": after},
        )


def close_period(period: MonitoringPeriod, *, by: Any) -> MonitoringPeriod:
    """Lock the period; municipal values are frozen as they are now (the dashboard's trend reads them)."""
    from portal.monitoring.derive import freeze

    with transaction.atomic():
        locked = MonitoringPeriod.objects.select_for_update().get(pk=period.pk)
        check_open(locked)
        before = snapshot(locked)
        locked.frozen = freeze(locked)
        locked.status = MonitoringPeriod.Status.CLOSED
        locked.closed_at = timezone.now()
        locked.closed_by = by if getattr(by, "is_authenticated", False) else None
        locked.revision += 1
        locked.save()
        after = snapshot(locked)
        after.pop("frozen", None)
        before.pop("frozen", None)
        record(locked, "monitoring.period.closed", by=by, before=before, after=after)
    return locked


def reopen_period(period: MonitoringPeriod, *, reason: str, by: Any) -> MonitoringPeriod:
    """Open a closed period again (a correction after closing), with the reason in the audit log.

    The values frozen at closing stay in the audit entry; the dashboard derives the values live again until the
    period is closed anew (which freezes them again).
    """
    reason = reason.strip()
    if not reason:
        raise MonitoringError("Укажите причину: она сохраняется в журнале изменений.")
    with transaction.atomic():
        locked = MonitoringPeriod.objects.select_for_update().get(pk=period.pk)
        if locked.status != MonitoringPeriod.Status.CLOSED:
            raise MonitoringError(f"Период {locked.year} г. не закрыт.")
        before = snapshot(locked)
        locked.status = MonitoringPeriod.Status.OPEN
        locked.closed_at = None
        locked.closed_by = None
        locked.frozen = {}
        locked.revision += 1
        locked.save()
        after = snapshot(locked)
        record(
            locked, "monitoring.period.reopened", by=by, before=before, after=after, data={"reason": reason}
        )
    return locked


# --------------------------------------------------------------------------------------------- values


def _apply(
    period: MonitoringPeriod,
    school: School | None,
    slot: Slot,
    payload: dict[str, Any],
    *,
    by: Any,
    origin: str,
    existing: dict[tuple[int, str], IndicatorValue],
) -> bool:
    """Write one slot's value (create, update or delete when emptied); True when something changed."""
    current = existing.get((slot.indicator.pk, slot.subitem))
    if current is None and is_empty(payload):
        return False
    before = current.as_payload() if current else None
    if current is not None and before == payload:
        return False
    actor = by if getattr(by, "is_authenticated", False) else None
    if current is not None and is_empty(payload):
        record(current, "monitoring.value.deleted", by=by, before=before)
        current.delete()
        return True
    if current is None:
        current = IndicatorValue(period=period, school=school, indicator=slot.indicator, subitem=slot.subitem)
    for name, value in payload.items():
        setattr(current, name, value)
    current.origin, current.updated_by = origin, actor
    current.save()
    record(current, "monitoring.value.saved", by=by, before=before, after=payload)
    return True


def save_school_values(
    submission: SchoolSubmission,
    raw: Mapping[str, dict[str, Any]],
    slots: list[Slot],
    *,
    by: Any,
    staff_total: int | None = None,
    students_total: int | None = None,
    origin: str = IndicatorValue.Origin.FORM,
) -> int:
    """Validate every slot of the school's form, then save all or nothing; return the number of changes.

    ``raw`` maps ``Slot.key`` to an unvalidated payload. A «да» that needs a document without a link, a share
    larger than the school's total and similar problems are all reported at once (``ValidationFailed``).
    """
    with transaction.atomic():
        locked = (
            SchoolSubmission.objects.select_for_update()
            .select_related("period", "school")
            .get(pk=submission.pk)
        )
        check_open(locked.period)
        if not locked.editable:
            raise MonitoringError(
                f"Анкета школы «{locked.school}» {locked.get_status_display().lower()}: изменить её можно "
                "после возврата на доработку."
            )
        totals = {"staff_total": staff_total, "students_total": students_total}
        errors, cleaned = [], {}
        for slot in slots:
            if slot.level != "school":
                raise MonitoringError(f"{slot.ref}: муниципальный показатель в анкете школы")
            try:
                cleaned[slot.key] = clean(
                    slot, raw.get(slot.key, {}), denominator=totals.get(slot.denominator_field or "")
                )
            except InvalidValue as exc:
                errors.append(str(exc))
        if errors:
            raise ValidationFailed(errors)
        changes = 0
        if (locked.staff_total, locked.students_total) != (staff_total, students_total):
            before = {"staff_total": locked.staff_total, "students_total": locked.students_total}
            locked.staff_total, locked.students_total = staff_total, students_total
            locked.save(update_fields=["staff_total", "students_total"])
            record(locked, "monitoring.submission.totals", by=by, before=before, after=totals)
            changes += 1
        existing = {
            (v.indicator_id, v.subitem): v
            for v in IndicatorValue.objects.filter(period=locked.period, school=locked.school)
        }
        for slot in slots:
            changes += _apply(
                locked.period, locked.school, slot, cleaned[slot.key], by=by, origin=origin, existing=existing
            )
        if changes:
            touch(locked.period_id)
    return changes


def submit(submission: SchoolSubmission, *, by: Any) -> SchoolSubmission:
    """The school sends its form for review; its values start to count in municipal values."""
    return _transition(
        submission,
        SchoolSubmission.Status.SUBMITTED,
        by=by,
        allowed=(SchoolSubmission.Status.DRAFT, SchoolSubmission.Status.RETURNED),
    )


def review(submission: SchoolSubmission, *, accept: bool, comment: str = "", by: Any) -> SchoolSubmission:
    """Accept the form, or return it with a comment (required) so that the school can correct it."""
    if not accept and not comment.strip():
        raise MonitoringError("Укажите, что нужно исправить: комментарий обязателен при возврате анкеты.")
    status = SchoolSubmission.Status.ACCEPTED if accept else SchoolSubmission.Status.RETURNED
    return _transition(
        submission, status, by=by, comment=comment.strip(), allowed=(SchoolSubmission.Status.SUBMITTED,)
    )


def _transition(
    submission: SchoolSubmission,
    status: str,
    *,
    by: Any,
    allowed: tuple[str, ...],
    comment: str | None = None,
) -> SchoolSubmission:
    with transaction.atomic():
        locked = (
            SchoolSubmission.objects.select_for_update()
            .select_related("period", "school")
            .get(pk=submission.pk)
        )
        check_open(locked.period)
        if locked.status not in allowed:
            raise MonitoringError(
                f"Анкета школы «{locked.school}» сейчас в статусе «{locked.get_status_display()}»: "
                f"это действие недоступно."
            )
        before = snapshot(locked)
        locked.status = status
        now = timezone.now()
        if status == SchoolSubmission.Status.SUBMITTED:
            locked.submitted_at = now
        else:
            locked.reviewed_at = now
            locked.reviewed_by = by if getattr(by, "is_authenticated", False) else None
        if comment is not None:
            locked.comment = comment
        locked.save()
        touch(locked.period_id)
        record(locked, f"monitoring.submission.{status}", by=by, before=before, after=snapshot(locked))
    return locked


def save_municipal_values(
    period: MonitoringPeriod, raw: Mapping[str, dict[str, Any]], slots: list[Slot], *, by: Any
) -> int:
    """The coordinator's values of municipal-only (``manual``) indicators; all or nothing."""
    with transaction.atomic():
        locked = MonitoringPeriod.objects.select_for_update().get(pk=period.pk)
        check_open(locked)
        errors, cleaned = [], {}
        for slot in slots:
            if slot.level != "municipal" or slot.indicator.derivation not in ("", "manual"):
                raise MonitoringError(
                    f"Показатель {slot.ref} рассчитывается из школьных значений: вводить его нельзя."
                )
            try:
                cleaned[slot.key] = clean(slot, raw.get(slot.key, {}))
            except InvalidValue as exc:
                errors.append(str(exc))
        if errors:
            raise ValidationFailed(errors)
        existing = {
            (v.indicator_id, v.subitem): v for v in IndicatorValue.objects.filter(period=locked, school=None)
        }
        changes = sum(
            _apply(
                locked,
                None,
                slot,
                cleaned[slot.key],
                by=by,
                origin=IndicatorValue.Origin.FORM,
                existing=existing,
            )
            for slot in slots
        )
        if changes:
            touch(locked.pk)
        return changes


# --------------------------------------------------------------------------------------------- dynamics


def results_frame(municipality: Municipality, years: Iterable[int]) -> pl.DataFrame:
    """Stored results of the municipality's schools for ``years``, in the core's column names."""
    from portal.results.models import AssessmentResult

    cols = [
        "school_id",
        "procedure",
        "subject",
        "grade",
        "year",
        "n",
        "n_2",
        "n_insufficient",
        "n_reduced",
        "mean_pct",
    ]
    rows = list(
        AssessmentResult.objects.filter(school__municipality=municipality, year__in=list(years)).values_list(
            *cols
        )
    )
    schema = {
        "school_id": pl.Int64,
        "procedure": pl.String,
        "subject": pl.String,
        "grade": pl.Int64,
        "year": pl.Int64,
        "n": pl.Int64,
        "n_2": pl.Int64,
        "n_insufficient": pl.Int64,
        "n_reduced": pl.Int64,
        "mean_pct": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema, orient="row").with_columns(pl.col("school_id").cast(pl.String))


def refresh_computed(period: MonitoringPeriod, *, by: Any) -> int:
    """Compute the school values no one types, from stored data; return the rows written.

    * positive dynamics (7.1–7.6 …) from the stored assessment results (``opora.trends``, methodology M1);
    * the risk-factor flags of 2.2 from the schools' risk data (``opora.risk_factors`` with the municipality's
      identification thresholds; the latest data of a year ≤ the period's year; methodology M3).

    A school's form shows these values read-only with the rule applied; the previous computed values are replaced.
    """
    check_open(period)
    rows = _dynamics_rows(period) + _risk_factor_rows(period)
    with transaction.atomic():
        deleted, _ = IndicatorValue.objects.filter(
            period=period, origin=IndicatorValue.Origin.RESULTS
        ).delete()
        IndicatorValue.objects.bulk_create(rows)
        touch(period.pk)
        record(
            period,
            "monitoring.period.computed_refreshed",
            by=by,
            data={"rows": len(rows), "replaced": deleted},
        )
    return len(rows)


def _dynamics_rows(period: MonitoringPeriod) -> list[IndicatorValue]:
    groups = groups_for(period.indicator_set.code)
    if not groups:
        return []
    frame = school_dynamics(
        results_frame(period.municipality, [period.year - 1, period.year]),
        year=period.year,
        set_code=period.indicator_set.code,
    )
    indicators = {i.code: i for i in period.indicator_set.indicators.filter(code__in={g[0] for g in groups})}
    return [
        IndicatorValue(
            period=period,
            school_id=int(r["school_id"]),
            indicator=indicators[r["indicator_id"]],
            subitem=r["subitem"] or "",
            bool_value=r["positive"],
            number=r["change"],
            text=r["rule_ru"],
            origin=IndicatorValue.Origin.RESULTS,
        )
        for r in frame.iter_rows(named=True)
        if r["indicator_id"] in indicators
    ]


def _risk_factor_rows(period: MonitoringPeriod) -> list[IndicatorValue]:
    from portal.identification.services import config_for, municipal_frames

    indicators = list(period.indicator_set.indicators.filter(derivation="share_of_schools_with_risk_factor"))
    if not indicators:
        return []
    _results, _context, risk = municipal_frames(period.municipality)
    flags = risk_flags(risk, config_for(period.municipality).categories, year=period.year)
    schools = dict(School.objects.filter(municipality=period.municipality).values_list("code", "pk"))
    out = []
    for indicator in indicators:
        wanted = set(indicator.municipal_slots)
        for code, school_flags in flags.items():
            for f in school_flags:
                if f.code not in wanted or f.flag is None or code not in schools:
                    continue
                shown = "да" if f.value is True else "нет" if f.value is False else fmt_num(float(f.value))
                verdict = "фактор выявлен" if f.flag else "фактор не выявлен"
                out.append(
                    IndicatorValue(
                        period=period,
                        school_id=schools[code],
                        indicator=indicator,
                        subitem=f.code,
                        bool_value=f.flag,
                        number=None if isinstance(f.value, bool) else f.value,
                        text=f"{f.label}: {shown} (порог: {f.threshold_text}) — {verdict}.",
                        origin=IndicatorValue.Origin.RESULTS,
                    )
                )
    return out
