"""Category rules and their explanations (docs/methodology.md R7, R8).

The core speaks in codes (``Category``); every assigned category carries a :class:`Reason` with the values,
the thresholds and a short Russian sentence for the user (style rule 2: labels such as «ШНОР» are added at
the edge, the sentences are explanations, not labels). The sentences of all schools are built at once in
:mod:`opora.reasons`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from opora.config import CategoryRules

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
    """Per school, the fall of the results index over the years given (R7, at_risk/negative_trend).

    drop = −slope·(last year − first year), where slope is the OLS slope of results_index on year over the
    school's years with an index (for three consecutive years this is exactly index_first − index_last).
    Schools with fewer than ``min_years`` years get null. Columns: school_id, trend_drop, trend_first_year,
    trend_last_year, trend_first, trend_last. Sums are numpy reductions over rows sorted by school and year, so
    the result does not depend on the number of threads.
    """
    pts = (
        yearly.filter(pl.col("results_index").is_not_null())
        .select("school_id", pl.col("year").cast(pl.Int64), "results_index")
        .sort("school_id", "year")
    )
    if pts.height == 0:
        return pl.DataFrame(
            schema={
                "school_id": pl.String,
                "trend_drop": pl.Float64,
                "trend_first_year": pl.Int64,
                "trend_last_year": pl.Int64,
                "trend_first": pl.Float64,
                "trend_last": pl.Float64,
            }
        )
    sid = pts["school_id"].rle_id().cast(pl.Int64).to_numpy()
    x = pts["year"].cast(pl.Float64).to_numpy()
    y = pts["results_index"].to_numpy()
    k = np.bincount(sid).astype(np.float64)
    mx = np.bincount(sid, weights=x) / k
    my = np.bincount(sid, weights=y) / k
    dx = x - mx[sid]
    sxy = np.bincount(sid, weights=dx * (y - my[sid]))
    sxx = np.bincount(sid, weights=dx * dx)
    last = np.concatenate([np.flatnonzero(sid[1:] != sid[:-1]), [len(sid) - 1]])
    first = np.concatenate([[0], last[:-1] + 1])
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(sxx > 0, sxy / np.where(sxx > 0, sxx, 1.0), 0.0)
    drop = np.where(k >= min_years, -slope * (x[last] - x[first]), np.nan)
    return pl.DataFrame(
        {
            "school_id": pts["school_id"].gather(first),
            "trend_drop": drop,
            "trend_first_year": x[first].astype(np.int64),
            "trend_last_year": x[last].astype(np.int64),
            "trend_first": y[first],
            "trend_last": y[last],
        }
    ).with_columns(pl.col("trend_drop").fill_nan(None))
