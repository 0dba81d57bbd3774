"""Benchmarks of the identification engine against a plain polars + statsmodels baseline, in one process.

Run: ``uv run python bench/bench_identification.py [--quick]``. Cases and limits:

- (a) 1,000 schools × 3 years × 20 procedures, full identification (< 1 s);
- (b) 40,000 schools × 3 years × 20 procedures (< 10 s, and within 1.5× of the baseline in the same run —
  issue 16, item 11);
- (c) 10 M student-level rows aggregated to school results (< 15 s).

The baseline does the same core work the straightforward way: eager polars joins and group-bys for the
statistics, z-scores and single-year indices, one statsmodels OLS per year with ``get_prediction`` and
``get_influence``, and the category flags. Ours runs the default configuration, which does more: the input
checks, the 4-year window of the results index, the single-year indices of the trend, the stability and risk
rules and every school's explanations (as a frame; Reason objects are made when a school is looked up). The
per-component rows (``IdentificationResult.components``, millions at 40,000 schools) are built on first use and
are not part of the timing: the command line never writes them, the portal asks for them per municipality.
``--quick`` runs small sizes without limits (used by the smoke test). Exit code 1 when a full run misses a limit.
The table prints one line per case: ours, then the baseline, their ratio (baseline / ours) and the limit.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl

from opora.aggregate import aggregate_students
from opora.config import IdentificationConfig
from opora.identify import identify
from opora.synthetic import synthetic_region, synthetic_students

YEARS = (2021, 2022, 2023)
#: Case (b) may take at most this many times the baseline's time, measured in the same run.
MAX_RATIO = 1.5


def _best(func: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def baseline_identify(
    results: pl.DataFrame, context: pl.DataFrame, config: IdentificationConfig
) -> pl.DataFrame:
    """The same identification, written plainly: polars eager steps and statsmodels OLS per year."""
    import statsmodels.api as sm

    rules = config.categories
    variables = dict(config.context.variables)
    yearly = []
    for year in YEARS:
        r = results.filter(pl.col("year") == year)
        grade = pl.coalesce("grade_program", "grade")
        r = r.with_columns(
            pl.when(pl.col("procedure") != "vpr")
            .then(pl.col("procedure"))
            .when(grade <= 4)
            .then(pl.lit("vpr_noo"))
            .when(grade <= 9)
            .then(pl.lit("vpr_ooo"))
            .otherwise(pl.lit("vpr_soo"))
            .alias("group"),
            pl.coalesce("mean_pct", pl.when(pl.col("procedure") == "ege").then(pl.col("mean_score"))).alias(
                "s1"
            ),
            pl.when(pl.col("procedure") == "kdr")
            .then((pl.col("n_insufficient") + pl.col("n_reduced")) * 100 / pl.col("n"))
            .otherwise(pl.col("n_2") * 100 / pl.col("n"))
            .alias("s2"),
            pl.when(pl.col("procedure") == "kdr")
            .then(pl.col("n_advanced") * 100 / pl.col("n"))
            .otherwise((pl.col("n_4") + pl.col("n_5")) * 100 / pl.col("n"))
            .alias("s3"),
        ).filter(pl.col("n") >= config.results.min_participants)
        long = r.unpivot(
            index=["school_id", "procedure", "subject", "grade", "group", "n"],
            on=["s1", "s2", "s3"],
            variable_name="stat",
            value_name="value",
        ).drop_nulls("value")
        cells = long.group_by("procedure", "subject", "grade", "stat").agg(
            pl.col("value").mean().alias("mu"), pl.col("value").std().alias("sd"), pl.len().alias("k")
        )
        long = long.join(cells, on=["procedure", "subject", "grade", "stat"]).filter(
            (pl.col("k") >= config.results.min_schools_per_cell) & (pl.col("sd") > 0)
        )
        long = long.with_columns(
            (
                (pl.col("value") - pl.col("mu"))
                / pl.col("sd")
                * pl.when(pl.col("stat") == "s2").then(-1).otherwise(1)
            ).alias("z")
        )
        groups = long.group_by("school_id", "group").agg(pl.col("z").mean())
        ri = (
            groups.group_by("school_id")
            .agg(pl.col("z").mean().alias("ri"), pl.len().alias("g"))
            .filter(pl.col("g") >= config.results.min_components)
        )
        c = context.filter(pl.col("year") == year)
        present = [v for v in variables if v in c.columns]
        c = c.with_columns(
            [((pl.col(v) - pl.col(v).mean()) / pl.col(v).std() * variables[v]).alias(v) for v in present]
        )
        ci = c.select("school_id", pl.mean_horizontal(present).alias("ci"))
        d = ri.join(ci, on="school_id").sort("school_id")
        x = sm.add_constant(d["ci"].to_numpy())
        fit = sm.OLS(d["ri"].to_numpy(), x).fit()
        pred = fit.get_prediction(x).summary_frame(alpha=1 - config.regression.ci_level)
        infl = fit.get_influence()
        std = fit.resid / np.sqrt(fit.scale)
        qc = float(np.quantile(d["ci"].to_numpy(), rules.q_ctx))
        qr = float(np.quantile(d["ri"].to_numpy(), rules.q_res))
        d = d.with_columns(
            pl.Series("expected", np.asarray(fit.fittedvalues)),
            pl.Series("std", np.asarray(std)),
            pl.Series("stud", infl.resid_studentized_internal),
            pl.Series("ci_low", pred["mean_ci_lower"].to_numpy()),
            pl.Series("pi_low", pred["obs_ci_lower"].to_numpy()),
            pl.lit(year).alias("year"),
        ).with_columns(
            (pl.col("ci") <= qc).alias("adverse"),
            ((pl.col("ri") <= qr) | (pl.col("std") <= -rules.low_results_k)).alias("low"),
        )
        yearly.append(d)
    allyears = pl.concat(yearly)
    return allyears.group_by("school_id").agg(
        (pl.col("adverse").sum() >= rules.stability_years).alias("adverse_context"),
        (pl.col("low").sum() >= rules.stability_years).alias("low_results"),
    )


def baseline_aggregate(students: pl.DataFrame) -> pl.DataFrame:
    """A plain eager group-by of the student rows."""
    return students.group_by("school_id", "procedure", "subject", "grade", "year").agg(
        pl.len().alias("n"),
        *[(pl.col("mark") == k).sum().alias(f"n_{k}") for k in (2, 3, 4, 5)],
        (pl.col("primary_score") / pl.col("max_score") * 100).mean().alias("mean_pct"),
        pl.col("primary_score").mean().alias("mean_score"),
        pl.col("mark").mean().alias("mean_mark"),
    )


def run(quick: bool) -> list[dict[str, Any]]:
    config = IdentificationConfig()
    sizes = {"a": 100, "b": 400, "c": 100_000} if quick else {"a": 1_000, "b": 40_000, "c": 10_000_000}
    repeat = 1 if quick else 3
    rows: list[dict[str, Any]] = []
    for key, label, limit in (
        ("a", "школ × 3 года × 20 процедур", 1.0),
        ("b", "школ × 3 года × 20 процедур", 10.0),
    ):  # (b) must also stay within MAX_RATIO of the baseline
        data = synthetic_region(sizes[key], YEARS, n_procedures=20, seed=3)

        def ours(data: Any = data) -> None:
            identify(data.results, data.context, data.risk, config=config, year=2023)

        def base(data: Any = data) -> None:
            baseline_identify(data.results, data.context, config)

        ours()
        base()  # warm-up: imports, caches
        # Ours and the baseline alternate, so that a busy machine slows both alike; the best of each counts.
        pairs = [(_best(ours, 1), _best(base, 1)) for _ in range(repeat)]
        rows.append(
            {
                "case": f"({key}) {sizes[key]:,} {label}".replace(",", " "),
                "ours": min(p[0] for p in pairs),
                "baseline": min(p[1] for p in pairs),
                "limit": limit,
                "max_ratio": MAX_RATIO if key == "b" else None,
            }
        )
    students = synthetic_students(sizes["c"], n_schools=max(100, sizes["c"] // 10_000))
    aggregate_students(students.head(1000))
    baseline_aggregate(students.head(1000))
    rows.append(
        {
            "case": f"(c) {sizes['c']:,} строк учащихся → агрегаты школ".replace(",", " "),
            "ours": _best(lambda: aggregate_students(students), 1),
            "baseline": _best(lambda: baseline_aggregate(students), 1),
            "limit": 15.0,
        }
    )
    for row in rows:
        within = row.get("max_ratio") is None or row["ours"] <= row["max_ratio"] * row["baseline"]
        row["ok"] = True if quick else (row["ours"] < row["limit"] and within)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small sizes, no limits (smoke test)")
    args = parser.parse_args(argv)
    rows = run(args.quick)
    width = max(len(r["case"]) for r in rows)
    print(f"{'случай':<{width}}  {'наш, с':>8}  {'базовый, с':>10}  {'отношение':>9}  {'предел, с':>9}  итог")
    for r in rows:
        verdict = "quick" if args.quick else ("OK" if r["ok"] else "FAIL")
        print(
            f"{r['case']:<{width}}  {r['ours']:>8.3f}  {r['baseline']:>10.3f}  "
            f"{r['baseline'] / r['ours']:>8.2f}×  {r['limit']:>9.1f}  {verdict}"
        )
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
