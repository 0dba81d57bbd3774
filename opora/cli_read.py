"""``opora read results FILE... --out OUT.csv|OUT.xlsx``: any results file (our template, ФИС ОКО, a regional
report) → the canonical long table, printing what was recognised; and regional reports as input of
``opora identify`` (docs/import-formats.md §7).
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import Any

import polars as pl

from opora.errors import AnalyticsError
from opora.plural import count
from opora.readers import read_results
from opora.readers.common import norm
from opora.readers.names import municipality_key, school_key
from opora.readers.reports import REPORT_SCHEMA
from opora.safe_export import neutralise_frame, workbook_bytes

__all__ = ["OUTPUT_COLUMNS", "register", "report_input", "with_school_ids"]

#: Columns of ``opora read results`` output, in order: where the row came from, then the canonical columns.
OUTPUT_COLUMNS = (
    "school_name",
    "municipality",
    "school_id",
    "procedure",
    "subject",
    "grade",
    "year",
    "n",
    "mean_score",
    "n_below_min",
    "n_80_99",
    "n_100",
    "mean_mark",
    "mean_pct",
    "n_2",
    "n_3",
    "n_4",
    "n_5",
    "n_insufficient",
    "n_reduced",
    "n_basic",
    "n_advanced",
    "grade_program",
    "date",
    "profile",
    "sheet",
    "row",
)


def register(sub: Any) -> None:
    """Add ``read`` to the ``opora`` command's subparsers (opora/cli.py)."""
    read = sub.add_parser("read", help="прочитать файл результатов в каноническую таблицу")
    kinds = read.add_subparsers(dest="what", required=True, parser_class=type(read))
    res = kinds.add_parser(
        "results", help="результаты: наш шаблон, ФИС ОКО или отчёт региона (школы по строкам)"
    )
    res.add_argument("inputs", nargs="+", metavar="FILE", help="CSV/XLSX/XLS/ODS")
    res.add_argument("--sheet", help="читать только этот лист")
    res.add_argument("--year", type=int, help="только листы этого года (и год листов, где его нет)")
    res.add_argument("--procedure", help="процедура, если её нет в файле: ЕГЭ, ОГЭ, ВПР, КДР")
    res.add_argument("--out", required=True, help="файл результата .csv или .xlsx")
    res.set_defaults(func=_cmd_read_results)


def _read_one(path: Path, args: argparse.Namespace) -> tuple[pl.DataFrame, list[str]]:
    if not path.exists():
        raise AnalyticsError(f"Файл «{path}» не найден.")
    defaults = {k: v for k, v in (("procedure", args.procedure), ("year", args.year)) if v}
    out = read_results(
        path.read_bytes(), filename=path.name, defaults=defaults, sheet=args.sheet, year=args.year
    )
    lines = list(out.recognition.lines()) if out.recognition is not None else []
    if out.layout in ("canonical", "fis_oko"):
        lines.insert(
            0,
            "Формат: "
            + ("шаблон Опоры" if out.layout == "canonical" else "ФИС ОКО «Статистика по отметкам»"),
        )
    if not out.ok or out.frame is None:
        shown = "\n".join(str(e) for e in out.errors[:30])
        more = f"\n… и ещё {len(out.errors) - 30}" if len(out.errors) > 30 else ""
        raise AnalyticsError("\n".join([f"Файл «{path.name}» не принят:", *lines, shown + more]))
    lines += [f"Предупреждение: {w}" for w in out.warnings]
    frame = out.frame
    for name, dtype in REPORT_SCHEMA.items():
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=dtype).alias(name))
    if out.layout != "report":
        frame = frame.with_columns(pl.col("school_id").alias("school_name"))
    return frame.select(OUTPUT_COLUMNS).cast({k: REPORT_SCHEMA[k] for k in OUTPUT_COLUMNS}), lines


