"""Unit statistics, results index and context index (docs/methodology.md R1, R3, R4), hand-worked."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opora.config import ContextConfig, ResultsIndexConfig
from opora.indices import context_index, results_index, unit_statistics
from opora.schema import RESULTS_SCHEMA

MEAN_ONLY = ResultsIndexConfig(statistics=(("mean_pct", 1),), min_schools_per_cell=2)


def _rows(rows: list[dict[str, object]]) -> pl.DataFrame:
    full = [{name: r.get(name) for name in RESULTS_SCHEMA.names()} for r in rows]
    return pl.DataFrame(full, schema=RESULTS_SCHEMA)


def _cell(
    proc: str,
    subject: str,
    grade: int,
    values: dict[str, float],
    n: dict[str, int] | None = None,
    year: int = 2023,
) -> list[dict[str, object]]:
    return [
        {
            "school_id": s,
            "procedure": proc,
            "subject": subject,
            "grade": grade,
            "year": year,
            "n": (n or {}).get(s, 20),
            "mean_pct": v,
        }
        for s, v in values.items()
    ]


def test_it_computes_unit_statistics_by_hand() -> None:
    rows = _rows(
        [
            {
                "school_id": "A",
                "procedure": "vpr",
                "subject": "ru",
                "grade": 5,
                "year": 2023,
                "n": 20,
                "n_2": 4,
                "n_3": 6,
                "n_4": 8,
                "n_5": 2,
                "mean_pct": 55.0,
            },
            {
                "school_id": "A",
                "procedure": "kdr",
                "subject": "reading",
                "grade": 4,
                "year": 2023,
                "n": 25,
                "n_insufficient": 2,
                "n_reduced": 3,
                "n_basic": 15,
                "n_advanced": 5,
                "mean_pct": 60.0,
            },
            {
                "school_id": "A",
                "procedure": "ege",
                "subject": "ru",
                "grade": 11,
                "year": 2023,
                "n": 10,
                "n_2": 1,
                "mean_score": 68.0,
            },
        ]
    )
    stats = unit_statistics(rows, ResultsIndexConfig())
    got = {(r["procedure"], r["statistic"]): r["value"] for r in stats.iter_rows(named=True)}
    assert got[("vpr", "low_share")] == pytest.approx(20.0)  # 4 of 20 got «2»
    assert got[("vpr", "high_share")] == pytest.approx(50.0)  # (8 + 2)/20
    assert got[("kdr", "low_share")] == pytest.approx(20.0)  # (2 + 3)/25 недостаточный + пониженный
    assert got[("kdr", "high_share")] == pytest.approx(20.0)  # 5/25 повышенный
    assert got[("ege", "mean_pct")] == pytest.approx(68.0)  # ЕГЭ: the test score stands in for mean_pct
    assert got[("ege", "low_share")] == pytest.approx(10.0)
    groups = dict(zip(stats["procedure"], stats["group"], strict=True))
    assert groups == {"vpr": "vpr_ooo", "kdr": "kdr", "ege": "ege"}


def test_it_builds_the_results_index_by_hand() -> None:
    # ОГЭ: 40, 50, 60, 70, 80 → mean 60, SD √250 = 15.8114 → z_A = −20/15.8114 = −1.264911.
    # ЕГЭ: 50, 50, 60, 70, 70 → mean 60, SD 10 → z_A = −1.
    # index_A = (−1.264911 + (−1))/2 = −1.1324555 (equal weight per procedure group).
    rows = _rows(
        _cell("oge", "ru", 9, {"A": 40, "B": 50, "C": 60, "D": 70, "E": 80})
        + _cell("ege", "ru", 11, {"A": 50, "B": 50, "C": 60, "D": 70, "E": 70})
    )
    ri = results_index(rows, MEAN_ONLY, year=2023)
    a = ri.index.filter(pl.col("school_id") == "A").row(0, named=True)
    assert a["results_index"] == pytest.approx(-1.1324555, rel=1e-6)
    assert a["n_components"] == 2 and a["n_participants"] == 40
    z = ri.components.filter((pl.col("school_id") == "A") & (pl.col("procedure") == "oge"))["z"].item()
    assert z == pytest.approx(-20 / np.sqrt(250))


def test_the_index_reads_ege_counts_of_a_regional_report_as_unit_statistics_do() -> None:
    # A regional ЕГЭ report gives counts, not marks (docs/methodology.md, «ЕГЭ в индексе результатов»). 20
    # participants each; below the minimum A–E: 1, 2, 3, 4, 5 → low share 5, 10, 15, 20, 25 % → mean 15, SD √62.5
    # = 7.905694 → z_A = −10/7.905694 = −1.264911; low share is «больше — хуже», so A's index is +1.264911.
    # 80+ points: n_80_99 + n_100 (a missing one as 0) A–E: 4+1, 3+(none), 2+0, 1+0, (none)+0 → 25, 15, 10, 5, 0 %
    # → mean 11, SD √92.5 = 9.617692 → z_A = 14/9.617692 = 1.455651.
    rows = _rows(
        [
            {
                "school_id": s,
                "procedure": "ege",
                "subject": "ru",
                "grade": 11,
                "year": 2023,
                "n": 20,
                **counts,
            }
            for s, counts in {
                "A": {"n_below_min": 1, "n_80_99": 4, "n_100": 1},
                "B": {"n_below_min": 2, "n_80_99": 3},
                "C": {"n_below_min": 3, "n_80_99": 2, "n_100": 0},
                "D": {"n_below_min": 4, "n_80_99": 1, "n_100": 0},
                "E": {"n_below_min": 5, "n_100": 0},
            }.items()
        ]
    )
    one = {"min_schools_per_cell": 2, "min_components": 1}
    low = ResultsIndexConfig(statistics=(("low_share", -1),), **one)
    high = ResultsIndexConfig(statistics=(("high_share", 1),), **one)
    for config, index_a, shares in (
        (low, 10 / np.sqrt(62.5), [5.0, 10.0, 15.0, 20.0, 25.0]),
        (high, 14 / np.sqrt(92.5), [25.0, 15.0, 10.0, 5.0, 0.0]),
    ):
        ri = results_index(rows, config, year=2023)
        assert ri.index.filter(pl.col("school_id") == "A")["results_index"].item() == pytest.approx(index_a)
        assert ri.components.sort("school_id")["value"].to_list() == pytest.approx(shares)
        shown = unit_statistics(rows, config).sort("school_id")["value"].to_list()
        assert shown == pytest.approx(shares)


def test_it_weights_procedure_groups_equally() -> None:
    # Two ОГЭ subjects for A (z −1.264911 and −1) average to one group value −1.1324555; КДР gives z = 0 for A.
    rows = _rows(
        _cell("oge", "ru", 9, {"A": 40, "B": 50, "C": 60, "D": 70, "E": 80})
        + _cell("oge", "ma", 9, {"A": 50, "B": 50, "C": 60, "D": 70, "E": 70})
        + _cell("kdr", "reading", 4, {"A": 60, "B": 50, "C": 60, "D": 70, "E": 60})
    )
    ri = results_index(rows, MEAN_ONLY, year=2023)
    a = ri.index.filter(pl.col("school_id") == "A")["results_index"].item()
    assert a == pytest.approx((-1.1324555 + 0.0) / 2, rel=1e-6)


def test_it_excludes_schools_below_coverage_and_minimum_n() -> None:
    # F has 5 participants in ОГЭ (< 10): only its ЕГЭ counts → 1 group < 2 → excluded with a reason.
    rows = _rows(
        _cell("oge", "ru", 9, {"A": 40, "B": 50, "C": 60, "D": 70, "E": 80, "F": 30}, n={"F": 5})
        + _cell("ege", "ru", 11, {"A": 50, "B": 50, "C": 60, "D": 70, "E": 70, "F": 40})
    )
    ri = results_index(rows, MEAN_ONLY, year=2023)
    assert "F" not in ri.index["school_id"].to_list()
    reason = ri.excluded.filter(pl.col("school_id") == "F")["reason"].item()
    assert "групп процедур с данными — 1 при минимуме 2" in reason
    note = ri.components.filter((pl.col("school_id") == "F") & (pl.col("procedure") == "oge"))["note"].item()
    assert "n = 5 < 10" in note
    # The small cell does not enter the reference: ОГЭ z of A is as without F.
    z = ri.components.filter((pl.col("school_id") == "A") & (pl.col("procedure") == "oge"))["z"].item()
    assert z == pytest.approx(-20 / np.sqrt(250))


def test_it_splits_vpr_into_three_groups_by_level() -> None:
    rows = _rows(
        _cell("vpr", "ru", 4, {"A": 40, "B": 50, "C": 60})
        + _cell("vpr", "ru", 6, {"A": 40, "B": 50, "C": 60})
    )
    assert results_index(rows, MEAN_ONLY, year=2023).index["n_components"].to_list() == [2, 2, 2]
    one = ResultsIndexConfig(statistics=(("mean_pct", 1),), min_schools_per_cell=2, split_vpr_by_level=False)
    assert results_index(rows, one, year=2023).excluded.height == 3


def test_it_uses_the_fit_schools_as_the_scale() -> None:
    # Fit on A, B, C (40, 50, 60 → mean 50, SD 10); X outside the fit with 70 gets z = 2.
    rows = _rows(
        _cell("oge", "ru", 9, {"A": 40, "B": 50, "C": 60, "X": 70})
        + _cell("ege", "ru", 11, {"A": 40, "B": 50, "C": 60, "X": 70})
    )
    ri = results_index(rows, MEAN_ONLY, year=2023, fit_schools=["A", "B", "C"])
    assert ri.index.filter(pl.col("school_id") == "X")["results_index"].item() == pytest.approx(2.0)


def test_it_averages_a_window_of_years() -> None:
    rows = _rows(
        _cell("oge", "ru", 9, {"A": 40, "B": 50, "C": 60}, year=2022)
        + _cell("oge", "ru", 9, {"A": 60, "B": 50, "C": 40}, year=2023)
        + _cell("ege", "ru", 11, {"A": 40, "B": 50, "C": 60}, year=2023)
    )
    cfg = ResultsIndexConfig(statistics=(("mean_pct", 1),), min_schools_per_cell=2, window_years=2)
    # A: ОГЭ z = −1 (2022) and +1 (2023) → group mean 0; ЕГЭ −1 → index −0.5.
    a = results_index(rows, cfg, year=2023).index.filter(pl.col("school_id") == "A")["results_index"].item()
    assert a == pytest.approx(-0.5)


def _context() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "school_id": ["A", "B", "C"],
            "year": [2023, 2023, 2023],
            "low_income_share": [10.0, 20.0, 30.0],
            "rural": [0.0, 0.0, 1.0],
        }
    )


def test_it_builds_the_context_index_by_hand() -> None:
    # low_income (−): 10, 20, 30 → z 1, 0, −1 after the sign. rural (−): 0, 0, 1 → mean 1/3, SD √(1/3)
    # → z −0.57735, −0.57735, 1.1547 → signed 0.57735, 0.57735, −1.1547.
    # Mean: (1 + 0.57735)/2 = 0.788675, 0.288675, (−1 − 1.1547)/2 = −1.077350.
    cfg = ContextConfig(variables=(("low_income_share", -1), ("rural", -1)), min_variables=2)
    ci = context_index(_context(), cfg, year=2023)
    np.testing.assert_allclose(
        ci.index["context_index"].to_numpy(), [0.788675, 0.288675, -1.077350], atol=1e-6
    )


def test_it_builds_a_pca_context_index_like_numpy() -> None:
    rng = np.random.default_rng(5)
    base = rng.normal(size=50)
    frame = pl.DataFrame(
        {
            "school_id": [f"S{i:02d}" for i in range(50)],
            "year": [2023] * 50,
            "a": 20 - 5 * base + rng.normal(size=50),
            "b": 10 - 3 * base + rng.normal(size=50),
            "c": 5 + base + rng.normal(size=50),
        }
    )
    cfg = ContextConfig(variables=(("a", -1), ("b", -1), ("c", 1)), method="pca", min_variables=3)
    got = context_index(frame, cfg, year=2023).index["context_index"].to_numpy()
    z = frame.select("a", "b", "c").to_numpy()
    z = (z - z.mean(0)) / z.std(0, ddof=1) * np.array([-1, -1, 1])
    _, _, vt = np.linalg.svd(z - z.mean(0), full_matrices=False)
    v = vt[0] if vt[0].sum() > 0 else -vt[0]
    ref = z @ v
    ref = (ref - ref.mean()) / ref.std(ddof=1)
    np.testing.assert_allclose(got, ref, atol=1e-9)
    assert np.corrcoef(got, base)[0, 1] > 0.9  # higher = more favourable


def test_it_uses_the_latest_context_year_not_after_the_target() -> None:
    frame = pl.concat(
        [
            _context(),
            _context().with_columns(
                pl.lit(2024, dtype=pl.Int64).alias("year"), pl.col("low_income_share") * 0 + 50
            ),
        ]
    )
    cfg = ContextConfig(variables=(("low_income_share", -1), ("rural", -1)), min_variables=2)
    ci = context_index(frame, cfg, year=2023)
    np.testing.assert_allclose(
        ci.index["context_index"].to_numpy(), [0.788675, 0.288675, -1.077350], atol=1e-6
    )


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_it_is_invariant_to_row_order(rnd: object) -> None:
    rows = _rows(
        _cell("oge", "ru", 9, {"A": 40, "B": 55, "C": 60, "D": 72, "E": 80})
        + _cell("ege", "ru", 11, {"A": 52, "B": 50, "C": 61, "D": 70, "E": 75})
        + _cell("vpr", "ma", 5, {"A": 45, "B": 48, "C": 66, "D": 70, "E": 71})
    )
    idx = list(range(rows.height))
    rnd.shuffle(idx)  # type: ignore[attr-defined]
    a = results_index(rows, MEAN_ONLY, year=2023).index.sort("school_id")
    b = results_index(rows[idx], MEAN_ONLY, year=2023).index.sort("school_id")
    np.testing.assert_allclose(a["results_index"].to_numpy(), b["results_index"].to_numpy(), atol=1e-12)
