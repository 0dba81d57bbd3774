"""Write use-cases of the measures library and of programs in the wizard: explicit actor, atomic, audited.

The expert rules live in the pure core (``opora.constructor``); here they get the school's data from the database
and their output is stored. A program the school is not working on (sent for approval, approved, published)
rejects every change (``ProgramLocked``). Risk profiles are in ``portal.programs.risk``; sending for approval,
the coordinator's decision and new versions in ``portal.programs.approval``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import Max, Sum

from opora import constructor
from opora import measures_catalogue as catalogue
from portal.audit.services import record, snapshot
from portal.identification.services import latest_published
from portal.lib import stale
from portal.programs.edit_state import (
    PRIORITY_LABELS,
    goals_labels,
    goals_state,
    measures_labels,
    measures_state,
    priorities_state,
)
from portal.programs.library import factor_titles, library
from portal.programs.library import measures as region_measures
from portal.programs.library import sync_library as sync_library
from portal.programs.models import (
    Goal,
    Measure,
    Program,
    ProgramMeasure,
    RiskFactor,
    RiskProfile,
)
from portal.results.models import AssessmentResult, RiskInput
from portal.schools.models import School


class ProgramError(Exception):
    """A use-case refused; ``str(error)`` is a Russian sentence for the user."""


class ProgramLocked(ProgramError):
    """The program is approved or published: only a new version can change it."""


class QualityCheckFailed(ProgramError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("Программа не прошла проверку качества: " + " ".join(problems))
        self.problems = problems


def _locked(program: Program) -> None:
    if program.is_submitted:
        raise ProgramLocked(
            f"Программа (версия {program.version}) отправлена на утверждение: чтобы изменить её, "
            "верните её в работу (кнопка «Вернуть в работу» на шаге 5)."
        )
    if not program.is_draft:
        raise ProgramLocked(
            f"Программа (версия {program.version}) уже {program.get_status_display().lower()}: "
            "изменения возможны только в новой версии."
        )


def _user(by: Any) -> Any:
    return by if by is not None and getattr(by, "is_authenticated", False) else None


def _lock_draft(program: Program) -> Program:
    """The program's row, locked for a write of the wizard, and still one the school works on: a program sent
    for approval or approved a moment ago by someone else is not changed by a form loaded before."""
    locked = Program.objects.select_for_update().get(pk=program.pk)
    _locked(locked)
    return locked


# --------------------------------------------------------------------------------------------- library
# The measures library of each region lives in portal.programs.library; library(), factor_titles() and
# sync_library() stay importable from here.


# --------------------------------------------------------------------------------------------- school data


def risk_inputs(school: School, year: int) -> dict[str, float | bool | None]:
    row = RiskInput.objects.filter(school=school, year=year).first()
    if row is None:
        return {}
    return {name: getattr(row, name) for name in catalogue.MUNICIPAL_INPUTS}


def school_facts(school: School, year: int) -> dict[str, Any]:
    """The numbers the program's analysis and goals use: risk inputs, ВПР «2» share and results by procedure."""
    facts: dict[str, Any] = dict(risk_inputs(school, year))
    rows = (
        AssessmentResult.objects.filter(school=school, year__lte=year, year__gte=year - 2)
        .values("procedure", "year")
        .annotate(n=Sum("n"), n2=Sum("n_2"))
        .order_by("procedure", "year")
    )
    results = []
    for r in rows:
        share2 = round(100 * r["n2"] / r["n"], 1) if r["n"] and r["n2"] is not None else None
        results.append({"procedure": r["procedure"], "year": r["year"], "n": r["n"], "share_2": share2})
    facts["results"] = results
    vpr = [r for r in results if r["procedure"] == "vpr" and r["year"] == year]
    facts["vpr_share_2"] = vpr[0]["share_2"] if vpr else None
    run = latest_published(school.municipality)
    outcome = run.outcomes.filter(school=school).first() if run else None
    facts["categories"] = list(outcome.categories) if outcome else []
    facts["identification_year"] = run.year if run else None
    facts["results_index"] = outcome.results_index if outcome else None
    facts["residual"] = outcome.residual if outcome else None
    return facts


# --------------------------------------------------------------------------------------------- programs


