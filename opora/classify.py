"""Category rules and their explanations (docs/methodology.md R7, R8).

The core speaks in codes (``Category``); every assigned category carries a :class:`Reason` with the values,
the thresholds and a short Russian sentence for the user (style rule 2: labels such as «ШНОР» are added at
the edge, the sentences here are explanations, not labels).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from opora.config import CategoryRules
from opora.risk_factors import RiskFlag

__all__ = [
    "CATEGORY_ORDER",
    "Category",
    "Reason",
    "Thresholds",
    "fmt_ru",
    "rule_flags",
    "stable_counts",
    "thresholds_from_fit",
    "trend_drops",
]


class Category(StrEnum):
    """Category codes (glossary): Russian labels are added by the Django layer."""

    ADVERSE_CONTEXT = "adverse_context"
    LOW_RESULTS = "low_results"
    RESILIENT = "resilient"
    ABOVE_EXPECTED = "above_expected"
    AT_RISK = "at_risk"


#: Order in which categories are listed for a school.
CATEGORY_ORDER: tuple[str, ...] = tuple(c.value for c in Category)

_YEARLY_RULES = ("adverse_context", "low_results", "resilient", "above_expected")


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a rule fired (or, with ``fired`` False, why a category was *not* given although the rule held once).

    ``rule``: the rule's code (e.g. ``context_quantile``); ``category``: the category code; ``values`` and
    ``thresholds``: the numbers compared; ``text_ru``: one Russian sentence with the numbers (decimal comma).
    """

    rule: str
    category: str
    values: dict[str, Any] = field(default_factory=dict)
    thresholds: dict[str, Any] = field(default_factory=dict)
    text_ru: str = ""
    fired: bool = True


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Cut-offs of one year, computed over the fit schools (R7): context and results index quantiles."""

    context_q: float
    results_q: float
    q_ctx: float
    q_res: float


def fmt_ru(value: float | None, digits: int = 2, *, sign: bool = False) -> str:
    """A number for a Russian sentence: decimal comma, true minus sign; ``sign`` adds «+» to positives.

    >>> fmt_ru(-1.1234), fmt_ru(0.5, 1, sign=True)
    ('−1,12', '+0,5')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "нет данных"
    text = f"{abs(value):.{digits}f}".replace(".", ",")
    if value < 0 and float(text.replace(",", ".")) != 0:
        return "−" + text
    return ("+" + text) if sign and value > 0 else text


def _pct_label(q: float) -> str:
    return f"{fmt_ru(q * 100, 0 if float(q * 100).is_integer() else 1)}-го процентиля"


def thresholds_from_fit(
    context_idx: Sequence[float] | npt.NDArray[np.float64],
    results_idx: Sequence[float] | npt.NDArray[np.float64],
    rules: CategoryRules,
) -> Thresholds:
    """Quantiles q_ctx of the context index and q_res of the results index over the fit schools (linear
    interpolation, numpy's default)."""
    return Thresholds(
        context_q=float(np.quantile(np.asarray(context_idx, dtype=np.float64), rules.q_ctx)),
        results_q=float(np.quantile(np.asarray(results_idx, dtype=np.float64), rules.q_res)),
        q_ctx=rules.q_ctx,
        q_res=rules.q_res,
    )


def rule_flags(
    frame: pl.DataFrame, th: Thresholds, rules: CategoryRules, *, measure: str = "measure"
) -> pl.DataFrame:
    """Add boolean columns ``adverse_context, low_results, resilient, above_expected`` for one year (R7).

    ``frame`` needs ``context_index``, ``results_index`` and the residual measure column ``measure``.

    - adverse_context: context_index ≤ Q_{q_ctx};
    - low_results: by ``low_results_rule`` — ``quantile_or_residual`` (default): results_index ≤ Q_{q_res} or
      measure ≤ −k; ``quantile_and_residual``: both; ``quantile``; ``residual``;
    - resilient: adverse_context and measure ≥ ``resilient_min_residual`` and not low_results;
    - above_expected: measure ≥ +``above_expected_k``.
    """
    ctx = pl.col("context_index")
    res = pl.col("results_index")
    m = pl.col(measure)
    by_q = (res <= th.results_q).fill_null(False)
    by_r = (m <= -rules.low_results_k).fill_null(False)
    low = {
        "quantile_or_residual": by_q | by_r,
        "quantile_and_residual": by_q & by_r,
        "quantile": by_q,
        "residual": by_r,
    }[rules.low_results_rule]
    adverse = (ctx <= th.context_q).fill_null(False)
    return frame.with_columns(
        adverse.alias("adverse_context"),
        low.alias("low_results"),
        by_q.alias("low_by_quantile"),
        by_r.alias("low_by_residual"),
    ).with_columns(
        (
            pl.col("adverse_context")
            & ~pl.col("low_results")
            & (m >= rules.resilient_min_residual).fill_null(False)
        ).alias("resilient"),
        (m >= rules.above_expected_k).fill_null(False).alias("above_expected"),
    )


