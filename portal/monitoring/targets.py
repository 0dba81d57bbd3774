"""Targets of the indicators, each checked on the base the founding documents define (issue #18 §3).

A target comes from the catalogue (Приложение 1 к приказу № 41, the roadmap 2023–2025, the 2020–2022 program) or
from the coordinator (``MunicipalTarget``, for slots the documents give no target for). Each names its *base*: the
schools it counts — «не менее 50 % ШНРО» counts ШНРО only, even when the indicator's value is a share over ШНРО and
schools at risk. Where two documents set different numbers for one year (десанты: Приложение 1 — 75 % of the
schools, the roadmap — 50 % ШНРО in 2023) both are checked and shown, each with its source. A target can also be
checked on the share of base schools with any «да» / any participant (наставничество «не менее чем в 100 % ШНРО»
against 3.6, a share of teachers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opora.indicator_catalogue import Target
from opora.indicators import SchoolValue, derive_municipal, fmt_pct, target_status
from portal.monitoring.models import Indicator, MonitoringPeriod, MunicipalTarget, TargetGroup

BASE_LABELS = {
    "shnor": "ШНРО",
    "program_schools": "ШНРО и школы зоны риска",
    "at_risk": "школы зоны риска",
    "all_schools": "все школы муниципалитета",
}
STATUS_LABELS = {"met": "достигнуто", "not_met": "не достигнуто", "no_data": "нет данных", "no_target": "—"}


@dataclass
class TargetCheck:
    """One target of a slot for the year, and the value it is compared with (on the target's own base)."""

    target: Target
    base: str
    value: float | bool | None
    display: str
    status: str
    own_base: bool
    explanation: str = ""

    @property
    def base_label(self) -> str:
        return BASE_LABELS.get(self.base, self.base)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def document(self) -> str:
        return self.target.document or "каталог показателей"

    @property
    def target_text(self) -> str:
        """«не менее 50 % ШНРО (Приложение 1 к приказу № 41)»."""
        base = "" if self.own_base or isinstance(self.target.value, bool) else f" — {self.base_label}"
        if self.target.measure == "share_of_schools_with_any":
            base = f" {self.base_label} (доля школ)"
        return f"{self.target.shown}{base} ({self.document})"


def coordinator_targets(period: MonitoringPeriod) -> dict[tuple[int, str], Target]:
    """The coordinator's targets of the period's year: (indicator id, subitem) → target."""
    return {
        (t.indicator_id, t.subitem): t.as_target()
        for t in MunicipalTarget.objects.filter(
            municipality_id=period.municipality_id,
            year=period.year,
            indicator__indicator_set_id=period.indicator_set_id,
        ).select_related("indicator")
    }


def targets_of(data: Any, indicator: Indicator, subitem: str) -> list[Target]:
    """The catalogue's targets of the slot for the year, then the coordinator's (if any)."""
    found = indicator.targets_for(subitem, data.period.year)
    extra = data.extra_targets.get((indicator.pk, subitem))
    return [*found, extra] if extra is not None else found


def _share_with_any(data: Any, indicator: Indicator, subitem: str, base: str) -> tuple[float | None, str]:
    """The share of the base schools whose slot value is «да» or counts at least one person."""
    from portal.monitoring.derive import _COUNTING, _NO_FORM, ALWAYS_COUNT, group_of

    ids, labels = group_of(data, indicator, subitem, "", base)
    column = data.school_values.get((indicator.pk, subitem), {})
    values = []
    for pk in ids:
        v = column.get(pk)
        if v is None or (v[6] not in ALWAYS_COUNT and data.submissions.get(pk, _NO_FORM)[0] not in _COUNTING):
            continue
        if v[3] is not None:
            yes: bool | None = bool(v[3])
        elif v[5] is not None or v[4] is not None:
            yes = (v[5] if v[5] is not None else v[4]) > 0
        else:
            yes = None
        values.append(SchoolValue(data.keys[pk], data.schools[pk], yes))
    derived = derive_municipal("share_of_schools_yes", values, labels)
    return derived.value, derived.explanation_ru.replace("с ответом «да»", "где есть хотя бы один участник")


def check_targets(data: Any, row: Any, targets: list[Target], category: str) -> list[TargetCheck]:
    """Each target checked against the value on its own base (the row's value when the base is the row's)."""
    from portal.monitoring.derive import derive_on, display_of

    indicator, subitem = row.indicator, row.subitem
    own = indicator.target_group or TargetGroup.PROGRAM
    out = []
    for target in targets:
        base = target.base or own
        manual = indicator.derivation in ("", "manual")
        if target.measure == "share_of_schools_with_any" and not manual:
            value, explanation = _share_with_any(data, indicator, subitem, base)
            out.append(
                TargetCheck(
                    target, base, value, fmt_pct(value), target_status(target, value), False, explanation
                )
            )
            continue
        if manual or (base == own and not category):
            out.append(
                TargetCheck(target, base, row.value, row.display, target_status(target, row.value), True)
            )
            continue
        derived = derive_on(data, indicator, subitem, "", group=base, sources=False)
        out.append(
            TargetCheck(
                target,
                base,
                derived.value,
                display_of(data, indicator, derived),
                target_status(target, derived.value),
                base == own,
                derived.explanation_ru,
            )
        )
    return out


# --------------------------------------------------------------------------------------------- the coordinator's

GOAL_OPS = {">=": "не менее", "<=": "не более", "==": "ровно"}


@dataclass
class GoalRow:
    """A municipal slot on the targets page: the documents' targets of the year, or the coordinator's own."""

    indicator: Indicator
    subitem: str
    catalogue: list[Target]
    own: MunicipalTarget | None

    @property
    def key(self) -> str:
        return f"{self.indicator.code}|{self.subitem}"

    @property
    def field(self) -> str:
        return "g_" + self.indicator.code.replace(".", "_") + (f"__{self.subitem}" if self.subitem else "")

    @property
    def is_bool(self) -> bool:
        return self.indicator.municipal_type in ("bool", "bool_links")

    @property
    def settable(self) -> bool:
        """The coordinator sets a target only where the documents give none and the value can be compared."""
        return not self.catalogue and self.indicator.municipal_type in (
            "bool",
            "bool_links",
            "pct",
            "pct_bucket",
            "count",
        )

    @property
    def label(self) -> str:
        return self.indicator.subitem_label(self.subitem) if self.subitem else ""


def goal_rows(period: MonitoringPeriod) -> list[GoalRow]:
    own = {
        (t.indicator_id, t.subitem): t
        for t in MunicipalTarget.objects.filter(municipality_id=period.municipality_id, year=period.year)
    }
    return [
        GoalRow(ind, sub, ind.targets_for(sub, period.year), own.get((ind.pk, sub)))
        for ind in period.indicator_set.indicators.all()
        for sub in ind.municipal_slots
    ]


def _goal_text(t: MunicipalTarget | None) -> str:
    if t is None:
        return ""
    base = f" — {BASE_LABELS[t.base]}" if t.base else ""
    note = f"; основание: {t.note}" if t.note else ""
    return f"{t.as_target().shown}{base}{note}"


def goals_state(period: MonitoringPeriod) -> dict[str, str]:
    """The coordinator's targets of the year as the page shows them (the stale-save guard compares them)."""
    return {r.key: _goal_text(r.own) for r in goal_rows(period) if r.own is not None}


def save_goals(
    period: MonitoringPeriod, entries: dict[str, dict[str, Any]], *, by: Any, expected: str | None
) -> int:
    """Set, change or remove the coordinator's targets of the year; all checks first, then one transaction.

    ``entries`` maps a slot key («3.1|») to ``{"op", "value", "base", "note"}``; an empty value removes the target.
    A slot the documents give a target for is refused (theirs stay as they are).
    """
    from django.db import transaction

    from portal.audit.services import record, snapshot
    from portal.lib import stale
    from portal.monitoring.services import MonitoringError, ValidationFailed, form_labels, touch

    rows = {r.key: r for r in goal_rows(period)}
    errors: list[str] = []
    wanted: dict[str, dict[str, Any]] = {}
    for key, entry in entries.items():
        row = rows.get(key)
        if row is None:
            raise MonitoringError(f"Показателя {key} нет в наборе периода.")
        raw = str(entry.get("value") or "").strip().replace(",", ".")
        ref = f"Показатель {row.indicator.code}" + (f" ({row.label})" if row.label else "")
        if not raw:
            wanted[key] = {}
            continue
        if not row.settable:
            errors.append(f"{ref}: цель задана документом — изменить её здесь нельзя.")
            continue
        base = entry.get("base") or ""
        if base and base not in BASE_LABELS:
            errors.append(f"{ref}: неизвестная группа школ «{base}».")
            continue
        if row.is_bool:
            if raw not in ("yes", "no"):
                errors.append(f"{ref}: для показателя «да/нет» цель — «да» или «нет».")
                continue
            wanted[key] = {"op": "==", "value": None, "bool_value": raw == "yes", "base": base}
        else:
            try:
                number = float(raw)
            except ValueError:
                errors.append(f"{ref}: «{entry.get('value')}» — не число.")
                continue
            op = entry.get("op") or ">="
            if op not in GOAL_OPS:
                errors.append(f"{ref}: неизвестное сравнение «{op}».")
                continue
            percent = row.indicator.municipal_type in ("pct", "pct_bucket")
            if number < 0 or (percent and number > 100):
                errors.append(f"{ref}: {'процент — от 0 до 100' if percent else 'число не меньше 0'}.")
                continue
            wanted[key] = {"op": op, "value": number, "bool_value": None, "base": base}
        wanted[key]["note"] = str(entry.get("note") or "").strip()[:500]
    if errors:
        raise ValidationFailed(errors)
    changes = 0
    with transaction.atomic():
        locked = MonitoringPeriod.objects.select_for_update().get(pk=period.pk)
        stale.check(expected, goals_state(locked), form_labels(locked))
        for key, values in wanted.items():
            row = rows[key]
            current = MunicipalTarget.objects.filter(
                municipality_id=period.municipality_id,
                indicator=row.indicator,
                subitem=row.subitem,
                year=period.year,
            ).first()
            if not values:
                if current is not None:
                    record(current, "monitoring.target.deleted", by=by, before=snapshot(current))
                    current.delete()
                    changes += 1
                continue
            before = snapshot(current) if current is not None else None
            if current is None:
                current = MunicipalTarget(
                    municipality_id=period.municipality_id,
                    indicator=row.indicator,
                    subitem=row.subitem,
                    year=period.year,
                )
            for name, value in values.items():
                setattr(current, name, value)
            current.updated_by = by if getattr(by, "is_authenticated", False) else None
            after = snapshot(current)
            if before is not None and {k: before.get(k) for k in values} == {k: after.get(k) for k in values}:
                continue
            current.save()
            record(current, "monitoring.target.saved", by=by, before=before, after=snapshot(current))
            changes += 1
        if changes:
            touch(locked.pk)
    return changes
