"""z-standardisation within cells against a reference set of rows (docs/methodology.md R2)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

__all__ = ["MIN_SD", "has_spread", "standardize"]

#: The smallest standard deviation that is a spread: below it the squared deviations underflow into subnormal
#: numbers and the SD loses its precision (values such as 0, 0 and 1.6e-158 are no spread in any data set).
MIN_SD: float = float(np.sqrt(np.finfo(np.float64).tiny))


def has_spread(
    ids: np.ndarray, x: np.ndarray, ok: np.ndarray, mean: np.ndarray, sd: np.ndarray
) -> np.ndarray:
    """Per cell: do its values (rows ``ok`` of ``x``, cell ``ids``) differ, with an SD of at least MIN_SD?

    Equal values are no spread even when their computed mean is not exactly the value (three times 0.1 sum to
    0.30000000000000004): their deviations would be one tiny number and every z ±0.816 instead of none. Such an
    SD is rounding error, far below 1e-9 of the mean, so only the values of cells that small are compared.
    """
    spread = sd >= MIN_SD
    suspect = spread & (sd <= 1e-9 * np.abs(mean))
    if suspect.any():
        rows = ok & suspect[ids]
        cell, vals = ids[rows], x[rows]
        first = np.zeros(len(sd))
        first[cell[::-1]] = vals[::-1]  # the first value of each cell (the last write wins)
        away = np.bincount(cell, weights=np.abs(vals - first[cell]), minlength=len(sd))
        spread &= ~suspect | (away > 0)
    return spread


def standardize(
    frame: pl.DataFrame,
    value: str,
    *,
    by: Sequence[str] = (),
    reference: str | None = None,
    sign: str | int = 1,
    out: str = "z",
    min_reference: int = 2,
) -> pl.DataFrame:
    """Add ``out`` = sign·(value − mean_ref)/sd_ref within each ``by`` cell; docs/methodology.md R2.

    The mean and the sample SD (ddof = 1) are taken over the rows where the boolean column ``reference`` is
    true (all rows when None): the region's schools define the scale, and other rows (e.g. a municipality's
    schools outside the fit) are placed on it. ``sign`` is +1/−1 or the name of a column holding it, so that
    "higher = better" after standardisation. A cell with fewer than ``min_reference`` reference values or no
    spread (:func:`has_spread`: equal values, or an SD below :data:`MIN_SD`) gives null z. Also adds ``{out}_ref_n`` (reference rows in the cell).

    >>> f = pl.DataFrame({"x": [1.0, 2.0, 3.0]})
    >>> standardize(f, "x")["z"].to_list()
    [-1.0, 0.0, 1.0]
    """
    n = frame.height
    if part := list(by):
        key = frame.select(pl.struct(part).hash(seed=0).rank("dense")).to_series()
        ids = (key.cast(pl.Int64) - 1).to_numpy()
    else:
        ids = np.zeros(n, dtype=np.int64)
    size = int(ids.max()) + 1 if n else 0
    x = frame[value].cast(pl.Float64).fill_null(np.nan).to_numpy()
    ref = (
        np.ones(n, dtype=bool)
        if reference is None
        else frame[reference].fill_null(False).cast(pl.Boolean).to_numpy()
    )
    ok = ref & ~np.isnan(x)
    # Sums in row order with numpy (not a parallel window expression): the same bits on any thread count.
    count = np.bincount(ids, weights=ok.astype(np.float64), minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(ids, weights=np.where(ok, x, 0.0), minlength=size) / count
        dev = np.where(ok, x - mean[ids], 0.0)
        sd = np.sqrt(np.bincount(ids, weights=dev * dev, minlength=size) / (count - 1.0))
        signs = frame[sign].cast(pl.Float64).to_numpy() if isinstance(sign, str) else float(sign)
        z = signs * (x - mean[ids]) / sd[ids]
    good = (count[ids] >= min_reference) & has_spread(ids, x, ok, mean, sd)[ids] & ~np.isnan(x)
    return frame.with_columns(
        pl.Series(out, np.where(good, z, np.nan)).fill_nan(None),
        pl.Series(f"{out}_ref_n", count[ids].astype(np.int64)),
    )
