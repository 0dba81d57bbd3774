"""One year's model: the regression of the results index on the context index over the fit schools, applied to
every school with both indices (docs/methodology.md R5, R6, R7 thresholds)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from opora.classify import Thresholds, thresholds_from_fit
from opora.config import IdentificationConfig
from opora.errors import AnalyticsError
from opora.regression import diagnostics, fit_ols, t_quantile
from opora.shrinkage import shrink_residuals

__all__ = ["MAX_FIT_POINTS", "YearModel", "fit_year"]

#: The chart keeps at most this many fit points.
MAX_FIT_POINTS = 5000


@dataclass(frozen=True)
class YearModel:
    """``frame``: the schools with both indices, their diagnostics and the residual ``measure`` of the rules;
    ``summary``: the ModelSummary fields of the fit (numbers only)."""

    frame: pl.DataFrame
    thresholds: Thresholds
    summary: dict[str, Any]


def fit_year(joined: pl.DataFrame, config: IdentificationConfig, *, year: int) -> YearModel:
    """Fit the year's model on the rows of ``joined`` with ``in_fit`` and apply it to every row of ``joined``
    (school_id, results_index, context_index, n_participants, in_fit; sorted by school)."""
    rules = config.categories
    fitting = joined.filter(pl.col("in_fit"))
    x_fit = fitting["context_index"].to_numpy().astype(np.float64)
    y_fit = fitting["results_index"].to_numpy().astype(np.float64)
    n_fit = fitting["n_participants"].fill_null(0).cast(pl.Float64).to_numpy()
    n_known = bool(np.all(n_fit > 0))
    if (config.regression.weighted or config.regression.shrinkage) and not n_known:
        missing = fitting.filter(pl.col("n_participants").fill_null(0) <= 0)["school_id"].head(5).to_list()
        what = "Взвешенная регрессия" if config.regression.weighted else "Сжатие остатков малых школ"
        raise AnalyticsError(
            f"{what} требует числа участников у всех школ модели, а его нет у части школ (без числа участников: "
            f"{len(n_fit) - int((n_fit > 0).sum())} из {len(n_fit)}; например, {', '.join(missing)}). Добавьте число "
            "участников (столбец n) или отключите этот параметр методики — иначе он молча ничего бы не делал."
        )
    w_fit = None
    scale_w = 1.0
    if config.regression.weighted:
        scale_w = float(np.sum(n_fit)) / len(n_fit)
        w_fit = n_fit / scale_w
    fit = fit_ols(x_fit, y_fit, weights=w_fit, names=("context_index",))
    x_all = joined["context_index"].to_numpy().astype(np.float64)
    y_all = joined["results_index"].to_numpy().astype(np.float64)
    n_all = joined["n_participants"].fill_null(0).cast(pl.Float64).to_numpy()
    w_all = n_all / scale_w if config.regression.weighted else None
    diag = diagnostics(
        fit, x_all, y_all, weights=w_all, in_fit=joined["in_fit"].to_numpy(), level=config.regression.ci_level
    )
    if n_known:
        shrink = shrink_residuals(fit.resid, n_fit, within_variance=config.regression.within_variance)
        tau2, sigma2, estimated = shrink.tau2, shrink.sigma2_within, shrink.estimated_within
        with np.errstate(divide="ignore", invalid="ignore"):
            denom = tau2 + sigma2 / n_all
            lam = np.where((n_all > 0) & (denom > 0), tau2 / np.where(denom > 0, denom, 1.0), np.nan)
    else:
        # Without participant counts there is nothing to shrink by (R6): λ = 1, and the rules do not use it.
        tau2, sigma2, estimated = float("nan"), float("nan"), False
        lam = np.ones(len(n_all))
    base = diag.std_residual if rules.residual_measure == "std_residual" else diag.studentized_residual
    measure = lam * base if config.regression.shrinkage else base
    frame = joined.with_columns(
        pl.Series("expected", diag.expected),
        pl.Series("residual", diag.residual),
        pl.Series("std_residual", diag.std_residual),
        pl.Series("studentized_residual", diag.studentized_residual),
        pl.Series("leverage", diag.leverage),
        pl.Series("ci_low", diag.ci_low),
        pl.Series("ci_high", diag.ci_high),
        pl.Series("pi_low", diag.pi_low),
        pl.Series("pi_high", diag.pi_high),
        pl.Series("shrinkage_lambda", lam),
        pl.Series("shrunk_residual", lam * diag.residual),
        pl.Series("measure", measure),
        pl.lit(year, dtype=pl.Int64).alias("year"),
    )
    th = thresholds_from_fit(x_fit, y_fit, rules)
    pts = list(zip(x_fit.tolist(), y_fit.tolist(), strict=True))
    if len(pts) > MAX_FIT_POINTS:
        step = len(pts) / MAX_FIT_POINTS
        pts = [pts[int(i * step)] for i in range(MAX_FIT_POINTS)]
    summary = {
        "year": year,
        "n": fit.n,
        "coefficients": {"intercept": float(fit.params[0]), "context_index": float(fit.params[1])},
        "se": {"intercept": float(fit.bse[0]), "context_index": float(fit.bse[1])},
        "intercept": float(fit.params[0]),
        "slope": float(fit.params[1]),
        "r_squared": float(fit.r_squared),
        "s_e": float(fit.sigma),
        "df_resid": fit.df_resid,
        "weighted": config.regression.weighted,
        "ci_level": config.regression.ci_level,
        "t_quantile": t_quantile(config.regression.ci_level, fit.df_resid),
        "cov_params": [[float(v) for v in row] for row in fit.cov_params],
        "thresholds": {
            "q_ctx": rules.q_ctx,
            "context_threshold": th.context_q,
            "q_res": rules.q_res,
            "results_threshold": th.results_q,
            "low_results_k": rules.low_results_k,
            "above_expected_k": rules.above_expected_k,
        },
        "shrinkage": {
            "tau2": tau2,
            "sigma2_within": sigma2,
            "estimated_within": estimated,
            "available": n_known,
            "used_in_rules": config.regression.shrinkage,
        },
        "fit_points": [(float(a), float(b)) for a, b in pts],
    }
    return YearModel(frame=frame, thresholds=th, summary=summary)
