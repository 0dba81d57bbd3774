"""``opora identify``: the command line's identification (docs/methodology.md R9, «Выгрузки»).

Inputs are canonical files (results, context, risk, students, an official list — recognised by their columns)
or one wide table per school (``--wide``). Nothing is decided silently: a context column without a known or
declared direction, text in a numeric column and values out of their plausible range stop the run with a
Russian message; every year not evaluated, school without an index and value left out is printed in the
console summary and written beside the result (``<name>.excluded.csv`` and ``<name>.model.csv`` for a CSV, the
«Исключения» and «Модель» sheets of an XLSX).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl

from opora.catalogue import CONTEXT_CATALOGUE, known_direction
from opora.config import IdentificationConfig, load_config
from opora.errors import AnalyticsError
from opora.inputs import parse_numbers
from opora.plural import SCHOOL, count
from opora.safe_export import neutralise_frame

__all__ = ["add_arguments", "run"]


def split_list(values: Sequence[str] | None) -> list[str]:
    """``["a,b", "c"]`` → ``["a", "b", "c"]``: columns may be listed with spaces, commas or both."""
    out: list[str] = []
    for v in values or []:
        out += [part.strip() for part in v.split(",") if part.strip()]
    return out


def add_arguments(ide: argparse.ArgumentParser) -> None:
    """The arguments of ``opora identify``."""
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
    ide.add_argument(
        "--result-cols", nargs="+", help="столбцы результатов (широкая таблица), через запятую или пробел"
    )
    ide.add_argument(
        "--context-cols",
        nargs="+",
        help="столбцы контекста (через запятую или пробел); у каждого — направление",
    )
    ide.add_argument(
        "--lower-is-better", nargs="+", help="столбцы, где меньшее значение лучше (неблагоприятнее)"
    )
    ide.add_argument(
        "--higher-is-better", nargs="+", help="столбцы, где большее значение лучше (благоприятнее)"
    )
    ide.add_argument("--year-col", help="столбец года (широкая таблица)")
    ide.add_argument("--n-col", help="столбец числа участников (широкая таблица)")
    ide.add_argument(
        "--valid-col", help="столбец достоверности: строки со значением «нет»/0/false исключаются"
    )
    ide.add_argument(
        "--range",
        action="append",
        metavar="СТОЛБЕЦ=ОТ:ДО",
        help="допустимый диапазон значений столбца (например, math=200:800); можно повторять",
    )
    ide.add_argument(
        "--exclude-out-of-range",
        action="store_true",
        help="значения вне диапазона исключать с отчётом, а не останавливать расчёт",
    )
    ide.add_argument(
        "--progress", dest="progress", action="store_true", default=None, help="показывать прогресс"
    )
    ide.add_argument("--no-progress", dest="progress", action="store_false", help="не показывать прогресс")


def _ranges(args: argparse.Namespace) -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    for item in args.range or []:
        name, _, bounds = item.partition("=")
        lo, _, hi = bounds.partition(":")
        values, bad = parse_numbers(pl.Series([lo, hi]))
        if not name.strip() or bad.is_not_null().any() or values.null_count():
            raise AnalyticsError(f"--range {item}: ожидается СТОЛБЕЦ=ОТ:ДО, например math=200:800.")
        a, b = float(values[0]), float(values[1])
        if a > b:
            raise AnalyticsError(f"--range {item}: нижняя граница больше верхней.")
        out[name.strip()] = (a, b)
    return out


def _directions(columns: list[str], args: argparse.Namespace, config: IdentificationConfig) -> dict[str, int]:
    """Each context column's direction: declared on the command line, in the config file or in the catalogue;
    a column without one stops the run (issue 16, item 1: a poverty share must not be taken as «higher = better»)."""
    lower, higher = set(split_list(args.lower_is_better)), set(split_list(args.higher_is_better))
    both = sorted(lower & higher)
    if both:
        raise AnalyticsError(
            "Столбцы указаны и в --lower-is-better, и в --higher-is-better: "
            + ", ".join(f"«{c}»" for c in both)
            + "."
        )
    configured = dict(config.context.variables)
    out: dict[str, int] = {}
    missing = []
    for col in columns:
        if col in lower:
            out[col] = -1
        elif col in higher:
            out[col] = 1
        elif col in configured:
            out[col] = configured[col]
        elif known_direction(col) is not None:
            out[col] = int(known_direction(col))  # type: ignore[arg-type]
        else:
            missing.append(col)
    if missing:
        known = ", ".join(c for c, v in CONTEXT_CATALOGUE.items() if v.direction is not None)
        raise AnalyticsError(
            "Не указано направление столбцов контекста: "
            + ", ".join(f"«{c}»" for c in missing)
            + ". Для каждого скажите, что значит большее значение: --lower-is-better СТОЛБЕЦ (больше — "
            "неблагоприятнее, например доля бедных семей) или --higher-is-better СТОЛБЕЦ (больше — благоприятнее), "
            f"либо задайте его в файле настроек (context.variables). Направление известно для: {known}."
        )
    return out


def _with_checks(
    config: IdentificationConfig, args: argparse.Namespace, result_cols: list[str]
) -> dict[str, Any]:
    """The configuration mapping with the command line's ranges, validity column and out-of-range policy."""
    mapping = config.to_mapping()
    ranges = _ranges(args)
    results = {f"{c}.mean_pct": list(ranges.pop(c)) for c in list(ranges) if c in result_cols}
    mapping["data"]["result_ranges"] |= results
    mapping["data"]["context_ranges"] |= {c: list(v) for c, v in ranges.items()}
    if args.valid_col:
        mapping["data"]["validity_column"] = args.valid_col
    if args.exclude_out_of_range:
        mapping["data"]["out_of_range"] = "exclude"
    return mapping