def _proposal_row(
    m: catalogue.Measure,
    p: constructor.Proposal,
    school_year: int,
    last_year: int,
    db: Mapping[str, Measure],
    titles: Mapping[str, str],
) -> dict[str, Any]:
    start, end = constructor.default_span(m, school_year, last_year)
    return {
        "measure": db.get(m.code),
        "code": m.code,
        "title": m.title,
        "description": m.description,
        "factor_codes": list(dict.fromkeys([p.factor, *p.also] if p.factor else list(m.risk_factors))),
        "directions": list(m.directions),
        "indicators": list(m.indicators),
        "responsible": m.responsible_role,
        "start": start,
        "end": end,
        "timing_kind": m.timing.kind,
        "timing_months": list(m.timing.months or []),
        "expected_result": m.expected_result,
        "evidence": m.evidence,
        "origin": ProgramMeasure.Origin.PROPOSED,
        "provenance": {
            "factor": p.factor,
            "level": p.level,
            "rule": p.rule,
            "also": list(p.also),
            "indicators": list(p.indicators),
            "text": p.describe(titles),
        },
    }


def _propose(program: Program, profile: Mapping[str, str], *, by: Any) -> None:
    region_id = program.school.municipality.region_id
    lib = library(region_id)
    proposals = constructor.propose_measures(
        lib,
        profile,
        program.priorities,
        kind=program.kind,  # type: ignore[arg-type]
        categories=program.snapshot.get("categories", []),
    )
    db = {m.code: m for m in region_measures(region_id).filter(code__in=[p.measure for p in proposals])}
    titles = factor_titles()
    keep = set(program.measures.exclude(origin=ProgramMeasure.Origin.PROPOSED).values_list("code", flat=True))
    start = (program.measures.aggregate(m=Max("position"))["m"] or 0) + 1
    for i, p in enumerate(x for x in proposals if x.measure not in keep):
        row = ProgramMeasure.objects.create(
            program=program,
            position=start + i,
            **_proposal_row(lib.measure(p.measure), p, program.school_year, program.year_to, db, titles),
        )
        record(row, "programs.programmeasure.created", by=by, after=snapshot(row))


def _draft_goals(program: Program, profile: Mapping[str, str], *, by: Any) -> None:
    have = set(program.goals.values_list("factor_code", flat=True))
    drafts = constructor.draft_goals(
        [p for p in program.priorities if p not in have],
        program.snapshot.get("facts", {}),
        factor_titles(),
        profile,
    )
    start = (program.goals.aggregate(m=Max("position"))["m"] or 0) + 1
    for i, g in enumerate(drafts):
        goal = Goal.objects.create(
            program=program,
            position=start + i,
            factor_code=g.factor,
            text=g.text,
            indicator=g.indicator,
            unit=g.unit,
            baseline=g.baseline,
            target=g.target,
        )
        record(goal, "programs.goal.created", by=by, after=snapshot(goal))


#: Years a program covers (the seeds' cycle 2023–2025).
PROGRAM_YEARS = 3


def create_program(
    school: School,
    kind: str,
    *,
    by: Any,
    profile_year: int,
    school_year: int | None = None,
    year_from: int = 2023,
) -> Program:
    """A new draft for ``year_from``…``year_from + 2``: the school's data at this moment, priorities pre-selected
    from high risks, proposed measures with default dates from ``school_year`` (the program's first year by
    default), one goal per priority with the baseline from data."""
    if kind not in Program.Kind.values:
        raise ProgramError(f"Неизвестный вид программы «{kind}».")
    profile_obj = RiskProfile.objects.filter(school=school, year=profile_year).first()
    profile = profile_obj.as_dict() if profile_obj else {}
    if not profile:
        raise ProgramError(
            f"У школы нет рискового профиля за {profile_year} г.: заполните или рассчитайте его перед созданием программы."
        )
    facts = school_facts(school, profile_year)
    order = list(RiskFactor.objects.filter(enabled=True).values_list("code", flat=True))
    priorities = constructor.default_priorities(profile, order, kind)  # type: ignore[arg-type]
    with transaction.atomic():
        version = (Program.objects.filter(school=school, kind=kind).aggregate(v=Max("version"))["v"] or 0) + 1
        program = Program.objects.create(
            school=school,
            kind=kind,
            version=version,
            title=constructor.KINDS[kind],
            profile_year=profile_year,
            school_year=year_from if school_year is None else school_year,
            year_from=year_from,
            year_to=year_from + PROGRAM_YEARS - 1,
            priorities=priorities,
            snapshot={"profile": profile, "categories": facts.pop("categories"), "facts": facts},
            created_by=_user(by),
        )
        record(program, "programs.program.created", by=by, after=snapshot(program))
        _propose(program, profile, by=by)
        _draft_goals(program, profile, by=by)
    return program


