"""Command line: ``opora identify`` and ``opora synth`` without Django (docs/methodology.md R9–R11).

Errors reach the user as one Russian message on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, NoReturn

import polars as pl

from opora.errors import AnalyticsError
from opora.schema import RESULTS_SCHEMA, RISK_SCHEMA, STUDENT_SCHEMA

__all__ = ["Progress", "main", "read_input"]


class Progress:
    """A minimal progress bar on stderr (no dependency): ``update(done, total)``; silent when disabled."""

    def __init__(self, label: str, *, enabled: bool, stream: IO[str] | None = None, width: int = 30) -> None:
        self.label, self.enabled, self.width = label, enabled, width
        self.stream = stream if stream is not None else sys.stderr

    def update(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        filled = int(self.width * done / total)
        bar = "#" * filled + "." * (self.width - filled)
        end = "\n" if done >= total else ""
        self.stream.write(f"\r{self.label}: [{bar}] {done}/{total}{end}")
        self.stream.flush()


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"opora: ошибка в аргументах командной строки: {message}\n")


def _read_table(path: Path) -> pl.DataFrame:
    if not path.exists():
        raise AnalyticsError(f"Файл «{path}» не найден.")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xls"):
        try:
            return pl.read_excel(path)
        except Exception as error:  # fastexcel raises its own CalamineError family, not PolarsError
            raise AnalyticsError(
                f"Файл «{path.name}» не открыт как книга Excel: он повреждён или это не XLSX/XLS."
            ) from error
    from opora.readers.students import to_utf8  # UTF-8 (BOM), UTF-16 or Windows-1251, as the readers accept

    data = to_utf8(path.read_bytes())
    if data is None:
        raise AnalyticsError(f"Файл «{path.name}»: ожидается CSV в кодировке UTF-8 или Windows-1251.")
    data = data.removeprefix(b"\xef\xbb\xbf")
    if not data.strip():
        raise AnalyticsError(f"Файл «{path.name}» пустой.")
    first = data[: data.find(b"\n")] if b"\n" in data else data
    separator = max(",;\t", key=lambda sep: first.count(sep.encode()))
    try:
        return pl.read_csv(data, separator=separator, infer_schema_length=10_000, try_parse_dates=False)
    except pl.exceptions.PolarsError as error:
        reason = (
            "в строке больше значений, чем столбцов в заголовке (проверьте разделитель и десятичные запятые)"
            if "more fields" in str(error)
            else f"проверьте разделитель и кодировку ({str(error).splitlines()[0]})"
        )
        raise AnalyticsError(f"Файл «{path.name}» не прочитан как таблица: {reason}.") from error


def _kind_of(columns: Sequence[str]) -> str:
    cols = set(columns)
    if "school_id" not in cols:
        raise AnalyticsError("нет столбца «school_id»")
    if {"student_id", "primary_score"} <= cols or {"student_id", "mark"} <= cols:
        return "students"
    if {"procedure", "subject", "n"} <= cols:
        return "results"
    if cols & {"internet_mbps", "staff_vacancies", "share_trained_3y", "equipment_complete"}:
        return "risk"
    if cols == {"school_id", "category"}:
        return "official"
    return "context"


def _with_readers(kind: str, path: Path) -> pl.DataFrame | None:
    """Adapter to ``opora.readers`` (Russian row-level errors) when that module provides a reader for ``kind``."""
    try:
        readers = importlib.import_module(
            "opora.readers"
        )  # the readers helper's module; optional until it lands
    except ImportError:
        return None
    func = getattr(readers, f"read_{kind}", None)
    if func is None:
        return None
    outcome = func(path.read_bytes(), filename=path.name)
    errors = list(getattr(outcome, "errors", []) or [])
    if errors or getattr(outcome, "frame", None) is None:
        shown = "\n".join(str(e) for e in errors[:20]) or "не удалось прочитать данные"
        more = f"\n… и ещё {len(errors) - 20} ошибок" if len(errors) > 20 else ""
        raise AnalyticsError(f"Файл «{path.name}» не принят:\n{shown}{more}")
    frame: pl.DataFrame = outcome.frame
    return frame


def _cast_known(kind: str, frame: pl.DataFrame, name: str) -> pl.DataFrame:
    schema = {"results": RESULTS_SCHEMA, "risk": RISK_SCHEMA, "students": STUDENT_SCHEMA}.get(kind)
    out = frame
    try:
        if schema is not None:
            for col, dtype in schema.items():
                if col not in out.columns:
                    out = out.with_columns(pl.lit(None, dtype=dtype).alias(col))
                elif dtype == pl.Boolean and out.schema[col] == pl.String:
                    out = out.with_columns(
                        pl.col(col)
                        .str.to_lowercase()
                        .replace_strict(
                            {"true": True, "false": False, "да": True, "нет": False, "1": True, "0": False},
                            default=None,
                            return_dtype=pl.Boolean,
                        )
                    )
                elif dtype == pl.Date and out.schema[col] == pl.String:
                    out = out.with_columns(pl.col(col).str.to_date("%Y-%m-%d", strict=True))
                else:
                    out = out.with_columns(pl.col(col).cast(dtype, strict=True))
        else:
            out = out.with_columns(pl.col("school_id").cast(pl.String))
            if "year" in out.columns:
                out = out.with_columns(pl.col("year").cast(pl.Int16, strict=True))
    except pl.exceptions.PolarsError as error:
        raise AnalyticsError(
            f"Файл «{name}»: значения не соответствуют формату столбцов ({error})."
        ) from error
    return out


def read_input(path: str | Path) -> tuple[str, pl.DataFrame]:
    """Read one input file and recognise it by its columns: results (long), context (wide), risk, students or
    an official list. Uses ``opora.readers`` when it exists, else polars on the canonical columns."""
    p = Path(path)
    from opora.cli_read import (
        report_input,
    )  # a regional report naming schools (issue #15, docs/import-formats.md §7)

    report = report_input(p)
    if report is not None:
        return "results", report
    raw = _read_table(p)
    try:
        kind = _kind_of(raw.columns)
    except AnalyticsError as error:
        raise AnalyticsError(
            f"Файл «{p.name}» не распознан ({error}): ожидаются канонические столбцы результатов, "
            "контекста, факторов риска или результатов учащихся."
        ) from error
    frame = _with_readers(kind, p) if kind != "official" else None
    if frame is None:
        frame = _cast_known(kind, raw, p.name)
    return kind, frame


def _cmd_identify(args: argparse.Namespace) -> int:
    from opora.cli_identify import run

    return run(args, read_input, _read_table, Progress)


def _cmd_synth(args: argparse.Namespace) -> int:
    from opora.synthetic import write_demo_files, write_region_files

    if args.what == "demo":
        files = write_demo_files(args.out, seed=args.seed if args.seed is not None else 2023)
    else:
        if args.schools is None or args.schools < 10:
            raise AnalyticsError("Укажите --schools N (не менее 10).")
        files = write_region_files(
            args.out, n_schools=args.schools, seed=args.seed if args.seed is not None else 1
        )
    for role, path in files.items():
        sys.stderr.write(f"{role}: {path}\n")
    return 0


def _cmd_synth_region(args: argparse.Namespace) -> int:
    from opora.synthetic_region import synthetic_municipal_region, write_municipal_region_files

    if args.municipalities < 1 or args.schools < 1:
        raise AnalyticsError("Укажите --municipalities и --schools не меньше 1.")
    if args.students < 0:
        raise AnalyticsError("--students: число строк не может быть отрицательным.")
    region = synthetic_municipal_region(
        args.municipalities, args.schools, tuple(args.years), seed=args.seed, prefix=args.prefix
    )
    files = write_municipal_region_files(args.out, region, students=args.students, progress=True)
    students = sum(1 for role in files if role.startswith("students:"))
    for role, path in files.items():
        if not role.startswith("students:"):
            sys.stderr.write(f"{role}: {path}\n")
    if students:
        sys.stderr.write(f"students: {students} файлов в {Path(args.out) / 'students'}\n")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="opora", description="Опора: идентификация школ (ШНОР/ШНСУ) без веб-интерфейса.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    ide = sub.add_parser("identify", help="рассчитать индексы, модель и категории школ")
    from opora.cli_identify import add_arguments

    add_arguments(ide)
    ide.set_defaults(func=_cmd_identify)
    from opora.cli_read import register as register_read

    register_read(sub)
    syn = sub.add_parser("synth", help="синтетические данные")
    syn.add_argument("what", choices=("demo", "region"))
    syn.add_argument("--out", required=True, help="каталог для CSV-файлов")
    syn.add_argument("--schools", type=int, help="число школ региона")
    syn.add_argument("--seed", type=int, help="зерно генератора")
    syn.set_defaults(func=_cmd_synth)
    reg = sub.add_parser(
        "synth-region", help="синтетический регион: муниципалитеты, школы, результаты обучающихся (CSV)"
    )
    reg.add_argument("--out", required=True, help="каталог для CSV-файлов")
    reg.add_argument("--municipalities", type=int, default=60, help="число муниципалитетов (60)")
    reg.add_argument("--schools", type=int, default=17, help="школ в муниципалитете в среднем (17)")
    reg.add_argument("--years", type=int, nargs="+", default=[2022, 2023, 2024], help="годы (2022 2023 2024)")
    reg.add_argument("--seed", type=int, default=1, help="зерно генератора (1)")
    reg.add_argument("--prefix", default="SR", help="префикс кодов школ (SR)")
    reg.add_argument(
        "--students", type=int, default=0, help="строк результатов обучающихся всего (0 — не создавать)"
    )
    reg.set_defaults(func=_cmd_synth_region)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``opora`` console script; returns the exit code (0 ok, 2 error)."""
    args = _parser().parse_args(list(argv) if argv is not None else None)
    try:
        code: int = args.func(args)
    except AnalyticsError as error:
        sys.stderr.write(f"opora: ошибка: {error}\n")
        return 2
    except OSError as error:
        sys.stderr.write(f"opora: ошибка ввода-вывода: {error.strerror or error} ({error.filename or ''})\n")
        return 2
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
