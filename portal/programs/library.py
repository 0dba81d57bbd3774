"""The measures library of each region: the shipped catalogue until the region first changes it, then its own copy.

The shipped library is ``Measure`` rows without a region, seeded from ``opora/data`` by :func:`sync_library`. A
region reads it (:func:`measures`) until its method centre first saves a measure: that save copies the whole shipped
library into rows of the region (copy on write) and changes the copy. From then on the region's schools, the
Конструктор, reports and documents of its municipalities use the copy; another region never sees it, and the
region's roles never change another region's library. Saves are guarded against stale forms (``portal.lib.stale``)
and audited as region-wide entries (every municipality of the region sees them in its log).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from opora import measures_catalogue as catalogue
from portal.audit.services import record, snapshot
from portal.lib import stale
from portal.programs.models import Level, Measure, RiskFactor
from portal.schools.models import Municipality, Region

RegionRef = Region | int | None

#: The fields a method centre edits, in the order of the form (their labels are the model's Russian names).
EDITABLE = (
    "title",
    "description",
    "risk_factors",
    "directions",
    "responsible_role",
    "timing_kind",
    "expected_result",
    "evidence",
    "levels",
    "priority",
    "is_active",
)


class LibraryError(Exception):
    """A library change refused; ``str(error)`` is a Russian sentence for the user."""


def _region_id(region: RegionRef) -> int | None:
    return region.pk if isinstance(region, Region) else region


def has_copy(region: RegionRef) -> bool:
    """Whether the region has its own library (made on its first change)."""
    rid = _region_id(region)
    return rid is not None and Measure.objects.filter(region_id=rid).exists()


def measures(region: RegionRef) -> QuerySet[Measure]:
    """The measures the region uses: its own copy once made, the shipped library otherwise (``None``: shipped)."""
    rid = _region_id(region)
    if rid is not None and Measure.objects.filter(region_id=rid).exists():
        return Measure.objects.filter(region_id=rid)
    return Measure.objects.filter(region__isnull=True)


def titles(region: RegionRef) -> dict[str, str]:
    """code → title of the region's library (the names recommendations give their measures)."""
    return dict(measures(region).values_list("code", "title"))


def factor_titles() -> dict[str, str]:
    return dict(RiskFactor.objects.values_list("code", "title"))


def library(region: RegionRef = None) -> catalogue.MeasuresLibrary:
    """The library the Конструктор uses: factors (with the YAML data rules) and the region's active measures.

    Without ``region`` the shipped library is used (code that has a school should pass its region).
    """
    builtin = catalogue.builtin_library()
    factors = {}
    for f in RiskFactor.objects.filter(enabled=True):
        seed = builtin.risk_factors.get(f.code)
        factors[f.code] = catalogue.RiskFactor(
            code=f.code,
            title=f.title,
            description=f.description,
            levels=f.levels,
            source=f.source,
            optional=f.optional,
            municipal_factors=seed.municipal_factors if seed else (),
            data_rule=seed.data_rule if seed else None,
        )
    items = tuple(
        catalogue.Measure(
            code=m.code,
            title=m.title,
            description=m.description,
            risk_factors=tuple(m.risk_factors),
            directions=tuple(m.directions),
            indicators=tuple(m.indicators),
            responsible_role=m.responsible_role,
            timing=catalogue.Timing(m.timing_kind, tuple(m.timing_months) or None, m.duration_months),
            expected_result=m.expected_result,
            evidence=m.evidence,
            levels=tuple(m.levels),
            priority=m.priority,
        )
        for m in measures(region).filter(is_active=True).order_by("code")
    )
    return catalogue.MeasuresLibrary(
        risk_factors=factors,
        municipal_factors=builtin.municipal_factors,
        measures=items,
        _by_code={m.code: m for m in items},
    )


# --------------------------------------------------------------------------------------------- seeding