def stable_counts(yearly: pl.DataFrame) -> pl.DataFrame:
    """Per school, the number of evaluated years in which each yearly rule held and the list of those years."""
    aggs: list[pl.Expr] = []
    for code in _YEARLY_RULES:
        aggs.append(pl.col(code).sum().cast(pl.Int64).alias(f"{code}_years_n"))
        aggs.append(pl.col("year").filter(pl.col(code)).sort().alias(f"{code}_years"))
    return yearly.group_by("school_id").agg(aggs)


def trend_drops(yearly: pl.DataFrame, *, min_years: int) -> pl.DataFrame:
    """Per school, the fall of the results index over the evaluated years (R7, at_risk/negative_trend).

    drop = −slope·(last year − first year), where slope is the OLS slope of results_index on year over the
    school's years with an index (for three consecutive years this is exactly index_first − index_last).
    Schools with fewer than ``min_years`` years get null. Columns: school_id, trend_drop, trend_first_year,
    trend_last_year, trend_first, trend_last.
    """
    pts = yearly.filter(pl.col("results_index").is_not_null()).select("school_id", "year", "results_index")
    x = pl.col("year").cast(pl.Float64)
    y = pl.col("results_index")
    agg = (
        pts.sort("school_id", "year")
        .group_by("school_id")
        .agg(
            pl.len().alias("k"),
            (((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()).alias("slope"),
            x.min().alias("x0"),
            x.max().alias("x1"),
            y.first().alias("trend_first"),
            y.last().alias("trend_last"),
        )
    )
    return agg.select(
        "school_id",
        pl.when(pl.col("k") >= min_years)
        .then(-pl.col("slope") * (pl.col("x1") - pl.col("x0")))
        .otherwise(None)
        .alias("trend_drop"),
        pl.col("x0").cast(pl.Int64).alias("trend_first_year"),
        pl.col("x1").cast(pl.Int64).alias("trend_last_year"),
        "trend_first",
        "trend_last",
    )


def _years_text(years: Iterable[int]) -> str:
    return ", ".join(map(str, years))


def explain_yearly(
    code: str,
    row: Mapping[str, Any],
    th: Thresholds,
    rules: CategoryRules,
    *,
    measure_label: str,
    held_years: Sequence[int],
    n_years: int,
    required: int,
    assigned: bool,
    current_year: int | None = None,
) -> Reason:
    """The Reason for one of the yearly rules of a school, with the target year's numbers and stability."""
    ctx, res, m = row.get("context_index"), row.get("results_index"), row.get("measure")
    when = f"В {row.get('year')} г. "
    stab = (
        f"; условие выполнено в {len(held_years)} из {n_years} оцениваемых лет ({_years_text(held_years)}),"
        f" требуется не менее {required}"
    )
    values: dict[str, Any] = {
        "year": row.get("year"),
        "held_years": list(held_years),
        "years_evaluated": n_years,
    }
    thresholds: dict[str, Any] = {"stability_years": required}
    if not assigned:
        title = {
            "adverse_context": "неблагоприятный контекст",
            "low_results": "низкие результаты",
            "resilient": "резильентность",
            "above_expected": "результаты выше ожидаемых",
        }[code]
        return Reason(
            rule="stability",
            category=code,
            values=values,
            thresholds=thresholds,
            fired=False,
            text_ru=(
                f"Условие «{title}» выполнено в {len(held_years)} из {n_years} оцениваемых лет "
                f"({_years_text(held_years)})"
                + (
                    f", но не в {current_year} г."
                    if current_year is not None and current_year not in held_years
                    else f", требуется не менее {required}"
                )
                + ": категория не присвоена"
            ),
        )
    if code == "adverse_context":
        rule = "context_quantile"
        values["context_index"] = ctx
        thresholds |= {"q_ctx": th.q_ctx, "context_threshold": th.context_q}
        text = when + (
            f"индекс контекста {fmt_ru(ctx)} не выше порога {_pct_label(th.q_ctx)} по школам модели "
            f"({fmt_ru(th.context_q)})"
        )
    elif code == "low_results":
        parts = []
        values |= {"results_index": res, measure_label: m}
        thresholds |= {
            "q_res": th.q_res,
            "results_threshold": th.results_q,
            "k": -rules.low_results_k,
            "rule": rules.low_results_rule,
        }
        if row.get("low_by_quantile"):
            parts.append(
                f"индекс результатов {fmt_ru(res)} не выше порога {_pct_label(th.q_res)} ({fmt_ru(th.results_q)})"
            )
        if row.get("low_by_residual"):
            parts.append(
                f"остаток ({measure_label}) {fmt_ru(m, sign=True)} не выше {fmt_ru(-rules.low_results_k, 1)}: "
                "результаты ниже ожидаемых с учётом контекста"
            )
        rule = {
            "quantile_or_residual": "results_quantile_or_residual",
            "quantile_and_residual": "results_quantile_and_residual",
            "quantile": "results_quantile",
            "residual": "residual_below",
        }[rules.low_results_rule]
        text = when + (" и ".join(parts) if parts else f"индекс результатов {fmt_ru(res)}")
    elif code == "resilient":
        rule = "adverse_and_residual_nonnegative"
        values |= {"context_index": ctx, measure_label: m}
        thresholds |= {"context_threshold": th.context_q, "min_residual": rules.resilient_min_residual}
        text = when + (
            f"неблагоприятный контекст (индекс {fmt_ru(ctx)} ≤ {fmt_ru(th.context_q)}), а остаток "
            f"{fmt_ru(m, sign=True)} не ниже {fmt_ru(rules.resilient_min_residual, 1)}: результаты не ниже ожидаемых"
        )
    else:
        rule = "residual_above"
        values[measure_label] = m
        thresholds["k"] = rules.above_expected_k
        text = when + (
            f"остаток ({measure_label}) {fmt_ru(m, sign=True)} не ниже +{fmt_ru(rules.above_expected_k, 1)}: "
            "результаты выше ожидаемых с учётом контекста"
        )
    return Reason(rule=rule, category=code, values=values, thresholds=thresholds, text_ru=text + stab)


def explain_factors(flags: Sequence[RiskFlag], rules: CategoryRules, *, fired: bool) -> Reason:
    """The Reason for at_risk by municipal risk factors (≥ ``risk_min_factors`` of five)."""
    hit = [f for f in flags if f.flag]
    known = sum(1 for f in flags if f.flag is not None)
    details = "; ".join(f"{f.label.lower()}: {_value_text(f)} ({f.threshold_text})" for f in hit)
    text = (
        f"Выявлено муниципальных факторов риска: {len(hit)} из {known} известных"
        + (f" ({details})" if details else "")
        + f"; порог — не менее {rules.risk_min_factors}"
    )
    return Reason(
        rule="risk_factors",
        category=Category.AT_RISK.value,
        values={"factors": [f.code for f in hit], "count": len(hit), "known": known},
        thresholds={"min_factors": rules.risk_min_factors},
        text_ru=text,
        fired=fired,
    )


def _value_text(flag: RiskFlag) -> str:
    if isinstance(flag.value, bool):
        return "да" if flag.value else "нет"
    if flag.value is None:
        return "нет данных"
    digits = 0 if float(flag.value).is_integer() else 1
    unit = (
        " Мбит/с"
        if flag.code == "internet_slow"
        else (" %" if flag.code in ("low_categories", "low_training") else "")
    )
    return fmt_ru(float(flag.value), digits) + unit


def explain_trend(row: Mapping[str, Any], rules: CategoryRules) -> Reason:
    """The Reason for at_risk by a falling results index (rule ``negative_trend``)."""
    drop = row.get("trend_drop")
    return Reason(
        rule="negative_trend",
        category=Category.AT_RISK.value,
        values={
            "drop": drop,
            "first_year": row.get("trend_first_year"),
            "last_year": row.get("trend_last_year"),
            "first": row.get("trend_first"),
            "last": row.get("trend_last"),
        },
        thresholds={"trend_drop": rules.trend_drop},
        text_ru=(
            f"Зона риска снижения результатов: индекс результатов снизился с {fmt_ru(row.get('trend_first'))} "
            f"({row.get('trend_first_year')}) до {fmt_ru(row.get('trend_last'))} ({row.get('trend_last_year')}), "
            f"снижение по линии тренда {fmt_ru(drop)} не меньше порога {fmt_ru(rules.trend_drop)}"
        ),
    )
