"""Student-level results → per-school aggregates in RESULTS_SCHEMA (docs/methodology.md R1)."""

from __future__ import annotations

import polars as pl

from opora.errors import AnalyticsError
from opora.schema import EGE_COUNTS, RESULTS_KEY, RESULTS_SCHEMA, STUDENT_SCHEMA

__all__ = ["aggregate_students"]


def aggregate_students(students: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Aggregate STUDENT_SCHEMA rows to one RESULTS_SCHEMA row per (school, procedure, subject, grade, year).

    ``n`` = number of student rows; ``n_2``…``n_5`` = rows with that mark (null marks are not counted);
    ``mean_score`` = mean primary score; ``mean_mark`` = mean mark; ``mean_pct`` = mean of
    100·primary_score/max_score over rows where max_score is known and positive (null if none).
    ``grade_program`` = ``grade``; ``date`` and the КДР level counts stay null (not in the student table).
    Uses a lazy group-by (10 M rows in a few seconds on two cores).

    >>> f = pl.DataFrame({"student_id": ["a", "b"], "school_id": ["S", "S"], "procedure": ["vpr", "vpr"],
    ...                   "subject": ["ru", "ru"], "grade": [5, 5], "year": [2023, 2023],
    ...                   "primary_score": [10.0, 20.0], "max_score": [40.0, 40.0], "mark": [3, 4]})
    >>> aggregate_students(f).select("n", "n_3", "n_4", "mean_pct").row(0)
    (2, 1, 1, 37.5)
    """
    lazy = students.lazy() if isinstance(students, pl.DataFrame) else students
    names = lazy.collect_schema().names()
    missing = [c for c in STUDENT_SCHEMA.names() if c not in names and c != "student_id"]
    if missing:
        raise AnalyticsError(
            "В таблице результатов учащихся нет столбцов: " + ", ".join(f"«{c}»" for c in missing) + "."
        )
    mark = pl.col("mark").cast(pl.Int8)
    pct = pl.when(pl.col("max_score") > 0).then(pl.col("primary_score") * 100.0 / pl.col("max_score"))
    out = (
        lazy.group_by(list(RESULTS_KEY))
        .agg(
            pl.len().alias("n"),
            *[(mark == k).sum().alias(f"n_{k}") for k in (2, 3, 4, 5)],
            pct.mean().alias("mean_pct"),
            pl.col("primary_score").mean().alias("mean_score"),
            mark.cast(pl.Float64).mean().alias("mean_mark"),
        )
        .with_columns(
            pl.col("grade").alias("grade_program"),
            pl.lit(None, dtype=pl.Date).alias("date"),
            *[
                pl.lit(None, dtype=pl.Int32).alias(c)
                for c in ("n_insufficient", "n_reduced", "n_basic", "n_advanced", *EGE_COUNTS)
            ],
        )
        .select(RESULTS_SCHEMA.names())
        .cast(RESULTS_SCHEMA)
        .sort(list(RESULTS_KEY))
    )
    return out.collect()
