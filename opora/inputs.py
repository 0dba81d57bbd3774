"""Checks of the engine's inputs before anything is computed (docs/methodology.md, «Проверка данных»).

Nothing is dropped without a word (issue 16, items 2–4 and 7): a value that cannot be a result (a placeholder
0 %, 5,000 %, 1e6, NaN or infinity), text in a numeric context column, duplicated rows and rows flagged as not
valid either refuse the run with a Russian message naming the rows, or — where the configuration says so — are
left out and listed in the run's exclusions (``EXCLUSION_COLUMNS``), which the CLI, the Excel export and the web
run page show.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from opora.catalogue import context_label
from opora.config import IdentificationConfig
from opora.errors import AnalyticsError
from opora.schema import EGE_COUNTS, KDR_LEVELS, MARKS, RESULTS_SCHEMA

__all__ = [
    "COLUMN_LABELS",
    "EXCLUSION_COLUMNS",
    "PROCEDURE_LABELS",
    "STAGE_LABELS",
    "CheckedInputs",
    "check_inputs",
    "describe_row",
    "exclusions",
    "parse_numbers",
    "subject_label",
]

#: Columns of the exclusions report: one row per year not evaluated, school without an index, row or value left
#: out; ``school_id`` is null for a whole year or variable, ``column``/``value`` name what was left out.
EXCLUSION_COLUMNS: Final = pl.Schema(
    {
        "year": pl.Int64,
        "school_id": pl.String,
        "stage": pl.String,
        "column": pl.String,
        "value": pl.String,
        "reason": pl.String,
    }
)

#: Russian names of the stages of the exclusions report (shown at the edge).
STAGE_LABELS: Final = {
    "year": "год не оценивался",
    "variable": "переменная контекста не использована",
    "invalid_row": "строка отмечена как недостоверная",
    "out_of_range": "значение вне допустимого диапазона",
    "results": "нет индекса результатов",
    "context": "нет индекса контекста",
}

PROCEDURE_LABELS: Final = {"vpr": "ВПР", "oge": "ОГЭ", "ege": "ЕГЭ", "kdr": "КДР"}

#: Russian names of the result columns in messages.
COLUMN_LABELS: Final = {
    "n": "число участников",
    "n_2": "число «2»",
    "n_3": "число «3»",
    "n_4": "число «4»",
    "n_5": "число «5»",
    "n_insufficient": "число с недостаточным уровнем",
    "n_reduced": "число с пониженным уровнем",
    "n_basic": "число с базовым уровнем",
    "n_advanced": "число с повышенным уровнем",
    "n_below_min": "число не преодолевших минимальный порог",
    "n_80_99": "число набравших 80–99 баллов",
    "n_100": "число набравших 100 баллов",
    "mean_pct": "средний % выполнения",
    "mean_score": "средний балл",
    "mean_mark": "средняя отметка",
    "grade": "класс",
    "grade_program": "класс программы",
    "year": "год",
}

#: Result columns read as numbers (every numeric column of the results schema).
_NUMERIC_RESULTS: Final = tuple(name for name, dtype in RESULTS_SCHEMA.items() if dtype.is_numeric())
_MARKS: Final = tuple(f"n_{m}" for m in MARKS)
_LEVELS: Final = tuple(f"n_{level}" for level in KDR_LEVELS)
#: Count columns, by group, with what their sum may be: never more than the participants.
_COUNT_GROUPS: Final = (
    (_MARKS, "сумма по отметкам не больше числа участников"),
    (_LEVELS, "сумма по уровням не больше числа участников"),
    (EGE_COUNTS, "сумма не преодолевших порог и набравших 80–100 баллов не больше числа участников"),
)
_COUNTS: Final = _MARKS + _LEVELS + EGE_COUNTS
_SHOWN: Final = 10
_INVALID = {"нет", "false", "0", "недостоверно", "недостоверный", "no", "н", "ложь", "0.0"}
_VALID = {"да", "true", "1", "достоверно", "достоверный", "yes", "д", "истина", "1.0", ""}
_NUMBER = re.compile(r"^[+\-−]?\d[\d\s\u00a0]*([.,]\d+)?$|^[+\-−]?[.,]\d+$")


def _norm(text: str) -> str:
    return " ".join(text.replace("ё", "е").replace("Ё", "Е").split()).lower()


def exclusions(rows: Iterable[Mapping[str, Any]] = ()) -> pl.DataFrame:
    """An exclusions frame (EXCLUSION_COLUMNS) from row dicts."""
    data = list(rows)
    if not data:
        return pl.DataFrame(schema=EXCLUSION_COLUMNS)
    return pl.DataFrame([{k: r.get(k) for k in EXCLUSION_COLUMNS} for r in data], schema=EXCLUSION_COLUMNS)


def parse_numbers(series: pl.Series) -> tuple[pl.Series, pl.Series]:
    """A string column read as numbers: decimal commas and spaces between digits accepted, blanks are missing.
    Returns (Float64 values, the texts that are not numbers — null where the value parsed or was blank)."""
    text = series.cast(pl.String).str.strip_chars()
    blank = text.is_null() | (text == "")
    looks = text.str.contains(_NUMBER.pattern)
    cleaned = text.str.replace_all(r"[\s\u00a0]", "").str.replace("−", "-").str.replace(",", ".")
    values = pl.select(pl.when(looks & ~blank).then(cleaned).cast(pl.Float64, strict=False)).to_series()
    values = values.alias(series.name)
    bad = pl.select(pl.when(~blank & ~looks).then(text)).to_series()
    return values, bad


def subject_label(code: str) -> str:
    """A subject's Russian name (the readers' vocabulary), or the code when it is not a known subject."""
    from opora.readers.vocab import SUBJECTS

    names = SUBJECTS.get(code)
    return names[0] if names else code


def describe_row(row: Mapping[str, Any]) -> str:
    """«школа «X», ВПР, русский язык, 5 класс, 2023 год» — where a row of results is, for messages."""
    parts = [f"школа «{row.get('school_id')}»"]
    proc, subject = row.get("procedure"), row.get("subject")
    if proc is not None and proc == subject:  # a column of a wide table
        parts.append(f"столбец «{proc}»")
    else:
        if proc is not None:
            parts.append(PROCEDURE_LABELS.get(str(proc), str(proc)))
        if subject is not None:
            parts.append(subject_label(str(subject)))
    if row.get("grade") not in (None, 0):
        parts.append(f"{row['grade']} класс")
    if row.get("year") is not None:
        parts.append(f"{row['year']} год")
    return ", ".join(parts)


def _value_text(value: Any) -> str:
    if value is None:
        return "пусто"
    if isinstance(value, float):
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "бесконечность" if value > 0 else "минус бесконечность"
        return f"{value:g}".replace(".", ",")
    return str(value)


def _cell_text(row: Mapping[str, Any]) -> str:
    """«ОГЭ, русский язык, 9 класс» (or «столбец «math»» of a wide table)."""
    proc, subject = row.get("procedure"), row.get("subject")
    if proc is not None and proc == subject:
        return f"столбец «{proc}»"
    parts = [PROCEDURE_LABELS.get(str(proc), str(proc)), subject_label(str(subject))]
    if row.get("grade") not in (None, 0):
        parts.append(f"{row['grade']} класс")
    return ", ".join(parts)


def _range_text(lo: float, hi: float) -> str:
    return f"от {_value_text(lo)} до {_value_text(hi)}"


def _listing(frame: pl.DataFrame, column: str, what: str) -> str:
    rows = [
        f"{describe_row(r)}: {what} = {_value_text(r[column])}"
        for r in frame.head(_SHOWN).iter_rows(named=True)
    ]
    more = f"; и ещё {frame.height - _SHOWN}" if frame.height > _SHOWN else ""
    return "; ".join(rows) + more


@dataclass(frozen=True)
class CheckedInputs:
    """The inputs after the checks: values left out are null, rows left out are gone, ``dropped`` lists them."""

    results: pl.DataFrame
    context: pl.DataFrame
    risk: pl.DataFrame | None
    dropped: pl.DataFrame


def check_inputs(
    results: pl.DataFrame,
    context: pl.DataFrame,
    risk: pl.DataFrame | None,
    config: IdentificationConfig,
    *,
    years: tuple[int, int] | None = None,
) -> CheckedInputs:
    """Check and clean the three inputs (only the years ``years`` of the results are looked at)."""
    dropped: list[pl.DataFrame] = []
    res = _check_results(results, config, years, dropped)
    ctx = _check_context(context, config, dropped)
    rsk = _check_risk(risk) if risk is not None else None
    frames = [d for d in dropped if d.height]
    out = pl.concat(frames, how="vertical_relaxed") if frames else exclusions()
    return CheckedInputs(results=res, context=ctx, risk=rsk, dropped=out)


def _numeric(frame: pl.DataFrame, name: str, what: str, where: str) -> pl.DataFrame:
    """Make column ``name`` numeric: strings with decimal commas are read; other text refuses, naming it."""
    dtype = frame.schema[name]
    if dtype.is_numeric():
        return frame
    if dtype == pl.Boolean:
        return frame.with_columns(pl.col(name).cast(pl.Int64))
    values, bad = parse_numbers(frame[name])
    if bad.is_not_null().any():
        found = bad.drop_nulls().unique(maintain_order=True).head(_SHOWN).to_list()
        rows = frame.filter(bad.is_not_null()).head(3)
        example = "; ".join(describe_row(r) for r in rows.iter_rows(named=True))
        raise AnalyticsError(
            f"{where}: в столбце «{name}» ({what}) вместо чисел текст: "
            + ", ".join(f"«{t}»" for t in found)
            + (f" (например, {example})" if example else "")
            + "."
        )
    return frame.with_columns(values)


def _check_results(
    results: pl.DataFrame,
    config: IdentificationConfig,
    years: tuple[int, int] | None,
    dropped: list[pl.DataFrame],
) -> pl.DataFrame:
    missing = [
        c for c in ("school_id", "procedure", "subject", "grade", "year", "n") if c not in results.columns
    ]
    if missing:
        raise AnalyticsError(
            "В таблице результатов нет обязательных столбцов: " + ", ".join(f"«{c}»" for c in missing) + "."
        )
    frame = _numeric(results, "year", "год", "Результаты")
    frame = frame.with_columns(pl.col("school_id").cast(pl.String))
    if years is not None:
        frame = frame.filter(pl.col("year").is_between(years[0], years[1]))
    for name in _NUMERIC_RESULTS:
        if name in frame.columns:
            frame = _numeric(frame, name, COLUMN_LABELS.get(name, name), "Результаты")
    blank = frame.filter(
        pl.any_horizontal(pl.col(c).is_null() for c in ("school_id", "procedure", "subject", "year"))
    )
    if blank.height:
        raise AnalyticsError(
            f"В таблице результатов есть строки без кода школы, процедуры, предмета или года (их {blank.height}); "
            "например: " + "; ".join(describe_row(r) for r in blank.head(3).iter_rows(named=True)) + "."
        )
    floats = [c for c in frame.columns if c in _NUMERIC_RESULTS and frame.schema[c].is_float()]
    if floats:
        bad_any = pl.any_horizontal(~pl.col(c).is_finite() & pl.col(c).is_not_null() for c in floats)
        bad = frame.filter(bad_any)
        if bad.height:
            col = next(
                c for c in floats if bad.filter(~pl.col(c).is_finite() & pl.col(c).is_not_null()).height
            )
            first = bad.filter(~pl.col(col).is_finite() & pl.col(col).is_not_null())
            raise AnalyticsError(
                f"В таблице результатов есть значения NaN или бесконечность (их {bad.height}) — это не результаты: "
                + _listing(first, col, COLUMN_LABELS.get(col, col))
                + ". Укажите число или оставьте ячейку пустой."
            )
    frame = _validity(frame, config.data.validity_column, dropped)
    return _result_ranges(frame, config, dropped)


def _validity(frame: pl.DataFrame, column: str, dropped: list[pl.DataFrame]) -> pl.DataFrame:
    if not column:
        return frame
    if column not in frame.columns:
        raise AnalyticsError(
            f"В таблице результатов нет столбца «{column}», указанного в параметрах как признак достоверности "
            "строк. Добавьте столбец или очистите этот параметр."
        )
    dtype = frame.schema[column]
    if dtype == pl.Boolean:
        invalid = pl.col(column).fill_null(True).not_()
    elif dtype.is_numeric():
        bad = frame.filter(~pl.col(column).is_in([0, 1]) & pl.col(column).is_not_null())
        if bad.height:
            raise AnalyticsError(
                f"Столбец достоверности «{column}»: ожидаются 1 (достоверно) или 0 (недостоверно), есть "
                + ", ".join(_value_text(v) for v in bad[column].unique().head(_SHOWN).to_list())
                + "."
            )
        invalid = pl.col(column) == 0
    else:
        texts = frame[column].cast(pl.String).fill_null("").map_elements(_norm, return_dtype=pl.String)
        unknown = sorted(set(texts.unique().to_list()) - _INVALID - _VALID)
        if unknown:
            raise AnalyticsError(
                f"Столбец достоверности «{column}»: непонятные значения "
                + ", ".join(f"«{t}»" for t in unknown[:_SHOWN])
                + "; ожидаются «да»/«нет», true/false или 1/0."
            )
        frame = frame.with_columns(texts.alias("__valid_text"))
        invalid = pl.col("__valid_text").is_in(list(_INVALID))
    out = frame.filter(invalid)
    if out.height:
        dropped.append(
            exclusions(
                {
                    "year": r["year"],
                    "school_id": r["school_id"],
                    "stage": "invalid_row",
                    "column": column,
                    "value": _cell_text(r),
                    "reason": f"строка отмечена как недостоверная в столбце «{column}» и не учитывается",
                }
                for r in out.iter_rows(named=True)
            )
        )
    kept = frame.filter(~invalid)
    return kept.drop("__valid_text") if "__valid_text" in kept.columns else kept


def _stat_columns(config: IdentificationConfig) -> set[str]:
    used = {name for name, _ in config.results.statistics}
    cols: set[str] = set()
    if "mean_pct" in used:
        cols |= {"mean_pct", "mean_score"}
    if "mean_mark" in used:
        cols.add("mean_mark")
    if used & {"low_share", "high_share"}:
        cols |= set(_COUNTS)
    return cols


def _result_ranges(
    frame: pl.DataFrame, config: IdentificationConfig, dropped: list[pl.DataFrame]
) -> pl.DataFrame:
    data = config.data
    used = pl.col("n").is_null() | (pl.col("n") >= config.results.min_participants)
    if frame.filter(pl.col("n") < 0).height:
        bad = frame.filter(pl.col("n") < 0)
        raise AnalyticsError(
            "Отрицательное число участников: " + _listing(bad, "n", "число участников") + "."
        )
    checks: list[tuple[str, pl.Expr, str]] = []  # (column, violation, allowed text)
    wanted = _stat_columns(config)
    procedures = frame["procedure"].unique().drop_nulls().to_list()
    for column in ("mean_pct", "mean_score", "mean_mark"):
        if column not in wanted or column not in frame.columns:
            continue
        for proc in procedures:
            bounds = data.result_range(str(proc), column)
            if column == "mean_score" and proc != "ege":
                continue  # a primary score's maximum differs by work; only ЕГЭ's 100-point scale is checked
            if bounds is None:
                continue
            lo, hi = bounds
            checks.append(
                (
                    column,
                    (pl.col("procedure") == proc) & ((pl.col(column) < lo) | (pl.col(column) > hi)),
                    _range_text(lo, hi),
                )
            )
    for group, whole in _COUNT_GROUPS:
        present = [c for c in group if c in frame.columns and c in wanted]
        if not present:
            continue
        for c in present:
            checks.append((c, pl.col(c) < 0, "не меньше 0"))
        total = pl.sum_horizontal(pl.col(c).fill_null(0) for c in present)
        checks.append((present[0], total > pl.col("n"), whole))
    if not checks:
        return frame
    anything = frame.select((used & pl.any_horizontal(v.fill_null(False) for _, v, _ in checks)).any()).item()
    if not anything:
        return frame
    flagged = frame.with_row_index("__row").filter(used)
    hits = []
    for column, violation, allowed in checks:
        bad = flagged.filter(violation.fill_null(False))
        if bad.height:
            hits.append((column, allowed, bad))
    if not hits:
        return frame
    if data.out_of_range == "refuse":
        n_bad = sum(b.height for _, _, b in hits)
        lines = [
            f"«{COLUMN_LABELS.get(c, c)}» (допустимо {allowed}): {_listing(b, c, COLUMN_LABELS.get(c, c))}"
            for c, allowed, b in hits
        ]
        raise AnalyticsError(
            f"В результатах есть значения вне допустимого диапазона (их {n_bad}) — это не результаты (заглушки, "
            "ошибки ввода или другая шкала): "
            + " | ".join(lines)
            + ". Исправьте файл, задайте диапазон в параметрах методики («Проверка данных») или выберите "
            "«исключать такие значения с отчётом»."
        )
    out = frame
    for column, allowed, bad in hits:
        targets = [column] if column not in _COUNTS else [c for c in _COUNTS if c in frame.columns]
        rows = bad["__row"]
        out = (
            out.with_row_index("__row")
            .with_columns(
                [
                    pl.when(pl.col("__row").is_in(rows.implode())).then(None).otherwise(pl.col(t)).alias(t)
                    for t in targets
                ]
            )
            .drop("__row")
        )
        dropped.append(
            exclusions(
                {
                    "year": r["year"],
                    "school_id": r["school_id"],
                    "stage": "out_of_range",
                    "column": COLUMN_LABELS.get(column, column),
                    "value": f"{_cell_text(r)}: {_value_text(r[column])}",
                    "reason": f"значение вне допустимого диапазона ({allowed}) исключено",
                }
                for r in bad.iter_rows(named=True)
            )
        )
    return out


def _check_context(
    context: pl.DataFrame, config: IdentificationConfig, dropped: list[pl.DataFrame]
) -> pl.DataFrame:
    if "school_id" not in context.columns:
        raise AnalyticsError("В таблице контекстных данных нет обязательного столбца «school_id».")
    frame = context.with_columns(pl.col("school_id").cast(pl.String))
    keys = ["school_id", "year"] if "year" in frame.columns else ["school_id"]
    if "year" in frame.columns:
        frame = _numeric(frame, "year", "год", "Контекстные данные").with_columns(
            pl.col("year").cast(pl.Int64)
        )
    dup = frame.filter(pl.struct(keys).is_duplicated())
    if dup.height:
        shown = dup.unique(keys, maintain_order=True).head(5)
        raise AnalyticsError(
            f"В контекстных данных повторяются строки одной школы за один год (повторов: {dup.height}): "
            + "; ".join(describe_row(r) for r in shown.iter_rows(named=True))
            + ". Оставьте по одной строке на школу и год."
        )
    data = config.data
    for name, _ in config.context.variables:
        if name not in frame.columns:
            continue
        label = context_label(name)
        if frame.schema[name] == pl.String or frame.schema[name] == pl.Categorical:
            frame = _text_to_numbers(frame, name, data.text_values(name))
        elif not frame.schema[name].is_numeric():
            frame = frame.with_columns(pl.col(name).cast(pl.Float64, strict=False))
        frame = frame.with_columns(pl.col(name).cast(pl.Float64))
        bad = frame.filter(pl.col(name).is_not_null() & ~pl.col(name).is_finite())
        if bad.height:
            raise AnalyticsError(
                f"В контекстных данных значения NaN или бесконечность (столбец «{name}», {label}): "
                + _listing(bad, name, name)
                + ". Укажите число или оставьте ячейку пустой."
            )
        lo, hi = data.context_range(name)
        out = frame.filter((pl.col(name) < lo) | (pl.col(name) > hi))
        if not out.height:
            continue
        if data.out_of_range == "refuse":
            raise AnalyticsError(
                f"В контекстных данных есть значения вне допустимого диапазона ({_range_text(lo, hi)}) в "
                f"столбце «{name}» ({label}), их {out.height}: "
                + _listing(out, name, name)
                + ". Исправьте файл, задайте диапазон в параметрах методики («Проверка данных») или выберите "
                "«исключать такие значения с отчётом»."
            )
        dropped.append(
            out.select(
                pl.col("year").cast(pl.Int64)
                if "year" in out.columns
                else pl.lit(None, dtype=pl.Int64).alias("year"),
                pl.col("school_id"),
                pl.lit("out_of_range").alias("stage"),
                pl.lit(name).alias("column"),
                pl.col(name).cast(pl.String).str.replace(r"\.", ",").alias("value"),
                pl.lit(f"значение вне допустимого диапазона ({_range_text(lo, hi)}) исключено").alias(
                    "reason"
                ),
            )
        )
        frame = frame.with_columns(
            pl.when((pl.col(name) < lo) | (pl.col(name) > hi)).then(None).otherwise(pl.col(name)).alias(name)
        )
    return frame


def _text_to_numbers(frame: pl.DataFrame, name: str, mapping: dict[str, float] | None) -> pl.DataFrame:
    """A text context column → numbers: numeric strings (decimal comma too) as they are, texts through the
    configured mapping; an unmapped text refuses the run naming the column and the values found."""
    values, bad = parse_numbers(frame[name])
    if not bad.is_not_null().any():
        return frame.with_columns(values)
    table = {_norm(k): v for k, v in (mapping or {}).items()}
    texts = bad.map_elements(_norm, return_dtype=pl.String)
    unknown = sorted(set(texts.drop_nulls().to_list()) - set(table))
    if unknown:
        originals = bad.drop_nulls().unique(maintain_order=True).to_list()
        shown = [t for t in originals if _norm(t) in unknown][:_SHOWN]
        hint = (
            "задайте для них числа в параметрах методики («Текстовые значения контекста»)"
            if not mapping
            else "добавьте их в соответствие «текст — число» этого столбца"
        )
        raise AnalyticsError(
            f"Столбец контекста «{name}» ({context_label(name)}) содержит текст вместо чисел: "
            + ", ".join(f"«{t}»" for t in shown)
            + (f" и ещё {len(unknown) - len(shown)}" if len(unknown) > len(shown) else "")
            + f"; {hint}. Без этого год с такими значениями выпал бы из расчёта."
        )
    mapped = texts.replace_strict(table, default=None, return_dtype=pl.Float64)
    return frame.with_columns(pl.coalesce(values, mapped).alias(name))


def _check_risk(risk: pl.DataFrame) -> pl.DataFrame:
    if risk.height == 0 or "school_id" not in risk.columns:
        return risk
    keys = ["school_id", "year"] if "year" in risk.columns else ["school_id"]
    dup = risk.filter(pl.struct(keys).is_duplicated())
    if dup.height:
        shown = dup.unique(keys, maintain_order=True).head(5)
        raise AnalyticsError(
            f"В данных о факторах риска повторяются строки одной школы за один год (повторов: {dup.height}): "
            + "; ".join(describe_row(r) for r in shown.iter_rows(named=True))
            + "."
        )
    return risk
