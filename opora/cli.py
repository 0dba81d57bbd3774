"""Command line: ``opora identify`` and ``opora synth`` without Django (docs/methodology.md R9–R11).

Errors reach the user as one Russian message on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, NoReturn

import polars as pl

from opora.config import IdentificationConfig, load_config
from opora.errors import AnalyticsError
from opora.safe_export import neutralise_frame, workbook_bytes
from opora.schema import RESULTS_SCHEMA, RISK_SCHEMA, STUDENT_SCHEMA

__all__ = ["Progress", "main", "read_input"]

#: Inputs with more rows than this show a progress bar on stderr.
PROGRESS_ROWS = 200_000


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


def _wide_inputs(
    args: argparse.Namespace, config: IdentificationConfig
) -> tuple[pl.DataFrame, pl.DataFrame, IdentificationConfig]:
    """A wide per-school table → long results + context frames and a matching configuration."""
    if not args.id_col or not args.result_cols or not args.context_cols:
        raise AnalyticsError("Для широкой таблицы (--wide) укажите --id-col, --result-cols и --context-cols.")
    frames = [_read_table(Path(p)) for p in args.inputs]
    table = pl.concat(frames, how="diagonal_relaxed")
    needed = [args.id_col, *args.result_cols, *args.context_cols]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise AnalyticsError("В широкой таблице нет столбцов: " + ", ".join(f"«{c}»" for c in missing) + ".")
    lower = set(args.lower_is_better or [])
    year_expr = pl.col(args.year_col).cast(pl.Int16) if args.year_col else pl.lit(args.year, dtype=pl.Int16)
    n_expr = pl.col(args.n_col).cast(pl.Int32) if args.n_col else pl.lit(None, dtype=pl.Int32)
    parts = []
    for col in args.result_cols:
        sign = -1.0 if col in lower else 1.0
        parts.append(
            table.select(
                pl.col(args.id_col).cast(pl.String).alias("school_id"),
                pl.lit(f"col:{col}").alias("procedure"),
                pl.lit(col).alias("subject"),
                pl.lit(0, dtype=pl.Int16).alias("grade"),
                year_expr.alias("year"),
                n_expr.alias("n"),
                (pl.col(col).cast(pl.Float64, strict=False) * sign).alias("mean_pct"),
            )
        )
    try:
        long = pl.concat(parts)
        context = table.select(
            pl.col(args.id_col).cast(pl.String).alias("school_id"),
            year_expr.alias("year"),
            *[pl.col(c).cast(pl.Float64, strict=False) for c in args.context_cols],
        )
    except pl.exceptions.PolarsError as error:
        raise AnalyticsError(f"Широкая таблица: значения не прочитаны ({error}).") from error
    known = dict(config.context.variables)
    variables = {c: (-1 if c in lower else known.get(c, 1)) for c in args.context_cols}
    mapping = config.to_mapping()
    mapping["results"] |= {
        "statistics": {"mean_pct": 1},
        "procedures": [],
        "min_components": min(config.results.min_components, len(args.result_cols)),
    }
    mapping["context"] |= {
        "variables": variables,
        "min_variables": min(config.context.min_variables, len(args.context_cols)),
    }
    return long, context, IdentificationConfig.from_mapping(mapping)


def _collect(paths: Sequence[str], progress: Progress) -> dict[str, list[pl.DataFrame]]:
    found: dict[str, list[pl.DataFrame]] = {}
    for i, path in enumerate(paths):
        kind, frame = read_input(path)
        if kind == "students":
            from opora.aggregate import aggregate_students

            kind, frame = "results", aggregate_students(frame)
        found.setdefault(kind, []).append(frame)
        progress.update(i + 1, len(paths))
    return found


def _concat(frames: list[pl.DataFrame] | None) -> pl.DataFrame | None:
    return pl.concat(frames, how="diagonal_relaxed") if frames else None


def _total_rows(paths: Sequence[str]) -> int:
    total = 0
    for p in paths:
        try:
            with open(p, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    total += chunk.count(b"\n")
        except OSError:
            continue
    return total


def _cmd_identify(args: argparse.Namespace) -> int:
    from opora.identify import compare_with_official, identify

    config = load_config(args.config) if args.config else IdentificationConfig()
    out = Path(args.out)
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise AnalyticsError("Файл результата должен иметь расширение .csv или .xlsx.")
    all_paths = [*args.inputs, *(args.fit_on or [])]
    show = args.progress if args.progress is not None else _total_rows(all_paths) > PROGRESS_ROWS
    reading = Progress("Чтение файлов", enabled=show)
    official: pl.DataFrame | None = None
    results: pl.DataFrame | None
    context: pl.DataFrame | None
    risk: pl.DataFrame | None
    if args.wide:
        if args.year is None and not args.year_col:
            raise AnalyticsError("Для широкой таблицы укажите --year (или --year-col).")
        results, context, config = _wide_inputs(args, config)
        risk = None
        apply = sorted(set(results["school_id"].to_list()))
        fit = apply
    else:
        mine = _collect(args.inputs, reading)
        results, context, risk = (
            _concat(mine.get("results")),
            _concat(mine.get("context")),
            _concat(mine.get("risk")),
        )
        official = _concat(mine.get("official"))
        if results is None:
            raise AnalyticsError("Среди входных файлов нет результатов оценочных процедур.")
        if context is None:
            raise AnalyticsError(
                "Среди входных файлов нет контекстных данных (school_id, year и переменные)."
            )
        apply = sorted(set(results["school_id"].drop_nulls().to_list()))
        fit = apply
        if args.fit_on:
            region = _collect(args.fit_on, reading)
            r_res, r_ctx = _concat(region.get("results")), _concat(region.get("context"))
            if r_res is None or r_ctx is None:
                raise AnalyticsError(
                    "Файлы --fit-on должны содержать результаты и контекстные данные школ региона."
                )
            results = pl.concat(
                [r_res.filter(~pl.col("school_id").is_in(apply)), results], how="diagonal_relaxed"
            )
            context = pl.concat(
                [r_ctx.filter(~pl.col("school_id").is_in(apply)), context], how="diagonal_relaxed"
            )
            fit = sorted(set(results["school_id"].drop_nulls().to_list()))
    year = args.year if args.year is not None else int(results["year"].max())  # type: ignore[arg-type]
    computing = Progress("Расчёт по годам", enabled=show)
    result = identify(
        results,
        context,
        risk,
        config=config,
        fit_schools=fit,
        apply_schools=apply,
        year=year,
        progress=computing.update,
    )
    table = result.schools.with_columns(
        pl.col("categories").list.join(";"),
        pl.Series(
            "reasons",
            [
                " | ".join(r.text_ru for r in result.reasons.get(s, []) if r.fired)
                for s in result.schools["school_id"]
            ],
            dtype=pl.String,
        ),
    )
    excluded = result.excluded.filter(pl.col("year") == year).select(
        "school_id", pl.col("reason").alias("excluded")
    )
    table = table.join(excluded, on="school_id", how="left")
    if official is not None:
        cmp = compare_with_official(result, official).select(
            "school_id", pl.col("official").list.join(";"), pl.col("agree")
        )
        table = table.join(cmp, on="school_id", how="left")
    if out.suffix.lower() == ".csv":
        neutralise_frame(table).write_csv(out)  # school codes and names come from the user's files
    else:
        _write_xlsx(out, table, result)
    sys.stderr.write(f"Готово: {table.height} школ, модель по {result.model.n} школам; результат: {out}\n")
    return 0


def _write_xlsx(path: Path, table: pl.DataFrame, result: Any) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.create_sheet("Школы", 0)
    for extra in wb.sheetnames[1:]:
        del wb[extra]
    ws.append(table.columns)
    for row in table.iter_rows():
        ws.append(list(row))
    model = wb.create_sheet("Модель")
    m = result.model
    for key in ("year", "n", "intercept", "slope", "r_squared", "s_e", "df_resid", "weighted", "ci_level"):
        model.append([key, getattr(m, key)])
    for key, value in m.thresholds.items():
        model.append([f"threshold.{key}", value])
    why = wb.create_sheet("Обоснование")
    why.append(["school_id", "category", "rule", "fired", "text_ru"])
    for sid, reasons in result.reasons.items():
        for r in reasons:
            why.append([sid, r.category, r.rule, r.fired, r.text_ru])
    path.write_bytes(workbook_bytes(wb))


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
    ide.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="CSV/XLSX: результаты, контекст, риски, учащиеся"
    )
    ide.add_argument("--config", help="файл настроек (.json, .yaml, .toml)")
    ide.add_argument("--year", type=int, help="год идентификации (по умолчанию последний год в данных)")
    ide.add_argument("--out", required=True, help="файл результата .csv или .xlsx")
    ide.add_argument(
        "--fit-on", nargs="+", metavar="FILE", help="результаты и контекст школ региона для модели"
    )
    ide.add_argument("--wide", action="store_true", help="вход — широкая таблица по школам")
    ide.add_argument("--id-col", help="столбец с кодом школы (широкая таблица)")
    ide.add_argument("--result-cols", nargs="+", help="столбцы результатов (широкая таблица)")
    ide.add_argument("--context-cols", nargs="+", help="столбцы контекста (широкая таблица)")
    ide.add_argument("--lower-is-better", nargs="+", help="столбцы, где меньшее значение лучше")
    ide.add_argument("--year-col", help="столбец года (широкая таблица)")
    ide.add_argument("--n-col", help="столбец числа участников (широкая таблица)")
    ide.add_argument(
        "--progress", dest="progress", action="store_true", default=None, help="показывать прогресс"
    )
    ide.add_argument("--no-progress", dest="progress", action="store_false", help="не показывать прогресс")
    ide.set_defaults(func=_cmd_identify)
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
