"""Derived municipal values (opora.indicators) on small hand-worked cases.

Every expected number is computed by hand in the comment beside it, never by the function under test.
"""

from __future__ import annotations

import pytest

from opora.indicator_catalogue import DERIVATIONS, Target, builtin_sets
from opora.indicators import (
    DerivationError,
    SchoolValue,
    derive_municipal,
    fmt_num,
    target_status,
)

ORDER = builtin_sets()["order_2023_41"]
TEACHER_SHARE = ORDER.buckets["teacher_share"]
DYNAMICS = ORDER.buckets["dynamics"]
OOP = ORDER.buckets["oop_mastery"]

TARGETS = {"A": "СОШ № 1", "B": "ООШ № 2", "C": "СОШ № 3", "D": "О(С)ОШ № 14"}


def test_it_handles_every_derivation_the_catalogues_use() -> None:
    used = {ind.derivation for s in builtin_sets().values() for ind in s.indicators if ind.derivation}
    assert used <= DERIVATIONS
    for derivation in used:
        scheme = OOP if derivation == "bucket_distribution" else None
        result = derive_municipal(derivation, [], TARGETS, scheme=scheme)
        assert result.derivation == derivation
        assert result.value is None  # nothing entered yet: no number is invented


def test_share_of_schools_yes_counts_only_target_schools_with_a_value() -> None:
    values = [
        SchoolValue("A", value=True),
        SchoolValue("B", value=False),
        SchoolValue("C", value=True),
        SchoolValue("E", value=True),  # not a target school: ignored
    ]  # D has no value
    result = derive_municipal("share_of_schools_yes", values, TARGETS)
    # by hand: target schools with a value A, B, C; «да» A, C → 2 / 3 = 66.67 %
    assert result.numerator == 2 and result.denominator == 3
    assert result.value == pytest.approx(200 / 3)
    assert result.missing == ("О(С)ОШ № 14",)
    assert not result.complete
    assert "2 из 3 = 66,7 %" in result.explanation_ru
    assert "О(С)ОШ № 14" in result.explanation_ru
    assert [s.counted for s in result.sources] == [True, True, True, False]


def test_a_count_above_zero_is_a_yes_for_a_share_of_schools() -> None:
    # 5.3: school gives the number of teachers who took part; the school counts when the number > 0
    values = [SchoolValue("A", value=3.0), SchoolValue("B", value=0.0), SchoolValue("C", value=1.0)]
    result = derive_municipal("share_of_schools_yes", values, ["A", "B", "C"])
    # by hand: A (3 > 0) and C (1 > 0) → 2 of 3 = 66.67 %
    assert result.value == pytest.approx(200 / 3)
    assert result.sources[1].shown == "0 (нет)"


def test_share_of_teachers_sums_people_not_percentages() -> None:
    values = [
        SchoolValue("A", numerator=10, denominator=40),  # school A 25 %
        SchoolValue("B", numerator=9, denominator=10),  # school B 90 %
    ]
    result = derive_municipal("share_of_teachers", values, ["A", "B"], scheme=TEACHER_SHARE)
    # by hand: (10 + 9) / (40 + 10) = 19 / 50 = 38 % (the mean of the school shares would be 57.5 %)
    assert result.value == pytest.approx(38.0)
    assert (result.numerator, result.denominator) == (19, 50)
    assert result.bucket == "31_50"  # 38 lies in [31, 51) «31 – 50%»
    assert "19 из 50 = 38 %" in result.explanation_ru
    assert "«31 – 50%»" in result.explanation_ru


def test_share_of_students_uses_the_same_rule() -> None:
    values = [
        SchoolValue("A", numerator=30, denominator=300),
        SchoolValue("B", numerator=20, denominator=100),
    ]
    # by hand: 50 / 400 = 12.5 %
    assert derive_municipal("share_of_students", values, ["A", "B"]).value == pytest.approx(12.5)


def test_a_share_with_more_people_than_the_school_has_is_refused() -> None:
    with pytest.raises(DerivationError, match="числитель"):
        derive_municipal(
            "share_of_teachers", [SchoolValue("A", "СОШ № 1", numerator=12, denominator=10)], ["A"]
        )


def test_count_sum_adds_the_counts_of_target_schools() -> None:
    values = [SchoolValue("A", value=4.0), SchoolValue("B", value=0.0), SchoolValue("C", value=7.0)]
    result = derive_municipal("count_sum", values, ["A", "B", "C", "D"])
    # by hand: 4 + 0 + 7 = 11; D has no value
    assert result.value == 11
    assert result.missing == ("D",)
    assert "Сумма по целевым школам с данными (3): 11" in result.explanation_ru


