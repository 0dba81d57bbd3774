"""Ordinary and weighted least squares with intercept, per-observation diagnostics and intervals (R5).

The fit uses the QR decomposition of the centred and column-scaled design (weighted means and √w row scaling
for WLS), which keeps ill-conditioned problems such as NIST StRD Longley accurate to ~12 significant digits.
scipy is imported lazily, only for the t quantile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from opora.errors import AnalyticsError, InsufficientDataError

__all__ = ["Diagnostics", "OLSFit", "diagnostics", "fit_ols", "t_quantile"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class OLSFit:
    """A fitted linear model y = β0 + X·β + e.

    ``params``: [intercept, slopes…]; ``bse``: their standard errors; ``cov_params``: s²·(X'WX)⁻¹ with the
    intercept column; ``sigma``: residual SD s = sqrt(Σ w·e² / (n − p)); ``r_squared``: 1 − SSE/SST (weighted,
    centred); ``weights``: the (normalised) weights used, or None for OLS.
    """

    params: FloatArray
    bse: FloatArray
    cov_params: FloatArray
    sigma: float
    r_squared: float
    n: int
    df_resid: int
    names: tuple[str, ...]
    weights: FloatArray | None
    fitted: FloatArray
    resid: FloatArray
    leverage: FloatArray

    def predict(self, x: FloatArray) -> FloatArray:
        """Expected values for a regressor matrix ``x`` (n × k, without the intercept column)."""
        x2 = np.asarray(x, dtype=np.float64).reshape(-1, len(self.params) - 1)
        return np.asarray(self.params[0] + x2 @ self.params[1:], dtype=np.float64)


def t_quantile(level: float, df: int) -> float:
    """Two-sided t quantile t_{1−α/2, df} for a confidence ``level`` (scipy, imported lazily)."""
    from scipy import stats

    return float(stats.t.ppf(0.5 + level / 2.0, df))


def fit_ols(
    x: FloatArray | Sequence[Sequence[float]] | Sequence[float],
    y: FloatArray | Sequence[float],
    *,
    weights: FloatArray | Sequence[float] | None = None,
    names: Sequence[str] | None = None,
) -> OLSFit:
    """Fit y on x with an intercept by (weighted) least squares; docs/methodology.md R5.

    ``x`` is n × k (a 1-D array is one regressor). ``weights`` (WLS) must be positive; they are used as given
    (callers normalise them). Raises InsufficientDataError when n ≤ k + 1 and AnalyticsError when a regressor
    is constant or the columns are collinear.

    >>> fit = fit_ols([0.0, 1.0, 2.0], [1.0, 3.0, 5.0])
    >>> fit.params.round(12).tolist()
    [1.0, 2.0]
    """
    xm = np.asarray(x, dtype=np.float64)
    if xm.ndim == 1:
        xm = xm.reshape(-1, 1)
    ym = np.asarray(y, dtype=np.float64).ravel()
    n, k = xm.shape
    if ym.shape[0] != n:
        raise AnalyticsError("Число значений отклика не совпадает с числом строк регрессоров.")
    if n <= k + 1:
        raise InsufficientDataError(
            f"Для регрессии с {k} предиктор(ами) нужно больше {k + 1} наблюдений, получено {n}."
        )
    if not (np.all(np.isfinite(xm)) and np.all(np.isfinite(ym))):
        raise AnalyticsError("В данных регрессии есть пропуски или бесконечные значения.")
    w = None if weights is None else np.asarray(weights, dtype=np.float64).ravel()
    if w is not None and (w.shape[0] != n or np.any(~np.isfinite(w)) or np.any(w <= 0)):
        raise AnalyticsError("Веса регрессии должны быть положительными числами, по одному на наблюдение.")
    wv = np.ones(n) if w is None else w
    sw = np.sqrt(wv)
    wsum = float(wv.sum())
    xbar = (wv @ xm) / wsum
    ybar = float(wv @ ym) / wsum
    xc = (xm - xbar) * sw[:, None]
    yc = (ym - ybar) * sw
    scale = np.sqrt(np.einsum("ij,ij->j", xc, xc))
    if np.any(scale == 0):
        raise AnalyticsError("Один из предикторов регрессии постоянен: наклон не определён.")
    xs = xc / scale
    q, r = np.linalg.qr(xs)
    diag = np.abs(np.diag(r))
    if diag.min() < 1e-12 * diag.max():
        raise AnalyticsError("Предикторы регрессии линейно зависимы (коллинеарны).")
    bs = np.linalg.solve(r, q.T @ yc)
    # One step of iterative refinement on the residual removes most of the rounding left by QR.
    bs = bs + np.linalg.solve(r, q.T @ (yc - xs @ bs))
    slopes = bs / scale
    intercept = ybar - float(xbar @ slopes)
    params = np.concatenate([[intercept], slopes])
    fitted = intercept + xm @ slopes
    resid = ym - fitted
    df = n - k - 1
    sse = float(wv @ (resid * resid))
    sst = float(yc @ yc)
    sigma2 = sse / df
    rinv = np.linalg.solve(r, np.eye(k))
    inv_scaled = rinv @ rinv.T  # (Xs'Xs)⁻¹
    inv_slopes = inv_scaled / np.outer(scale, scale)  # (Xc'WXc)⁻¹
    cov = np.empty((k + 1, k + 1))
    cov[1:, 1:] = inv_slopes
    cov[0, 1:] = cov[1:, 0] = -(xbar @ inv_slopes)
    cov[0, 0] = 1.0 / wsum + float(xbar @ inv_slopes @ xbar)
    cov *= sigma2
    # Leverage of the whitened design: h_i = w_i·(1/Σw + (x_i − x̄)'(Xc'WXc)⁻¹(x_i − x̄)).
    dev = xm - xbar
    lev = wv * (1.0 / wsum + np.einsum("ij,jk,ik->i", dev, inv_slopes, dev))
    return OLSFit(
        params=params,
        bse=np.sqrt(np.diag(cov)),
        cov_params=cov,
        sigma=float(np.sqrt(sigma2)),
        r_squared=1.0 - sse / sst if sst > 0 else float("nan"),
        n=n,
        df_resid=df,
        names=tuple(names) if names is not None else tuple(f"x{i + 1}" for i in range(k)),
        weights=w,
        fitted=fitted,
        resid=resid,
        leverage=lev,
    )


@dataclass(frozen=True)
class Diagnostics:
    """Per-observation results of applying a fit to rows (in the fit or not); see :func:`diagnostics`."""

    expected: FloatArray
    residual: FloatArray
    std_residual: FloatArray
    studentized_residual: FloatArray
    leverage: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    pi_low: FloatArray
    pi_high: FloatArray


def diagnostics(
    fit: OLSFit,
    x: FloatArray,
    y: FloatArray,
    *,
    weights: FloatArray | None = None,
    in_fit: npt.NDArray[np.bool_] | None = None,
    level: float = 0.95,
) -> Diagnostics:
    """Expected value, residuals, leverage and intervals for rows ``x``/``y`` (R5).

    - expected ŷ = β0 + x·β; residual e = y − ŷ;
    - standardised residual √w·e / s;
    - leverage h = w·x̃'(X̃'WX̃)⁻¹x̃ (x̃ with the intercept column);
    - studentised residual √w·e / (s·√(1 − h)) for rows in the fit (internally studentised), and
      √w·e / (s·√(1 + h)) for rows outside it (a standardised prediction error);
    - CI of the mean ŷ ± t·√(x̃'Σx̃), PI ŷ ± t·√(x̃'Σx̃ + s²/w), t = t_{1−α/2, n−p}, Σ = cov_params.

    ``weights`` are the rows' weights on the fit's scale (1 for OLS).
    """
    xm = np.asarray(x, dtype=np.float64).reshape(-1, len(fit.params) - 1)
    ym = np.asarray(y, dtype=np.float64).ravel()
    w = np.ones(len(ym)) if weights is None else np.asarray(weights, dtype=np.float64)
    inside = np.ones(len(ym), dtype=bool) if in_fit is None else np.asarray(in_fit, dtype=bool)
    expected = fit.predict(xm)
    resid = ym - expected
    design = np.column_stack([np.ones(len(ym)), xm])
    var_mean = np.einsum("ij,jk,ik->i", design, fit.cov_params, design)
    s2 = fit.sigma**2
    lev = w * var_mean / s2
    sw = np.sqrt(w)
    std = sw * resid / fit.sigma
    with np.errstate(invalid="ignore", divide="ignore"):
        stud = np.where(inside, std / np.sqrt(1.0 - lev), std / np.sqrt(1.0 + lev))
    t = t_quantile(level, fit.df_resid)
    half_ci = t * np.sqrt(var_mean)
    half_pi = t * np.sqrt(var_mean + s2 / w)
    return Diagnostics(
        expected=expected,
        residual=resid,
        std_residual=std,
        studentized_residual=stud,
        leverage=lev,
        ci_low=expected - half_ci,
        ci_high=expected + half_ci,
        pi_low=expected - half_pi,
        pi_high=expected + half_pi,
    )
