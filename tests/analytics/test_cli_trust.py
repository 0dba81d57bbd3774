"""Issue 16, items 1, 2, 4, 5, 7 and 8 through the command line: refusals, reports beside the result, ergonomics,
and byte-identical outputs whatever the number of threads."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from openpyxl import load_workbook

from opora.cli import main
from opora.synthetic import write_demo_files


def _wide(path: Path, *, separator: str = ",", decimal: str = ".", n: int = 40) -> Path:
    """A wide table of ``n`` schools: two result columns and a poverty share, two years."""
    rng = np.random.default_rng(5)
    ctx = rng.normal(size=n)
    rows = []
    for year in (2022, 2023):
        for i in range(n):
            math = 60 + 8 * ctx[i] + rng.normal(0, 3)
            rus = 62 + 6 * ctx[i] + rng.normal(0, 3)
            poverty = 30 - 6 * ctx[i] + rng.normal(0, 2)
            rows.append(
                [f"W{i:03d}", str(year), *(f"{v:.1f}".replace(".", decimal) for v in (math, rus, poverty))]
            )
    text = "\n".join(separator.join(r) for r in [["code", "year", "math", "rus", "poverty"], *rows]) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def _run(args: list[str]) -> int:
    return main(["identify", *args, "--no-progress"])


# --- 1. a context column needs its direction -------------------------------------------------------------------------


def test_a_context_column_without_a_direction_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _wide(tmp_path / "w.csv")
    base = [
        "--wide",
        "--id-col",
        "code",
        "--year-col",
        "year",
        "--result-cols",
        "math,rus",
        "--context-cols",
        "poverty",
    ]
    assert _run([str(src), *base, "--out", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert "Не указано направление столбцов контекста: «poverty»" in err and "--lower-is-better" in err
    assert not (tmp_path / "o.csv").exists()
    assert _run([str(src), *base, "--lower-is-better", "poverty", "--out", str(tmp_path / "o.csv")]) == 0
    out = pl.read_csv(tmp_path / "o.csv")
    # The poorest quarter is «adverse»: their mean poverty is far above the rest's.
    raw = pl.read_csv(src).filter(pl.col("year") == 2023).select(pl.col("code").alias("school_id"), "poverty")
    joined = out.join(raw, on="school_id")
    adverse = joined.filter(pl.col("categories").fill_null("").str.contains("adverse_context"))
    assert adverse.height > 0 and adverse["poverty"].min() > joined["poverty"].median()


# --- 2 and 8. reports beside the result ------------------------------------------------------------------------------


def test_skipped_years_and_models_by_year_are_written_and_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _wide(tmp_path / "w.csv")
    args = ["--wide", "--id-col", "code", "--year-col", "year", "--result-cols", "math", "rus"]
    args += ["--context-cols", "poverty", "--lower-is-better", "poverty"]
    # No --year: the latest year in the data (2023). Three evaluated years asked for, 2021 has no data.
    assert _run([str(src), *args, "--out", str(tmp_path / "o.csv")]) == 0
    err = capsys.readouterr().err
    assert "берётся последний год в данных — 2023" in err
    assert "модель 2022 г.: 40 школ" in err and "модель 2023 г.: 40 школ" in err
    assert "2021 г. не оценивался" in err and "Исключено из расчёта" in err
    excluded = pl.read_csv(tmp_path / "o.excluded.csv")
    assert excluded.filter(pl.col("stage") == "year")["year"].to_list() == [2021]
    model = pl.read_csv(tmp_path / "o.model.csv")
    assert model.columns == ["Показатель", "2022 г.", "2023 г."]
    assert model.filter(pl.col("Показатель") == "Школ в модели").row(0)[1:] == ("40", "40")
    assert _run([str(src), *args, "--out", str(tmp_path / "o.xlsx")]) == 0
    wb = load_workbook(tmp_path / "o.xlsx")
    assert wb.sheetnames == ["Школы", "Обоснование", "Модель", "Исключения", "Параметры"]
    sheet = [list(r) for r in wb["Модель"].iter_rows(values_only=True)]
    assert sheet[0] == ["Показатель", "2022 г.", "2023 г."] and sheet[1] == ["Школ в модели", 40, 40]
    assert any(r[0] == "2021 г. не оценивался" for r in sheet)
    assert "{" not in "".join(str(c) for r in sheet for c in r)  # a table, not a JSON dump
    exclusions = [list(r) for r in wb["Исключения"].iter_rows(values_only=True)]
    assert exclusions[0] == ["Год", "Школа", "Что", "Столбец", "Значение", "Причина"]
    assert exclusions[1][:3] == [2021, "все школы", "год не оценивался"]
    params = [list(r) for r in wb["Параметры"].iter_rows(values_only=True)]
    window = next(r for r in params if r[1] == "Окно лет индекса результатов")
    assert window[2:] == ["4", "4"]
    schools = [c.value for c in wb["Школы"][1]]
    assert schools[:3] == ["Код ОО", "В выборке модели", "Индекс результатов"]


def test_id_col_without_wide_gives_a_hint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _wide(tmp_path / "w.csv")
    assert _run([str(src), "--id-col", "code", "--out", str(tmp_path / "o.csv")]) == 2
    assert "добавьте --wide" in capsys.readouterr().err


# --- 4. decimal commas are read, impossible values refused ----------------------------------------------------------


def test_decimal_commas_give_the_same_answer(tmp_path: Path) -> None:
    args = ["--wide", "--id-col", "code", "--year-col", "year", "--result-cols", "math,rus", "--context-cols"]
    args += ["poverty", "--lower-is-better", "poverty", "--year", "2023"]
    dots = _wide(tmp_path / "dots.csv")
    commas = _wide(tmp_path / "commas.csv", separator=";", decimal=",")
    assert _run([str(dots), *args, "--out", str(tmp_path / "a.csv")]) == 0
    assert _run([str(commas), *args, "--out", str(tmp_path / "b.csv")]) == 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_a_mean_of_5000_percent_is_refused_and_can_be_excluded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _wide(tmp_path / "w.csv")
    text = src.read_text(encoding="utf-8").splitlines()
    parts = text[-1].split(",")
    parts[2] = "5000"
    text[-1] = ",".join(parts)
    src.write_text("\n".join(text) + "\n", encoding="utf-8")
    args = ["--wide", "--id-col", "code", "--year-col", "year", "--result-cols", "math,rus", "--context-cols"]
    args += ["poverty", "--lower-is-better", "poverty", "--out", str(tmp_path / "o.csv")]
    assert _run([str(src), *args]) == 2
    assert "школа «W039», столбец «math», 2023 год: средний % выполнения = 5000" in capsys.readouterr().err
    assert _run([str(src), *args, "--exclude-out-of-range"]) == 0
    excluded = pl.read_csv(tmp_path / "o.excluded.csv").filter(pl.col("stage") == "out_of_range")
    assert (
        excluded.row(0, named=True)["school_id"] == "W039" and "5000" in excluded.row(0, named=True)["value"]
    )


# --- 7. an output that would overwrite an input; an empty column ---------------------------------------------------


def test_the_output_may_not_overwrite_an_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _wide(tmp_path / "w.csv")
    before = src.read_bytes()
    args = ["--wide", "--id-col", "code", "--year-col", "year", "--result-cols", "math", "--context-cols"]
    args += ["poverty", "--lower-is-better", "poverty"]
    assert _run([str(src), *args, "--out", str(src)]) == 2
    assert "совпадает с входным файлом" in capsys.readouterr().err and src.read_bytes() == before


def test_an_empty_result_column_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = _wide(tmp_path / "w.csv")
    frame = pl.read_csv(src).with_columns(pl.lit(None, dtype=pl.Float64).alias("rus"))
    frame.write_csv(src)
    args = ["--wide", "--id-col", "code", "--year-col", "year", "--result-cols", "math,rus", "--context-cols"]
    args += ["poverty", "--lower-is-better", "poverty", "--out", str(tmp_path / "o.csv")]
    assert _run([str(src), *args]) == 2
    assert "Столбец «rus» широкой таблицы пуст" in capsys.readouterr().err


# --- 5. byte-identical outputs on 1 and 2 threads ------------------------------------------------------------------

_SCRIPT = """
import sys
from opora.cli import main
inputs, out = sys.argv[1:-1], sys.argv[-1]
for suffix in (".csv", ".xlsx"):
    code = main(["identify", *inputs, "--year", "2023", "--no-progress", "--out", out + suffix])
    assert code == 0, code
