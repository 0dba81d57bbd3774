"""Issue 16, items 1–4, 6, 7, 9, 10: the engine is never silently wrong. Each test uses small data made for it;
the expected numbers are computed by hand in the comments."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from opora.catalogue import known_direction
from opora.config import IdentificationConfig
from opora.errors import AnalyticsError, InsufficientDataError
from opora.identify import identify
from opora.regression import fit_ols
from opora.schema import RESULTS_SCHEMA

# Twelve schools; poverty (% of students from poor families) 10, 15, …, 65; results fall with poverty, with a
# fixed wiggle so that the regression has residuals.
IDS = [f"S{i + 1:02d}" for i in range(12)]
POVERTY = [10.0 + 5 * i for i in range(12)]
WIGGLE = [1.5, -1.0, 0.5, -2.0, 1.0, 0.0, -0.5, 2.0, -1.5, 1.0, -1.0, 0.5]


def _small(**overrides: object) -> IdentificationConfig:
    """One procedure, one year, no stability window: every rule visible on a dozen schools."""
    mapping: dict[str, dict[str, object]] = {
        "results": {
            "statistics": {"mean_pct": 1},
            "min_components": 1,
            "min_schools_per_cell": 2,
            "window_years": 1,
        },
        "context": {"variables": {"poverty": -1}, "min_variables": 1},
        "regression": {"min_schools": 3},
        "categories": {"evaluation_years": 1, "stability_years": 1, "trend_drop": 0.0},
    }
    for key, value in overrides.items():
        section, name = key.split("__")
        mapping.setdefault(section, {})[name] = value
    return IdentificationConfig.from_mapping(mapping)


def _results(
    values: dict[str, float], *, year: int = 2023, procedure: str = "oge", n: int = 20
) -> pl.DataFrame:
    rows = [
        {
            "school_id": s,
            "procedure": procedure,
            "subject": "rus",
            "grade": 9,
            "year": year,
            "n": n,
            "mean_pct": v,
        }
        for s, v in values.items()
    ]
    return pl.DataFrame([{c: r.get(c) for c in RESULTS_SCHEMA.names()} for r in rows], schema=RESULTS_SCHEMA)


def _base() -> tuple[pl.DataFrame, pl.DataFrame]:
    results = _results({s: 80 - 0.6 * p + w for s, p, w in zip(IDS, POVERTY, WIGGLE, strict=True)})
    context = pl.DataFrame({"school_id": IDS, "year": [2023] * 12, "poverty": POVERTY})
    return results, context


def _categories(result: object) -> dict[str, list[str]]:
    return dict(result.schools.select("school_id", "categories").iter_rows())  # type: ignore[attr-defined]


# --- 1. Context direction ------------------------------------------------------------------------------------------


def test_a_declared_direction_puts_the_poorest_schools_in_adverse_context() -> None:
    # Context index = −z(poverty): sorted ascending S12 (65 %), S11, S10, …; Q0.25 of 12 values lies between the
    # 3rd and 4th lowest (position 11 × 0.25 = 2.75), so ШНСУ = the three poorest: S10, S11, S12.
    results, context = _base()
    got = _categories(identify(results, context, config=_small(), year=2023))
    assert {s for s, c in got.items() if "adverse_context" in c} == {"S10", "S11", "S12"}
    # Declared the other way, the least poor would be «adverse»: the declaration, not a guess, decides.
    flipped = _categories(
        identify(results, context, config=_small(context__variables={"poverty": 1}), year=2023)
    )
    assert {s for s, c in flipped.items() if "adverse_context" in c} == {"S01", "S02", "S03"}


def test_the_catalogue_knows_the_kiasuo_directions_and_nothing_else() -> None:
    assert known_direction("low_income_share") == -1 and known_direction("rural") == -1
    assert known_direction("students") is None  # school size cuts both ways: it must be declared
    assert known_direction("poverty") is None


# --- 2. Nothing skipped silently ----------------------------------------------------------------------------------


def test_a_year_that_cannot_be_fitted_is_listed_with_its_reason() -> None:
    # 2022 and 2023: twelve schools; 2021: three schools (< 5 needed) → 2021 is not evaluated, and says why.
    results, context = _base()
    earlier = _results({s: 60.0 + i for i, s in enumerate(IDS[:3])}, year=2021)
    both = pl.concat([earlier, results.with_columns(pl.lit(2022, dtype=pl.Int16).alias("year")), results])
    ctx = pl.concat([context.with_columns(pl.lit(y).alias("year")) for y in (2021, 2022, 2023)])
    config = _small(regression__min_schools=5, categories__evaluation_years=3, categories__stability_years=2)
    result = identify(both, ctx, config=config, year=2023)
    assert result.model.years_evaluated == [2022, 2023]
    assert "результаты за 2021 год есть у 3 из 12 школ выборки" in result.model.years_skipped[2021]
    year_rows = result.excluded.filter(pl.col("stage") == "year")
    assert year_rows["year"].to_list() == [2021] and "2021 год не оценивался" in year_rows["reason"].item()


def test_words_in_a_context_column_refuse_the_run_naming_the_column() -> None:
    # Before: the year with «нет данных» lost its context and silently left the stability window.
    results, context = _base()
    words = context.with_columns(pl.col("poverty").cast(pl.String)).with_columns(
        pl.when(pl.col("school_id") == "S05")
        .then(pl.lit("нет данных"))
        .otherwise(pl.col("poverty"))
        .alias("poverty")
    )
    with pytest.raises(AnalyticsError, match=r"«poverty».*«нет данных»"):
        identify(results, words, config=_small(), year=2023)


# --- 3. Ordinal or text context ------------------------------------------------------------------------------------

LEVELS = ["Bajo", "Medio bajo", "Medio", "Medio alto", "Alto"]


def test_text_groups_need_a_mapping_and_then_equal_their_numbers() -> None:
    # Ten schools: socio-economic group as text (2022) = the codes 1–5 (2023); results rise with the group.
    ids = IDS[:10]
    group = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    res = _results({s: 40.0 + 5 * g + w for s, g, w in zip(ids, group, WIGGLE[:10], strict=True)}, year=2022)
    as_text = pl.DataFrame({"school_id": ids, "year": [2022] * 10, "ses": [LEVELS[g - 1] for g in group]})
    as_codes = pl.DataFrame({"school_id": ids, "year": [2022] * 10, "ses": [float(g) for g in group]})
    plain = _small(context__variables={"ses": 1})
    with pytest.raises(AnalyticsError, match=r"«ses».*«Bajo».*«Medio bajo»"):
        identify(res, as_text, config=plain, year=2022)
    mapped = _small(
        context__variables={"ses": 1},
        data__context_text_values={"ses": {t: i + 1 for i, t in enumerate(LEVELS)}},
    )
    a = identify(res, as_text, config=mapped, year=2022).schools
    b = identify(res, as_codes, config=plain, year=2022).schools
    assert a["context_index"].to_list() == b["context_index"].to_list()  # bit for bit
    # A mixed column (text one year, codes the next) is read the same way.
    mixed = pl.concat(
        [
            as_text,
            as_codes.with_columns(pl.lit(2023, dtype=pl.Int64).alias("year"), pl.col("ses").cast(pl.String)),
        ]
    )
    assert (
        identify(res, mixed, config=mapped, year=2022).schools["context_index"].to_list()
        == a["context_index"].to_list()
    )


# --- 4. Values that are not results --------------------------------------------------------------------------------


def _two_procedures(x_oge: float) -> tuple[pl.DataFrame, pl.DataFrame]:
    # ЕГЭ: A–E 40, 50, 60, 70, 80 and X 60 → mean 60, SD √250 over A–E and X (X's value is ordinary).
    ege = _results({"A": 40, "B": 50, "C": 60, "D": 70, "E": 80, "X": 60}, procedure="ege")
    oge = _results({"A": 45, "B": 55, "C": 65, "D": 75, "E": 85, "X": x_oge})
    ctx = pl.DataFrame(
        {"school_id": list("ABCDEX"), "year": [2023] * 6, "poverty": [30.0, 25, 20, 15, 10, 22]}
    )
    return pl.concat([ege, oge]), ctx


def test_a_placeholder_zero_is_refused_with_its_row() -> None:
    results, ctx = _two_procedures(0.0)
    with pytest.raises(
        AnalyticsError, match=r"школа «X», ОГЭ, русский язык, 9 класс, 2023 год: средний % выполнения = 0"
    ):
        identify(results, ctx, config=_small(), year=2023)


def test_an_excluded_value_is_reported_and_the_school_keeps_its_other_results() -> None:
    # X's ОГЭ 0 % left out → X's index is its ЕГЭ z alone. ЕГЭ over A–E and X: 40, 50, 60, 70, 80, 60 → mean 60,
    # so X's z = 0 and its index (one group) is 0 exactly.
    results, ctx = _two_procedures(0.0)
    result = identify(results, ctx, config=_small(data__out_of_range="exclude"), year=2023)
    row = result.schools.filter(pl.col("school_id") == "X").row(0, named=True)
    assert row["results_index"] == 0.0 and row["n_components"] == 1
    dropped = result.excluded.filter(pl.col("stage") == "out_of_range").row(0, named=True)
    assert dropped["school_id"] == "X" and dropped["column"] == "средний % выполнения"
    assert dropped["value"] == "ОГЭ, русский язык, 9 класс: 0" and "исключено" in dropped["reason"]


@pytest.mark.parametrize(
    ("value", "needle"), [(5000.0, "5000"), (1e6, "1e\\+06"), (math.inf, "бесконечность")]
)
def test_impossible_means_are_refused(value: float, needle: str) -> None:
    results, ctx = _two_procedures(value)
    with pytest.raises(AnalyticsError, match=needle):
        identify(results, ctx, config=_small(), year=2023)


def test_a_nan_result_names_the_school() -> None:
    results, ctx = _two_procedures(float("nan"))
    with pytest.raises(AnalyticsError, match=r"NaN.*школа «X»"):
        identify(results, ctx, config=_small(), year=2023)


def test_flagged_rows_are_left_out_and_reported() -> None:
    # X's ОГЭ row is marked «нет» in the column «valid»: as if the row were absent — X keeps its ЕГЭ (z = 0).
    results, ctx = _two_procedures(52.0)
    flagged = results.with_columns(
        pl.when((pl.col("school_id") == "X") & (pl.col("procedure") == "oge"))
        .then(pl.lit("нет"))
        .otherwise(pl.lit("да"))
        .alias("valid")
    )
    result = identify(flagged, ctx, config=_small(data__validity_column="valid"), year=2023)
    assert result.schools.filter(pl.col("school_id") == "X")["results_index"].item() == 0.0
    row = result.excluded.filter(pl.col("stage") == "invalid_row").row(0, named=True)
    assert row["school_id"] == "X" and "недостоверная" in row["reason"] and "ОГЭ" in row["value"]
    with pytest.raises(AnalyticsError, match="признак достоверности"):
        identify(results, ctx, config=_small(data__validity_column="valid"), year=2023)


def test_decimal_commas_in_a_frame_are_read_as_numbers() -> None:
    results, ctx = _two_procedures(52.0)
    text = results.with_columns(pl.col("mean_pct").cast(pl.String).str.replace(r"\.", ","))
    a = identify(results, ctx, config=_small(), year=2023).schools
    b = identify(text, ctx, config=_small(), year=2023).schools
    assert a["results_index"].to_list() == b["results_index"].to_list()


def _ege_counts(
    below: list[str], **config: object
) -> tuple[pl.DataFrame, pl.DataFrame, IdentificationConfig]:
    """A regional ЕГЭ report's rows (20 participants each) with their counts below the minimum score, as text."""
    results, context = _base()
    ege = results.with_columns(
        pl.lit("ege").alias("procedure"), pl.Series("n_below_min", below, dtype=pl.String)
    )
    return ege, context, _small(results__statistics={"mean_pct": 1, "low_share": -1}, **config)


