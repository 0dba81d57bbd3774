"""The synthetic region of municipalities and its student rows (opora.synthetic_region; issue 8)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from opora.aggregate import aggregate_students
from opora.cli import main
from opora.schema import STUDENT_SCHEMA
from opora.synthetic_region import (
    municipality_sizes,
    region_students,
    synthetic_municipal_region,
    write_municipal_region_files,
)


@pytest.mark.parametrize(("m", "s"), [(60, 17), (3, 4), (1, 1), (7, 2)])
def test_sizes_sum_exactly_and_keep_a_floor(m: int, s: int) -> None:
    sizes = municipality_sizes(m, s, seed=3)
    assert len(sizes) == m and sum(sizes) == m * s
    assert min(sizes) >= min(2, s)


def test_schools_are_split_by_the_sizes_and_the_region_is_deterministic() -> None:
    a = synthetic_municipal_region(5, 6, seed=9)
    b = synthetic_municipal_region(5, 6, seed=9)
    assert a.data.results.equals(b.data.results)
    counts = a.data.schools.group_by("municipality").len().sort("municipality")["len"].to_list()
    assert counts == municipality_sizes(5, 6, seed=9)
    assert a.municipalities == ["sr-m01", "sr-m02", "sr-m03", "sr-m04", "sr-m05"]
    assert a.data.schools["school_id"].n_unique() == 30


def test_students_of_one_municipality_are_its_part_of_the_region() -> None:
    region = synthetic_municipal_region(4, 5, seed=2)
    everyone = region_students(region, 20_000, seed=4)
    assert everyone.schema == STUDENT_SCHEMA
    # stochastic rounding of n·f per result row keeps the total within a few dozen of the target
    assert abs(everyone.height - 20_000) < 200
    assert everyone["student_id"].n_unique() == everyone.height
    parts = [region_students(region, 20_000, municipality=j, seed=4) for j in range(4)]
    assert sum(p.height for p in parts) == everyone.height
    mine = set(region.schools_of(1))
    assert (
        parts[1]
        .sort("student_id")
        .equals(everyone.filter(pl.col("school_id").is_in(list(mine))).sort("student_id"))
    )


def test_student_rows_follow_the_school_results() -> None:
    region = synthetic_municipal_region(2, 10, seed=1)
    students = region_students(region, 400_000, seed=1)
    agg = aggregate_students(students).select(
        "school_id", "procedure", "subject", "grade", "year", "mean_pct"
    )
    joined = agg.join(
        region.data.results.select("school_id", "procedure", "subject", "grade", "year", "mean_pct"),
        on=["school_id", "procedure", "subject", "grade", "year"],
        suffix="_school",
    )
    # students are drawn around the row's mean (SD 18, clipped to 0–100): the correlation of means stays high
    corr = joined.select(pl.corr("mean_pct", "mean_pct_school")).item()
    assert corr > 0.9
    assert students["mark"].is_between(2, 5).all()
    assert (students["primary_score"] <= students["max_score"]).all()


def test_files_and_cli(tmp_path: Path) -> None:
    region = synthetic_municipal_region(2, 3, seed=1)
    files = write_municipal_region_files(tmp_path / "a", region, students=500)
    assert {"schools", "results", "context", "risk", "students:sr-m01", "students:sr-m02"} <= set(files)
    schools = pl.read_csv(files["schools"])
    assert schools["municipality"].to_list().count("sr-m01") == municipality_sizes(2, 3, seed=1)[0]
    code = main(
        [
            "synth-region",
            "--out",
            str(tmp_path / "b"),
            "--municipalities",
            "2",
            "--schools",
            "3",
            "--students",
            "500",
        ]
    )
    assert code == 0
    assert (tmp_path / "b" / "students" / "sr-m02.csv").read_bytes() == files["students:sr-m02"].read_bytes()
    assert main(["synth-region", "--out", str(tmp_path / "c"), "--municipalities", "0"]) == 2
