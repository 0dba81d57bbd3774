"""Values no one types, computed from stored data: positive dynamics from the results (methodology M1) and the
risk-factor flags of 2.2 from the schools' risk data (M3). ``services.refresh_computed`` re-exports the entry point.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import polars as pl
from django.db import transaction

from opora.indicators import fmt_num
from opora.risk_factors import risk_flags
from opora.schema import RESULTS_SCHEMA
from opora.trends import groups_for, school_dynamics
from portal.audit.services import record
from portal.monitoring.models import IndicatorValue, MonitoringPeriod
from portal.schools.models import Municipality, School

# --------------------------------------------------------------------------------------------- dynamics


def results_frame(municipality: Municipality, years: Iterable[int]) -> pl.DataFrame:
    """Stored results of the municipality's schools for ``years``, in the core's column names."""
    from portal.results.models import AssessmentResult

    # Every column the unit statistics read (R1; ЕГЭ from regional reports gives a test score and counts).
    cols = [
        "school_id",
        "procedure",
        "subject",
        "grade",
        "year",
        "n",
        "n_2",
        "n_insufficient",
        "n_reduced",
        "n_below_min",
        "mean_pct",
        "mean_score",
    ]
    rows = list(
        AssessmentResult.objects.filter(school__municipality=municipality, year__in=list(years)).values_list(
            *cols
        )
    )
    schema = {"school_id": pl.Int64, **{c: RESULTS_SCHEMA[c] for c in cols[1:]}}
    return pl.DataFrame(rows, schema=schema, orient="row").with_columns(pl.col("school_id").cast(pl.String))


def refresh_computed(period: MonitoringPeriod, *, by: Any) -> int:
    """Compute the school values no one types, from stored data; return the rows written.

    * positive dynamics (7.1–7.6 …) from the stored assessment results (``opora.trends``, methodology M1);
    * the risk-factor flags of 2.2 from the schools' risk data (``opora.risk_factors`` with the municipality's
      identification thresholds; the latest data of a year ≤ the period's year; methodology M3).

    A school's form shows these values read-only with the rule applied; the previous computed values are replaced.
    """
    from portal.monitoring.services import check_open, touch

    check_open(period)
    rows = _dynamics_rows(period) + _risk_factor_rows(period)
    with transaction.atomic():
        deleted, _ = IndicatorValue.objects.filter(
            period=period, origin=IndicatorValue.Origin.RESULTS
        ).delete()
        IndicatorValue.objects.bulk_create(rows)
        touch(period.pk)
        record(
            period,
            "monitoring.period.computed_refreshed",
            by=by,
            data={"rows": len(rows), "replaced": deleted},
        )
    return len(rows)


def _dynamics_rows(period: MonitoringPeriod) -> list[IndicatorValue]:
    groups = groups_for(period.indicator_set.code)
    if not groups:
        return []
    frame = school_dynamics(
        results_frame(period.municipality, [period.year - 1, period.year]),
        year=period.year,
        set_code=period.indicator_set.code,
    )
    indicators = {i.code: i for i in period.indicator_set.indicators.filter(code__in={g[0] for g in groups})}
    return [
        IndicatorValue(
            period=period,
            school_id=int(r["school_id"]),
            indicator=indicators[r["indicator_id"]],
            subitem=r["subitem"] or "",
            bool_value=r["positive"],
            number=r["change"],
            text=r["rule_ru"],
            origin=IndicatorValue.Origin.RESULTS,
        )
        for r in frame.iter_rows(named=True)
        if r["indicator_id"] in indicators
    ]


def _risk_factor_rows(period: MonitoringPeriod) -> list[IndicatorValue]:
    from portal.identification.services import config_for, municipal_frames

    indicators = list(period.indicator_set.indicators.filter(derivation="share_of_schools_with_risk_factor"))
    if not indicators:
        return []
    _results, _context, risk = municipal_frames(period.municipality)
    flags = risk_flags(risk, config_for(period.municipality).categories, year=period.year)
    schools = dict(School.objects.filter(municipality=period.municipality).values_list("code", "pk"))
    out = []
    for indicator in indicators:
        wanted = set(indicator.municipal_slots)
        for code, school_flags in flags.items():
            for f in school_flags:
                if f.code not in wanted or f.flag is None or code not in schools:
                    continue
                shown = "да" if f.value is True else "нет" if f.value is False else fmt_num(float(f.value))
                verdict = "фактор выявлен" if f.flag else "фактор не выявлен"
                out.append(
                    IndicatorValue(
                        period=period,
                        school_id=schools[code],
                        indicator=indicator,
                        subitem=f.code,
                        bool_value=f.flag,
                        number=None if isinstance(f.value, bool) else f.value,
                        text=f"{f.label}: {shown} (порог: {f.threshold_text}) — {verdict}.",
                        origin=IndicatorValue.Origin.RESULTS,
                    )
                )
    return out
