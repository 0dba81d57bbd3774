"""Empirical-Bayes shrinkage (docs/methodology.md R6), hand-worked."""

from __future__ import annotations

import numpy as np
import pytest

from opora.errors import AnalyticsError
from opora.shrinkage import shrink_residuals


def test_it_shrinks_with_a_given_within_variance() -> None:
    # e = 1, −1, 2, −2; n = 10, 10, 40, 40; σ² = 4; no df correction (n_params = 0):
    # mean e² = 2.5, mean 1/n = 0.0625 → τ² = 2.5 − 4·0.0625 = 2.25;
    # λ(10) = 2.25/(2.25 + 0.4) = 0.849057…, λ(40) = 2.25/(2.25 + 0.1) = 0.957446…
    s = shrink_residuals([1.0, -1.0, 2.0, -2.0], [10, 10, 40, 40], within_variance=4.0, n_params=0)
    assert s.tau2 == pytest.approx(2.25)
    np.testing.assert_allclose(s.lam, [2.25 / 2.65, 2.25 / 2.65, 2.25 / 2.35, 2.25 / 2.35], rtol=1e-12)
    np.testing.assert_allclose(s.shrunk, [0.8490566, -0.8490566, 1.9148936, -1.9148936], rtol=1e-6)
    assert not s.estimated_within


def test_it_estimates_both_variances_by_moments() -> None:
    # e² = 4, 4, 2.25, 2.25 against 1/n = 0.1, 0.1, 0.025, 0.025: slope σ² = 1.75/0.075 = 23.333…,
    # intercept τ² = 2.25 − 23.333…·0.025 = 1.666…; λ(10) = 1.6667/(1.6667 + 2.3333) = 0.416667,
    # λ(40) = 1.6667/(1.6667 + 0.58333) = 0.740741.
    s = shrink_residuals([2.0, -2.0, 1.5, -1.5], [10, 10, 40, 40], n_params=0)
    assert s.sigma2_within == pytest.approx(70 / 3)
    assert s.tau2 == pytest.approx(5 / 3)
    np.testing.assert_allclose(s.lam, [0.4166667, 0.4166667, 0.7407407, 0.7407407], rtol=1e-6)
    assert s.estimated_within


def test_it_does_not_shrink_when_small_schools_are_not_noisier() -> None:
    # e² falls with 1/n: the slope is negative, σ² is floored at 0 and λ = 1.
    s = shrink_residuals([1.0, -1.0, 2.0, -2.0], [10, 10, 40, 40], n_params=0)
    assert s.sigma2_within == 0.0
    np.testing.assert_allclose(s.lam, [1.0, 1.0, 1.0, 1.0])


def test_it_applies_the_degrees_of_freedom_correction() -> None:
    # m = 4 schools, 2 parameters: e² is scaled by 4/2 = 2 → mean 5.0; τ² = 5 − 4·0.0625 = 4.75.
    s = shrink_residuals([1.0, -1.0, 2.0, -2.0], [10, 10, 40, 40], within_variance=4.0, n_params=2)
    assert s.tau2 == pytest.approx(4.75)


def test_it_refuses_non_positive_sizes() -> None:
    with pytest.raises(AnalyticsError, match="положительные"):
        shrink_residuals([1.0, 2.0, 3.0], [10, 0, 5])
