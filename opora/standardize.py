"""z-standardisation within cells against a reference set of rows (docs/methodology.md R2)."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

__all__ = ["standardize"]


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
    "higher = better" after standardisation. A cell with fewer than ``min_reference`` reference values or a zero
    SD gives null z. Also adds ``{out}_ref_n`` (reference rows in the cell).

    >>> f = pl.DataFrame({"x": [1.0, 2.0, 3.0]})
    >>> standardize(f, "x")["z"].to_list()
    [-1.0, 0.0, 1.0]
    """
    ref = pl.lit(True) if reference is None else pl.col(reference).fill_null(False)
    x = pl.col(value).cast(pl.Float64)
    xr = pl.when(ref & x.is_not_null()).then(x).otherwise(None)
    part = list(by)
    mean = xr.mean().over(part) if part else xr.mean()
    sd = xr.std(ddof=1).over(part) if part else xr.std(ddof=1)
    count = xr.count().over(part) if part else xr.count()
    s = pl.col(sign).cast(pl.Float64) if isinstance(sign, str) else pl.lit(float(sign))
    z = (
        pl.when((count >= min_reference) & (sd > 0))
        .then(s * (x - mean) / sd)
        .otherwise(None)
        .cast(pl.Float64)
    )
    return frame.with_columns(z.alias(out), count.cast(pl.Int64).alias(f"{out}_ref_n"))
