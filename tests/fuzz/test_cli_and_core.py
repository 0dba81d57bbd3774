"""The command line's reader (opora.cli.read_input) and the analytics entry (opora.identify) under bad input:
a Russian AnalyticsError or a result, never another exception; a result never carries NaN or infinity."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from opora.cli import main, read_input
from opora.errors import AnalyticsError
from opora.identify import identify
from opora.synthetic import synthetic_region
from tests.fuzz.strategies import CYRILLIC, FEW, FUZZ, csv_bytes, junk_files, xlsx

VALID_CSV = "school_id;procedure;subject;grade;year;n;n_2;n_3;n_4;n_5\nS1;ВПР;rus;5;2023;10;1;2;3;4\n"


@FUZZ
@given(
    suffix=st.sampled_from([".csv", ".xlsx", ".xls", ".txt", ".pdf"]),
    data=st.data(),
)
@example(suffix=".xlsx", data=None)  # regression: fastexcel's CalamineError escaped as a traceback
def test_read_input_gives_a_frame_or_a_russian_error(tmp_path_factory: Any, suffix: str, data: Any) -> None:
    content = (
        b"PK\x03\x04junk"
        if data is None
        else data.draw(junk_files(xlsx([["school_id", "year"], ["S1", 2023]])))
    )
    path = tmp_path_factory.mktemp("cli") / f"вход{suffix}"
    path.write_bytes(content)
    try:
        kind, frame = read_input(path)
    except AnalyticsError as error:
        assert CYRILLIC.search(str(error)) and path.name in str(error)
    else:
        assert kind and isinstance(frame, pl.DataFrame)


@FEW
@given(encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1251", "utf-16"]))
@example(encoding="cp1251")  # regression: a Windows-1251 CSV failed with polars' «invalid utf-8 sequence»
def test_read_input_takes_csv_from_russian_excel(tmp_path_factory: Any, encoding: str) -> None:
    path = tmp_path_factory.mktemp("cli") / "результаты.csv"
    path.write_bytes(VALID_CSV.encode(encoding))
    kind, frame = read_input(path)
    assert kind == "results" and frame.select("procedure", "n").row(0) == ("vpr", 10)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "пустой"),
        (b"school_id,year\nS1,2023,7\n", "больше значений"),
        (csv_bytes([["school_id", "year", "low_income_share"], ["S1", 2023, "nan"]]), "ожидалось число"),
        (csv_bytes([["school_id", "student_id", "mark"], ["S1", "P1", 9]]), "нет обязательных столбцов"),
    ],
)
def test_the_command_exits_2_with_one_russian_line(
    tmp_path: Path, capsys: Any, content: bytes, expected: str
) -> None:
    path = tmp_path / "плохой.csv"
    path.write_bytes(content)
    assert main(["identify", str(path), "--year", "2023", "--out", str(tmp_path / "out.xlsx")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("opora: ошибка") and expected in err and "Traceback" not in err


REGION = synthetic_region(60, (2022, 2023), seed=3)
RESULT_COLUMNS = ["mean_pct", "mean_score", "mean_mark", "n", "n_2", "n_5"]
CONTEXT_COLUMNS = ["low_income_share", "special_needs_share", "students"]
ABSURD = [None, math.nan, math.inf, -math.inf, -1e300, 1e300, 0.0, -5.0, 250.0]


@FEW
@given(
    edits=st.lists(
        st.tuples(
            st.sampled_from(["results", "context"]),
            st.integers(0, 10_000),
            st.integers(0, 10),
            st.sampled_from(ABSURD),
        ),
        min_size=1,
        max_size=12,
    ),
    duplicate=st.booleans(),
)
def test_identify_gives_finite_results_or_an_analytics_error(edits: list[Any], duplicate: bool) -> None:
    frames = {"results": REGION.results, "context": REGION.context}
    for table, row, col, value in edits:
        frame = frames[table]
        columns = RESULT_COLUMNS if table == "results" else CONTEXT_COLUMNS
        name = columns[col % len(columns)]
        dtype = frame.schema[name]
        if dtype.is_integer():
            value = (
                None
                if value is None or not math.isfinite(value)
                else int(max(min(value, 2**31 - 1), -(2**31)))
            )
        index = row % frame.height
        frames[table] = frame.with_columns(
            pl.when(pl.int_range(pl.len()) == index)
            .then(pl.lit(value, dtype=dtype))
            .otherwise(pl.col(name))
            .alias(name)
        )
    if duplicate:
        frames["results"] = pl.concat([frames["results"], frames["results"].head(3)])
    try:
        result = identify(frames["results"], frames["context"], year=2023)
    except AnalyticsError as error:
        assert CYRILLIC.search(str(error))
        return
    schools = result.schools
    for name, dtype in schools.schema.items():
        if dtype.is_float():
            assert schools.select((pl.col(name).is_nan() | pl.col(name).is_infinite()).sum()).item() == 0, (
                name
            )