def _number_column(table: pl.DataFrame, col: str, what: str) -> pl.Expr:
    if table.schema[col].is_numeric():
        return pl.col(col).cast(pl.Float64)
    values, bad = parse_numbers(table[col])
    if bad.is_not_null().any():
        found = bad.drop_nulls().unique(maintain_order=True).head(10).to_list()
        raise AnalyticsError(
            f"Столбец «{col}» ({what}): вместо чисел текст: " + ", ".join(f"«{t}»" for t in found) + "."
        )
    return pl.lit(values)


def wide_inputs(
    args: argparse.Namespace, config: IdentificationConfig, read: Any
) -> tuple[pl.DataFrame, pl.DataFrame, IdentificationConfig]:
    """A wide per-school table → long results + context frames and a matching configuration."""
    result_cols, context_cols = split_list(args.result_cols), split_list(args.context_cols)
    if not args.id_col or not result_cols or not context_cols:
        raise AnalyticsError("Для широкой таблицы (--wide) укажите --id-col, --result-cols и --context-cols.")
    table = pl.concat([read(Path(p)) for p in args.inputs], how="diagonal_relaxed")
    needed = [
        args.id_col,
        *result_cols,
        *context_cols,
        *[c for c in (args.year_col, args.n_col, args.valid_col) if c],
    ]
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise AnalyticsError(
            "В широкой таблице нет столбцов: "
            + ", ".join(f"«{c}»" for c in missing)
            + ". Есть: "
            + ", ".join(f"«{c}»" for c in table.columns[:30])
            + "."
        )
    for col in [*result_cols, *context_cols]:
        if table[col].null_count() == table.height or (
            table.schema[col] == pl.String and table[col].str.strip_chars().fill_null("").eq("").all()
        ):
            raise AnalyticsError(f"Столбец «{col}» широкой таблицы пуст: в нём нет ни одного значения.")
    directions = _directions(context_cols, args, config)
    if args.year_col:
        year_expr = _number_column(table, args.year_col, "год").cast(pl.Int16)
    elif args.year is not None:
        year_expr = pl.lit(args.year, dtype=pl.Int16)
    else:
        raise AnalyticsError(
            "В широкой таблице нет года: укажите --year-col (столбец года) или --year (год всех строк)."
        )
    n_expr = _number_column(table, args.n_col, "число участников").cast(pl.Int32) if args.n_col else None
    lower_results = [c for c in result_cols if c in set(split_list(args.lower_is_better))]
    extra = [pl.col(args.valid_col).alias(args.valid_col)] if args.valid_col else []
    parts = []
    for col in result_cols:
        parts.append(
            table.select(
                pl.col(args.id_col).cast(pl.String).alias("school_id"),
                pl.lit(col).alias("procedure"),
                pl.lit(col).alias("subject"),
                pl.lit(0, dtype=pl.Int16).alias("grade"),
                year_expr.alias("year"),
                (n_expr if n_expr is not None else pl.lit(None, dtype=pl.Int32)).alias("n"),
                _number_column(table, col, "результат").alias("mean_pct"),
                *extra,
            )
        )
    long = pl.concat(parts)
    context = table.select(
        pl.col(args.id_col).cast(pl.String).alias("school_id"),
        year_expr.alias("year"),
        *[pl.col(c) for c in context_cols],
    )
    dup = context.filter(pl.struct("school_id", "year").is_duplicated())
    if dup.height:
        first = dup.row(0, named=True)
        raise AnalyticsError(
            f"В широкой таблице школа «{first['school_id']}» встречается несколько раз за {first['year']} год "
            f"(повторов: {dup.height}): одна школа и год — одна строка."
        )
    mapping = _with_checks(config, args, result_cols)
    # A mean result of 0 is a placeholder, but a share of failing students of 0 is a real value: the columns where
    # lower is better may be 0 (unless --range says otherwise).
    for col in lower_results:
        mapping["data"]["result_ranges"].setdefault(f"{col}.mean_pct", [0.0, 100.0])
    mapping["results"] |= {
        "statistics": {"mean_pct": 1},
        "procedures": [],
        "lower_is_better": lower_results,
        "min_components": min(config.results.min_components, len(result_cols)),
    }
    mapping["context"] |= {
        "variables": directions,
        "min_variables": min(config.context.min_variables, len(context_cols)),
    }
    return long, context, IdentificationConfig.from_mapping(mapping)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _outputs(out: Path) -> list[Path]:
    if out.suffix.lower() == ".csv":
        stem = out.with_suffix("")
        return [out, Path(f"{stem}.excluded.csv"), Path(f"{stem}.model.csv")]
    return [out]


