"""Expert rules of the Конструктор on hand-made libraries and profiles; expectations derived by hand from the rules
R0–R4 in opora/constructor.py's docstring."""

from __future__ import annotations

import datetime
import doctest

import pytest

from opora import constructor
from opora.constructor import (
    PlanGoal,
    PlanMeasure,
    active_months,
    check_passed,
    compute_levels,
    default_priorities,
    default_span,
    draft_goals,
    months_in_year,
    propose_measures,
    quality_check,
)
from opora.measures_catalogue import Measure, MeasuresLibrary, RiskFactor, Timing, builtin_library

D = datetime.date
SEPT_2023, MAY_2024 = D(2023, 9, 1), D(2024, 5, 31)


def m(
    code: str,
    factors: tuple[str, ...],
    levels: tuple[str, ...] = ("high", "medium"),
    priority: int = 1,
    kind: str = "yearly",
    months: tuple[int, ...] | None = (10,),
) -> Measure:
    return Measure(
        code=code,
        title=f"Мера {code}",
        description="",
        risk_factors=factors,
        directions=(3,),
        indicators=("3.1",),
        responsible_role="директор",
        timing=Timing(kind, months, None),
        expected_result="",
        evidence="",
        levels=levels,
        priority=priority,
    )


def factor(code: str) -> RiskFactor:
    return RiskFactor(code, code, "", {}, "", False)


@pytest.fixture
def lib() -> MeasuresLibrary:
    """A small library: A (equipment) has five high measures, B (parents) two; F is the failure factor."""
    measures = (
        m("M01", ("A", "B", "high_failure_risk_share")),  # base ШППКО measure
        m("M02", ("A", "B")),  # base ШППКО measure
        m("M03", ("high_failure_risk_share",)),  # base failure-prevention measure
        m("A1", ("A",), priority=1),
        m("A2", ("A",), priority=2),
        m("A3", ("A",), priority=1, levels=("high",)),
        m("A4", ("A",), priority=3),  # priority 3: never proposed by R1
        m("A5", ("A",), priority=2),
        m("A6", ("A",), priority=1),
        m("B1", ("B",), priority=1, levels=("medium", "low")),
        m("B2", ("B", "A"), priority=1),
        m("F1", ("high_failure_risk_share",), priority=1),
        m("F2", ("high_failure_risk_share", "low_motivation"), priority=1),
        m("F3", ("high_failure_risk_share",), priority=2),
    )
    return MeasuresLibrary(
        risk_factors={c: factor(c) for c in ("A", "B", "high_failure_risk_share", "low_motivation")},
        municipal_factors={},
        measures=measures,
        _by_code={x.code: x for x in measures},
    )


def codes(proposals: list[constructor.Proposal]) -> list[str]:
    return [p.measure for p in proposals]


def test_a_high_risk_gets_priority_1_and_2_measures_up_to_the_limit(lib: MeasuresLibrary) -> None:
    # R0: M01, M02. R1 for A (high): for_factor sorts by (priority, code): A1, A3, A6, B2 (p1), A2, A5 (p2);
    # the first four fresh ones: A1, A3, A6, B2. A4 (priority 3) and A2/A5 (over the limit of 4) are left out.
    out = propose_measures(lib, {"A": "high"}, ["A"])
    assert codes(out) == ["M01", "M02", "A1", "A3", "A6", "B2"]
    assert [(p.factor, p.level, p.rule) for p in out[2:]] == [("A", "high", "R1")] * 4
    assert out[0].rule == "R0" and out[0].factor == ""


def test_a_medium_risk_gets_two_priority_1_measures_proposed_at_medium(lib: MeasuresLibrary) -> None:
    # R2 for B (medium): for_factor("B", "medium") = B1, B2 (M01, M02 are base and already in); priority 1 → B1, B2.
    out = propose_measures(lib, {"B": "medium"}, ["B"])
    assert codes(out) == ["M01", "M02", "B1", "B2"]
    assert {p.rule for p in out[2:]} == {"R2"}
    # M01 and M02 also address B: the second factor is recorded as «also», not as a second row.
    assert out[0].also == ("B",)


def test_a_measure_shared_by_two_factors_is_listed_once_and_remembers_both(lib: MeasuresLibrary) -> None:
    # A high → A1, A3, A6, B2; then B medium → B1 (B2 already there, recorded as also).
    out = propose_measures(lib, {"A": "high", "B": "medium"}, ["A", "B"])
    assert codes(out) == ["M01", "M02", "A1", "A3", "A6", "B2", "B1"]
    b2 = out[codes(out).index("B2")]
    assert (b2.factor, b2.also) == ("A", ("B",))


