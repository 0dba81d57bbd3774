"""Canonical column names and polars schemas of the analytics core's tables.

Every reader produces these frames and every engine function consumes them, so the names here are the
contract between import, identification and monitoring (docs/methodology.md §1).
"""

from __future__ import annotations

from typing import Final

import polars as pl

__all__ = [
    "CONTEXT_KEY",
    "EGE_COUNTS",
    "KDR_LEVELS",
    "MARKS",
    "PROCEDURES",
    "RESULTS_KEY",
    "RESULTS_SCHEMA",
    "RISK_SCHEMA",
    "STUDENT_SCHEMA",
    "conform_results",
]

#: Assessment procedures, as codes. Russian labels are added at the edge (ВПР, ОГЭ, ЕГЭ, КДР).
PROCEDURES: Final = ("vpr", "oge", "ege", "kdr")

#: Marks of the Russian five-point scale kept as counts in the results table.
MARKS: Final = (2, 3, 4, 5)

#: ЕГЭ counts of participants below the minimum score, with 80–99 and with 100 test points.
EGE_COUNTS: Final = ("n_below_min", "n_80_99", "n_100")

#: КДР result levels, from lowest to highest (недостаточный, пониженный, базовый, повышенный).
KDR_LEVELS: Final = ("insufficient", "reduced", "basic", "advanced")

#: One row of school results per these keys.
RESULTS_KEY: Final = ("school_id", "procedure", "subject", "grade", "year")

#: Per-school aggregate results of one assessment (one row per RESULTS_KEY).
#: ``grade`` is the participants' grade, ``grade_program`` the grade whose programme was tested (they differ
#: for the autumn ВПР of 2020 and 2022); ``year`` is the calendar year of the sitting, ``date`` its date.
#: Mark counts ``n_2``…``n_5`` are used for ВПР/ОГЭ/ЕГЭ (базовая математика), level counts ``n_insufficient``…
#: ``n_advanced`` for КДР; ``mean_pct`` is the mean primary score in % of the maximum, ``mean_score`` the mean
#: primary (ВПР, ОГЭ, КДР) or test (ЕГЭ) score, ``mean_mark`` the mean mark. ЕГЭ adds ``n_below_min`` (did not
#: reach the minimum score; for базовая математика: mark «2»), ``n_80_99`` (80–99 test points) and ``n_100``
#: (100 points); базовая математика is marked on the five-point scale, so its mean is ``mean_mark``, not
#: ``mean_score``. Any of them may be null.
RESULTS_SCHEMA: Final = pl.Schema(
    {
        "school_id": pl.String,
        "procedure": pl.String,
        "subject": pl.String,
        "grade": pl.Int16,
        "grade_program": pl.Int16,
        "year": pl.Int16,
        "date": pl.Date,
        "n": pl.Int32,
        "n_2": pl.Int32,
        "n_3": pl.Int32,
        "n_4": pl.Int32,
        "n_5": pl.Int32,
        "n_insufficient": pl.Int32,
        "n_reduced": pl.Int32,
        "n_basic": pl.Int32,
        "n_advanced": pl.Int32,
        "n_below_min": pl.Int32,
        "n_80_99": pl.Int32,
        "n_100": pl.Int32,
        "mean_pct": pl.Float64,
        "mean_score": pl.Float64,
        "mean_mark": pl.Float64,
    }
)

#: Optional student-level results; ``student_id`` is a pseudonymous code, never a name.
STUDENT_SCHEMA: Final = pl.Schema(
    {
        "student_id": pl.String,
        "school_id": pl.String,
        "procedure": pl.String,
        "subject": pl.String,
        "grade": pl.Int16,
        "year": pl.Int16,
        "primary_score": pl.Float64,
        "max_score": pl.Float64,
        "mark": pl.Int8,
    }
)

#: Context data (КИАСУО-like) is wide: these keys plus one Float64 column per configured variable,
#: each a share of the school's students in percent (0–100) unless the variable's config says otherwise.
CONTEXT_KEY: Final = ("school_id", "year")

#: Municipal risk-factor inputs per school and year (SEED-B Прил. 1–2; methodology-research §1.5).
#: ``computers_sufficient``: the school has enough computer equipment (Прил. 2, «отсутствие достаточного количества
#: компьютерной техники» is one of the three factors of the order's risk-zone rule).
RISK_SCHEMA: Final = pl.Schema(
    {
        "school_id": pl.String,
        "year": pl.Int16,
        "staff_vacancies": pl.Int32,
        "internet_mbps": pl.Float64,
        "share_category_first_highest": pl.Float64,
        "share_trained_3y": pl.Float64,
        "equipment_complete": pl.Boolean,
        "computers_sufficient": pl.Boolean,
    }
)


def conform_results(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with exactly the RESULTS_SCHEMA columns, in order and type; a column it lacks (a file or a stored
    set written before the column existed, e.g. the ЕГЭ counts) is added empty."""
    missing = [
        pl.lit(None, dtype=dtype).alias(name)
        for name, dtype in RESULTS_SCHEMA.items()
        if name not in frame.columns
    ]
    return frame.with_columns(missing).select(RESULTS_SCHEMA.names()).cast(RESULTS_SCHEMA)