def set_priorities(
    program: Program, priorities: Iterable[str], *, by: Any, expected: str | None = None
) -> Program:
    """Change the priorities: measures the Конструктор proposed are proposed again (the team's own and added
    ones stay), goals of dropped priorities are removed, new priorities get a goal. ``expected``: the form's
    snapshot (``priorities_state``); a stale one raises ``portal.lib.stale.StaleEdit`` and nothing changes."""
    chosen = list(dict.fromkeys(priorities))
    unknown = set(chosen) - set(RiskFactor.objects.values_list("code", flat=True))
    if unknown:
        raise ProgramError(f"Неизвестные факторы риска: {', '.join(sorted(unknown))}.")
    if not chosen:
        raise ProgramError("Выберите хотя бы один приоритетный риск.")
    with transaction.atomic():
        locked = _lock_draft(program)
        stale.check(expected, priorities_state(locked), PRIORITY_LABELS)
        before = snapshot(locked)
        locked.priorities = chosen
        locked.step = max(locked.step, 3)
        locked.save()
        record(locked, "programs.program.changed", by=by, before=before, after=snapshot(locked))
        for row in locked.measures.filter(origin=ProgramMeasure.Origin.PROPOSED):
            record(row, "programs.programmeasure.deleted", by=by, before=snapshot(row))
            row.delete()
        for goal in locked.goals.exclude(factor_code__in=chosen).exclude(factor_code=""):
            record(goal, "programs.goal.deleted", by=by, before=snapshot(goal))
            goal.delete()
        profile = locked.snapshot.get("profile", {})
        _propose(locked, profile, by=by)
        _draft_goals(locked, profile, by=by)
    program.refresh_from_db()
    return program


MEASURE_FIELDS = ("title", "responsible", "start", "end", "expected_result", "evidence")


def update_measures(
    program: Program,
    rows: Mapping[int, Mapping[str, Any]],
    *,
    by: Any,
    delete: Iterable[int] = (),
    expected: str | None = None,
) -> None:
    """Edit the team's fields of measures (by pk) and delete the ones in ``delete``. ``expected``: the form's
    snapshot (``measures_state``); a stale one raises ``portal.lib.stale.StaleEdit`` and nothing changes."""
    with transaction.atomic():
        locked = _lock_draft(program)
        stale.check(expected, measures_state(locked), measures_labels(locked))
        for row in locked.measures.filter(pk__in=list(delete)):
            record(row, "programs.programmeasure.deleted", by=by, before=snapshot(row))
            row.delete()
        for obj in locked.measures.filter(pk__in=list(rows)):
            before = snapshot(obj)
            for name in MEASURE_FIELDS:
                if name in rows[obj.pk]:
                    setattr(obj, name, rows[obj.pk][name])
            if snapshot(obj) != before:
                obj.save()
                record(obj, "programs.programmeasure.changed", by=by, before=before, after=snapshot(obj))


def add_measure(
    program: Program,
    *,
    by: Any,
    code: str = "",
    own: Mapping[str, Any] | None = None,
    expected: str | None = None,
) -> ProgramMeasure:
    """Add a library measure (``code``) or the team's own measure (``own``: title, factor, responsible, dates)."""
    with transaction.atomic():
        locked = _lock_draft(program)
        # Added from the measures form: its typed rows stay, so the rows must not have changed meanwhile.
        stale.check(expected, measures_state(locked), measures_labels(locked))
        return _add_measure(locked, by=by, code=code, own=own)


