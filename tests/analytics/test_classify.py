"""Category rules at their thresholds, risk factors, stability and trend (docs/methodology.md R7, R8)."""

from __future__ import annotations

import polars as pl
import pytest

from opora.classify import Thresholds, fmt_ru, rule_flags, stable_counts, trend_drops
from opora.config import CategoryRules
from opora.risk_factors import risk_flags
from opora.schema import RISK_SCHEMA

TH = Thresholds(context_q=-0.5, results_q=-0.6, q_ctx=0.25, q_res=0.25)


def _flags(
    rows: list[tuple[float, float, float]], rules: CategoryRules | None = None
) -> list[dict[str, bool]]:
    frame = pl.DataFrame(
        rows,
        schema={"context_index": pl.Float64, "results_index": pl.Float64, "measure": pl.Float64},
        orient="row",
    )
    return rule_flags(frame, TH, rules or CategoryRules()).to_dicts()


def test_it_marks_adverse_context_at_and_below_the_quantile_only() -> None:
    at, above = _flags([(-0.5, 0.0, 0.0), (-0.4999, 0.0, 0.0)])
    assert at["adverse_context"] and not above["adverse_context"]


def test_it_marks_low_results_by_quantile_or_residual() -> None:
    q_at, q_miss, r_at, r_miss = _flags(
        [(0.0, -0.6, 0.0), (0.0, -0.5999, 0.0), (0.0, 0.0, -1.0), (0.0, 0.0, -0.9999)]
    )
    assert q_at["low_results"] and not q_miss["low_results"]
    assert r_at["low_results"] and not r_miss["low_results"]


def test_it_can_require_both_low_results_conditions() -> None:
    rules = CategoryRules(low_results_rule="quantile_and_residual")
    both, only_q = _flags([(0.0, -0.7, -1.2), (0.0, -0.7, -0.5)], rules)
    assert both["low_results"] and not only_q["low_results"]


def test_it_marks_resilient_and_above_expected_at_their_thresholds() -> None:
    res_at, res_miss, low_adverse, above_at, above_miss = _flags(
        [(-0.6, 0.0, 0.0), (-0.6, 0.0, -0.0001), (-0.6, -0.7, 0.5), (1.0, 1.0, 1.0), (1.0, 1.0, 0.9999)]
    )
    assert res_at["resilient"] and not res_miss["resilient"]
    assert not low_adverse["resilient"]  # low by quantile: not resilient although the residual is positive
    assert above_at["above_expected"] and not above_miss["above_expected"]


def _risk(**values: object) -> pl.DataFrame:
    row = {
        "school_id": "S",
        "year": 2023,
        "staff_vacancies": 0,
        "internet_mbps": 100.0,
        "share_category_first_highest": 80.0,
        "share_trained_3y": 100.0,
        "equipment_complete": True,
    } | values
    return pl.DataFrame([row], schema=RISK_SCHEMA)


@pytest.mark.parametrize(
    ("column", "at_threshold", "beyond", "code"),
    [
        ("staff_vacancies", 0, 1, "staff_vacancies"),
        ("internet_mbps", 50.0, 49.9, "internet_slow"),
        ("share_category_first_highest", 70.0, 69.9, "low_categories"),
        ("share_trained_3y", 95.0, 94.9, "low_training"),
        ("equipment_complete", True, False, "equipment_gap"),
    ],
)
def test_it_flags_each_municipal_factor_only_beyond_its_threshold(
    column: str, at_threshold: object, beyond: object, code: str
) -> None:
    # SEED-B Прил. 2: вакансии; Интернет менее 50 Мбит/с; категории менее 70 %; ПК менее 95 %; оснащение.
    rules = CategoryRules()
    ok = {f.code: f.flag for f in risk_flags(_risk(**{column: at_threshold}), rules, year=2023)["S"]}
    hit = {f.code: f.flag for f in risk_flags(_risk(**{column: beyond}), rules, year=2023)["S"]}
    assert ok[code] is False and hit[code] is True
    assert sum(bool(v) for v in hit.values()) == 1


def test_it_leaves_a_missing_factor_unknown() -> None:
    flags = risk_flags(_risk(internet_mbps=None), CategoryRules(), year=2023)["S"]
    assert {f.code: f.flag for f in flags}["internet_slow"] is None


def test_it_uses_the_latest_risk_row_not_after_the_year() -> None:
    frame = pl.concat(
        [_risk(year=2022, internet_mbps=10.0), _risk(year=2023), _risk(year=2024, internet_mbps=5.0)]
    )
    flags = risk_flags(frame, CategoryRules(), year=2023)["S"]
    assert {f.code: f.value for f in flags}["internet_slow"] == 100.0


def test_it_counts_the_years_each_rule_held() -> None:
    yearly = pl.DataFrame(
        {
            "school_id": ["A"] * 3,
            "year": [2021, 2022, 2023],
            "adverse_context": [True, True, True],
            "low_results": [True, False, True],
            "resilient": [False] * 3,
            "above_expected": [False, False, True],
        }
    )
    row = stable_counts(yearly).row(0, named=True)
    assert row["adverse_context_years_n"] == 3
    assert row["low_results_years"] == [2021, 2023]
    assert row["above_expected_years_n"] == 1


def test_it_measures_the_fall_of_the_results_index() -> None:
    # A: 0.5, 0.2, −0.4 → OLS slope −0.45 per year over 2 years → drop 0.9 (= first − last for 3 years).
    # B: two years 2021 and 2023: 0.1 → 0.3 → drop −0.2. C: one year → null.
    yearly = pl.DataFrame(
        {
            "school_id": ["A", "A", "A", "B", "B", "C"],
            "year": [2021, 2022, 2023, 2021, 2023, 2023],
            "results_index": [0.5, 0.2, -0.4, 0.1, 0.3, 0.0],
        }
    )
    got = {r["school_id"]: r["trend_drop"] for r in trend_drops(yearly, min_years=2).iter_rows(named=True)}
    assert got["A"] == pytest.approx(0.9)
    assert got["B"] == pytest.approx(-0.2)
    assert got["C"] is None


def test_it_writes_numbers_the_russian_way() -> None:
    assert fmt_ru(-1.1234) == "−1,12"
    assert fmt_ru(0.5, 1, sign=True) == "+0,5"
    assert fmt_ru(-0.0001) == "0,00"
    assert fmt_ru(None) == "нет данных"