def test_a_low_risk_chosen_by_the_team_gets_one_measure(lib: MeasuresLibrary) -> None:
    # R3: for_factor("B", "low") = B1 only.
    out = propose_measures(lib, {"B": "low"}, ["B"])
    assert codes(out) == ["M01", "M02", "B1"]
    assert out[-1].rule == "R3"


def test_a_low_results_school_gets_failure_measures_even_unchosen(lib: MeasuresLibrary) -> None:
    # R4: priority-1 measures of high_failure_risk_share sorted by code: F1, F2, M01, M03; M01 is already in (R0),
    # so the first two fresh ones are F1, F2.
    out = propose_measures(lib, {"A": "low"}, ["A"], categories=["low_results"])
    assert codes(out)[-2:] == ["F1", "F2"]
    assert {p.rule for p in out[-2:]} == {"R4"}
    without = propose_measures(lib, {"A": "low"}, ["A"])
    assert "F1" not in codes(without)


def test_the_failure_prevention_program_keeps_to_failure_factors(lib: MeasuresLibrary) -> None:
    # Priorities outside FAILURE_FACTORS (A) are dropped; base M03; high failure risk → F1, F2, M01 already?
    # for_factor(high_failure_risk_share, high) by (priority, code): F1, F2, M01, M03 (p1), F3 (p2).
    # M03 is base; fresh: F1, F2, M01, F3 → first four.
    out = propose_measures(
        lib,
        {"A": "high", "high_failure_risk_share": "high"},
        ["A", "high_failure_risk_share"],
        kind="failure_prevention",
    )
    assert codes(out) == ["M03", "F1", "F2", "M01", "F3"]
    assert "A1" not in codes(out)


def test_default_priorities_are_the_high_risks_or_else_the_medium_ones() -> None:
    order = ["A", "B", "C", "high_failure_risk_share"]
    assert default_priorities({"A": "high", "B": "medium", "C": "high"}, order) == ["A", "C"]
    assert default_priorities({"A": "medium", "B": "low", "C": "medium"}, order) == ["A", "C"]
    assert default_priorities({"A": "low"}, order) == []
    # A failure-prevention program always works on the failure factor.
    assert default_priorities({"A": "high"}, order, "failure_prevention") == ["high_failure_risk_share"]


def test_levels_computed_from_municipal_inputs_follow_the_yaml_rules() -> None:
    lib = builtin_library()
    # risk_factors.yaml: low_equipment high = incomplete AND < 50 Мбит/с; teacher_shortage high ≥ 2 vacancies,
    # medium > 0; competence high < 50 %, medium < 70 %; pd system high < 80 %, medium < 95 %.
    levels = compute_levels(
        lib,
        {
            "equipment_complete": True,
            "internet_mbps": 30.0,
            "staff_vacancies": 2,
            "share_category_first_highest": 75.0,
            "share_trained_3y": 79.9,
        },
    )
    got = {k: v.level for k, v in levels.items()}
    assert got == {
        "low_equipment": "medium",  # only the Internet is below 50
        "teacher_shortage": "high",
        "low_teacher_competence": "low",
        "no_pd_system": "high",
    }
    assert "30" in levels["low_equipment"].reason
    missing = compute_levels(lib, {"internet_mbps": 60.0})
    assert missing["low_equipment"].level is None
    assert "нет данных" in missing["low_equipment"].reason


def test_goals_take_the_baseline_from_data_and_a_target_to_the_threshold() -> None:
    goals = draft_goals(
        ["no_pd_system", "high_failure_risk_share", "low_parent_involvement", "low_motivation"],
        {"share_trained_3y": 80.0, "vpr_share_2": 15.0},
        {"low_motivation": "Низкая учебная мотивация"},
        {"low_motivation": "high"},
    )
    # no_pd_system: 80 → threshold 95; failure: 15 → two thirds = 10; parents: no data; motivation (no template):
    # level score high = 3 → 1 (низкий).
    assert [(g.baseline, g.target) for g in goals] == [(80.0, 95.0), (15.0, 10.0), (None, None), (3.0, 1.0)]
    assert goals[3].text == "Снизить уровень риска «Низкая учебная мотивация»"


def test_default_span_of_a_one_off_and_of_a_repeated_measure() -> None:
    once = m("X", ("A",), kind="once", months=(9, 10))
    yearly = m("Y", ("A",), kind="yearly", months=(10, 11))
    permanent = m("Z", ("A",), kind="permanent", months=None)
    assert default_span(once, 2023, 2025) == (D(2023, 9, 1), D(2023, 10, 31))
    assert default_span(yearly, 2023, 2025) == (D(2023, 10, 1), D(2025, 11, 30))
    assert default_span(permanent, 2023, 2025) == (D(2023, 9, 1), D(2025, 12, 31))
    assert default_span(yearly, 2023) == (D(2023, 10, 1), D(2023, 11, 30))


