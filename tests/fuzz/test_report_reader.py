"""Property-based tests of the regional report reader (opora/readers/reports.py, issue #15): any bytes and any
cell give an outcome, never an exception; every refusal is Russian and names the file; a plausible report reads
back exactly as written, whatever its municipality style, column-number row or placeholders."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from opora.readers import read_results
from opora.readers.reports import read_report
from tests.fuzz.strategies import FEW, FUZZ, assert_russian_naming, bad_cell, csv_bytes, junk_files, xlsx
from tests.report_files import SUBJECTS, SchoolRow, Sheet, small_report, workbook

VALID = workbook([Sheet("2023", 2023, small_report(), SUBJECTS)])


@FUZZ
@given(data=st.data(), filename=st.sampled_from(["r.xlsx", "r.csv", "r.xls", "r.ods", "r.pdf"]))
def test_any_bytes_give_an_outcome(data: Any, filename: str) -> None:
    content = data.draw(junk_files(VALID))
    out = read_report(content, filename=filename)
    assert out.frame is None or out.frame.height >= 0
    if not out.ok:
        assert_russian_naming(out.errors, filename)


@FUZZ
@given(
    cells=st.lists(
        st.one_of(
            st.none(),
            st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=30),  # openpyxl refuses them
            st.integers(-10, 10**6),
            st.floats(allow_nan=True),
            bad_cell(),
        ),
        min_size=20,
        max_size=20,
    )
)
def test_any_cells_under_a_report_header_give_an_outcome(cells: list[Any]) -> None:
    header = ["Муниципальное образование", "Образовательная организация (школа)", "Русский язык", None, None]
    metrics = [None, None, "приняло участие", "не преодолен min порог", "средний балл"]
    rows = [cells[i : i + 5] for i in range(0, 20, 5)]
    content = xlsx([["Результаты ЕГЭ 2023 года"], header, metrics, *rows])
    out = read_results(content, filename="отчёт.xlsx")
    if not out.ok:
        assert_russian_naming(out.errors, "отчёт.xlsx")
        assert all(e.row is None or e.row >= 1 for e in out.errors)
    for w in out.warnings:
        assert "отчёт.xlsx" in str(w)


@st.composite
def plausible(draw: st.DrawFn) -> list[SchoolRow]:
    n_schools = draw(st.integers(1, 6))
    rows = []
    for i in range(n_schools):
        values: dict[str, Any] = {}
        for subject in SUBJECTS:
            if draw(st.booleans()):
                values[subject] = draw(st.sampled_from([None, (0, 0, 0, 0, 0), ("X", "х", "-", "—", None)]))
                continue
            n = draw(st.integers(1, 300))
            low = draw(st.integers(0, n))
            high = draw(st.integers(0, n - low))
            top = draw(st.integers(0, n - low - high))
            base = subject == "Математика базовая"
            mean = draw(st.integers(200, 500)) / 100 if base else draw(st.integers(0, 10000)) / 100
            values[subject] = (n, low, None if base else high, None if base else top, mean)
        rows.append(SchoolRow(f"Район {i % 2}", f"МБОУ СОШ № {i + 1}", values))
    return rows


@FEW
@given(rows=plausible(), style=st.sampled_from(["every_row", "own_row"]), numbers=st.booleans())
def test_a_plausible_report_reads_back_exactly(rows: list[SchoolRow], style: str, numbers: bool) -> None:
    content = workbook([Sheet("2022", 2022, rows, SUBJECTS, municipality_style=style, number_row=numbers)])
    out = read_report(content, filename="r.xlsx")
    expected = {
        (r.name, subject): v
        for r in rows
        for subject, v in r.values.items()
        if v is not None and isinstance(v[0], int) and v[0] > 0
    }
    if not expected:
        assert not out.ok and "нет результатов школ" in str(out.errors[0])
        return
    assert out.ok, [str(e) for e in out.errors]
    assert out.frame is not None and out.frame.height == len(expected)
    labels = {
        "Русский язык": "rus",
        "Математика профильная": "math_profile",
        "Математика базовая": "math_base",
    }
    labels["Информатика и ИКТ (КЕГЭ)"] = "inf"
    got = {(r["school_name"], r["subject"]): r for r in out.frame.iter_rows(named=True)}
    for (name, subject), (n, low, high, top, mean) in expected.items():
        row = got[(name, labels[subject])]
        assert (row["n"], row["n_below_min"], row["n_80_99"], row["n_100"]) == (n, low, high, top)
        assert (row["mean_mark"] if subject == "Математика базовая" else row["mean_score"]) == mean
        assert row["municipality"] == next(r.municipality for r in rows if r.name == name)


@FUZZ
@given(cell=bad_cell())
def test_a_bad_number_in_a_csv_report_is_named(cell: str) -> None:
    rows = [
        ["ЕГЭ 2023"],
        ["МО", "ОО", "Русский язык", ""],
        ["", "", "приняло участие", "средний балл"],
        ["Район", "СОШ № 1", "10", cell],
    ]
    out = read_report(csv_bytes(rows, delimiter=";"), filename="r.csv")
    if not out.ok:
        assert_russian_naming(out.errors, "r.csv")
        assert any(e.row == 4 for e in out.errors)
    else:
        assert out.frame is not None and out.frame.height <= 1
