"""The engine end to end on synthetic regions (docs/methodology.md R5–R10)."""

from __future__ import annotations

import re

import numpy as np
import polars as pl
import pytest

from opora.config import IdentificationConfig
from opora.errors import AnalyticsError, InsufficientDataError
from opora.identify import SCHOOL_COLUMNS, compare_with_official, identify
from opora.regression import fit_ols
from opora.synthetic import SyntheticData, synthetic_region


@pytest.fixture(scope="module")
def region() -> SyntheticData:
    return synthetic_region(150, (2021, 2022, 2023), seed=11)


def test_it_returns_every_documented_column(region: SyntheticData) -> None:
    r = identify(region.results, region.context, region.risk, year=2023)
    assert r.schools.columns == list(SCHOOL_COLUMNS)
    assert r.model.years_evaluated == [2021, 2022, 2023]
    assert r.model.n == r.schools.filter(pl.col("results_index").is_not_null()).height


def test_it_fits_on_the_region_and_applies_to_the_municipality(region: SyntheticData) -> None:
    data = region
    ids = sorted(data.results["school_id"].unique().to_list())
    fit, municipality = ids[:130], ids[130:]
    r = identify(
        data.results, data.context, data.risk, fit_schools=fit, apply_schools=municipality, year=2023
    )
    assert sorted(r.schools["school_id"].to_list()) == municipality
    assert not any(r.schools["in_fit"].to_list())
    # The model is the regression of the fit schools' indices (independent lstsq on the same points).
    pts = np.array(r.model.fit_points)
    beta, *_ = np.linalg.lstsq(np.column_stack([np.ones(len(pts)), pts[:, 0]]), pts[:, 1], rcond=None)
    np.testing.assert_allclose([r.model.intercept, r.model.slope], beta, rtol=1e-9)
    s = r.schools.drop_nulls("expected")
    np.testing.assert_allclose(s["expected"], beta[0] + beta[1] * s["context_index"].to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(s["std_residual"], s["residual"].to_numpy() / r.model.s_e, rtol=1e-9)
    # Outside the fit the studentised residual standardises a prediction error: e / (s·√(1 + h)).
    np.testing.assert_allclose(
        s["studentized_residual"],
        s["residual"].to_numpy() / (r.model.s_e * np.sqrt(1 + s["leverage"].to_numpy())),
        rtol=1e-9,
    )
    # Thresholds are quantiles of the fit schools, not of the municipality.
    assert r.model.thresholds["context_threshold"] == pytest.approx(np.quantile(pts[:, 0], 0.25))


def test_it_fits_weighted_by_participants_when_asked(region: SyntheticData) -> None:
    cfg = IdentificationConfig.from_mapping({"regression": {"weighted": True}})
    r = identify(region.results, region.context, config=cfg, year=2023)
    s = r.schools.drop_nulls("expected")
    w = s["n_participants"].cast(pl.Float64).to_numpy()
    ref = fit_ols(s["context_index"].to_numpy(), s["results_index"].to_numpy(), weights=w / w.mean())
    np.testing.assert_allclose([r.model.intercept, r.model.slope], ref.params, rtol=1e-9)
    assert r.model.weighted


def test_it_shrinks_small_schools_more(region: SyntheticData) -> None:
    cfg = IdentificationConfig.from_mapping({"regression": {"shrinkage": True, "within_variance": 20.0}})
    r = identify(region.results, region.context, config=cfg, year=2023)
    s = r.schools.drop_nulls("expected").sort("n_participants")
    lam = s["shrinkage_lambda"].to_numpy()
    assert np.all(np.diff(lam) >= -1e-12) and lam[0] < lam[-1] <= 1.0
    np.testing.assert_allclose(s["shrunk_residual"], lam * s["residual"].to_numpy(), rtol=1e-12)
    tau2 = r.model.shrinkage["tau2"]
    np.testing.assert_allclose(lam, tau2 / (tau2 + 20.0 / s["n_participants"].to_numpy()), rtol=1e-12)


def test_it_labels_only_stable_categories(region: SyntheticData) -> None:
    r = identify(region.results, region.context, year=2023)
    held = r.yearly.group_by("school_id").agg(
        pl.col("low_results").sum().alias("k"),
        pl.col("low_results").filter(pl.col("year") == 2023).any().alias("now"),
    )
    got = r.schools.select("school_id", pl.col("categories").list.contains("low_results").alias("low"))
    table = held.join(got, on="school_id")
    assert table.filter(pl.col("low") != ((pl.col("k") >= 2) & pl.col("now"))).height == 0
    assert table.filter(pl.col("now") & (pl.col("k") < 2)).height > 0  # some fell short: the rule mattered
    loose = identify(
        region.results,
        region.context,
        config=IdentificationConfig.from_mapping({"categories": {"stability_years": 1}}),
        year=2023,
    )
    n_loose = loose.schools["categories"].list.contains("low_results").sum()
    assert n_loose > got["low"].sum()


def test_it_puts_schools_at_risk_from_two_municipal_factors(region: SyntheticData) -> None:
    r = identify(
        region.results,
        region.context,
        region.risk,
        year=2023,
        config=IdentificationConfig.from_mapping({"categories": {"trend_drop": 0.0}}),
    )
    s = r.schools.select(
        "school_id", "risk_factor_count", pl.col("categories").list.contains("at_risk").alias("at_risk")
    )
    assert s.filter(pl.col("at_risk") != (pl.col("risk_factor_count") >= 2)).height == 0
    assert s["at_risk"].sum() > 0
    sid = s.filter(pl.col("at_risk"))["school_id"][0]
    reason = next(x for x in r.reasons[sid] if x.rule == "risk_factors")
    assert reason.category == "at_risk" and "правило — не менее 2 из 3" in reason.text_ru


def test_it_explains_every_category_it_gives(region: SyntheticData) -> None:
    r = identify(region.results, region.context, region.risk, year=2023)
    for sid, cats in r.schools.select("school_id", "categories").iter_rows():
        fired = {x.category for x in r.reasons[sid] if x.fired}
        assert set(cats) == fired
        for x in r.reasons[sid]:
            assert x.text_ru and not re.search(r"\d\.\d", x.text_ru)  # decimal comma in Russian texts


def test_it_lists_excluded_schools_with_a_reason(region: SyntheticData) -> None:
    data = region
    small = data.results.with_columns(
        pl.when(pl.col("school_id") == "REG-0001").then(3).otherwise(pl.col("n")).alias("n")
    )
    r = identify(small, data.context, year=2023)
    row = r.schools.filter(pl.col("school_id") == "REG-0001").row(0, named=True)
    assert row["results_index"] is None and row["categories"] == []
    reason = r.excluded.filter((pl.col("school_id") == "REG-0001") & (pl.col("year") == 2023))[
        "reason"
    ].item()
    assert "групп" in reason


def test_it_compares_with_an_official_list() -> None:
    from opora.identify import IdentificationResult

    schools = pl.DataFrame(
        {
            "school_id": ["A", "B", "C"],
            "categories": [["adverse_context", "low_results"], ["at_risk"], ["above_expected"]],
        }
    )
    result = IdentificationResult(
        year=2023,
        schools=schools,
        _components=pl.DataFrame(),
        model=None,  # type: ignore[arg-type]
        models={},
        reasons={},
        excluded=pl.DataFrame(),
        yearly=pl.DataFrame(),
        risk_flags={},
    )
    official = pl.DataFrame(
        {"school_id": ["A", "A", "C", "D"], "category": ["ШНОР", "adverse_context", "at_risk", "low_results"]}
    )
    got = {r["school_id"]: r for r in compare_with_official(result, official).iter_rows(named=True)}
    assert got["A"]["agree"] and got["A"]["official"] == ["adverse_context", "low_results"]
    assert not got["B"]["agree"] and got["B"]["only_computed"] == ["at_risk"]
    assert not got["C"]["agree"] and got["C"]["only_official"] == [
        "at_risk"
    ]  # above_expected is not compared
    assert got["D"]["only_official"] == ["low_results"] and got["D"]["computed"] == []
    with pytest.raises(AnalyticsError, match="неизвестная категория"):
        compare_with_official(result, pl.DataFrame({"school_id": ["A"], "category": ["лидер"]}))


def test_it_refuses_missing_years_duplicates_and_tiny_fits(region: SyntheticData) -> None:
    data = region
    with pytest.raises(InsufficientDataError, match="2030"):
        identify(data.results, data.context, year=2030)
    dup = pl.concat([data.results, data.results.head(1)])
    with pytest.raises(AnalyticsError, match="повторяющиеся строки"):
        identify(dup, data.context, year=2023)
    few = sorted(data.results["school_id"].unique().to_list())[:5]
    with pytest.raises(InsufficientDataError, match="не менее 10 школ"):
        identify(data.results, data.context, fit_schools=few, year=2023)
