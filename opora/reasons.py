"""Explanations of the categories, built for every school at once (docs/methodology.md R7, R8).

Each assigned category — and each rule that held without giving its category — gets one row of a reasons frame
with its numbers, thresholds and a Russian sentence. The sentences are assembled by polars expressions over all
schools (numbers with a decimal comma and a true minus sign), not school by school in Python, so a region of
40,000 schools is explained in a fraction of a second (issue 16, item 11). :class:`ReasonMap` gives the familiar
``school_id → list[Reason]`` view of the frame; a school's Reason objects are made when it is looked up.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

from opora.catalogue import RISK_FACTORS
from opora.classify import Reason, fmt_ru
from opora.config import CategoryRules

__all__ = ["REASON_COLUMNS", "ReasonMap", "factor_reasons", "fmt_expr", "trend_reasons", "yearly_reasons"]

#: Columns of the reasons frame; ``order`` sorts a school's reasons, ``v_*``/``t_*`` hold values and thresholds.
_REASON_TYPES: dict[str, Any] = {
    "school_id": pl.String,
    "order": pl.Int64,
    "rule": pl.String,
    "category": pl.String,
    "fired": pl.Boolean,
    "text_ru": pl.String,
    "year": pl.Int64,
    "held_years": pl.List(pl.Int64),
    "years_evaluated": pl.Int64,
    "v_context_index": pl.Float64,
    "v_results_index": pl.Float64,
    "v_measure": pl.Float64,
    "v_count": pl.Int64,
    "v_known": pl.Int64,
    "v_factors": pl.List(pl.String),
    "v_drop": pl.Float64,
    "v_first": pl.Float64,
    "v_last": pl.Float64,
    "v_first_year": pl.Int64,
    "v_last_year": pl.Int64,
    "t_threshold": pl.Float64,
    "t_required": pl.Int64,
}
REASON_COLUMNS = pl.Schema(_REASON_TYPES)


def _reason_rows(frame: pl.DataFrame, **columns: pl.Expr) -> pl.DataFrame:
    """A reasons frame (REASON_COLUMNS, in its order and types) from ``frame``: the columns a rule gives, every
    other column null."""
    unknown = set(columns) - set(REASON_COLUMNS)
    if unknown:
        raise ValueError(f"not columns of a reasons frame: {sorted(unknown)}")
    return frame.select(
        (columns[name] if name in columns else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in REASON_COLUMNS.items()
    )


_TITLES = {
    "adverse_context": "неблагоприятный контекст",
    "low_results": "низкие результаты",
    "resilient": "резильентность",
    "above_expected": "результаты выше ожидаемых",
}
_ORDER = {
    "adverse_context": 0,
    "low_results": 1,
    "resilient": 2,
    "above_expected": 3,
    "risk_factors": 4,
    "trend": 5,
}


def fmt_expr(expr: pl.Expr, digits: int = 2, *, sign: bool = False) -> pl.Expr:
    """:func:`opora.classify.fmt_ru` as a polars expression: decimal comma, true minus, «+» when ``sign``."""
    scale = 10**digits
    scaled = (expr.abs() * scale).round(0).cast(pl.Int64)
    whole = (scaled // scale).cast(pl.String)
    body = whole + pl.lit(",") + (scaled % scale).cast(pl.String).str.zfill(digits) if digits else whole
    missing = expr.is_null() | expr.is_nan()
    out = (
        pl.when(missing).then(pl.lit("нет данных")).when((expr < 0) & (scaled != 0)).then(pl.lit("−") + body)
    )
    if sign:
        out = out.when(expr > 0).then(pl.lit("+") + body)
    return out.otherwise(body)


def _pct_label(q: float) -> str:
    return f"{fmt_ru(q * 100, 0 if float(q * 100).is_integer() else 1)}-го процентиля"


def _years_text(column: str) -> pl.Expr:
    return pl.col(column).list.eval(pl.element().cast(pl.String)).list.join(", ")


def yearly_reasons(
    frame: pl.DataFrame,
    rules: CategoryRules,
    *,
    measure_label: str,
    n_years: int,
    required: int,
    current_year: int | None,
) -> pl.DataFrame:
    """Reasons of the four yearly rules. ``frame``: one row per school and rule code that held at least once or
    was assigned, with ``code``, ``assigned``, ``held`` (years), the numbers of the explained year (``year``,
    ``context_index``, ``results_index``, ``measure``, ``low_by_quantile``, ``low_by_residual``) and that year's
    thresholds (``context_threshold``, ``results_threshold``)."""
    if frame.height == 0:
        return pl.DataFrame(schema=REASON_COLUMNS)
    ctx, res, m = pl.col("context_index"), pl.col("results_index"), pl.col("measure")
    when = pl.lit("В ") + pl.col("year").cast(pl.String) + pl.lit(" г. ")
    held_n = pl.col("held").list.len().cast(pl.String)
    stab = (
        pl.lit("; условие выполнено в ")
        + held_n
        + pl.lit(f" из {n_years} оцениваемых лет (")
        + _years_text("held")
        + pl.lit(f"), требуется не менее {required}")
    )
    k_low = fmt_ru(-rules.low_results_k, 1)
    low_q = (
        pl.lit("индекс результатов ")
        + fmt_expr(res)
        + pl.lit(f" не выше порога {_pct_label(rules.q_res)} (")
        + fmt_expr(pl.col("results_threshold"))
        + pl.lit(")")
    )
    low_r = (
        pl.lit(f"остаток ({measure_label}) ")
        + fmt_expr(m, sign=True)
        + pl.lit(f" не выше {k_low}: результаты ниже ожидаемых с учётом контекста")
    )
    low_text = (
        pl.when(pl.col("low_by_quantile") & pl.col("low_by_residual"))
        .then(low_q + pl.lit(" и ") + low_r)
        .when(pl.col("low_by_quantile"))
        .then(low_q)
        .when(pl.col("low_by_residual"))
        .then(low_r)
        .otherwise(pl.lit("индекс результатов ") + fmt_expr(res))
    )
    texts = {
        "adverse_context": pl.lit("индекс контекста ")
        + fmt_expr(ctx)
        + pl.lit(f" не выше порога {_pct_label(rules.q_ctx)} по школам модели (")
        + fmt_expr(pl.col("context_threshold"))
        + pl.lit(")"),
        "low_results": low_text,
        "resilient": pl.lit("неблагоприятный контекст (индекс ")
        + fmt_expr(ctx)
        + pl.lit(" ≤ ")
        + fmt_expr(pl.col("context_threshold"))
        + pl.lit("), а остаток ")
        + fmt_expr(m, sign=True)
        + pl.lit(f" не ниже {fmt_ru(rules.resilient_min_residual, 1)}: результаты не ниже ожидаемых"),
        "above_expected": pl.lit(f"остаток ({measure_label}) ")
        + fmt_expr(m, sign=True)
        + pl.lit(
            f" не ниже +{fmt_ru(rules.above_expected_k, 1)}: результаты выше ожидаемых с учётом контекста"
        ),
    }
    body: Any = pl.when(pl.lit(False)).then(pl.lit(None, dtype=pl.String))
    for code, text in texts.items():
        body = body.when(pl.col("code") == code).then(text)
    title = pl.col("code").replace_strict(_TITLES, return_dtype=pl.String)
    missed = (
        pl.lit(f", но не в {current_year} г.")
        if current_year is not None
        else pl.lit(f", требуется не менее {required}")
    )
    if current_year is not None:
        missed = (
            pl.when(pl.col("held").list.contains(current_year))
            .then(pl.lit(f", требуется не менее {required}"))
            .otherwise(missed)
        )
    not_given = (
        pl.lit("Условие «")
        + title
        + pl.lit("» выполнено в ")
        + held_n
        + pl.lit(f" из {n_years} оцениваемых лет (")
        + _years_text("held")
        + pl.lit(")")
        + missed
        + pl.lit(": категория не присвоена")
    )
    rule = pl.col("code").replace_strict(
        {
            "adverse_context": "context_quantile",
            "low_results": {
                "quantile_or_residual": "results_quantile_or_residual",
                "quantile_and_residual": "results_quantile_and_residual",
                "quantile": "results_quantile",
                "residual": "residual_below",
            }[rules.low_results_rule],
            "resilient": "adverse_and_residual_nonnegative",
            "above_expected": "residual_above",
        },
        return_dtype=pl.String,
    )
    threshold = (
        pl.when(pl.col("code").is_in(["adverse_context", "resilient"]))
        .then(pl.col("context_threshold"))
        .when(pl.col("code") == "low_results")
        .then(pl.col("results_threshold"))
        .when(pl.col("code") == "above_expected")
        .then(pl.lit(rules.above_expected_k))
    )
    return _reason_rows(
        frame,
        school_id=pl.col("school_id"),
        order=pl.col("code").replace_strict(_ORDER, return_dtype=pl.Int64),
        rule=pl.when(pl.col("assigned")).then(rule).otherwise(pl.lit("stability")),
        category=pl.col("code"),
        fired=pl.col("assigned"),
        text_ru=pl.when(pl.col("assigned")).then(when + body + stab).otherwise(not_given),
        year=pl.col("year"),
        held_years=pl.col("held"),
        years_evaluated=pl.lit(n_years),
        v_context_index=ctx,
        v_results_index=res,
        v_measure=m,
        t_threshold=threshold,
        t_required=pl.lit(required),
    )


def factor_reasons(
    flags: pl.DataFrame, rules: CategoryRules, factor_text: Mapping[str, pl.Expr]
) -> pl.DataFrame:
    """Reasons of at_risk by risk factors. ``flags``: school_id and, per factor code of ``rules.risk_factors``,
    a boolean column ``f_<code>`` (null = unknown); ``factor_text``: per code, the expression of the factor's
    value and threshold in words."""
    codes = list(rules.risk_factors)
    if flags.height == 0 or not codes:
        return pl.DataFrame(schema=REASON_COLUMNS)
    hit = pl.sum_horizontal(pl.col(f"f_{c}").fill_null(False).cast(pl.Int64) for c in codes)
    known = pl.sum_horizontal(pl.col(f"f_{c}").is_not_null().cast(pl.Int64) for c in codes)
    names = ", ".join(RISK_FACTORS[c][0].lower() + RISK_FACTORS[c][1:] for c in codes)
    details = pl.concat_str(
        [pl.when(pl.col(f"f_{c}").fill_null(False)).then(factor_text[c]) for c in codes],
        separator="; ",
        ignore_nulls=True,
    )
    frame = flags.with_columns(hit.alias("__hit"), known.alias("__known")).filter(pl.col("__hit") > 0)
    fired = pl.col("__hit") >= rules.risk_min_factors
    text = (
        pl.lit("Факторы риска: выявлено ")
        + pl.col("__hit").cast(pl.String)
        + pl.lit(" из ")
        + pl.col("__known").cast(pl.String)
        + pl.lit(" известных (")
        + details
        + pl.lit(f"); правило — не менее {rules.risk_min_factors} из {len(codes)}: {names}")
    )
    return _reason_rows(
        frame,
        school_id=pl.col("school_id"),
        order=pl.lit(_ORDER["risk_factors"]),
        rule=pl.lit("risk_factors"),
        category=pl.lit("at_risk"),
        fired=fired,
        text_ru=text,
        v_count=pl.col("__hit"),
        v_known=pl.col("__known"),
        v_factors=pl.concat_list(
            [pl.when(pl.col(f"f_{c}").fill_null(False)).then(pl.lit(c)) for c in codes]
        ).list.drop_nulls(),
        t_required=pl.lit(rules.risk_min_factors),
    )


def trend_reasons(trends: pl.DataFrame, rules: CategoryRules) -> pl.DataFrame:
    """Reasons of at_risk by a falling results index (rule ``negative_trend``) for the schools whose drop
    reached the threshold. ``trends``: school_id, trend_drop, trend_first(_year), trend_last(_year)."""
    if trends.height == 0 or rules.trend_drop <= 0:
        return pl.DataFrame(schema=REASON_COLUMNS)
    frame = trends.filter(pl.col("trend_drop") >= rules.trend_drop)
    text = (
        pl.lit("Зона риска снижения результатов: индекс результатов снизился с ")
        + fmt_expr(pl.col("trend_first"))
        + pl.lit(" (")
        + pl.col("trend_first_year").cast(pl.String)
        + pl.lit(") до ")
        + fmt_expr(pl.col("trend_last"))
        + pl.lit(" (")
        + pl.col("trend_last_year").cast(pl.String)
        + pl.lit("), снижение по линии тренда ")
        + fmt_expr(pl.col("trend_drop"))
        + pl.lit(f" не меньше порога {fmt_ru(rules.trend_drop)}")
    )
    return _reason_rows(
        frame,
        school_id=pl.col("school_id"),
        order=pl.lit(_ORDER["trend"]),
        rule=pl.lit("negative_trend"),
        category=pl.lit("at_risk"),
        fired=pl.lit(True),
        text_ru=text,
        v_drop=pl.col("trend_drop"),
        v_first=pl.col("trend_first"),
        v_last=pl.col("trend_last"),
        v_first_year=pl.col("trend_first_year"),
        v_last_year=pl.col("trend_last_year"),
        t_threshold=pl.lit(rules.trend_drop),
    )


def _reason(row: dict[str, Any], rules: CategoryRules, measure_label: str) -> Reason:
    rule = row["rule"]
    code = row["category"]
    values: dict[str, Any]
    thresholds: dict[str, Any]
    if rule == "risk_factors":
        values = {"factors": row["v_factors"] or [], "count": row["v_count"], "known": row["v_known"]}
        thresholds = {"min_factors": row["t_required"], "factors": list(rules.risk_factors)}
    elif rule == "negative_trend":
        values = {
            "drop": row["v_drop"],
            "first_year": row["v_first_year"],
            "last_year": row["v_last_year"],
            "first": row["v_first"],
            "last": row["v_last"],
        }
        thresholds = {"trend_drop": row["t_threshold"]}
    else:
        values = {
            "year": row["year"],
            "held_years": row["held_years"] or [],
            "years_evaluated": row["years_evaluated"],
        }
        thresholds = {"stability_years": row["t_required"]}
        if rule != "stability":
            if code in ("adverse_context", "resilient"):
                values["context_index"] = row["v_context_index"]
                thresholds["context_threshold"] = row["t_threshold"]
            if code == "low_results":
                values["results_index"] = row["v_results_index"]
                thresholds |= {
                    "q_res": rules.q_res,
                    "results_threshold": row["t_threshold"],
                    "k": -rules.low_results_k,
                    "rule": rules.low_results_rule,
                }
            if code == "adverse_context":
                thresholds["q_ctx"] = rules.q_ctx
            if code in ("low_results", "resilient", "above_expected"):
                values[measure_label] = row["v_measure"]
            if code == "resilient":
                thresholds["min_residual"] = rules.resilient_min_residual
            if code == "above_expected":
                thresholds["k"] = rules.above_expected_k
    return Reason(
        rule=rule,
        category=code,
        values=values,
        thresholds=thresholds,
        text_ru=row["text_ru"],
        fired=row["fired"],
    )


class ReasonMap(Mapping[str, list[Reason]]):
    """``school_id → list[Reason]`` over a reasons frame (REASON_COLUMNS); every reported school is a key (an empty
    list when nothing held). The frame itself is ``table``."""

    def __init__(
        self, table: pl.DataFrame, schools: Sequence[str], rules: CategoryRules, measure_label: str
    ) -> None:
        self.table = table.sort("school_id", "order")
        self._rules, self._label = rules, measure_label
        self._schools = list(schools)
        self._known = set(self._schools)
        ids = self.table["school_id"].to_numpy() if self.table.height else np.array([], dtype=object)
        self._spans: dict[str, tuple[int, int]] = {}
        if len(ids):
            change = np.flatnonzero(ids[1:] != ids[:-1]) + 1
            starts = np.concatenate([[0], change])
            ends = np.concatenate([change, [len(ids)]])
            self._spans = {str(ids[a]): (int(a), int(b)) for a, b in zip(starts, ends, strict=True)}
        self._cache: dict[str, list[Reason]] = {}

    def __getitem__(self, school_id: str) -> list[Reason]:
        if school_id in self._cache:
            return self._cache[school_id]
        span = self._spans.get(school_id)
        if span is None:
            if school_id not in self._known:
                raise KeyError(school_id)
            return []
        rows = self.table.slice(span[0], span[1] - span[0]).to_dicts()
        made = [_reason(r, self._rules, self._label) for r in rows]
        self._cache[school_id] = made
        return made

    def __iter__(self) -> Iterator[str]:
        return iter(self._schools)

    def __len__(self) -> int:
        return len(self._schools)