def run(args: argparse.Namespace, read_input: Any, read_table: Any, progress_cls: Any) -> int:
    """Run ``opora identify`` with parsed ``args`` (``read_input``/``read_table``: the CLI's readers)."""
    from opora.identify import compare_with_official, identify

    if not args.wide and (args.id_col or args.result_cols or args.year_col or args.n_col):
        raise AnalyticsError(
            "--id-col, --result-cols, --year-col и --n-col относятся к широкой таблице (одна строка на школу): "
            "добавьте --wide. Для канонических файлов (результаты, контекст, риски) эти параметры не нужны."
        )
    config = load_config(args.config) if args.config else IdentificationConfig()
    out = Path(args.out)
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise AnalyticsError("Файл результата должен иметь расширение .csv или .xlsx.")
    all_paths = [*args.inputs, *(args.fit_on or []), *([args.config] if args.config else [])]
    for target in _outputs(out):
        clash = next((p for p in all_paths if _same_file(Path(p), target)), None)
        if clash is not None:
            raise AnalyticsError(
                f"Файл результата «{target.name}» совпадает с входным файлом «{clash}»: он был бы перезаписан. "
                "Укажите в --out другое имя."
            )
    show = args.progress if args.progress is not None else _total_rows(all_paths) > PROGRESS_ROWS
    reading = progress_cls("Чтение файлов", enabled=show)
    official: pl.DataFrame | None = None
    risk: pl.DataFrame | None = None
    if args.wide:
        results, context, config = wide_inputs(args, config, read_table)
        fit = apply = sorted(set(results["school_id"].drop_nulls().to_list()))
    else:
        mine = _collect(args.inputs, reading, read_input)
        found_results, found_context = _concat(mine.get("results")), _concat(mine.get("context"))
        risk, official = _concat(mine.get("risk")), _concat(mine.get("official"))
        if found_results is None:
            raise AnalyticsError("Среди входных файлов нет результатов оценочных процедур.")
        if found_context is None:
            raise AnalyticsError(
                "Среди входных файлов нет контекстных данных (school_id, year и переменные)."
            )
        results, context = found_results, found_context
        mapping = _with_checks(config, args, [])
        context_cols = split_list(args.context_cols)
        if context_cols:
            mapping["context"] |= {
                "variables": _directions(context_cols, args, config),
                "min_variables": min(config.context.min_variables, len(context_cols)),
            }
        config = IdentificationConfig.from_mapping(mapping)
        apply = sorted(set(results["school_id"].drop_nulls().to_list()))
        fit = apply
        if args.fit_on:
            region = _collect(args.fit_on, reading, read_input)
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
    years = results["year"].cast(pl.Int64, strict=False).drop_nulls()
    if args.year is not None:
        year = args.year
    elif years.len():
        year = int(years.max())  # type: ignore[arg-type]
        sys.stderr.write(f"Год идентификации не указан (--year): берётся последний год в данных — {year}.\n")
    else:
        raise AnalyticsError("В результатах нет ни одного года.")
    computing = progress_cls("Расчёт по годам", enabled=show)
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
    excluded = result.excluded.filter((pl.col("year") == year) & pl.col("school_id").is_not_null())
    table = table.join(
        excluded.group_by("school_id", maintain_order=True).agg(
            pl.col("reason").str.join("; ").alias("excluded")
        ),
        on="school_id",
        how="left",
    )
    if official is not None:
        cmp = compare_with_official(result, official).select(
            "school_id", pl.col("official").list.join(";"), pl.col("agree")
        )
        table = table.join(cmp, on="school_id", how="left")
    from opora.export import EXCLUSION_HEADER, exclusion_rows, model_rows

    models = {y: _summary_dict(m) for y, m in result.models.items()}
    if out.suffix.lower() == ".csv":
        paths = _outputs(out)
        neutralise_frame(table).write_csv(paths[0])  # school codes and names come from the user's files
        neutralise_frame(result.excluded).write_csv(paths[1])
        header, rows = model_rows(models, result.model.years_skipped)
        pl.DataFrame(
            [[str(v) if v is not None else "" for v in r] for r in rows], schema=header, orient="row"
        ).pipe(neutralise_frame).write_csv(paths[2])
    else:
        from opora.cli_workbook import workbook

        out.write_bytes(workbook(table, result, models, EXCLUSION_HEADER, exclusion_rows, model_rows, config))
    _summary(result, table.height, out)
    return 0