def test_calendar_months_of_a_school_year() -> None:
    # Sept..Aug; a yearly measure in Oct–Nov over three years shows Oct and Nov only.
    grid = active_months(D(2023, 10, 1), D(2025, 11, 30), 2023, [10, 11], "yearly")
    assert grid == (False, True, True) + (False,) * 9
    # A permanent measure runs in the teaching months September–May, not in summer.
    grid = active_months(D(2023, 9, 1), D(2025, 12, 31), 2023, [], "permanent")
    assert grid == (True,) * 9 + (False,) * 3
    # Dates outside the typical months: the months of the dates are shown.
    assert (
        active_months(D(2024, 2, 1), D(2024, 2, 29), 2023, [10], "yearly")
        == (False,) * 5 + (True,) + (False,) * 6
    )
    assert active_months(None, D(2024, 1, 1), 2023) == (False,) * 12
    assert months_in_year(D(2023, 10, 1), D(2025, 11, 30), 2025, [10, 11], "yearly") == (10, 11)
    assert months_in_year(D(2023, 10, 1), D(2023, 11, 30), 2024, [10, 11], "yearly") == ()


def goal(baseline: float | None = 10.0, target: float | None = 20.0, indicator: str = "Доля") -> PlanGoal:
    return PlanGoal("Повысить долю", indicator, baseline, target)


def measure(
    factors: tuple[str, ...] = ("A",),
    start: datetime.date | None = SEPT_2023,
    end: datetime.date | None = MAY_2024,
    responsible: str = "директор",
) -> PlanMeasure:
    return PlanMeasure("Мера", factors, start, end, responsible)


TITLES = {"A": "Оснащение", "B": "Родители"}


def test_a_complete_plan_passes_every_check() -> None:
    items = quality_check([goal()], [measure()], {"A": "high", "B": "medium"}, TITLES)
    assert [(i.code, i.ok) for i in items] == [("Q1", True), ("Q2", True), ("Q3", True)]
    assert check_passed(items)


def test_each_goal_must_be_measurable() -> None:
    items = quality_check(
        [goal(baseline=None), goal(target=5.0, baseline=5.0), goal(indicator=" ")], [measure()], {}, TITLES
    )
    assert items[0].problems == (
        "Цель 1 «Повысить долю»: не указано базовое значение показателя.",
        "Цель 2 «Повысить долю»: целевое значение совпадает с базовым — цель не измерима.",
        "Цель 3 «Повысить долю»: не указан показатель.",
    )
    assert not check_passed(items)


def test_each_high_risk_must_be_covered_by_a_measure() -> None:
    items = quality_check([goal()], [measure(factors=("B",))], {"A": "high", "B": "high"}, TITLES)
    assert items[1].problems == ("Высокий риск «Оснащение» не закрыт ни одной мерой программы.",)


def test_each_measure_must_be_dated_within_the_period_and_assigned() -> None:
    period = (D(2023, 1, 1), D(2025, 12, 31))
    items = quality_check(
        [goal()],
        [
            measure(start=None),
            measure(responsible=""),
            measure(start=D(2024, 5, 1), end=D(2024, 4, 1)),
            measure(end=D(2026, 1, 31)),
        ],
        {},
        TITLES,
        period=period,
    )
    assert items[2].problems == (
        "Мера 1 «Мера»: не указаны сроки начала и окончания.",
        "Мера 2 «Мера»: не назначен ответственный.",
        "Мера 3 «Мера»: срок окончания раньше срока начала.",
        "Мера 4 «Мера»: сроки выходят за период программы (01.01.2023 – 31.12.2025).",
    )


def test_an_empty_plan_fails_with_reasons() -> None:
    items = quality_check([], [], {}, TITLES)
    assert items[0].problems == ("В программе нет ни одной цели.",)
    assert items[2].problems == ("В программе нет ни одной меры.",)


def test_the_shipped_library_proposes_for_every_core_factor() -> None:
    lib = builtin_library()
    core = [c for c, f in lib.risk_factors.items() if not f.optional]
    for code in core:
        out = propose_measures(lib, {code: "high"}, [code])
        assert any(p.factor == code for p in out), code


def test_the_docstring_examples_hold() -> None:
    result = doctest.testmod(constructor, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