BELOW = [str(i % 4) for i in range(12)]


def test_ege_counts_are_read_as_numbers_and_checked_like_marks() -> None:
    results, context, config = _ege_counts(BELOW)
    as_numbers = results.with_columns(pl.col("n_below_min").cast(pl.Int32))
    as_text = identify(results, context, config=config, year=2023).schools["results_index"].to_list()
    assert (
        as_text == identify(as_numbers, context, config=config, year=2023).schools["results_index"].to_list()
    )
    refusals = {
        "—": r"«n_below_min» \(число не преодолевших минимальный порог\) вместо чисел текст: «—»",
        "-5": r"«число не преодолевших минимальный порог» \(допустимо не меньше 0\): школа «S01»",
        "30": r"\(допустимо сумма не преодолевших порог и набравших 80–100 баллов не больше числа участников\): "
        r"школа «S01»",
    }
    for bad, message in refusals.items():
        results, context, config = _ege_counts([bad, *BELOW[1:]])
        with pytest.raises(AnalyticsError, match=message):
            identify(results, context, config=config, year=2023)


def test_an_impossible_ege_count_is_excluded_with_its_row_when_the_config_says_so() -> None:
    results, context, config = _ege_counts(["30", *BELOW[1:]], data__out_of_range="exclude")
    result = identify(results, context, config=config, year=2023)
    row = result.excluded.filter(pl.col("stage") == "out_of_range").row(0, named=True)
    assert row["school_id"] == "S01" and row["column"] == "число не преодолевших минимальный порог"
    s01 = result.components.filter((pl.col("school_id") == "S01") & (pl.col("kind") == "result"))
    assert s01["statistic"].to_list() == ["mean_pct"]  # its low share is left out, its mean kept


