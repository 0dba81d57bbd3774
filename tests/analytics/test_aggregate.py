"""Student-level aggregation (docs/methodology.md R1)."""

from __future__ import annotations

import polars as pl
import pytest

from opora.aggregate import aggregate_students
from opora.errors import AnalyticsError
from opora.schema import RESULTS_SCHEMA, STUDENT_SCHEMA
from opora.synthetic import synthetic_students


def test_it_aggregates_a_hand_worked_class() -> None:
    # Four students: marks 2, 3, 5, 5; scores 4, 10, 18, 20 of 20 → mean % (20 + 50 + 90 + 100)/4 = 65.
    rows = [("a", 4.0, 2), ("b", 10.0, 3), ("c", 18.0, 5), ("d", 20.0, 5)]
    frame = pl.DataFrame(
        [
            {
                "student_id": s,
                "school_id": "S",
                "procedure": "vpr",
                "subject": "ma",
                "grade": 5,
                "year": 2023,
                "primary_score": p,
                "max_score": 20.0,
                "mark": m,
            }
            for s, p, m in rows
        ],
        schema=STUDENT_SCHEMA,
    )
    out = aggregate_students(frame)
    assert out.schema == RESULTS_SCHEMA
    row = out.row(0, named=True)
    assert (row["n"], row["n_2"], row["n_3"], row["n_4"], row["n_5"]) == (4, 1, 1, 0, 2)
    assert row["mean_pct"] == pytest.approx(65.0)
    assert row["mean_score"] == pytest.approx(13.0)
    assert row["mean_mark"] == pytest.approx(3.75)


def test_it_matches_a_plain_group_by_on_synthetic_rows() -> None:
    students = synthetic_students(20_000, n_schools=30)
    out = aggregate_students(students)
    ref = students.group_by("school_id", "procedure", "subject", "grade", "year").agg(
        pl.len().alias("n_ref"),
        (pl.col("mark") == 2).sum().alias("n2_ref"),
        (pl.col("primary_score") / pl.col("max_score") * 100).mean().alias("pct_ref"),
    )
    joined = out.join(ref, on=["school_id", "procedure", "subject", "grade", "year"])
    assert joined.height == out.height == ref.height
    assert (joined["n"] == joined["n_ref"]).all() and (joined["n_2"] == joined["n2_ref"]).all()
    assert (joined["mean_pct"] - joined["pct_ref"]).abs().max() < 1e-9  # type: ignore[operator]
    assert int(out["n"].sum()) == 20_000


def test_it_names_missing_columns() -> None:
    with pytest.raises(AnalyticsError, match="mark"):
        aggregate_students(pl.DataFrame({"school_id": ["S"], "procedure": ["vpr"]}))
