"""Write use-cases of monitoring: each takes an explicit actor, is atomic and leaves an audit entry.

A closed period rejects every write here (not only in views): ``PeriodLocked`` with a Russian message.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from opora import indicator_catalogue as catalogue
from opora.indicators import fmt_num
from portal.audit.services import record, snapshot
from portal.lib import stale
from portal.monitoring import records
from portal.monitoring.models import (
    Indicator,
    IndicatorSet,
    IndicatorValue,
    MonitoringPeriod,
    SchoolSubmission,
    TargetSchool,
)
from portal.monitoring.values import STATUS3_DEFAULT, InvalidValue, Slot, clean, is_empty
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


def sync_indicator_set(loaded: catalogue.IndicatorSet, yaml_text: str, *, by: Any) -> IndicatorSet:
    """Create or update the set and its indicators (``portal.monitoring.catalogue``)."""
    from portal.monitoring import catalogue as sync

    try:
        return sync.sync_indicator_set(loaded, yaml_text, by=by)
    except sync.CatalogueRefused as exc:
        raise MonitoringError(str(exc)) from exc


def load_indicator_set_text(yaml_text: str, *, by: Any, name: str = "загруженный файл") -> IndicatorSet:
    """Validate a catalogue YAML (as text) with the core's loader and sync it; a Russian error if invalid."""
    from portal.monitoring import catalogue as sync

    try:
        return sync.load_indicator_set_text(yaml_text, by=by, name=name)
    except sync.CatalogueRefused as exc:
        raise MonitoringError(str(exc)) from exc


def sync_builtin_sets(*, by: Any) -> list[IndicatorSet]:
    """Load the catalogues shipped with the core (``opora/data/indicators``)."""
    from portal.monitoring import catalogue as sync

    try:
        return sync.sync_builtin_sets(by=by)
    except sync.CatalogueRefused as exc:
        raise MonitoringError(str(exc)) from exc


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
    period: MonitoringPeriod,
    *,
    shnor: Iterable[int],
    at_risk: Iterable[int],
    by: Any,
    expected: str | None = None,
) -> None:
    """The coordinator's own target list (replaces the one from identification); a stale form is refused."""
    check_open(period)
    shnor_ids, risk_ids = set(shnor), set(at_risk)
    valid = set(School.objects.filter(municipality=period.municipality).values_list("pk", flat=True))
    if not (shnor_ids | risk_ids) <= valid:
        raise MonitoringError("В списке есть школы другого муниципалитета.")
    with transaction.atomic():
        locked = MonitoringPeriod.objects.select_for_update().get(pk=period.pk)
        stale.check(expected, targets_state(locked), lambda key: key.partition("|")[2])
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


@dataclass(frozen=True)
class CloseImpact:
    """What closing a period does: forms not counted, forms not reviewed, answers written from the records."""

    drafts: list[str]
    unreviewed: list[str]
    answers: int
    contradictions: int

    @property
    def lines(self) -> list[Any]:
        from opora.plural import count

        out: list[Any] = [
            "Значения периода зафиксируются: изменить их можно будет, только открыв период снова (с причиной в "
            "журнале)."
        ]
        if self.answers:
            out.append(
                f"Ответы, которые выводятся из записей системы, будут записаны такими, как сейчас: "
                f"{count(self.answers, 'значение', 'значения', 'значений')}; дальнейшие изменения записей "
                "на закрытый период не повлияют."
            )
        if self.drafts:
            out.append(
                {
                    "text": f"Не отправлены и не войдут в муниципальные значения — {count(len(self.drafts), 'анкета', 'анкеты', 'анкет')}:",
                    "items": self.drafts,
                }
            )
        if self.unreviewed:
            out.append(
                {
                    "text": f"Отправлены, но не проверены — {count(len(self.unreviewed), 'анкета', 'анкеты', 'анкет')} (войдут как есть):",
                    "items": self.unreviewed,
                }
            )
        return out

    @property
    def warnings(self) -> list[str]:
        out = []
        if self.drafts:
            out.append("Часть школ не отправила анкеты: их введённые значения в расчёт не войдут.")
        if self.contradictions:
            out.append(
                f"Расхождений введённых ответов с записями системы: {self.contradictions}. В расчёт идут записи; "
                "введённые ответы будут заменены (старые значения останутся в журнале)."
            )
        return out