def _shipped_values(m: catalogue.Measure) -> dict[str, Any]:
    return {
        "title": m.title,
        "description": m.description,
        "risk_factors": list(m.risk_factors),
        "directions": list(m.directions),
        "indicators": list(m.indicators),
        "responsible_role": m.responsible_role,
        "timing_kind": m.timing.kind,
        "timing_months": list(m.timing.months or []),
        "duration_months": m.timing.duration_months,
        "expected_result": m.expected_result,
        "evidence": m.evidence,
        "levels": list(m.levels),
        "priority": m.priority,
    }


def sync_library(*, by: Any, force: bool = False) -> tuple[int, int]:
    """Seed the factors and the shipped measures from ``opora/data`` (created when missing; updated only with
    ``force``). Regions' own libraries are never changed, except that a measure new in the catalogue is added to
    them too. Returns (factors, shipped measures) created or updated."""
    lib = catalogue.builtin_library()
    changed_f = changed_m = 0
    with transaction.atomic():
        for position, (code, f) in enumerate(lib.risk_factors.items(), start=1):
            values = {
                "title": f.title,
                "description": f.description,
                "levels": dict(f.levels),
                "optional": f.optional,
                "position": position,
                "rule_note": f.data_rule.note if f.data_rule else "",
                "source": f.source[:300],
            }
            obj = RiskFactor.objects.filter(code=code).first()
            if obj is None:
                obj = RiskFactor.objects.create(code=code, enabled=not f.optional, **values)
                record(obj, "programs.riskfactor.created", by=by, after=snapshot(obj))
                changed_f += 1
            elif force:
                before = snapshot(obj)
                RiskFactor.objects.filter(pk=obj.pk).update(**values)
                obj.refresh_from_db()
                record(obj, "programs.riskfactor.changed", by=by, before=before, after=snapshot(obj))
                changed_f += 1
        shipped = {m.code: m for m in Measure.objects.filter(region__isnull=True)}
        for m in lib.measures:
            values = _shipped_values(m)
            mobj = shipped.get(m.code)
            if mobj is None:
                mobj = Measure.objects.create(code=m.code, origin=Measure.Origin.CATALOGUE, **values)
                record(mobj, "programs.measure.created", by=by, after=snapshot(mobj))
                changed_m += 1
            elif force:
                before = snapshot(mobj)
                Measure.objects.filter(pk=mobj.pk).update(**values)
                mobj.refresh_from_db()
                record(mobj, "programs.measure.changed", by=by, before=before, after=snapshot(mobj))
                changed_m += 1
        for region_id in set(
            Measure.objects.filter(region__isnull=False).values_list("region_id", flat=True)
        ):
            have = set(Measure.objects.filter(region_id=region_id).values_list("code", flat=True))
            for m in lib.measures:
                if m.code not in have:
                    added = Measure.objects.create(
                        region_id=region_id,
                        code=m.code,
                        origin=Measure.Origin.CATALOGUE,
                        **_shipped_values(m),
                    )
                    record(added, "programs.measure.created", by=by, after=snapshot(added))
    return changed_f, changed_m


# --------------------------------------------------------------------------------------------- editing


LABELS = {
    "title": "Название",
    "description": "Содержание",
    "risk_factors": "Факторы риска",
    "directions": "Направления дорожной карты",
    "responsible_role": "Ответственный",
    "timing_kind": "Периодичность",
    "expected_result": "Ожидаемый результат",
    "evidence": "Документ, подтверждающий результат",
    "levels": "Уровни риска",
    "priority": "Приоритет",
    "is_active": "Предлагается Конструктором",
}


def labels() -> dict[str, str]:
    """Russian names of the edited fields (the list of changes of a refused stale save), as the form says them."""
    return dict(LABELS)