"""


def test_the_same_input_gives_byte_identical_csv_and_xlsx_on_any_thread_count(tmp_path: Path) -> None:
    # The demo region (300 schools, 21 cells, 3 statistics = ≥ 3 components, three years), five runs on one
    # polars thread and five on two, each in a fresh process.
    files = write_demo_files(tmp_path / "demo")
    inputs = [str(files[k]) for k in ("region_results", "region_context", "risk")]
    digests: dict[str, set[str]] = {
        ".csv": set(),
        ".excluded.csv": set(),
        ".model.csv": set(),
        ".xlsx": set(),
    }
    for threads in ("1", "2"):
        for i in range(5):
            out = tmp_path / f"run-{threads}-{i}"
            env = os.environ | {"POLARS_MAX_THREADS": threads}
            subprocess.run(
                [sys.executable, "-c", _SCRIPT, *inputs, str(out)], check=True, env=env, timeout=600
            )
            for suffix in digests:
                digests[suffix].add(hashlib.sha256(Path(f"{out}{suffix}").read_bytes()).hexdigest())
    assert all(len(d) == 1 for d in digests.values()), digests


def test_the_same_rows_in_another_order_give_the_same_bits(tmp_path: Path) -> None:
    from opora.identify import identify
    from opora.synthetic import demo_minusinsk

    data = demo_minusinsk(2023)
    a = identify(data.results, data.context, data.risk, year=2023)
    shuffled = data.results.sample(fraction=1.0, shuffle=True, seed=3)
    b = identify(shuffled, data.context.reverse(), data.risk.reverse(), year=2023)
    assert a.schools.equals(b.schools)  # every number, bit for bit
    assert a.model.intercept == b.model.intercept and a.model.slope == b.model.slope
