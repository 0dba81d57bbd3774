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
