"""A synthetic region split into municipalities, with student-level results (docs R11; issue 8).

Builds on :func:`opora.synthetic.synthetic_region`: the same latent model of context and quality gives the
schools' aggregate results, context and risk inputs; here the schools are spread over municipalities of varying
size and, optionally, pseudonymous student rows (STUDENT_SCHEMA) are drawn around each school's results, written
as one CSV file per municipality (the portal imports student files per municipality). Nothing is real data; the
same seed always gives the same frames and files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl

from opora.schema import STUDENT_SCHEMA
from opora.synthetic import SYNTHETIC_CELLS, SyntheticData, synthetic_region, write_csv

__all__ = [
    "REGION_YEARS",
    "SyntheticRegion",
    "municipality_sizes",
    "region_students",
    "synthetic_municipal_region",
    "write_municipal_region_files",
]

REGION_YEARS: Final = (2022, 2023, 2024)

#: Cut points of the percentage of the maximum score for the marks 3, 4 and 5 (as in opora.synthetic).
_MARK_CUTS: Final = (30.0, 50.0, 75.0)
_STUDENT_SD: Final = 18.0


@dataclass(frozen=True)
class SyntheticRegion:
    """``data``: the region's frames (``data.schools`` has a ``municipality`` column: index 0…M-1);
    ``municipalities``: the municipality codes in order; ``prefix``: the school code prefix."""

    data: SyntheticData
    municipalities: list[str]
    prefix: str

    def schools_of(self, index: int) -> list[str]:
        """School codes of the ``index``-th municipality."""
        return self.data.schools.filter(pl.col("municipality") == index)["school_id"].to_list()


def municipality_sizes(n_municipalities: int, schools_per: int, *, seed: int = 1) -> list[int]:
    """Sizes of ``n_municipalities`` municipalities that sum to ``n_municipalities × schools_per`` exactly.

    Sizes vary around ``schools_per`` (±40 %, drawn from ``seed``), each at least ``min(2, schools_per)``;
    the largest-remainder method makes the total exact.

    >>> sizes = municipality_sizes(60, 17)
    >>> sum(sizes), min(sizes) >= 2, len(set(sizes)) > 1
    (1020, True, True)
    """
    if n_municipalities < 1 or schools_per < 1:
        raise ValueError("n_municipalities and schools_per must be positive")
    total = n_municipalities * schools_per
    floor = min(2, schools_per)
    rng = np.random.default_rng(seed + 7919)
    weights = rng.uniform(0.6, 1.4, n_municipalities)
    spare = total - floor * n_municipalities
    raw = weights / weights.sum() * spare
    sizes = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - sizes), kind="stable")
    sizes[order[: spare - int(sizes.sum())]] += 1
    return [int(s) + floor for s in sizes]


def synthetic_municipal_region(
    n_municipalities: int = 60,
    schools_per: int = 17,
    years: tuple[int, ...] = REGION_YEARS,
    *,
    seed: int = 1,
    prefix: str = "SR",
    municipality_prefix: str = "sr",
) -> SyntheticRegion:
    """A region of ``n_municipalities`` municipalities with about ``schools_per`` schools each.

    School codes are ``{prefix}-0001``…; municipality codes ``{municipality_prefix}-m01``…; schools are assigned to
    municipalities in code order by :func:`municipality_sizes`.
    """
    sizes = municipality_sizes(n_municipalities, schools_per, seed=seed)
    data = synthetic_region(sum(sizes), years, seed=seed, prefix=prefix)
    owner = np.repeat(np.arange(n_municipalities), sizes)
    schools = data.schools.with_columns(pl.Series("municipality", owner, dtype=pl.Int32))
    width = max(2, len(str(n_municipalities)))
    codes = [f"{municipality_prefix}-m{j + 1:0{width}d}" for j in range(n_municipalities)]
    return SyntheticRegion(
        data=SyntheticData(results=data.results, context=data.context, risk=data.risk, schools=schools),
        municipalities=codes,
        prefix=prefix,
    )


def region_students(
    region: SyntheticRegion, n_rows: int, *, municipality: int | None = None, seed: int = 11
) -> pl.DataFrame:
    """About ``n_rows`` student rows (STUDENT_SCHEMA) for the whole region, or the part of them that belongs to one
    ``municipality`` (index); the same ``seed`` gives the same rows in both cases.

    Each aggregate result row (school × assessment × year) gets ``n × f`` students, ``f = n_rows / Σ n`` (stochastic
    rounding, so the total is ``n_rows`` up to rounding); a student's percentage of the maximum score is drawn from
    N(the row's ``mean_pct``, 18²) and clipped to 0–100, the mark follows the cut points 30/50/75 %. Student codes
    are unique in the region: ``{school}-{year}-{row}``.
    """
    results = region.data.results.with_row_index("row_id")
    total = int(results["n"].sum())
    factor = n_rows / total if total else 0.0
    rng = np.random.default_rng(seed)
    n = results["n"].to_numpy().astype(np.float64) * factor
    counts = (np.floor(n) + (rng.random(len(n)) < n - np.floor(n))).astype(np.int64)
    # Per-row seeds make one municipality's rows identical to its part of the whole region's rows.
    row_seeds = rng.integers(0, 2**63 - 1, len(n))
    if municipality is not None:
        mine = set(region.schools_of(municipality))
        keep = results["school_id"].is_in(list(mine)).to_numpy()
    else:
        keep = np.ones(len(n), dtype=bool)
    idx = np.flatnonzero(keep & (counts > 0))
    if idx.size == 0:
        return pl.DataFrame(schema=STUDENT_SCHEMA)
    maxs = {(c[0], c[1], c[2]): float(c[3]) for c in SYNTHETIC_CELLS}
    sub = results[idx.tolist()]
    k = counts[idx]
    means = sub["mean_pct"].fill_null(50.0).to_numpy()
    noise = np.concatenate(
        [
            np.random.default_rng(int(s)).standard_normal(int(c))
            for s, c in zip(row_seeds[idx], k, strict=True)
        ]
    )
    pct = np.clip(np.repeat(means, k) + _STUDENT_SD * noise, 0.0, 100.0)
    max_score = np.array(
        [maxs[(p, s, int(g))] for p, s, g in sub.select("procedure", "subject", "grade").iter_rows()],
        dtype=np.float64,
    )
    max_rep = np.repeat(max_score, k)
    score = np.round(pct * max_rep / 100.0)
    eff = np.where(max_rep > 0, score * 100.0 / np.where(max_rep > 0, max_rep, 1.0), 0.0)
    cuts = np.array(_MARK_CUTS)
    mark = (2 + (eff[:, None] >= cuts[None, :]).sum(axis=1)).astype(np.int8)
    frame = sub.select("school_id", "procedure", "subject", "grade", "year").select(
        pl.all().gather(pl.Series(np.repeat(np.arange(len(k)), k)))
    )
    start = np.concatenate([[0], np.cumsum(k)[:-1]])
    within = np.arange(int(k.sum())) - np.repeat(start, k)
    return (
        frame.with_columns(
            pl.Series("primary_score", score),
            pl.Series("max_score", max_rep),
            pl.Series("mark", mark, dtype=pl.Int8),
            pl.Series("_row", np.repeat(sub["row_id"].to_numpy(), k)),
            pl.Series("_within", within),
        )
        .with_columns(
            pl.concat_str(
                [pl.col("school_id"), pl.col("year").cast(pl.String), pl.col("_row"), pl.col("_within")],
                separator="-",
            ).alias("student_id")
        )
        .select(STUDENT_SCHEMA.names())
        .cast(STUDENT_SCHEMA)
    )


def write_municipal_region_files(
    directory: str | Path,
    region: SyntheticRegion,
    *,
    students: int = 0,
    seed: int = 11,
    progress: bool = False,
) -> dict[str, Path]:
    """Write the region as canonical CSV files and return them by role.

    Roles: ``schools`` (school_id, municipality code, kind, rural, students), ``results``, ``context``, ``risk``
    (the whole region) and, when ``students`` > 0, ``students:<municipality code>`` — one student file per
    municipality (``students/<code>.csv``), about ``students`` rows in all.
    """
    import sys

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    codes = pl.Series("code", region.municipalities, dtype=pl.String)
    owner = region.data.schools["municipality"].to_numpy()
    schools = region.data.schools.with_columns(codes.gather(owner).alias("municipality")).select(
        "school_id", "municipality", "kind", "rural", pl.col("students").cast(pl.Int64)
    )
    files = {
        "schools": write_csv(schools, out / "region_schools.csv"),
        "results": write_csv(region.data.results, out / "region_results.csv"),
        "context": write_csv(region.data.context, out / "region_context.csv"),
        "risk": write_csv(region.data.risk, out / "region_risk.csv"),
    }
    if students > 0:
        folder = out / "students"
        folder.mkdir(exist_ok=True)
        written = 0
        for j, code in enumerate(region.municipalities):
            frame = region_students(region, students, municipality=j, seed=seed)
            files[f"students:{code}"] = write_csv(frame, folder / f"{code}.csv")
            written += frame.height
            if progress:
                sys.stderr.write(f"  обучающиеся: {code} — {frame.height} строк (всего {written})\n")
    return files
