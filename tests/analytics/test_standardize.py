"""z-standardisation (docs/methodology.md R2)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opora.standardize import standardize


def test_it_standardises_a_hand_worked_cell() -> None:
    # 2, 4, 6: mean 4, sample SD 2 → z = −1, 0, 1; sign −1 flips them.
    f = pl.DataFrame({"x": [2.0, 4.0, 6.0]})
    assert standardize(f, "x")["z"].to_list() == [-1.0, 0.0, 1.0]
    assert standardize(f, "x", sign=-1)["z"].to_list() == [1.0, 0.0, -1.0]


def test_it_places_non_reference_rows_on_the_reference_scale() -> None:
    # Reference rows 2, 4, 6 (mean 4, SD 2); the outsider 10 gets (10 − 4)/2 = 3.
    f = pl.DataFrame({"x": [2.0, 4.0, 6.0, 10.0], "ref": [True, True, True, False]})
    assert standardize(f, "x", reference="ref")["z"].to_list() == [-1.0, 0.0, 1.0, 3.0]


def test_it_gives_null_for_cells_without_spread_or_reference() -> None:
    f = pl.DataFrame({"g": ["a", "a", "b"], "x": [5.0, 5.0, 1.0]})
    out = standardize(f, "x", by=["g"])
    assert out["z"].to_list() == [None, None, None]
    assert out["z_ref_n"].to_list() == [2, 2, 1]


def test_a_spread_whose_squares_underflow_is_no_spread() -> None:
    # Found by the property below: 0, 0 and 1.6e-158 have an SD of about 9e-159, whose squared deviations are
    # subnormal, so the SD came out 0.99999999197 of itself. Below MIN_SD (√ of the smallest normal double,
    # 1.49e-154) a cell has no spread, as a cell of equal values.
    f = pl.DataFrame({"g": [0, 0, 0, 1, 1, 1], "x": [0.0, 0.0, 1.6203004645245717e-158, 0.0, 0.0, 3e-154]})
    out = standardize(f, "x", by=["g"])
    assert out["z"].to_list()[:3] == [None, None, None]
    assert out["z"].drop_nulls().len() == 3  # 0, 0, 3e-154: SD 1.73e-154 ≥ MIN_SD, a spread


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(min_value=-1e3, max_value=1e3, allow_nan=False), min_size=3, max_size=40),
    st.integers(min_value=1, max_value=4),
)
def test_it_gives_mean_zero_and_sd_one_within_each_cell(values: list[float], groups: int) -> None:
    f = pl.DataFrame({"x": values, "g": [i % groups for i in range(len(values))]})
    out = standardize(f, "x", by=["g"])
    for _, part in out.group_by("g"):
        z = part["z"].drop_nulls().to_numpy()
        if len(z) >= 2:
            assert abs(z.mean()) < 1e-9
            assert np.std(z, ddof=1) == pytest.approx(1.0, rel=1e-9)


def test_equal_values_are_no_spread_even_when_their_mean_is_not_exact() -> None:
    # Found by the property above: 0.1 three times sums to 0.30000000000000004, so the mean is not 0.1, every
    # deviation is the same −2.8e-17 and z came out 0.816 for all three instead of none.
    f = pl.DataFrame({"g": [0, 0, 0, 1, 1, 1], "x": [0.1, 0.1, 0.1, 0.1, 0.1, 0.2]})
    out = standardize(f, "x", by=["g"])
    assert out["z"].to_list()[:3] == [None, None, None]
    # g = 1 has a spread: mean 0,1333…, SD 0,057735 → z = −0,57735, −0,57735, 1,154701 (hand calculation)
    assert out["z"].to_list()[3:] == pytest.approx([-0.5773503, -0.5773503, 1.1547005], rel=1e-6)