def close_impact(period: MonitoringPeriod) -> CloseImpact:
    """What closing the period would do (the confirmation page lists it)."""
    from portal.monitoring.derive import load

    subs = list(
        period.submissions.select_related("school").order_by("school__sort_key", "school__short_name")
    )
    data = load(period)
    return CloseImpact(
        [
            f"{s.school.short_name} — {s.get_status_display().lower()}"
            for s in subs
            if s.status in (SchoolSubmission.Status.DRAFT, SchoolSubmission.Status.RETURNED)
        ],
        [s.school.short_name for s in subs if s.status == SchoolSubmission.Status.SUBMITTED],
        len(data.answers),
        len(data.contradictions),
    )


def close_period(period: MonitoringPeriod, *, by: Any) -> MonitoringPeriod:
    """Lock the period: the answers the records decide are written down (typed ones they replace go to the audit
    log), and municipal values are frozen as they are now (the dashboard's trend reads them)."""
    from portal.monitoring.derive import freeze

    with transaction.atomic():
        locked = MonitoringPeriod.objects.select_for_update().get(pk=period.pk)
        check_open(locked)
        before = snapshot(locked)
        records.materialize(locked, records.answers(locked), by=by)
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
    expected: str | None = None,
) -> int:
    """Validate every slot of the school's form, then save all or nothing; return the number of changes.

    ``raw`` maps ``Slot.key`` to an unvalidated payload. A «да» that needs a document without a link, a share
    larger than the school's total, a slot whose answer the records decide and similar problems are all reported
    at once (``ValidationFailed``). ``expected`` is the form's snapshot (``portal.lib.stale``): when someone else
    saved this form since it was loaded, ``stale.StaleEdit`` lists the changes and nothing is written.
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
        stale.check(expected, school_form_state(locked), form_labels(locked.period))
        totals = {"staff_total": staff_total, "students_total": students_total}
        errors, cleaned = [], {}
        found = records.answers(locked.period, school_ids=[locked.school_id])
        for slot in slots:
            if slot.level != "school":
                raise MonitoringError(f"{slot.ref}: муниципальный показатель в анкете школы")
            answer = found.get((slot.indicator.pk, slot.subitem, locked.school_id))
            if answer is not None and raw.get(slot.key):
                errors.append(
                    f"Показатель {slot.ref}: ответ выводится из записей системы ({answer.sources}: "
                    f"{answer.shown}) — вводить его не нужно."
                )
                continue
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
            if slot.key in cleaned:
                changes += _apply(
                    locked.period,
                    locked.school,
                    slot,
                    cleaned[slot.key],
                    by=by,
                    origin=origin,
                    existing=existing,
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
    period: MonitoringPeriod,
    raw: Mapping[str, dict[str, Any]],
    slots: list[Slot],
    *,
    by: Any,
    expected: str | None = None,
) -> int:
    """The coordinator's values of municipal-only (``manual``) indicators; all or nothing.

    A value the records decide (the registry for 1.1, 1.2, 2.1, 6.1; the public page for 4.1) is refused;
    ``expected`` guards against a stale form (``portal.lib.stale``).
    """
    with transaction.atomic():
        locked = MonitoringPeriod.objects.select_for_update().get(pk=period.pk)
        check_open(locked)
        stale.check(expected, municipal_form_state(locked), form_labels(locked))
        errors, cleaned = [], {}
        found = records.answers(locked, [s.indicator for s in slots], {})
        for slot in slots:
            if slot.level != "municipal" or slot.indicator.derivation not in ("", "manual"):
                raise MonitoringError(
                    f"Показатель {slot.ref} рассчитывается из школьных значений: вводить его нельзя."
                )
            answer = found.get((slot.indicator.pk, slot.subitem, None))
            if answer is not None:
                if raw.get(slot.key):
                    errors.append(
                        f"Показатель {slot.ref}: ответ выводится из записей системы ({answer.sources}: "
                        f"{answer.shown}) — вводить его не нужно."
                    )
                continue
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
            if slot.key in cleaned
        )
        if changes:
            touch(locked.pk)
        return changes


# --------------------------------------------------------------------------------------------- stale forms

_TYPED = ("form", "excel", "demo")


def value_text(v: IndicatorValue) -> str:
    """A stored value as a user reads it in the list of changes: «да; ссылки: https://…; комментарий: …»."""
    parts = []
    if v.bool_value is not None:
        parts.append("да" if v.bool_value else "нет")
    if v.numerator is not None:
        parts.append(f"{fmt_num(v.numerator, 0)} чел.")
    elif v.number is not None:
        parts.append(fmt_num(v.number))
    if v.status3:
        parts.append((dict(v.indicator.status_labels) or STATUS3_DEFAULT).get(v.status3, v.status3))
    if v.links:
        parts.append("ссылки: " + ", ".join(v.links))
    if v.text:
        parts.append(f"комментарий: {v.text}")
    return "; ".join(parts)


