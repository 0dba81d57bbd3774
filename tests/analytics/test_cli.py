"""``opora`` command line end to end on temporary files (docs/methodology.md R9–R11)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from opora.cli import main
from opora.synthetic import write_demo_files


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_demo_files(tmp_path_factory.mktemp("demo"))


def test_it_identifies_the_demo_from_canonical_csvs(
    demo: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.csv"
    code = main(
        [
            "identify",
            str(demo["results"]),
            str(demo["context"]),
            str(demo["risk"]),
            str(demo["official"]),
            "--fit-on",
            str(demo["region_results"]),
            str(demo["region_context"]),
            "--year",
            "2023",
            "--out",
            str(out),
            "--progress",
        ]
    )
    assert code == 0
    table = pl.read_csv(out)
    for col in (
        "school_id",
        "results_index",
        "context_index",
        "expected",
        "residual",
        "std_residual",
        "categories",
        "reasons",
        "official",
        "agree",
    ):
        assert col in table.columns
    assert table.height == 13 and table["agree"].all()
    row = table.filter(pl.col("school_id") == "MNS-SOSH02").row(0, named=True)
    assert row["categories"] == "adverse_context;low_results"
    err = capsys.readouterr().err
    assert "Расчёт по годам" in err and "Готово: 13 школ" in err


def test_it_writes_xlsx_with_explanations(demo: dict[str, Path], tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "out.xlsx"
    assert (
        main(
            [
                "identify",
                str(demo["region_results"]),
                str(demo["region_context"]),
                "--out",
                str(out),
                "--no-progress",
            ]
        )
        == 0
    )
    wb = load_workbook(out)
    assert wb.sheetnames == ["Школы", "Обоснование", "Модель", "Исключения", "Параметры"]
    assert wb["Школы"].max_row == 301
    assert wb["Обоснование"].max_row > 1


def test_it_reads_a_wide_table_with_chosen_columns(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    n = 60
    ctx = rng.normal(size=n)
    frame = pl.DataFrame(
        {
            "code": [f"W{i:03d}" for i in range(n)],
            "math": 50 + 8 * ctx + rng.normal(0, 4, n),
            "russian": 55 + 6 * ctx + rng.normal(0, 4, n),
            "fail_share": 10 - 3 * ctx + rng.normal(0, 2, n),
            "poverty": 20 - 5 * ctx + rng.normal(0, 2, n),
            "income": 30 + 6 * ctx + rng.normal(0, 2, n),
        }
    )
    src = tmp_path / "wide.csv"
    frame.write_csv(src)
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"categories": {"q_ctx": 0.2}}), encoding="utf-8")
    out = tmp_path / "out.csv"
    code = main(
        [
            "identify",
            str(src),
            "--wide",
            "--id-col",
            "code",
            "--result-cols",
            "math",
            "russian",
            "fail_share",
            "--context-cols",
            "poverty",
            "income",
            "--lower-is-better",
            "fail_share",
            "poverty",
            "--higher-is-better",
            "income",
            "--year",
            "2024",
            "--config",
            str(cfg),
            "--out",
            str(out),
        ]
    )
    assert code == 0
    table = pl.read_csv(out)
    assert table.height == n
    # Higher = better after sign alignment: the indices follow the latent context.
    assert np.corrcoef(table.sort("school_id")["context_index"], ctx)[0, 1] > 0.9
    assert np.corrcoef(table.sort("school_id")["results_index"], ctx)[0, 1] > 0.8
    assert table["categories"].fill_null("").str.contains("adverse_context").sum() == 12  # 20 % of 60


@pytest.mark.parametrize(
    ("files", "needle"),
    [
        ({"bad.csv": "a,b\n1,2\n"}, "не распознан"),
        (
            {"r.csv": "school_id,procedure,subject,grade,year,n\nS,vpr,rus,пять,2023,10\n"},
            "строка 2, столбец «grade»: ожидалось целое число",
        ),
        ({}, "не найден"),
    ],
)
def test_it_fails_with_a_russian_message_and_exit_code_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], files: dict[str, str], needle: str
) -> None:
    paths = []
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(str(tmp_path / name))
    code = main(["identify", *(paths or [str(tmp_path / "missing.csv")]), "--out", str(tmp_path / "o.csv")])
    err = capsys.readouterr().err
    assert code == 2
    assert needle in err and "Traceback" not in err


def test_it_rejects_bad_arguments_in_russian(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["identify"])
    assert info.value.code == 2
    assert "ошибка в аргументах" in capsys.readouterr().err


def test_it_writes_synthetic_data(tmp_path: Path) -> None:
    assert main(["synth", "region", "--schools", "40", "--out", str(tmp_path / "r")]) == 0
    assert pl.read_csv(tmp_path / "r" / "region_context.csv")["school_id"].n_unique() == 40
    assert main(["synth", "demo", "--out", str(tmp_path / "d")]) == 0
    assert (tmp_path / "d" / "official_list_2023.csv").exists()


def test_it_recognises_input_files_by_their_columns(demo: dict[str, Path], tmp_path: Path) -> None:
    from opora.cli import read_input
    from opora.synthetic import synthetic_students

    students = tmp_path / "students.csv"
    synthetic_students(500, n_schools=5).write_csv(students)
    kinds = {role: read_input(demo[role])[0] for role in ("results", "context", "risk", "official")}
    assert kinds == {"results": "results", "context": "context", "risk": "risk", "official": "official"}
    kind, frame = read_input(students)
    assert kind == "students" and frame.height == 500
    risk = read_input(demo["risk"])[1]
    assert risk.schema["equipment_complete"] == pl.Boolean
