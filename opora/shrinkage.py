"""Empirical-Bayes shrinkage of school residuals towards zero (docs/methodology.md R6)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from opora.errors import AnalyticsError

__all__ = ["Shrinkage", "shrink_residuals"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Shrinkage:
    """``tau2``: between-school variance; ``sigma2_within``: per-participant variance; ``lam``: λ_s per school;
    ``shrunk``: λ_s·e_s; ``estimated_within``: σ² was estimated from the data (not given)."""

    tau2: float
    sigma2_within: float
    lam: FloatArray
    shrunk: FloatArray
    estimated_within: bool


def shrink_residuals(
    residuals: Sequence[float] | FloatArray,
    n: Sequence[float] | FloatArray,
    *,
    within_variance: float | None = None,
    n_params: int = 2,
) -> Shrinkage:
    """e*_s = λ_s·e_s with λ_s = τ²/(τ² + σ²_within/n_s); method of moments (R6).

    The squared residual of school s has expectation τ² + σ²_within/n_s (up to the small loss of degrees of
    freedom, corrected by the factor m/(m − n_params), m = number of schools).

    - ``within_variance`` given: τ² = max(0, c·mean(e²) − σ²·mean(1/n));
    - not given: regress c·e² on 1/n by OLS; the intercept estimates τ², the slope σ²_within (each floored at 0).

    If τ² = 0 every residual shrinks to 0; if σ² = 0 nothing shrinks.

    >>> s = shrink_residuals([1.0, -1.0], [10, 10], within_variance=5.0, n_params=0)
    >>> round(s.tau2, 6), s.lam.round(6).tolist()
    (0.5, [0.5, 0.5])
    """
    e = np.asarray(residuals, dtype=np.float64)
    ns = np.asarray(n, dtype=np.float64)
    m = len(e)
    if m != len(ns) or m <= n_params or np.any(ns <= 0) or not np.all(np.isfinite(e)):
        raise AnalyticsError("Для сжатия остатков нужны остатки и положительные численности по каждой школе.")
    c = m / (m - n_params)
    e2 = c * e * e
    inv = 1.0 / ns
    if within_variance is not None:
        sigma2 = float(within_variance)
        tau2 = max(0.0, float(np.sum(e2)) / m - sigma2 * float(np.sum(inv)) / m)
        estimated = False
    else:
        estimated = True
        if np.ptp(inv) == 0:
            sigma2, tau2 = 0.0, float(np.sum(e2) / m)
        else:
            # Least-squares line of e² on 1/n from numpy sums in a fixed order (not polyfit's LAPACK call,
            # whose BLAS reductions may change the last bits with the number of threads).
            mi, me = float(np.sum(inv)) / m, float(np.sum(e2)) / m
            slope = float(np.sum((inv - mi) * (e2 - me))) / float(np.sum((inv - mi) ** 2))
            intercept = me - slope * mi
            sigma2 = max(0.0, float(slope))
            tau2 = max(0.0, float(intercept)) if sigma2 > 0 else float(np.sum(e2) / m)
    denom = tau2 + sigma2 * inv
    lam = np.where(denom > 0, tau2 / np.where(denom > 0, denom, 1.0), 1.0)
    return Shrinkage(tau2=tau2, sigma2_within=sigma2, lam=lam, shrunk=lam * e, estimated_within=estimated)