def form_state(measure: Measure | None) -> dict[str, Any]:
    """What the edit form shows of a measure, as the user reads it (titles and Russian words, not codes): the
    snapshot of a form (``portal.lib.stale``) and the «до / после» of the log."""
    if measure is None:
        return {}
    factors = factor_titles()
    levels = dict(Level.choices)
    timing = dict(Measure.TIMING_KINDS)
    return {
        "title": measure.title,
        "description": measure.description,
        "risk_factors": "; ".join(factors.get(c, c) for c in measure.risk_factors),
        "directions": ", ".join(str(d) for d in measure.directions),
        "responsible_role": measure.responsible_role,
        "timing_kind": timing.get(measure.timing_kind, measure.timing_kind),
        "expected_result": measure.expected_result,
        "evidence": measure.evidence,
        "levels": ", ".join(str(levels.get(lv, lv)) for lv in measure.levels),
        "priority": measure.priority,
        "is_active": measure.is_active,
    }


def _copy(region: Region) -> int:
    """Make the region's own library from the shipped one, if it has none yet; how many measures were copied."""
    if Measure.objects.filter(region=region).exists():
        return 0
    rows = [
        Measure(
            region=region,
            code=m.code,
            title=m.title,
            description=m.description,
            risk_factors=m.risk_factors,
            directions=m.directions,
            indicators=m.indicators,
            responsible_role=m.responsible_role,
            timing_kind=m.timing_kind,
            timing_months=m.timing_months,
            duration_months=m.duration_months,
            expected_result=m.expected_result,
            evidence=m.evidence,
            levels=m.levels,
            priority=m.priority,
            is_active=m.is_active,
            origin=m.origin,
        )
        for m in Measure.objects.filter(region__isnull=True).order_by("code")
    ]
    Measure.objects.bulk_create(rows)
    return len(rows)


def save_measure(
    region: Region,
    code: str | None,
    values: Mapping[str, Any],
    *,
    by: Any,
    expected: str | None = None,
    municipality: Municipality | None = None,
) -> Measure:
    """Change the region's measure ``code`` (``None``: add a new one, ``values["code"]``) in the region's library.

    The first change of a region copies the shipped library for it. ``expected`` is the form's snapshot
    (``stale.expected(request.POST)``): if the measure changed since the form was loaded, ``StaleEdit`` is raised
    and nothing is written. ``municipality`` is where the edit was made (for the log).
    """
    unknown = set(values.get("risk_factors", [])) - set(RiskFactor.objects.values_list("code", flat=True))
    if unknown:
        raise LibraryError(f"Неизвестные факторы риска: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        locked = Region.objects.select_for_update().get(pk=region.pk)  # the owner of the region's library
        _copy(locked)
        obj: Measure | None = None
        if code is not None:
            obj = Measure.objects.filter(region=locked, code=code).first()
            if obj is None:
                raise LibraryError(f"В библиотеке мер региона нет меры «{code}».")
        stale.check(expected, form_state(obj), labels())
        before = form_state(obj) if obj is not None else None  # the log shows titles and Russian words
        if obj is None:
            new_code = str(values.get("code", "")).strip()
            if not new_code:
                raise LibraryError("Укажите код новой меры.")
            if Measure.objects.filter(region=locked, code__iexact=new_code).exists():
                raise LibraryError(f"Мера с кодом «{new_code}» уже есть в библиотеке региона.")
            obj = Measure(region=locked, code=new_code, origin=Measure.Origin.METHOD_CENTRE)
        for key in EDITABLE:
            if key in values:
                setattr(obj, key, values[key])
        obj.save()
        record(
            obj,
            f"programs.measure.{'changed' if before else 'created'}",
            by=by,
            before=before,
            after=form_state(obj),
            municipality=municipality,
        )
    return obj


def next_code(region: RegionRef) -> str:
    """A free code for a new measure of the region («M91» after «M90»)."""
    numbers = [
        int(c[1:])
        for c in measures(region).values_list("code", flat=True)
        if c[:1] == "M" and c[1:].isdigit()
    ]
    return f"M{max(numbers, default=0) + 1:02d}"
