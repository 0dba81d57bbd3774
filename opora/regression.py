"""Ordinary and weighted least squares with intercept, per-observation diagnostics and intervals (R5).

The fit uses a Householder QR decomposition of the centred and column-scaled design (weighted means and √w row
scaling for WLS), which keeps ill-conditioned problems such as NIST StRD Longley accurate to ≥ 12 significant
digits. Every long sum is a numpy reduction in a fixed order, never a (possibly multi-threaded) BLAS product, so
the same data give byte-identical results on any thread count. scipy is imported lazily, only for the t quantile.
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
        return np.asarray(self.params[0] + _matvec(x2, self.params[1:]), dtype=np.float64)


def t_quantile(level: float, df: int) -> float:
    """Two-sided t quantile t_{1−α/2, df} for a confidence ``level`` (scipy, imported lazily)."""
    from scipy import stats

    return float(stats.t.ppf(0.5 + level / 2.0, df))


def _dot(a: FloatArray, b: FloatArray) -> float:
    """Σ a·b by numpy's pairwise summation: the same bits whatever the number of BLAS threads (a BLAS dot
    product splits long sums between threads, and the split changes the last bits)."""
    return float(np.sum(a * b))


def _matvec(a: FloatArray, x: FloatArray) -> FloatArray:
    """a @ x for a tall n × k matrix and small k, column by column in a fixed order (no BLAS)."""
    out = np.zeros(a.shape[0])
    for j in range(a.shape[1]):
        out = out + a[:, j] * x[j]
    return out


def _householder(a: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray, list[FloatArray]]:
    """QR of a tall n × k matrix by Householder reflections, applied to b as well: returns R (k × k), Qᵀb
    (first k entries) and the reflectors (to apply Qᵀ again). Every reduction is a numpy sum, so the result is
    the same bit for bit on any machine thread count (docs/methodology.md R5)."""
    a = np.array(a, dtype=np.float64, order="F", copy=True)
    b = np.array(b, dtype=np.float64, copy=True)
    _n, k = a.shape
    reflectors: list[FloatArray] = []
    for j in range(k):
        x = a[j:, j]
        norm = np.sqrt(np.sum(x * x))
        v = x.copy()
        v[0] += norm if x[0] >= 0 else -norm
        vnorm = np.sqrt(np.sum(v * v))
        if vnorm == 0.0:
            reflectors.append(v)
            continue
        v /= vnorm
        reflectors.append(v)
        block = a[j:, j:]
        a[j:, j:] = block - 2.0 * np.outer(v, np.sum(v[:, None] * block, axis=0))
        b[j:] = b[j:] - 2.0 * v * np.sum(v * b[j:])
    return np.triu(a[:k, :k]), b[:k], reflectors


def _apply_qt(reflectors: list[FloatArray], b: FloatArray) -> FloatArray:
    out = np.array(b, dtype=np.float64, copy=True)
    for j, v in enumerate(reflectors):
        out[j:] = out[j:] - 2.0 * v * np.sum(v * out[j:])
    return out[: len(reflectors)]


#: A design whose scaled R has a diagonal ratio below this is refused as (nearly) collinear: its coefficients
#: and standard errors would keep fewer than ~8 reliable digits and mean nothing statistically.
COLLINEARITY_LIMIT = 1e-8


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
    is constant or the columns are (nearly) collinear, naming the regressors. Every sum is taken in a fixed
    order, so the same data give the same bits whatever the number of threads.

    >>> fit = fit_ols([0.0, 1.0, 2.0], [1.0, 3.0, 5.0])
    >>> fit.params.round(12).tolist()
    [1.0, 2.0]
    """
    xm = np.asarray(x, dtype=np.float64)
    if xm.ndim == 1:
        xm = xm.reshape(-1, 1)
    ym = np.asarray(y, dtype=np.float64).ravel()
    n, k = xm.shape
    labels = tuple(names) if names is not None else tuple(f"x{i + 1}" for i in range(k))
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
    wsum = float(np.sum(wv))
    xbar = np.array([_dot(wv, xm[:, j]) for j in range(k)]) / wsum
    ybar = _dot(wv, ym) / wsum
    xc = (xm - xbar) * sw[:, None]
    yc = (ym - ybar) * sw
    scale = np.sqrt(np.array([_dot(xc[:, j], xc[:, j]) for j in range(k)]))
    constant = [labels[j] for j in range(k) if scale[j] <= 1e-14 * max(1.0, float(np.max(np.abs(xm[:, j]))))]
    if constant:
        raise AnalyticsError(
            "Предиктор регрессии постоянен (одинаков у всех наблюдений), наклон не определён: "
            + ", ".join(f"«{c}»" for c in constant)
            + "."
        )
    xs = xc / scale
    r, qty, reflectors = _householder(xs, yc)
    diag = np.abs(np.diag(r))
    if diag.min() < COLLINEARITY_LIMIT * diag.max():
        raise AnalyticsError(
            "Предикторы регрессии линейно зависимы или почти зависимы (коллинеарны): "
            + ", ".join(f"«{c}»" for c in labels)
            + f"; отношение диагональных элементов R — {diag.min() / diag.max():.1e}. ".replace(".", ",", 1)
            + "Уберите повторяющиеся или взаимно определяющие друг друга переменные."
        )
    bs: FloatArray = np.asarray(np.linalg.solve(r, qty), dtype=np.float64)
    # One step of iterative refinement on the residual removes most of the rounding left by QR.
    bs = bs + np.asarray(np.linalg.solve(r, _apply_qt(reflectors, yc - _matvec(xs, bs))), dtype=np.float64)
    slopes = bs / scale
    intercept = ybar - _dot(xbar, slopes)
    params = np.concatenate([[intercept], slopes])
    fitted = intercept + _matvec(xm, slopes)
    resid = ym - fitted
    df = n - k - 1
    sse = _dot(wv, resid * resid)
    sst = _dot(yc, yc)
    sigma2 = sse / df
    rinv = np.linalg.solve(r, np.eye(k))
    inv_scaled = rinv @ rinv.T  # (Xs'Xs)⁻¹, k × k
    inv_slopes = inv_scaled / np.outer(scale, scale)  # (Xc'WXc)⁻¹
    cov = np.empty((k + 1, k + 1))
    cov[1:, 1:] = inv_slopes
    cov[0, 1:] = cov[1:, 0] = -(xbar @ inv_slopes)
    cov[0, 0] = 1.0 / wsum + float(xbar @ inv_slopes @ xbar)
    cov *= sigma2
    # Leverage of the whitened design: h_i = w_i·(1/Σw + (x_i − x̄)'(Xc'WXc)⁻¹(x_i − x̄)).
    dev = xm - xbar
    quad = np.zeros(n)
    for i in range(k):
        for j in range(k):
            quad = quad + dev[:, i] * inv_slopes[i, j] * dev[:, j]
    lev = wv * (1.0 / wsum + quad)
    return OLSFit(
        params=params,
        bse=np.sqrt(np.diag(cov)),
        cov_params=cov,
        sigma=float(np.sqrt(sigma2)),
        r_squared=1.0 - sse / sst if sst > 0 else float("nan"),
        n=n,
        df_resid=df,
        names=labels,
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
    expected = fit.params[0] + _matvec(xm, fit.params[1:])
    resid = ym - expected
    design = np.column_stack([np.ones(len(ym)), xm])
    var_mean = np.zeros(len(ym))
    for i in range(design.shape[1]):
        for j in range(design.shape[1]):
            var_mean = var_mean + design[:, i] * fit.cov_params[i, j] * design[:, j]
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
