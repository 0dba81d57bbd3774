"""``opora read results`` and ``opora identify`` on regional report files (issue #15)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from opora.cli import main, read_input
from tests.report_files import SUBJECTS, Sheet, big_report, small_report, workbook


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "ЕГЭ по школам.xlsx"
    path.write_bytes(
        workbook(
            [
                Sheet("2023", 2023, small_report(), SUBJECTS),
                Sheet("Регистрация 2024", 2024, small_report(), SUBJECTS, registrations=True),
                Sheet("2022", 2022, small_report(drift=True), SUBJECTS, municipality_style="own_row"),
            ]
        )
    )
    return path


def test_read_results_writes_the_long_table_and_says_what_it_recognised(
    report: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.csv"
    assert main(["read", "results", str(report), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Лист «2023»: ЕГЭ 2023" in printed and "Лист «Регистрация 2024» пропущен" in printed
    assert "итоговые и промежуточные строки («итого», «всего»): 2" in printed
    assert "Записано: 26 строк (4 школы, годы: 2022, 2023)" in printed
    table = pl.read_csv(out)
    assert table.columns[:8] == [
        "school_name",
        "municipality",
        "school_id",
        "procedure",
        "subject",
        "grade",
        "year",
        "n",
    ]
    row = table.filter(
        (pl.col("school_name") == "МАОУ «Лицей № 2»")
        & (pl.col("subject") == "rus")
        & (pl.col("year") == 2023)
    )
    assert row.select("n", "mean_score", "n_below_min", "n_80_99", "n_100").row(0) == (80, 80.25, 0, 31, 3)


def test_read_results_to_xlsx_with_a_sheet_and_a_procedure(report: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    assert (
        main(["read", "results", str(report), "--sheet", "2022", "--procedure", "ЕГЭ", "--out", str(out)])
        == 0
    )
    book = load_workbook(out, read_only=True)  # read-only keeps the file open until close()
    try:
        rows = list(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()
    assert rows[0][0] == "school_name" and len(rows) == 1 + 13
    assert {r[6] for r in rows[1:]} == {2022}


def test_a_bad_report_is_one_russian_message_and_exit_code_2(
    report: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = small_report()
    rows[0].values["Русский язык"] = (52, 0, 14, 1, "н.д.")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook([Sheet("2023", 2023, rows, SUBJECTS)]))
    assert main(["read", "results", str(bad), "--out", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert "Файл «bad.xlsx» не принят" in err and "строка 7" in err and "получено «н.д.»" in err
    assert "Traceback" not in err


def test_identify_reads_a_report_and_keeps_a_drifting_name_as_one_school(report: Path) -> None:
    kind, frame = read_input(report)
    assert kind == "results"
    ids = set(frame.filter(pl.col("subject") == "rus")["school_id"])
    assert len(ids) == 4  # «мбоу  «сош №11  с. Волочаевка»» of 2022 is the 2023 school
    assert 'МБОУ "СОШ № 11 с.Волочаевка"' in ids


def test_identify_runs_on_a_regional_report_and_a_context_file_keyed_by_name(tmp_path: Path) -> None:
    rows = big_report(60, 6, municipalities=3)
    results = tmp_path / "ege.xlsx"
    results.write_bytes(
        workbook(
            [
                Sheet(str(y), y, big_report(60, 6, seed=y, municipalities=3), _subjects(6))
                for y in (2022, 2023)
            ]
        )
    )
    rng = random.Random(5)
    names = sorted({" ".join(r.name.split()) for r in rows})
    context = pl.DataFrame(
        {
            "school_id": [n for n in names for _ in (2022, 2023)],
            "year": [y for _ in names for y in (2022, 2023)],
            "low_income_share": [rng.uniform(5, 40) for _ in names for _ in (2022, 2023)],
            "special_needs_share": [rng.uniform(0, 10) for _ in names for _ in (2022, 2023)],
        }
    )
    ctx = tmp_path / "context.csv"
    context.write_csv(ctx)
    out = tmp_path / "out.csv"
    # ЕГЭ alone is one procedure group; two context variables here (the defaults ask for more).
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"results": {"min_components": 1}, "context": {"min_variables": 2}}))
    args = ["identify", str(results), str(ctx), "--year", "2023", "--config", str(config), "--out", str(out)]
    assert main(args) == 0
    table = pl.read_csv(out)
    assert table.height == 60 and set(table["school_id"]) == set(names)


def _subjects(n: int) -> tuple[str, ...]:
    from tests.report_files import ALL_SUBJECTS

    return ALL_SUBJECTS[:n]