# --- 6. The standardisation sample is the model's schools ----------------------------------------------------------


def test_z_scores_are_taken_over_schools_that_can_enter_the_model() -> None:
    # F has results but no context: it cannot enter the model, so it does not move the scale. ОГЭ over A–E:
    # 45, 55, 65, 75, 85 → mean 65, SD √250 → z_A = −20/√250 = −1.264911. (With F's 10 % the mean would be
    # 55.8 and z_A different.)
    results, ctx = _two_procedures(52.0)
    extra = _results({"F": 10.0}).with_columns(pl.lit(20, dtype=pl.Int32).alias("n"))
    result = identify(pl.concat([results, extra]), ctx, config=_small(), year=2023)
    z = result.components.filter((pl.col("school_id") == "A") & (pl.col("procedure") == "oge"))["z"].item()
    # The reference of ОГЭ is A–E and X (X has context): 45, 55, 65, 75, 85, 52 → mean 62.8333, SD …
    vals = np.array([45, 55, 65, 75, 85, 52.0])
    assert z == pytest.approx((45 - vals.mean()) / vals.std(ddof=1), rel=1e-12)
    # F is reported, without indices, and the report says why.
    assert "контекст" in result.excluded.filter(pl.col("school_id") == "F")["reason"].item()


# --- 7. Degenerate inputs get their real reason ---------------------------------------------------------------------