def school_form_state(submission: SchoolSubmission) -> dict[str, str]:
    """What a school's form shows that people type (values and totals): the stale-save guard compares it."""
    state = {
        "totals|staff_total": str(submission.staff_total or ""),
        "totals|students_total": str(submission.students_total or ""),
    }
    for v in IndicatorValue.objects.filter(
        period_id=submission.period_id, school_id=submission.school_id, origin__in=_TYPED
    ).select_related("indicator"):
        state[f"{v.indicator.code}|{v.subitem}"] = value_text(v)
    return state


def municipal_form_state(period: MonitoringPeriod) -> dict[str, str]:
    """The coordinator's typed municipal values (the stale-save guard of the municipal form)."""
    return {
        f"{v.indicator.code}|{v.subitem}": value_text(v)
        for v in IndicatorValue.objects.filter(
            period=period, school__isnull=True, origin__in=_TYPED
        ).select_related("indicator")
    }


def form_labels(period: MonitoringPeriod) -> Any:
    """Russian names of the keys of a form's state: «Показатель 3.8 (Супервизия)», «Численность обучающихся»."""
    indicators = {i.code: i for i in Indicator.objects.filter(indicator_set_id=period.indicator_set_id)}
    totals = {
        "totals|staff_total": "Численность педагогических и руководящих работников",
        "totals|students_total": "Численность обучающихся",
    }

    def label(key: str) -> str:
        if key in totals:
            return totals[key]
        code, _, sub = key.partition("|")
        ind = indicators.get(code)
        sub_label = ind.subitem_label(sub) if ind is not None and sub else sub
        return f"Показатель {code}" + (f" ({sub_label})" if sub_label else "")

    return label


def targets_state(period: MonitoringPeriod) -> dict[str, str]:
    """The period's target schools as the targets page shows them (the stale-save guard of that page)."""
    state = {}
    for school_id, name, shnor, risk in period.target_schools.values_list(
        "school_id", "school__short_name", "is_shnor", "is_at_risk"
    ):
        kinds = [label for flag, label in ((shnor, "ШНОР"), (risk, "зона риска")) if flag]
        state[f"{school_id}|{name}"] = ", ".join(kinds)
    return state


# --------------------------------------------------------------------------------------------- computed


def results_frame(municipality: Municipality, years: Iterable[int]) -> Any:
    """Stored results of the municipality's schools for ``years`` (``portal.monitoring.computed``)."""
    from portal.monitoring.computed import results_frame as frame

    return frame(municipality, years)


def refresh_computed(period: MonitoringPeriod, *, by: Any) -> int:
    """Compute the school values no one types — dynamics and 2.2 risk flags (``portal.monitoring.computed``)."""
    from portal.monitoring.computed import refresh_computed as run

    return run(period, by=by)