def _summary_dict(model: Any) -> dict[str, Any]:
    from dataclasses import asdict

    data = asdict(model)
    data.pop("fit_points", None)
    data.pop("config", None)
    return data


def _summary(result: Any, n_schools: int, out: Path) -> None:
    """The console summary: models by year, years not evaluated, what was left out (issue 16, items 2 and 8)."""
    w = sys.stderr.write
    w(f"Готово: {count(n_schools, SCHOOL)}; школ в модели: {result.model.n}; результат: {out}\n")
    for y, m in sorted(result.models.items()):
        r2 = f"{m.r_squared:.3f}".replace(".", ",")
        slope = f"{m.slope:.3f}".replace(".", ",").replace("-", "−")
        w(f"  модель {y} г.: {count(m.n, SCHOOL)}, наклон {slope}, R² {r2}\n")
    for y, reason in sorted(result.model.years_skipped.items()):
        w(f"  {y} г. не оценивался: {reason}\n")
    excluded = result.excluded
    if excluded.height:
        side = (
            f"{out.with_suffix('')}.excluded.csv"
            if out.suffix.lower() == ".csv"
            else f"{out} (лист «Исключения»)"
        )
        w(f"Исключено из расчёта (записей: {excluded.height}; полный список — {side}):\n")
        for r in excluded.head(10).iter_rows(named=True):
            who = r["school_id"] or "все школы"
            w(f"  {r['year'] or ''} {who}: {r['reason']}\n")
        if excluded.height > 10:
            w(f"  … и ещё записей: {excluded.height - 10}\n")
    else:
        w("Исключений нет: все строки и школы учтены.\n")


#: Inputs with more rows than this show a progress bar on stderr.
PROGRESS_ROWS = 200_000


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


def _collect(paths: Sequence[str], progress: Any, read_input: Any) -> dict[str, list[pl.DataFrame]]:
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