def _add_measure(program: Program, *, by: Any, code: str, own: Mapping[str, Any] | None) -> ProgramMeasure:
    position = (program.measures.aggregate(m=Max("position"))["m"] or 0) + 1
    if code:
        region_id = program.school.municipality.region_id
        m = region_measures(region_id).filter(code=code).first()
        if m is None:
            raise ProgramError(f"В библиотеке нет меры «{code}».")
        if program.measures.filter(code=code).exists():
            raise ProgramError(f"Мера {code} уже есть в программе.")
        lib_m = library(region_id).measure(code) if m.is_active else None
        start, end = (
            constructor.default_span(lib_m, program.school_year, program.year_to) if lib_m else (None, None)
        )
        values: dict[str, Any] = {
            "measure": m,
            "code": m.code,
            "title": m.title,
            "description": m.description,
            "factor_codes": [f for f in m.risk_factors if f in program.priorities] or list(m.risk_factors),
            "directions": m.directions,
            "indicators": m.indicators,
            "responsible": m.responsible_role,
            "start": start,
            "end": end,
            "timing_kind": m.timing_kind,
            "timing_months": m.timing_months,
            "expected_result": m.expected_result,
            "evidence": m.evidence,
            "origin": ProgramMeasure.Origin.LIBRARY,
            "provenance": {"rule": "team", "text": "добавлена командой школы из библиотеки мер"},
        }
    else:
        data = dict(own or {})
        title = str(data.get("title", "")).strip()
        if not title:
            raise ProgramError("Укажите название своей меры.")
        factor = str(data.get("factor", ""))
        values = {
            "code": "",
            "title": title,
            "description": str(data.get("description", "")),
            "factor_codes": [factor] if factor else [],
            "responsible": str(data.get("responsible", "")),
            "start": data.get("start"),
            "end": data.get("end"),
            "expected_result": str(data.get("expected_result", "")),
            "evidence": str(data.get("evidence", "")),
            "origin": ProgramMeasure.Origin.OWN,
            "provenance": {},
        }
    row = ProgramMeasure.objects.create(program=program, position=position, **values)
    record(row, "programs.programmeasure.created", by=by, after=snapshot(row))
    return row


GOAL_FIELDS = ("text", "tasks", "indicator", "unit", "baseline", "target")


def update_goals(
    program: Program,
    rows: Mapping[int, Mapping[str, Any]],
    *,
    by: Any,
    analysis_note: str | None = None,
    director: str | None = None,
    expected: str | None = None,
) -> None:
    """Edit goals (by pk), the team's conclusions and the program's head. ``expected``: the form's snapshot
    (``goals_state``); a stale one raises ``portal.lib.stale.StaleEdit`` and nothing changes."""
    with transaction.atomic():
        locked = _lock_draft(program)
        stale.check(expected, goals_state(locked), goals_labels(locked))
        for goal in locked.goals.filter(pk__in=list(rows)):
            before = snapshot(goal)
            for name in GOAL_FIELDS:
                if name in rows[goal.pk]:
                    setattr(goal, name, rows[goal.pk][name])
            if snapshot(goal) != before:
                goal.save()
                record(goal, "programs.goal.changed", by=by, before=before, after=snapshot(goal))
        before = snapshot(locked)
        if analysis_note is not None:
            locked.analysis_note = analysis_note
        if director is not None:
            locked.director = director
        locked.step = max(locked.step, 5)
        if snapshot(locked) != before:
            locked.save()
            record(locked, "programs.program.changed", by=by, before=before, after=snapshot(locked))
    program.refresh_from_db()


def check(program: Program) -> list[constructor.CheckItem]:
    """The plan's checklist (opora.constructor.quality_check) on the stored program."""
    goals = [constructor.PlanGoal(g.text, g.indicator, g.baseline, g.target) for g in program.goals.all()]
    measures = [
        constructor.PlanMeasure(m.title, tuple(m.factor_codes), m.start, m.end, m.responsible)
        for m in program.measures.all()
    ]
    profile = program.snapshot.get("profile", {})
    if program.kind == Program.Kind.FAILURE:
        profile = {k: v for k, v in profile.items() if k in constructor.FAILURE_FACTORS}
    period = (datetime.date(program.year_from, 1, 1), datetime.date(program.year_to, 12, 31))
    return constructor.quality_check(goals, measures, profile, factor_titles(), period=period)
