"""Positive dynamics (opora.trends) on hand-worked results; near-misses at the threshold."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from opora.errors import AnalyticsError
from opora.indicator_catalogue import builtin_sets
from opora.trends import DEFAULT_MIN_DELTA, DYNAMICS_GROUPS, positive_dynamics, school_dynamics


def _rows(*rows: tuple[Any, ...]) -> pl.DataFrame:
    """(school, procedure, subject, grade, year, n, mean_pct, n_2, n_insufficient, n_reduced)."""
    cols = [
        "school_id",
        "procedure",
        "subject",
        "grade",
        "year",
        "n",
        "mean_pct",
        "n_2",
        "n_insufficient",
        "n_reduced",
    ]
    return pl.DataFrame(
        [dict(zip(cols, r, strict=True)) for r in rows], schema_overrides={"mean_pct": pl.Float64}
    )


def _one(frame: pl.DataFrame, school: str) -> dict[str, Any]:
    return frame.filter(pl.col("school_id") == school).row(0, named=True)


def test_it_compares_the_weighted_mean_over_comparable_cells() -> None:
    results = _rows(
        ("A", "vpr", "ru", 5, 2023, 20, 50.0, 4, None, None),
        ("A", "vpr", "ru", 6, 2023, 30, 60.0, 3, None, None),
        ("A", "vpr", "ru", 5, 2024, 25, 54.0, 2, None, None),
        ("A", "vpr", "ru", 6, 2024, 25, 62.0, 2, None, None),
        (
            "A",
            "vpr",
            "ru",
            7,
            2024,
            25,
            10.0,
            20,
            None,
            None,
        ),  # grade 7 only in 2024: not comparable, dropped
        ("A", "vpr", "ma", 5, 2024, 25, 90.0, 0, None, None),  # another subject: outside the selection
    )
    out = positive_dynamics(results, year=2024, procedure="vpr", subjects=["rus"], grades=[5, 6, 7])
    row = _one(out, "A")
    # by hand: 2023 (20·50 + 30·60) / 50 = 2800 / 50 = 56.0; 2024 (25·54 + 25·62) / 50 = 58.0; change +2.0
    assert row["previous"] == pytest.approx(56.0)
    assert row["current"] == pytest.approx(58.0)
    assert row["change"] == pytest.approx(2.0)
    assert row["cells"] == 2
    assert row["n_previous"] == 50 and row["n_current"] == 50
    assert row["positive"] is True  # +2.0 ≥ 2 (the default threshold, inclusive)
    assert "+2,0 п.п. ≥ 2,0 п.п." in row["rule_ru"]


@pytest.mark.parametrize(
    ("current", "positive"),
    [
        (61.99, False),  # +1.99 п.п.: a near miss
        (62.0, True),  # +2.00 п.п.: exactly the threshold
        (61.5 + 0.5, True),  # decimal arithmetic still gives exactly 2
        (55.0, False),  # a fall
    ],
)
def test_it_needs_at_least_min_delta(current: float, positive: bool) -> None:
    results = _rows(
        ("A", "oge", "ru", 9, 2023, 20, 60.0, 1, None, None),
        ("A", "oge", "ru", 9, 2024, 20, current, 1, None, None),
    )
    row = _one(positive_dynamics(results, year=2024, procedure="oge", subjects=["rus"], grades=[9]), "A")
    assert row["positive"] is positive
    assert DEFAULT_MIN_DELTA == 2.0


def test_a_configured_threshold_is_used_and_shown() -> None:
    results = _rows(
        ("A", "oge", "ma", 9, 2023, 20, 60.0, 1, None, None),
        ("A", "oge", "ma", 9, 2024, 20, 60.5, 1, None, None),
    )
    row = _one(
        positive_dynamics(results, year=2024, procedure="oge", subjects=["math"], grades=[9], min_delta=0.5),
        "A",
    )
    assert row["positive"] is True
    assert "≥ 0,5 п.п." in row["rule_ru"]


def test_low_share_improves_when_it_falls() -> None:
    results = _rows(
        ("A", "kdr", "reading", 4, 2023, 40, None, None, 6, 10),
        ("A", "kdr", "reading", 4, 2024, 50, None, None, 5, 7),
        ("B", "vpr", "ru", 5, 2023, 20, None, 2, None, None),
        ("B", "vpr", "ru", 5, 2024, 20, None, 3, None, None),
    )
    kdr = _one(
        positive_dynamics(
            results, year=2024, procedure="kdr", subjects=["read"], grades=[4], statistic="low_share"
        ),
        "A",
    )
    # by hand: 2023 (6 + 10) / 40 = 40 %; 2024 (5 + 7) / 50 = 24 %; change −16, improvement +16 → positive
    assert kdr["previous"] == pytest.approx(40.0)
    assert kdr["current"] == pytest.approx(24.0)
    assert kdr["improvement"] == pytest.approx(16.0)
    assert kdr["positive"] is True
    vpr = _one(
        positive_dynamics(
            results, year=2024, procedure="vpr", subjects=["rus"], grades=[5], statistic="low_share"
        ),
        "B",
    )
    # by hand: «2» 2/20 = 10 % → 3/20 = 15 %: improvement −5 → not positive
    assert vpr["improvement"] == pytest.approx(-5.0)
    assert vpr["positive"] is False


def test_ege_of_a_regional_report_has_dynamics_from_its_test_score_and_its_count_below_the_minimum() -> None:
    # A regional ЕГЭ report gives the mean test score and the count below the minimum, not mean_pct or «2»
    # (docs/methodology.md, «ЕГЭ в индексе результатов»); 7.2 uses the same statistics as the index.
    results = pl.DataFrame(
        {
            "school_id": ["A", "A"],
            "procedure": ["ege", "ege"],
            "subject": ["rus", "rus"],
            "grade": [11, 11],
            "year": [2023, 2024],
            "n": [40, 50],
            "mean_score": [66.5, 70.25],
            "n_below_min": [4, 2],
        }
    )
    by_score = _one(
        positive_dynamics(results, year=2024, procedure="ege", subjects=["rus"], grades=[11]), "A"
    )
    # by hand: 70,25 − 66,5 = +3,75 test points ≥ 2 → positive
    assert (by_score["previous"], by_score["current"]) == (66.5, 70.25)
    assert by_score["improvement"] == pytest.approx(3.75) and by_score["positive"] is True
    low = _one(
        positive_dynamics(
            results, year=2024, procedure="ege", subjects=["rus"], grades=[11], statistic="low_share"
        ),
        "A",
    )
    # by hand: 4/40 = 10 % → 2/50 = 4 %: improvement +6 → positive
    assert low["previous"] == pytest.approx(10.0) and low["current"] == pytest.approx(4.0)
    assert low["improvement"] == pytest.approx(6.0) and low["positive"] is True


def test_small_cells_and_missing_years_give_no_data() -> None:
    results = _rows(
        ("A", "oge", "ru", 9, 2023, 4, 40.0, 1, None, None),  # 4 < 5 participants
        ("A", "oge", "ru", 9, 2024, 30, 70.0, 1, None, None),
        ("B", "oge", "ru", 9, 2024, 30, 70.0, 1, None, None),  # no 2023 result
        ("C", "oge", "ru", 9, 2023, 5, 40.0, 1, None, None),  # exactly 5: kept
        ("C", "oge", "ru", 9, 2024, 5, 50.0, 1, None, None),
    )
    out = positive_dynamics(results, year=2024, procedure="oge", subjects=["rus"], grades=[9])
    assert out["school_id"].to_list() == ["A", "B", "C"]
    assert _one(out, "A")["positive"] is None
    assert "нет данных" in _one(out, "A")["rule_ru"]
    assert _one(out, "B")["positive"] is None
    assert _one(out, "C")["positive"] is True


def test_bad_parameters_are_refused_in_russian() -> None:
    frame = _rows(("A", "oge", "ru", 9, 2023, 20, 60.0, 1, None, None))
    with pytest.raises(AnalyticsError, match="статистика"):
        positive_dynamics(frame, year=2024, procedure="oge", subjects=["rus"], grades=[9], statistic="median")  # type: ignore[arg-type]
    with pytest.raises(AnalyticsError, match="предыдущий год"):
        positive_dynamics(frame, year=2024, previous_year=2024, procedure="oge", subjects=["rus"], grades=[9])


def test_groups_name_catalogue_items_and_cover_7_1_to_7_6() -> None:
    sets = builtin_sets()
    for group in DYNAMICS_GROUPS:
        indicator = sets[group.set_code].get(group.indicator_id)
        assert indicator.derivation == "share_of_schools_with_positive_dynamics"
        if group.subitem is not None:
            indicator.subitem(group.subitem)  # raises KeyError if the code is not in the catalogue
    covered = {(g.indicator_id, g.subitem) for g in DYNAMICS_GROUPS if g.set_code == "order_2023_41"}
    order = sets["order_2023_41"]
    expected = {
        (ind.id, sub.code if sub else None)
        for ind in order.indicators
        if ind.id in {"7.1", "7.2", "7.3", "7.4", "7.5", "7.6"}
        for sub in (ind.subitems or (None,))
    }
    assert covered == expected


def test_school_dynamics_stacks_every_group_of_a_set() -> None:
    results = _rows(
        ("A", "oge", "ru", 9, 2023, 20, 60.0, 1, None, None),
        ("A", "oge", "ru", 9, 2024, 20, 65.0, 1, None, None),
        ("A", "kdr", "reading", 4, 2023, 20, 50.0, None, 2, 2),
        ("A", "kdr", "reading", 4, 2024, 20, 49.0, None, 2, 2),
    )
    out = school_dynamics(results, year=2024, set_code="order_2023_41")
    by_item = {(r["indicator_id"], r["subitem"]): r["positive"] for r in out.iter_rows(named=True)}
    assert by_item == {("7.1", "russian"): True, ("7.4", None): False}
    assert school_dynamics(results, year=2024, set_code="none").height == 0
