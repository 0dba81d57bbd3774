"""Expert rules of the «Конструктор ШППКО»: risk levels from data, measures proposed for a risk profile, goals,
the plan's quality check, and the calendar of a measure (methodology-research §2.2, §3.3).

Everything here is pure: the library (:class:`opora.measures_catalogue.MeasuresLibrary`) and the school's data come
in as plain values, proposals and checks go out as frozen dataclasses with Russian texts. The Django app
``portal.programs`` stores them; every generated measure keeps the :class:`Proposal` that produced it (factor, level,
rule), so a reader of the program sees why each measure is there.

Rules (DESIGN; the Krasnoyarsk Конструктор's own rules are not known, research §3.3):

- **R0** (base): a ШППКО always opens with the self-diagnosis and the program's own development (``M01``, ``M02``);
  a failure-prevention program with the adoption of the program itself (``M03``).
- **R1** (high risk): for each priority factor at level «высокий», the library's measures proposed at «high» with
  priority 1–2, at most :attr:`ConstructorConfig.per_high` of them.
- **R2** (medium risk): for a priority factor at «средний», the measures proposed at «medium» with priority 1, at
  most :attr:`ConstructorConfig.per_medium`.
- **R3** (chosen by the team at «низкий»): one priority-1 measure proposed at «low» (or, failing that, any level).
- **R4** (ШНОР): a school the published identification placed in ``low_results`` gets up to two priority-1
  measures of ``high_failure_risk_share`` even when the team did not choose that factor.
- A failure-prevention program (``kind="failure_prevention"``) considers only the factors of
  :data:`FAILURE_FACTORS` and only measures that address one of them; ``high_failure_risk_share`` is always a
  priority there (every school must have the program, research §3.1).

A measure proposed by two factors is listed once, under the first; ``also`` names the other factors it covers.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from opora.measures_catalogue import LEVEL_NAMES, Measure, MeasuresLibrary, evaluate_data_rule
from opora.risk_explain import explain

__all__ = [
    "FAILURE_FACTORS",
    "GOAL_TEMPLATES",
    "KINDS",
    "LEVEL_SCORE",
    "RULES",
    "SCHOOL_YEAR_MONTHS",
    "CheckItem",
    "ComputedLevel",
    "ConstructorConfig",
    "GoalDraft",
    "GoalTemplate",
    "PlanGoal",
    "PlanMeasure",
    "Proposal",
    "active_months",
    "check_passed",
    "compute_levels",
    "default_priorities",
    "default_span",
    "draft_goals",
    "months_in_year",
    "propose_measures",
    "quality_check",
    "roadmap_years",
]

ProgramKind = Literal["shppko", "failure_prevention"]
KINDS: Final = {
    "shppko": "Школьная программа повышения качества образования",
    "failure_prevention": "Программа профилактики учебной неуспешности",
}
#: Factors a failure-prevention program works on (research §2.2: failure risk, adaptivity, motivation, ОВЗ,
#: language barriers).
FAILURE_FACTORS: Final = (
    "high_failure_risk_share",
    "low_adaptivity",
    "low_motivation",
    "high_special_needs_share",
    "language_barriers",
)
#: Level → bar length of the profile chart (высокий = 3).
LEVEL_SCORE: Final = {"high": 3, "medium": 2, "low": 1}
#: Months of a school year in order, September to August.
SCHOOL_YEAR_MONTHS: Final = (9, 10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8)

RULES: Final = {
    "R0": "базовая мера программы",
    "R1": "высокий уровень риска: меры приоритета 1–2",
    "R2": "средний уровень риска: меры приоритета 1",
    "R3": "риск выбран командой при низком уровне: одна мера приоритета 1",
    "R4": "школа отнесена к ШНОР: меры по учебной неуспешности",
}


@dataclass(frozen=True)
class ConstructorConfig:
    """Limits of the expert rules; the method centre may change them (the defaults are ours, DESIGN)."""

    per_high: int = 4
    per_medium: int = 2
    base: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: {"shppko": ("M01", "M02"), "failure_prevention": ("M03",)}
    )


# ------------------------------------------------------------------------------------------------ levels


@dataclass(frozen=True)
class ComputedLevel:
    """A factor's level computed by its data rule (``None`` when an input is missing) and why, in Russian sentences
    with the numbers and thresholds (:func:`opora.risk_explain.explain`)."""

    factor: str
    level: str | None
    reason: str


def compute_levels(
    library: MeasuresLibrary,
    inputs: Mapping[str, float | bool | None],
    params: Mapping[str, float] | None = None,
) -> dict[str, ComputedLevel]:
    """Levels of every factor that has a data rule (``risk_factors.yaml``), from the municipal inputs.

    >>> from opora.measures_catalogue import builtin_library
    >>> lib = builtin_library()
    >>> levels = compute_levels(lib, {"equipment_complete": False, "internet_mbps": 20.0, "staff_vacancies": 1})
    >>> levels["low_equipment"].level, levels["teacher_shortage"].level
    ('high', 'medium')
    """
    out: dict[str, ComputedLevel] = {}
    for code, factor in library.risk_factors.items():
        if factor.data_rule is None:
            continue
        level, _ = evaluate_data_rule(factor.data_rule, inputs, params)
        # The reason a school reads: Russian sentences with the numbers (opora.risk_explain), never the expression;
        # tests/analytics/test_risk_explain.py checks on random data that the words give the same level.
        out[code] = ComputedLevel(code, level, explain(factor.data_rule, inputs, params).text)
    return out


def default_priorities(
    profile: Mapping[str, str], order: Sequence[str], kind: ProgramKind = "shppko"
) -> list[str]:
    """Factors pre-selected as priorities: every «высокий» one in catalogue ``order``.

    With no high risk, the «средний» ones are taken (a program needs at least one direction). A failure-prevention
    program looks only at :data:`FAILURE_FACTORS` and always includes ``high_failure_risk_share``.
    """
    allowed = [c for c in order if c in profile and (kind == "shppko" or c in FAILURE_FACTORS)]
    chosen = [c for c in allowed if profile[c] == "high"] or [c for c in allowed if profile[c] == "medium"]
    if kind == "failure_prevention" and "high_failure_risk_share" not in chosen:
        chosen.insert(0, "high_failure_risk_share")
    return chosen


# ------------------------------------------------------------------------------------------------ proposals


@dataclass(frozen=True)
class Proposal:
    """One measure proposed for the program and its provenance: the factor, its level, the rule."""

    measure: str
    factor: str
    level: str
    rule: str
    indicators: tuple[str, ...]
    also: tuple[str, ...] = ()

    def describe(self, titles: Mapping[str, str] | None = None) -> str:
        """Russian, for documents: «R1 — высокий уровень риска: меры приоритета 1–2; фактор «Оснащение» (высокий)».

        >>> Proposal("M10", "A", "high", "R1", ()).describe({"A": "Оснащение"})
        'R1 — высокий уровень риска: меры приоритета 1–2; фактор «Оснащение» (высокий)'
        """
        text = f"{self.rule} — {RULES[self.rule]}"
        if not self.factor:
            return text
        level = LEVEL_NAMES.get(self.level, self.level)
        return f"{text}; фактор «{(titles or {}).get(self.factor, self.factor)}» ({level})"


def _fits(measure: Measure, kind: ProgramKind) -> bool:
    return kind == "shppko" or any(f in FAILURE_FACTORS for f in measure.risk_factors)


def propose_measures(
    library: MeasuresLibrary,
    profile: Mapping[str, str],
    priorities: Sequence[str],
    *,
    kind: ProgramKind = "shppko",
    categories: Iterable[str] = (),
    config: ConstructorConfig | None = None,
) -> list[Proposal]:
    """The measures the rules R0–R4 propose for ``priorities`` given the ``profile`` (factor → level).

    ``profile`` levels are ``high``/``medium``/``low``; a priority with no level counts as «низкий». Measures the
    library does not contain (an edited library) are skipped. Order: base measures, then by priority factor.
    """
    cfg = config or ConstructorConfig()
    known = {m.code: m for m in library.measures}
    chosen = [p for p in dict.fromkeys(priorities) if kind == "shppko" or p in FAILURE_FACTORS]
    out: dict[str, Proposal] = {}

    def add(measure: Measure, factor: str, level: str, rule: str) -> None:
        if measure.code in out:
            prev = out[measure.code]
            if factor and factor != prev.factor and factor not in prev.also:
                out[measure.code] = Proposal(
                    prev.measure, prev.factor, prev.level, prev.rule, prev.indicators, (*prev.also, factor)
                )
            return
        out[measure.code] = Proposal(measure.code, factor, level, rule, measure.indicators)

    for code in cfg.base.get(kind, ()):
        if code in known:
            add(known[code], "", "", "R0")
    for factor in chosen:
        level = profile.get(factor, "low")
        found: list[Measure]
        if level == "high":
            found = [m for m in library.for_factor(factor, "high") if m.priority <= 2 and _fits(m, kind)]
            rule, limit = "R1", cfg.per_high
        elif level == "medium":
            found = [m for m in library.for_factor(factor, "medium") if m.priority == 1 and _fits(m, kind)]
            rule, limit = "R2", cfg.per_medium
        else:
            pool = library.for_factor(factor, "low") or library.for_factor(factor)
            found = [m for m in pool if _fits(m, kind)][:1]
            rule, limit = "R3", 1
        # A measure already proposed by an earlier factor does not use up this factor's quota.
        fresh = [m for m in found if m.code not in out]
        for m in found:
            if m.code in out:
                add(m, factor, level, rule)
        for m in fresh[:limit]:
            add(m, factor, level, rule)
    if "low_results" in set(categories) and "high_failure_risk_share" not in chosen:
        level = profile.get("high_failure_risk_share", "low")
        r4_pool = [
            m for m in library.for_factor("high_failure_risk_share") if m.priority == 1 and m.code not in out
        ]
        for m in r4_pool[:2]:
            add(m, "high_failure_risk_share", level, "R4")
    return list(out.values())


# ------------------------------------------------------------------------------------------------ goals


@dataclass(frozen=True)
class GoalTemplate:
    """The measurable goal a priority factor gets by default; ``fact`` names a school fact for the baseline."""

    text: str
    indicator: str
    unit: str
    fact: str | None
    direction: Literal["up", "down"]
    target_value: float | None = None


#: One goal per factor (DESIGN). Targets: to the municipal threshold where one exists (SEED-B Прил. 2), otherwise
#: a third less of the bad share; factors with no data leave the baseline for the team.
GOAL_TEMPLATES: Final[Mapping[str, GoalTemplate]] = {
    "low_equipment": GoalTemplate(
        "Обеспечить оснащение учебных предметов в соответствии с ООП и доступ в Интернет со скоростью не ниже 50\u00a0Мбит/с",
        "Скорость подключения к сети Интернет",
        "Мбит/с",
        "internet_mbps",
        "up",
        50.0,
    ),
    "teacher_shortage": GoalTemplate(
        "Устранить дефицит педагогических кадров",
        "Число вакансий педагогических работников",
        "ед.",
        "staff_vacancies",
        "down",
        0.0,
    ),
    "low_teacher_competence": GoalTemplate(
        "Повысить предметную и методическую компетентность педагогов",
        "Доля педагогов с первой и высшей квалификационными категориями",
        "%",
        "share_category_first_highest",
        "up",
        70.0,
    ),
    "no_pd_system": GoalTemplate(
        "Сформировать внутришкольную систему повышения квалификации",
        "Доля педагогов, прошедших повышение квалификации за последние 3 года",
        "%",
        "share_trained_3y",
        "up",
        95.0,
    ),
    "high_failure_risk_share": GoalTemplate(
        "Снизить долю обучающихся с рисками учебной неуспешности",
        "Доля отметок «2» по ВПР (все предметы и классы)",
        "%",
        "vpr_share_2",
        "down",
    ),
    "low_environment_quality": GoalTemplate(
        "Повысить качество школьной образовательной и воспитательной среды",
        "Доля обучающихся, положительно оценивающих школьный климат (анкетирование)",
        "%",
        None,
        "up",
    ),
    "high_special_needs_share": GoalTemplate(
        "Обеспечить условия для успешного обучения обучающихся с ОВЗ",
        "Доля обучающихся с ОВЗ, освоивших адаптированную программу",
        "%",
        None,
        "up",
    ),
    "low_parent_involvement": GoalTemplate(
        "Повысить вовлечённость родителей в образовательный процесс",
        "Доля родителей, участвующих в мероприятиях школы",
        "%",
        None,
        "up",
    ),
}
_GENERIC = GoalTemplate(
    "Снизить уровень риска «{title}»", "Уровень риска по рисковому профилю (1 — низкий, 3 — высокий)", "балл",
    "level_score", "down", 1.0,
)  # fmt: skip


@dataclass(frozen=True)
class GoalDraft:
    factor: str
    text: str
    indicator: str
    unit: str
    baseline: float | None
    target: float | None


def _target(template: GoalTemplate, baseline: float | None) -> float | None:
    if baseline is None:
        return None
    if template.target_value is not None:
        better = (
            max(baseline, template.target_value)
            if template.direction == "up"
            else min(baseline, template.target_value)
        )
        if better != baseline:
            return better
    # Already at the threshold (or no threshold): a third less of the bad share, or 10 % better.
    if template.direction == "down":
        return round(baseline * 2 / 3, 1)
    return round(min(100.0, baseline * 1.1) if template.unit == "%" else baseline * 1.1, 1)


def draft_goals(
    priorities: Sequence[str],
    facts: Mapping[str, float | None],
    titles: Mapping[str, str],
    profile: Mapping[str, str] | None = None,
) -> list[GoalDraft]:
    """One goal per priority factor with the baseline from ``facts`` and a default target (None when unknown).

    >>> [(g.baseline, g.target) for g in draft_goals(["no_pd_system"], {"share_trained_3y": 80.0}, {})]
    [(80.0, 95.0)]
    """
    out: list[GoalDraft] = []
    levels = profile or {}
    for factor in priorities:
        template = GOAL_TEMPLATES.get(factor, _GENERIC)
        if template.fact == "level_score":
            score = LEVEL_SCORE.get(levels.get(factor, ""))
            baseline: float | None = float(score) if score is not None else None
        else:
            raw = facts.get(template.fact) if template.fact else None
            baseline = None if raw is None or (isinstance(raw, float) and math.isnan(raw)) else float(raw)
        text = template.text.format(title=titles.get(factor, factor))
        out.append(
            GoalDraft(factor, text, template.indicator, template.unit, baseline, _target(template, baseline))
        )
    return out


# ------------------------------------------------------------------------------------------------ calendar


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year + (month == 12), month % 12 + 1, 1) - datetime.timedelta(days=1)


def default_span(
    measure: Measure, school_year: int, last_year: int | None = None
) -> tuple[datetime.date, datetime.date]:
    """Default dates of a measure starting in the school year that begins 1 September ``school_year``.

    A one-off measure runs from its first typical month to the end of its last one. A repeated measure (yearly,
    per term, quarterly, monthly, permanent) runs to its last typical month in calendar year ``last_year`` (the
    program's last year; without it, to the end of the school year). No typical months: September to May.

    >>> from opora.measures_catalogue import builtin_library
    >>> m = builtin_library().measure("M03")
    >>> default_span(m, 2023, 2025)  # once, months [9, 10]
    (datetime.date(2023, 9, 1), datetime.date(2023, 10, 31))
    """
    months = measure.timing.months
    repeated = measure.timing.kind != "once"
    if not months or measure.timing.kind in ("permanent", "monthly"):
        first, last = 9, 5
    else:
        order = sorted(months, key=SCHOOL_YEAR_MONTHS.index)
        first, last = order[0], order[-1]
    start = datetime.date(school_year if first >= 9 else school_year + 1, first, 1)
    if repeated and last_year is not None:
        in_year = [m for m in (months or range(1, 13)) if m <= 12]
        if measure.timing.kind in ("permanent", "monthly") and not months:
            in_year = [5, 12] if last_year > school_year else [5]
        end = _month_end(last_year, max(in_year))
        return start, max(end, start)
    return start, _month_end(school_year if last >= 9 else school_year + 1, last)


#: Months of lessons (September–May): a permanent or monthly measure without typical months runs in them.
TEACHING_MONTHS: Final = frozenset({9, 10, 11, 12, 1, 2, 3, 4, 5})


def _pick(timing_months: Sequence[int] | None, timing_kind: str) -> set[int] | None:
    """The months a measure is limited to, or None for «every month of its dates»."""
    if timing_months and timing_kind not in ("permanent", "monthly", ""):
        return set(timing_months)
    if timing_kind in ("permanent", "monthly"):
        return set(timing_months) if timing_months else set(TEACHING_MONTHS)
    return None


def months_in_year(
    start: datetime.date | None,
    end: datetime.date | None,
    year: int,
    timing_months: Sequence[int] | None = None,
    timing_kind: str = "",
) -> tuple[int, ...]:
    """Months (1–12) of calendar ``year`` in which the measure is carried out (the roadmap's year cells).

    >>> months_in_year(datetime.date(2023, 10, 1), datetime.date(2025, 11, 30), 2024, [10, 11], "yearly")
    (10, 11)
    """
    if start is None or end is None or end < start:
        return ()
    pick = _pick(timing_months, timing_kind)
    out = [
        m
        for m in range(1, 13)
        if datetime.date(year, m, 1) <= end and _month_end(year, m) >= start and (pick is None or m in pick)
    ]
    if pick is not None and not out:
        return months_in_year(start, end, year)
    return tuple(out)


def active_months(
    start: datetime.date | None,
    end: datetime.date | None,
    school_year: int,
    timing_months: Sequence[int] | None = None,
    timing_kind: str = "",
) -> tuple[bool, ...]:
    """Which of the 12 months (Sept ``school_year`` … Aug next year) the measure is carried out in.

    A month counts when it overlaps [start, end]; for measures that happen in typical months only (once, yearly,
    per term, quarterly), it must also be one of ``timing_months``. No dates → no months.

    >>> active_months(datetime.date(2023, 10, 1), datetime.date(2024, 1, 31), 2023)[:6]
    (False, True, True, True, True, False)
    """
    if start is None or end is None or end < start:
        return (False,) * 12
    pick = _pick(timing_months, timing_kind)
    out = []
    for month in SCHOOL_YEAR_MONTHS:
        year = school_year if month >= 9 else school_year + 1
        first = datetime.date(year, month, 1)
        last = datetime.date(year + (month == 12), month % 12 + 1, 1) - datetime.timedelta(days=1)
        overlaps = first <= end and last >= start
        out.append(overlaps and (pick is None or month in pick))
    if pick is not None and not any(out):
        # Dates the team set outside the typical months win: show the months of the dates.
        return active_months(start, end, school_year)
    return tuple(out)


def roadmap_years(
    start: datetime.date | None, end: datetime.date | None, years: Sequence[int] = (2023, 2024, 2025)
) -> tuple[bool, ...]:
    """Which calendar ``years`` the period [start, end] touches (the roadmap's columns)."""
    if start is None or end is None or end < start:
        return (False,) * len(years)
    return tuple(start.year <= y <= end.year for y in years)


# ------------------------------------------------------------------------------------------------ quality


@dataclass(frozen=True)
class PlanGoal:
    text: str
    indicator: str
    baseline: float | None
    target: float | None


@dataclass(frozen=True)
class PlanMeasure:
    title: str
    factors: tuple[str, ...]
    start: datetime.date | None
    end: datetime.date | None
    responsible: str


@dataclass(frozen=True)
class CheckItem:
    """One line of the checklist: ``ok`` or the Russian ``problems`` that block approval."""

    code: str
    title: str
    ok: bool
    problems: tuple[str, ...]


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def quality_check(
    goals: Sequence[PlanGoal],
    measures: Sequence[PlanMeasure],
    profile: Mapping[str, str],
    titles: Mapping[str, str],
    *,
    period: tuple[datetime.date, datetime.date] | None = None,
) -> list[CheckItem]:
    """The plan's checklist before approval (issue 5): Q1 goals measurable, Q2 every high risk covered,
    Q3 every measure dated and assigned (and, given ``period``, inside it).

    >>> items = quality_check([], [], {"low_equipment": "high"}, {"low_equipment": "Оснащение"})
    >>> [(i.code, i.ok) for i in items]
    [('Q1', False), ('Q2', False), ('Q3', False)]
    """
    q1: list[str] = []
    if not goals:
        q1.append("В программе нет ни одной цели.")
    for n, g in enumerate(goals, start=1):
        name = f"Цель {n} «{_short(g.text)}»"
        if not g.indicator.strip():
            q1.append(f"{name}: не указан показатель.")
        if g.baseline is None:
            q1.append(f"{name}: не указано базовое значение показателя.")
        if g.target is None:
            q1.append(f"{name}: не указано целевое значение показателя.")
        if g.baseline is not None and g.target is not None and g.baseline == g.target:
            q1.append(f"{name}: целевое значение совпадает с базовым — цель не измерима.")
    covered = {f for m in measures for f in m.factors}
    q2 = [
        f"Высокий риск «{titles.get(code, code)}» не закрыт ни одной мерой программы."
        for code, level in profile.items()
        if level == "high" and code not in covered
    ]
    q3: list[str] = []
    if not measures:
        q3.append("В программе нет ни одной меры.")
    for n, m in enumerate(measures, start=1):
        name = f"Мера {n} «{_short(m.title)}»"
        if m.start is None or m.end is None:
            q3.append(f"{name}: не указаны сроки начала и окончания.")
        elif m.end < m.start:
            q3.append(f"{name}: срок окончания раньше срока начала.")
        elif period is not None and (m.start < period[0] or m.end > period[1]):
            q3.append(
                f"{name}: сроки выходят за период программы ({period[0]:%d.%m.%Y} – {period[1]:%d.%m.%Y})."
            )
        if not m.responsible.strip():
            q3.append(f"{name}: не назначен ответственный.")
    return [
        CheckItem("Q1", "Каждая цель измерима: показатель, базовое и целевое значения", not q1, tuple(q1)),
        CheckItem("Q2", "Каждый высокий риск закрыт хотя бы одной мерой", not q2, tuple(q2)),
        CheckItem("Q3", "У каждой меры есть сроки и ответственный", not q3, tuple(q3)),
    ]


def check_passed(items: Iterable[CheckItem]) -> bool:
    return all(i.ok for i in items)
