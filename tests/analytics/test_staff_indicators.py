"""Indicators computed from teachers' records: every slot on a hand-worked case (numbers worked out by hand below).

School 1 has five teachers in 2024 (T1–T5; T6 left in 2023, T7 is hired in 2025), T4 and T5 are the leadership
team. School 2 has two teachers; school 3 has none (only support records).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from opora.staff_indicators import (
    RULES,
    Activity,
    SchoolRecord,
    Teacher,
    municipal_total,
    risk_inputs,
    rule_for,
    school_values,
    teachers_in_year,
)

TEACHERS = [
    Teacher(1, 1, "highest"),
    Teacher(2, 1, "first", hired_year=2020),
    Teacher(3, 1, "none"),
    Teacher(4, 1, "first", leadership=True),
    Teacher(5, 1, "none", leadership=True, left_year=2024),
    Teacher(6, 1, "highest", left_year=2023),  # left: not counted in 2024
    Teacher(7, 1, "highest", hired_year=2025),  # not yet hired in 2024
    Teacher(21, 2, "first"),
    Teacher(22, 2, "none"),
]

ACTIVITIES = [
    # diagnostics: T1, T2 (twice), T6 (left: ignored); T3 in 2023 (other year: ignored)
    Activity("diagnostic:1", 1, "diagnostic", 2024),
    Activity("diagnostic:2", 2, "diagnostic", 2024),
    Activity("diagnostic:3", 2, "diagnostic", 2024),
    Activity("diagnostic:4", 6, "diagnostic", 2024),
    Activity("diagnostic:5", 3, "diagnostic", 2023),
    # ИОМ: formed by T1, T3, T4; implemented by T1 only
    Activity("route:1", 1, "route_formed", 2024),
    Activity("route:1", 1, "route_implemented", 2024),
    Activity("route:2", 3, "route_formed", 2024),
    Activity("route:3", 4, "route_formed", 2024),
    # courses: КК ИПК T1, T4; ЦОС own T1; ЦОС other none; school 2: T21 КК ИПК in 2022 (3-year window only)
    Activity("course:1", 1, "course", 2024, "kk_ipk"),
    Activity("course:2", 4, "course", 2024, "kk_ipk"),
    Activity("course:3", 1, "course", 2024, "cos_dpo_own"),
    Activity("course:4", 21, "course", 2022, "kk_ipk"),
    Activity("course:5", 3, "course", 2021, "other"),  # four years ago: outside the 3-year window
    # practices: mentoring pair T2 (mentor) + T3 (mentee); horizontal T1; supervision none
    Activity("practice:1", 2, "practice", 2024, "mentoring"),
    Activity("practice:2", 3, "practice", 2024, "mentoring"),
    Activity("practice:3", 1, "practice", 2024, "horizontal"),
    # events: regional — T1, T2 (teachers), T4 and T5 together as a team at one forum, T4 also at a second one
    Activity("event:1", 1, "event", 2024, "regional"),
    Activity("event:2", 2, "event", 2024, "regional"),
    Activity("event:3", 4, "event", 2024, "regional", team=True, event="forum-2024"),
    Activity("event:4", 5, "event", 2024, "regional", team=True, event="forum-2024"),
    Activity("event:5", 4, "event", 2024, "regional", event="school-2024"),
    # inter-municipal / federal: T3 (teacher), T4 (leadership); municipal level does not count
    Activity("event:6", 3, "event", 2024, "intermunicipal"),
    Activity("event:7", 4, "event", 2024, "federal"),
    Activity("event:8", 2, "event", 2024, "municipal"),
]

SCHOOL_RECORDS = [
    SchoolRecord("visit:1", 1, "support", "methodical_visit", 2024, 2024),
    SchoolRecord("visit:2", 3, "support", "kmc", 2024, 2024),
    SchoolRecord("visit:3", 2, "support", "supervision", 2023, 2023),  # last year: not in 2024
    SchoolRecord("partnership:1", 1, "partnership", "cultural", 2022, None),  # open-ended: in force
    SchoolRecord("partnership:2", 2, "partnership", "sports", 2021, 2023),  # ended in 2023
]


def values(year: int = 2024) -> dict[tuple[int, str], object]:
    out = school_values(TEACHERS, ACTIVITIES, SCHOOL_RECORDS, year=year, schools=[1, 2, 3])
    return {(v.school, v.key): v for v in out}


def test_it_counts_teachers_working_in_the_year() -> None:
    assert [t.id for t in teachers_in_year(TEACHERS, 2024) if t.school == 1] == [1, 2, 3, 4, 5]
    assert [t.id for t in teachers_in_year(TEACHERS, 2023) if t.school == 1] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize(
    ("key", "numerator", "denominator", "number"),
    [
        ("3.1|", 2, 5, 40.0),  # T1, T2 (T2's two diagnostics count once) of five
        ("3.2|", 3, 5, 60.0),  # T1, T3, T4
        ("3.3|", 1, 5, 20.0),  # T1
        ("3.5|kk_ipk", 2, 5, 40.0),  # T1, T4
        ("3.5|cos_dpo_own", 1, 5, 20.0),  # T1
        ("3.5|cos_dpo_other", 0, 5, 0.0),
        ("3.6|horizontal", 1, 5, 20.0),  # T1
        ("3.6|mentoring", 2, 5, 40.0),  # mentor T2 and mentee T3
        ("3.6|supervision", 0, 5, 0.0),
    ],
)
def test_it_computes_shares_of_teachers_by_hand(
    key: str, numerator: int, denominator: int, number: float
) -> None:
    v = values()[(1, key)]
    assert (v.numerator, v.denominator, v.number, v.measure) == (numerator, denominator, number, "people")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("key", "number"),
    [
        ("3.7|teachers", 2.0),  # T1, T2 (not the leadership team)
        ("3.7|heads", 2.0),  # T4 (twice: counts once), T5
        ("3.7|leadership_teams", 1.0),  # one forum attended as a team (two members, one team)
        ("5.3|teachers", 1.0),  # T3 inter-municipal; T2's municipal event does not count
        ("5.3|managers", 1.0),  # T4 federal
    ],
)
def test_it_computes_counts_by_hand(key: str, number: float) -> None:
    assert values()[(1, key)].number == number  # type: ignore[attr-defined]


def test_it_computes_yes_no_of_schools_from_support_and_partnerships() -> None:
    v = values()
    assert v[(1, "3.8|support_visits")].flag is True  # type: ignore[attr-defined]
    assert v[(1, "3.8|support_visits")].sources == ("visit:1",)  # type: ignore[attr-defined]
    assert v[(1, "3.8|kmc")].flag is False  # type: ignore[attr-defined]
    assert v[(3, "3.8|kmc")].flag is True  # type: ignore[attr-defined]
    assert v[(2, "3.8|supervision")].flag is False  # 2023 visit does not count in 2024  # type: ignore[attr-defined]
    assert v[(1, "5.1|")].flag is True  # open-ended agreement since 2022  # type: ignore[attr-defined]
    assert v[(2, "5.1|")].flag is False  # ended in 2023  # type: ignore[attr-defined]
    assert values(2023)[(2, "5.1|")].flag is True  # type: ignore[attr-defined]


def test_it_gives_no_teacher_values_to_a_school_without_teachers() -> None:
    v = values()
    assert (3, "3.1|") not in v
    assert (3, "3.8|kmc") in v


def test_it_lists_the_records_counted() -> None:
    assert values()[(1, "3.1|")].sources == ("diagnostic:1", "diagnostic:2", "diagnostic:3")  # type: ignore[attr-defined]


def test_it_sums_people_over_schools_not_shares() -> None:
    # school 1: 2 of 5 with a diagnostic; school 2: 0 of 2 → 2 of 7 = 28.6 % (a mean of 40 % and 0 % would be 20 %)
    all_values = school_values(TEACHERS, ACTIVITIES, SCHOOL_RECORDS, year=2024, schools=[1, 2, 3])
    diag = [v for v in all_values if v.key == "3.1|"]
    assert municipal_total(diag) == (28.6, 2, 7)
    kmc = [v for v in all_values if v.key == "3.8|kmc"]
    assert municipal_total(kmc) == (33.3, 1, 3)  # one school of three
    heads = [v for v in all_values if v.key == "3.7|heads"]
    assert municipal_total(heads) == (2.0, 2, 0)
    assert municipal_total([]) == (None, 0, 0)


def test_it_derives_risk_inputs_by_hand() -> None:
    shares = {r.school: r for r in risk_inputs(TEACHERS, ACTIVITIES, year=2024)}
    # school 1: first/highest T1, T2, T4 = 3 of 5 = 60 %; trained 2022–2024: T1, T4 = 2 of 5 = 40 %
    assert (shares[1].teachers, shares[1].share_category_first_highest, shares[1].share_trained_3y) == (
        5,
        60.0,
        40.0,
    )
    # school 2: T21 first = 1 of 2; T21's 2022 course is within 2022–2024 → 50 %
    assert (shares[2].share_category_first_highest, shares[2].share_trained_3y) == (50.0, 50.0)
    # in 2025 the 2022 course is out of the window, and T7 joins school 1 (T5 has left)
    later = {r.school: r for r in risk_inputs(TEACHERS, ACTIVITIES, year=2025)}
    assert later[2].share_trained_3y == 0.0
    assert later[1].teachers == 5  # T1–T4 and T7


def test_every_rule_names_a_catalogue_slot() -> None:
    from pathlib import Path

    from opora.indicator_catalogue import load_set

    catalogue = load_set(Path(__file__).resolve().parents[2] / "opora/data/indicators/order_2023_41.yaml")
    slots = {
        (ind.id, s.code if s else "")
        for ind in catalogue.indicators
        for s in (ind.subitems or [None])  # type: ignore[list-item]
    }
    for rule in RULES:
        assert (rule.code, rule.subitem) in slots, rule
    assert rule_for("3.1", "") is RULES[0]
    assert rule_for("1.1", "") is None


def test_the_module_imports_no_django() -> None:
    code = "import sys, opora.staff_indicators\nprint(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
