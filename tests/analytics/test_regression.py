"""OLS/WLS (docs/methodology.md R5) against NIST StRD certified values, a hand-worked case and statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opora.errors import AnalyticsError, InsufficientDataError
from opora.regression import diagnostics, fit_ols

# NIST StRD, Linear Regression, "Norris" (lower difficulty), https://www.itl.nist.gov/div898/strd/lls/data/Norris.shtml
# 36 observations, columns y x.
NORRIS = """
0.1 0.2
338.8 337.4
118.1 118.2
888.0 884.6
9.2 10.1
228.1 226.5
668.5 666.3
998.5 996.3
449.1 448.6
778.9 777.0
559.2 558.2
0.3 0.4
0.1 0.6
778.1 775.5
668.8 666.9
339.3 338.0
448.9 447.5
10.8 11.6
557.7 556.0
228.3 228.1
998.0 995.8
888.8 887.6
119.6 120.2
0.3 0.3
0.6 0.3
557.6 556.8
339.3 339.1
888.0 887.2
998.5 999.0
778.9 779.0
10.2 11.1
117.6 118.3
228.9 229.2
668.4 669.1
449.2 448.9
0.2 0.5
"""

# NIST StRD, Linear Regression, "Longley" (higher difficulty), https://www.itl.nist.gov/div898/strd/lls/data/Longley.shtml
# 16 observations, columns y x1 … x6 (the same numbers as statsmodels.datasets.longley, checked below).
LONGLEY = """
60323 83.0 234289 2356 1590 107608 1947
61122 88.5 259426 2325 1456 108632 1948
60171 88.2 258054 3682 1616 109773 1949
61187 89.5 284599 3351 1650 110929 1950
63221 96.2 328975 2099 3099 112075 1951
63639 98.1 346999 1932 3594 113270 1952
64989 99.0 365385 1870 3547 115094 1953
63761 100.0 363112 3578 3350 116219 1954
66019 101.2 397469 2904 3048 117388 1955
67857 104.6 419180 2822 2857 118734 1956
68169 108.4 442769 2936 2798 120445 1957
66513 110.8 444546 4681 2637 121950 1958
68655 112.6 482704 3813 2552 123366 1959
69564 114.2 502601 3931 2514 125368 1960
69331 115.7 518173 4806 2572 127852 1961
70551 116.9 554894 4007 2827 130081 1962
"""


def _table(text: str) -> np.ndarray:
    return np.array([[float(v) for v in line.split()] for line in text.strip().splitlines()])


def _rel(a: np.ndarray | float, b: np.ndarray | float) -> float:
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b)) / np.abs(np.asarray(b))))


def test_it_reproduces_nist_norris_to_twelve_digits() -> None:
    data = _table(NORRIS)
    assert data.shape == (36, 2)
    fit = fit_ols(data[:, 1], data[:, 0])
    # Certified values, NIST StRD Norris.
    assert _rel(fit.params, [-0.262323073774029, 1.00211681802045]) < 1e-12
    assert _rel(fit.bse, [0.232818234301152, 0.429796848199937e-03]) < 1e-12
    assert _rel(fit.sigma, 0.884796396144373) < 1e-12
    assert _rel(fit.r_squared, 0.999993745883712) < 1e-12


def test_it_reproduces_nist_longley_to_twelve_digits() -> None:
    data = _table(LONGLEY)
    assert data.shape == (16, 7)
    fit = fit_ols(data[:, 1:], data[:, 0])
    # Certified values, NIST StRD Longley.
    beta = [
        -3482258.63459582,
        15.0618722713733,
        -0.358191792925910e-01,
        -2.02022980381683,
        -1.03322686717359,
        -0.511041056535807e-01,
        1829.15146461355,
    ]
    se = [
        890420.383607373,
        84.9149257747669,
        0.334910077722432e-01,
        0.488399681651699,
        0.214274163161675,
        0.226073200069370,
        455.478499142212,
    ]
    assert _rel(fit.params, beta) < 1e-12
    assert _rel(fit.bse, se) < 1e-12
    assert _rel(fit.sigma, 304.854073561965) < 1e-12
    assert _rel(fit.r_squared, 0.995479004577296) < 1e-12


def test_it_types_the_longley_data_as_statsmodels_ships_them() -> None:
    from statsmodels.datasets import longley

    d = longley.load_pandas()
    np.testing.assert_array_equal(_table(LONGLEY)[:, 0], d.endog.to_numpy())
    np.testing.assert_array_equal(_table(LONGLEY)[:, 1:], d.exog.to_numpy())


def test_it_fits_a_hand_worked_line() -> None:
    # x = 0..3, y = 1,3,2,5: x̄ = 1.5, ȳ = 2.75, Sxx = 5, Sxy = 5.5 → b = 1.1, a = 1.1;
    # residuals −0.1, 0.8, −1.3, 0.6; SSE = 2.7; s² = 1.35; se(b) = √(1.35/5); h = 1/4 + (x − 1.5)²/5.
    x, y = np.array([0.0, 1.0, 2.0, 3.0]), np.array([1.0, 3.0, 2.0, 5.0])
    fit = fit_ols(x, y)
    np.testing.assert_allclose(fit.params, [1.1, 1.1], rtol=1e-12)
    np.testing.assert_allclose(fit.resid, [-0.1, 0.8, -1.3, 0.6], atol=1e-12)
    assert fit.sigma == pytest.approx(np.sqrt(1.35), rel=1e-12)
    assert fit.bse[1] == pytest.approx(np.sqrt(0.27), rel=1e-12)
    np.testing.assert_allclose(fit.leverage, [0.7, 0.3, 0.3, 0.7], rtol=1e-12)
    d = diagnostics(fit, x, y)
    np.testing.assert_allclose(d.std_residual, fit.resid / np.sqrt(1.35), rtol=1e-12)
    np.testing.assert_allclose(
        d.studentized_residual, fit.resid / (np.sqrt(1.35) * np.sqrt(1 - fit.leverage)), rtol=1e-12
    )


def _data(seed: int, n: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, n)
    y = 0.3 + 0.8 * x + rng.normal(0, 0.5, n)
    w = rng.integers(10, 200, n).astype(float)
    return x, y, w / w.mean()


def test_it_matches_statsmodels_ols_predictions_and_influence() -> None:
    import statsmodels.api as sm

    x, y, _ = _data(1)
    fit = fit_ols(x, y)
    d = diagnostics(fit, x, y, level=0.95)
    ref = sm.OLS(y, sm.add_constant(x)).fit()
    frame = ref.get_prediction(sm.add_constant(x)).summary_frame(alpha=0.05)
    np.testing.assert_allclose(fit.params, ref.params, rtol=1e-10)
    np.testing.assert_allclose(fit.bse, ref.bse, rtol=1e-10)
    np.testing.assert_allclose(d.ci_low, frame["mean_ci_lower"], rtol=1e-10)
    np.testing.assert_allclose(d.pi_high, frame["obs_ci_upper"], rtol=1e-10)
    infl = ref.get_influence()
    np.testing.assert_allclose(d.studentized_residual, infl.resid_studentized_internal, rtol=1e-10)
    np.testing.assert_allclose(d.leverage, infl.hat_matrix_diag, rtol=1e-10)


def test_it_matches_statsmodels_wls() -> None:
    import statsmodels.api as sm

    x, y, w = _data(2)
    fit = fit_ols(x, y, weights=w)
    d = diagnostics(fit, x, y, weights=w)
    ref = sm.WLS(y, sm.add_constant(x), weights=w).fit()
    np.testing.assert_allclose(fit.params, ref.params, rtol=1e-10)
    np.testing.assert_allclose(fit.bse, ref.bse, rtol=1e-10)
    np.testing.assert_allclose(fit.sigma**2, ref.scale, rtol=1e-10)
    np.testing.assert_allclose(fit.r_squared, ref.rsquared, rtol=1e-10)
    frame = ref.get_prediction(sm.add_constant(x), weights=w).summary_frame(alpha=0.05)
    np.testing.assert_allclose(d.ci_high, frame["mean_ci_upper"], rtol=1e-10)
    np.testing.assert_allclose(d.pi_low, frame["obs_ci_lower"], rtol=1e-10)
    np.testing.assert_allclose(d.std_residual, ref.resid_pearson, rtol=1e-10)
    # WLS has no get_influence in statsmodels: the internally studentised residuals of WLS are those of OLS on
    # the whitened design √w·[1, x], √w·y.
    sw = np.sqrt(w)
    infl = sm.OLS(sw * y, sw[:, None] * sm.add_constant(x)).fit().get_influence()
    np.testing.assert_allclose(d.studentized_residual, infl.resid_studentized_internal, rtol=1e-9)
    np.testing.assert_allclose(d.leverage, infl.hat_matrix_diag, rtol=1e-9)


def test_it_standardises_prediction_errors_of_rows_outside_the_fit() -> None:
    x, y, _ = _data(3)
    fit = fit_ols(x[:30], y[:30])
    d = diagnostics(fit, x[30:], y[30:], in_fit=np.zeros(10, dtype=bool))
    h = d.leverage
    np.testing.assert_allclose(d.studentized_residual, d.residual / (fit.sigma * np.sqrt(1 + h)), rtol=1e-12)


def test_it_refuses_degenerate_designs() -> None:
    with pytest.raises(InsufficientDataError, match="наблюдений"):
        fit_ols([1.0, 2.0], [1.0, 2.0])
    with pytest.raises(AnalyticsError, match="постоянен"):
        fit_ols([1.0, 1.0, 1.0, 1.0], [1.0, 2.0, 3.0, 4.0])
    with pytest.raises(AnalyticsError, match="Веса"):
        fit_ols([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 5.0], weights=[1.0, 0.0, 1.0, 1.0])


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=4, max_value=60), st.booleans())
def test_it_gives_residuals_summing_to_zero_with_an_intercept(seed: int, n: int, weighted: bool) -> None:
    x, y, w = _data(seed, n)
    fit = fit_ols(x, y, weights=w if weighted else None)
    wv = w if weighted else np.ones(n)
    assert abs(float(wv @ fit.resid)) < 1e-9 * max(1.0, float(np.abs(y).sum()))
    assert abs(float((wv * x) @ fit.resid)) < 1e-9 * max(1.0, float(np.abs(y).sum()))