def _cmd_read_results(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise AnalyticsError("Файл результата должен иметь расширение .csv или .xlsx.")
    frames = []
    for name in args.inputs:
        path = Path(name)
        frame, lines = _read_one(path, args)
        sys.stdout.write(f"{path.name}:\n" + "".join(f"  {line}\n" for line in lines))
        frames.append(frame)
    table = pl.concat(frames, how="vertical")
    if out.suffix.lower() == ".csv":
        neutralise_frame(table).write_csv(out)  # school names come from the user's files
    else:
        _write_xlsx(out, table)
    schools = len(
        {
            (municipality_key(m or ""), school_key(n or ""))
            for m, n in table.select("municipality", "school_name").unique().iter_rows()
        }
    )
    sys.stdout.write(
        f"Записано: {count(table.height, 'строка', 'строки', 'строк')} "
        f"({count(schools, 'школа', 'школы', 'школ')}, годы: "
        f"{', '.join(str(y) for y in sorted(set(table['year'].drop_nulls())))}) → {out}\n"
    )
    return 0


def _write_xlsx(path: Path, table: pl.DataFrame) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Результаты"
    ws.append(list(table.columns))
    for row in table.iter_rows():
        ws.append(list(row))
    path.write_bytes(workbook_bytes(wb))


# --- regional reports as input of `opora identify` -----------------------------------------------------------

_CANONICAL = {"school_id", "код оо", "код школы", "код", "логин оо", "student_id", "код участника"}


def _first_row(path: Path, data: bytes) -> list[str]:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                ws = wb.worksheets[0]
                row = next(ws.iter_rows(max_row=1, values_only=True), ())
            finally:
                wb.close()
        except Exception:
            return []
        return [str(v) for v in row if v is not None]
    head = data[:65536].split(b"\n", 1)[0]
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = head.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return []
    return [c for c in text.replace(";", ",").replace("\t", ",").split(",") if c.strip()]


def report_input(path: Path) -> pl.DataFrame | None:
    """A regional report read for ``opora identify`` (RESULTS_SCHEMA rows), or None when the file is a canonical
    table (its first row has «Код ОО» / ``school_id``), which the existing path reads."""
    if not path.exists() or path.suffix.lower() not in (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".txt"):
        return None
    size = path.stat().st_size
    if path.suffix.lower() in (".csv", ".txt") and size > 50 * 1024 * 1024:
        return None  # a student-level file: never a report
    data = path.read_bytes()
    if {norm(c) for c in _first_row(path, data)} & _CANONICAL:
        return None
    out = read_results(data, filename=path.name)
    if out.layout != "report":
        return None
    if out.recognition is not None and not out.recognition.sheets and out.frame is None:
        return None  # nothing recognised: the existing path says what it expected
    if not out.ok or out.frame is None:
        shown = "\n".join(str(e) for e in out.errors[:20])
        raise AnalyticsError(f"Файл «{path.name}» не принят:\n{shown}")
    return with_school_ids(out.frame)


def with_school_ids(frame: pl.DataFrame) -> pl.DataFrame:
    """``school_id`` for rows that have none: the school's name as the file writes it (its latest spelling, so a
    name drifting in case or spacing between years stays one school), with the municipality when two
    municipalities have a school of that name."""
    keys = [
        (municipality_key(m or ""), school_key(s))
        for m, s in zip(frame["municipality"].to_list(), frame["school_name"].to_list(), strict=True)
    ]
    latest: dict[tuple[str, str], tuple[int, str, str]] = {}
    for key, year, name, muni in zip(
        keys,
        frame["year"].to_list(),
        frame["school_name"].to_list(),
        frame["municipality"].to_list(),
        strict=True,
    ):
        if key not in latest or year >= latest[key][0]:
            latest[key] = (year, " ".join(name.split()), muni or "")
    names: dict[str, int] = {}
    for _, name, _ in latest.values():
        names[name] = names.get(name, 0) + 1
    ids = [latest[k][1] if names[latest[k][1]] == 1 else f"{latest[k][1]} ({latest[k][2]})" for k in keys]
    return frame.with_columns(
        pl.coalesce(pl.col("school_id"), pl.Series("school_id", ids, dtype=pl.String)).alias("school_id")
    )