def test_share_of_schools_with_positive_dynamics_leaves_out_schools_without_data() -> None:
    values = [
        SchoolValue("A", value=True),
        SchoolValue("B", value=None),  # no comparable results
        SchoolValue("C", value=False),
        SchoolValue("D", value=False),
    ]
    result = derive_municipal("share_of_schools_with_positive_dynamics", values, TARGETS, scheme=DYNAMICS)
    # by hand: 1 of 3 schools with data = 33.33 % → «более 30%» (bucket [31, +∞))
    assert result.value == pytest.approx(100 / 3)
    assert result.bucket == "gt30"
    assert result.missing == ("ООШ № 2",)


def test_bucket_distribution_places_each_school_in_its_oop_bucket() -> None:
    values = [
        SchoolValue("A", value=89.9),  # < 90 → «менее 90%»
        SchoolValue("B", value=90.0),  # edge: 90 → «90-99%»
        SchoolValue("C", value=99.99),  # → «90-99%»
        SchoolValue("D", value=100.0),  # edge: 100 → «100%»
    ]
    result = derive_municipal("bucket_distribution", values, TARGETS, scheme=OOP)
    # by hand: 1, 2, 1 of 4 schools → 25 %, 50 %, 25 %
    assert result.distribution == {"lt90": 25.0, "90_99": 50.0, "100": 25.0}
    assert result.value is None
    assert "«90-99%» — 2 из 4 (50 %)" in result.explanation_ru


def test_bucket_distribution_needs_a_scheme() -> None:
    with pytest.raises(DerivationError):
        derive_municipal("bucket_distribution", [SchoolValue("A", value=95.0)], ["A"])


def test_manual_and_unknown_derivations() -> None:
    assert "координатор" in derive_municipal("manual", [SchoolValue("A", value=True)], ["A"]).explanation_ru
    with pytest.raises(DerivationError, match="неизвестный"):
        derive_municipal("average", [], ["A"])


@pytest.mark.parametrize(
    ("value", "bucket"),
    [
        (9.99, "lt10"),  # just below 10 → «менее 10%»
        (10.0, "11_30"),  # 10 is not «менее 10%»: the source's gap goes up
        (30.0, "11_30"),
        (30.01, "31_50"),  # more than 30 is no longer «11 – 30%»
        (31.0, "31_50"),
        (90.0, "71_90"),
        (90.01, "gt91"),
        (91.0, "gt91"),
    ],
)
def test_teacher_share_bucket_edges(value: float, bucket: str) -> None:
    result = derive_municipal(
        "share_of_teachers", [SchoolValue("A", numerator=value, denominator=100)], ["A"], scheme=TEACHER_SHARE
    )
    assert result.bucket == bucket


@pytest.mark.parametrize(
    ("yes", "total", "bucket"),
    [
        (0, 10, "lt5"),  # 0 %
        (1, 20, "6_10"),  # exactly 5 % → «6 – 10%» (5 is not «менее 5%»)
        (1, 10, "6_10"),  # 10 %
        (3, 20, "11_15"),  # 15 %
        (3, 10, "26_30"),  # 30 %
        (4, 13, "gt30"),  # 30,8 %: «более 30%» (issue #18), not «26 – 30%»
        (31, 100, "gt30"),  # 31 %
    ],
)
def test_dynamics_bucket_edges(yes: int, total: int, bucket: str) -> None:
    values = [SchoolValue(str(i), value=i < yes) for i in range(total)]
    result = derive_municipal(
        "share_of_schools_with_positive_dynamics", values, [str(i) for i in range(total)], scheme=DYNAMICS
    )
    assert result.bucket == bucket


def test_target_status_near_the_threshold() -> None:
    target = Target(2024, ">=", 50.0)
    assert target_status(target, 49.99) == "not_met"
    assert target_status(target, 50.0) == "met"
    assert target_status(target, None) == "no_data"
    assert target_status(None, 80.0) == "no_target"
    assert target_status(Target(2022, "==", True), True) == "met"
    assert target_status(Target(2022, "==", True), False) == "not_met"


def test_numbers_are_written_with_a_decimal_comma() -> None:
    assert fmt_num(12.345) == "12,3"
    assert fmt_num(12.0) == "12"
    assert fmt_num(-0.04) == "0"


@pytest.mark.parametrize("name", ["opora.indicators", "opora.trends"])
def test_the_docstring_examples_stay_true(name: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