def test_a_constant_context_says_so() -> None:
    results, context = _base()
    flat = context.with_columns(pl.lit(20.0).alias("poverty"))
    with pytest.raises(InsufficientDataError, match="одинакова у всех школ модели"):
        identify(results, flat, config=_small(), year=2023)


def test_mirrored_variables_declared_alike_are_refused() -> None:
    # v and 100 − v both «higher = worse»: their z cancel, the index would be rounding noise.
    results, context = _base()
    both = context.with_columns((100 - pl.col("poverty")).alias("not_poor"))
    config = _small(context__variables={"poverty": -1, "not_poor": -1})
    with pytest.raises(AnalyticsError, match="взаимно гасят"):
        identify(results, both, config=config, year=2023)
    fixed = _small(context__variables={"poverty": -1, "not_poor": 1})  # declared right, they agree
    assert identify(results, both, config=fixed, year=2023).model.n == 12


def test_two_schools_are_named_as_the_reason() -> None:
    results, context = _base()
    with pytest.raises(InsufficientDataError, match="в выборке модели 2 школы"):
        identify(results, context, config=_small(), year=2023, fit_schools=["S01", "S02"])


def test_duplicated_context_rows_and_a_nan_cell_name_the_school() -> None:
    results, context = _base()
    with pytest.raises(AnalyticsError, match=r"повторяются.*«S01»"):
        identify(results, pl.concat([context, context.head(1)]), config=_small(), year=2023)
    nan = context.with_columns(
        pl.when(pl.col("school_id") == "S07").then(float("nan")).otherwise(pl.col("poverty")).alias("poverty")
    )
    with pytest.raises(AnalyticsError, match=r"«poverty».*школа «S07»"):
        identify(results, nan, config=_small(), year=2023)


def test_near_collinear_regressors_are_refused_by_name() -> None:
    rng = np.random.default_rng(1)
    x1 = rng.normal(size=40)
    x2 = x1 + 1e-11 * rng.normal(size=40)
    with pytest.raises(AnalyticsError, match=r"коллинеарны.*«x1», «x2»"):
        fit_ols(np.column_stack([x1, x2]), x1 + rng.normal(size=40))


def test_shrinkage_without_participant_counts_is_refused() -> None:
    results, context = _base()
    no_n = results.with_columns(pl.lit(None, dtype=pl.Int32).alias("n"))
    with pytest.raises(AnalyticsError, match="Сжатие остатков малых школ требует числа участников"):
        identify(no_n, context, config=_small(regression__shrinkage=True), year=2023)


# --- 9. The window of years -----------------------------------------------------------------------------------------


def test_the_default_window_is_the_orders_four_years_and_the_trend_uses_single_years() -> None:
    assert IdentificationConfig().results.window_years == 4
    # Five schools, one ОГЭ cell a year 2020–2023. A: 40 (z −1.2649 each year as the lowest) … Within a year the
    # values are 40, 50, 60, 70, 80 except A, which falls: 80, 70, 50, 40 → z +1.2649, +0.6325, −0.6325, −1.2649.
    a_values = [80.0, 70.0, 50.0, 40.0]
    frames = []
    for year, a in zip((2020, 2021, 2022, 2023), a_values, strict=True):
        others = sorted({40.0, 50.0, 60.0, 70.0, 80.0} - {a})
        frames.append(_results(dict(zip("ABCDE", [a, *others], strict=True)), year=year))
    ctx = pl.DataFrame({"school_id": list("ABCDE"), "year": [2020] * 5, "poverty": [10.0, 20, 30, 40, 50]})
    config = IdentificationConfig.from_mapping(
        {
            "results": {"statistics": {"mean_pct": 1}, "min_components": 1, "min_schools_per_cell": 2},
            "context": {"variables": {"poverty": -1}, "min_variables": 1},
            "regression": {"min_schools": 3},
            "categories": {"evaluation_years": 1, "stability_years": 1, "trend_drop": 0.5},
        }
    )
    result = identify(pl.concat(frames), ctx, config=config, year=2023)
    assert result.model.results_years == [2020, 2021, 2022, 2023]
    z = np.array([80.0, 70, 50, 40]) - 60.0
    z /= np.sqrt(250.0)
    a = result.schools.filter(pl.col("school_id") == "A").row(0, named=True)
    assert a["results_index"] == pytest.approx(z.mean(), abs=1e-12)  # the window's mean: 0 for A
    # The trend is fitted on the single-year indices: slope of z on year = −0.885438…/year over 3 years.
    slope = np.polyfit([2020, 2021, 2022, 2023], z, 1)[0]
    assert a["trend_drop"] == pytest.approx(-slope * 3, rel=1e-12)
    assert "at_risk" in a["categories"]


# --- 10. The risk zone by the order's factors ----------------------------------------------------------------------


def test_the_risk_zone_follows_the_orders_three_factors() -> None:
    # A: no fast Internet + not enough computers (2 of the 3) → at risk. B: vacancies + equipment gap: only one
    # of the order's factors → not at risk (it would be under «any 2 of the 5 monitoring factors»).
    # C: Internet + vacancies → at risk.
    results, context = _base()
    risk = pl.DataFrame(
        {
            "school_id": ["S01", "S02", "S03"],
            "year": [2023, 2023, 2023],
            "staff_vacancies": [0, 2, 1],
            "internet_mbps": [20.0, 100.0, 30.0],
            "share_category_first_highest": [80.0, 80.0, 80.0],
            "share_trained_3y": [97.0, 97.0, 97.0],
            "equipment_complete": [True, False, True],
            "computers_sufficient": [False, True, True],
        }
    )
    got = _categories(identify(results, context, risk, config=_small(), year=2023))
    assert {s for s, c in got.items() if "at_risk" in c} == {"S01", "S03"}
    five = _small(
        categories__risk_factors=[
            "staff_vacancies",
            "internet_slow",
            "low_categories",
            "low_training",
            "equipment_gap",
        ]
    )
    got5 = _categories(identify(results, context, risk, config=five, year=2023))
    assert {s for s, c in got5.items() if "at_risk" in c} == {"S02", "S03"}
