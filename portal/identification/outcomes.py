"""Adapters from the core's identification result to stored rows: JSON-safe values, the model and exclusions of
a run, one SchoolOutcome per school, and a bulk insert that stays fast on PostgreSQL."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from typing import Any

import polars as pl
from django.db.models import PositiveIntegerField, Value

from opora.errors import AnalyticsError
from portal.identification.models import IdentificationRun, SchoolOutcome
from portal.schools.models import School

#: Rows written per INSERT by bulk_create_values.
INSERT_BATCH = 500


def bulk_create_values(model: Any, rows: list[Any], counter: str) -> list[Any]:
    """bulk_create with plain ``INSERT … VALUES``, not Django 5.2's ``UNNEST`` arrays on PostgreSQL.

    With psycopg's client-side binding the array form escapes every element in Python (a regular-expression
    substitution per quote character): for the JSON of the outcomes and models of a region-wide run that took
    ~7 of 8 seconds (measured, 510 schools). One SQL expression among a batch's values — the integer field
    ``counter`` of its first row, as a Value — makes Django keep the VALUES form
    (django/db/backends/postgresql/compiler.py, SQLInsertCompiler.assemble_as_sql).
    """
    made = []
    for start in range(0, len(rows), INSERT_BATCH):
        batch = rows[start : start + INSERT_BATCH]
        value = getattr(batch[0], counter)
        setattr(batch[0], counter, Value(value, output_field=PositiveIntegerField()))
        made += model.objects.bulk_create(batch, batch_size=INSERT_BATCH)
        setattr(batch[0], counter, value)
    return made


def jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | bool | int):  # the common leaves first: this runs per value
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    if hasattr(value, "item"):
        return jsonable(value.item())
    return value


def model_json(outcome: Any) -> dict[str, Any]:
    """The stored model of a run: the target year's ModelSummary plus the model of every evaluated year
    (``by_year``, without chart points and the configuration snapshot, which the run stores once)."""
    model: dict[str, Any] = jsonable(outcome.model)
    model["by_year"] = {
        str(y): {k: v for k, v in jsonable(m).items() if k not in ("fit_points", "config")}
        for y, m in sorted(outcome.models.items())
    }
    return model


def excluded_rows(outcome: Any, codes: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The run's exclusions report (opora.inputs.EXCLUSION_COLUMNS): years not evaluated, context variables not
    used, rows and values left out and schools without an index — of the reported schools (``codes``) and of the
    whole run; the values left out at other schools of the model's sample are counted in one line."""
    frame = outcome.excluded
    if codes is not None:
        mine = pl.col("school_id").is_null() | pl.col("school_id").is_in(list(codes))
        elsewhere = frame.filter(~mine)
        frame = frame.filter(mine)
        if elsewhere.height:
            frame = pl.concat(
                [
                    frame,
                    pl.DataFrame(
                        [
                            {
                                "year": outcome.year,
                                "school_id": None,
                                "stage": "elsewhere",
                                "column": None,
                                "value": str(elsewhere.height),
                                "reason": f"в других школах выборки модели исключено записей: {elsewhere.height} "
                                "(строки и значения вне допустимого диапазона, школы без индексов)",
                            }
                        ],
                        schema=frame.schema,
                    ),
                ]
            )
    return jsonable(frame.to_dicts()) if frame.height else []


def failure_message(error: AnalyticsError) -> str:
    """The engine's Russian reason, with what to do next when the reason does not say it."""
    text = str(error).rstrip()
    hint = (
        " Исправьте данные на странице «Данные» или параметры на странице «Параметры методики» и выполните "
        "расчёт ещё раз."
    )
    return (
        text
        if any(w in text for w in ("Исправьте", "укажите", "Укажите", "добавьте", "Добавьте"))
        else text + hint
    )


def _num(row: dict[str, Any], key: str) -> float | None:
    """A stored number (NaN and infinity stored as null). The engine gives the same bits on every run of the
    same data (its sums have a fixed order), so no rounding is needed to make a rerun store the same numbers."""
    value = row.get(key)
    if value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value))):
        return None
    return float(value)


#: Stages of the exclusions report that leave a school without a result in the run's year.
_NO_INDEX = ("results", "context")


class OutcomeParts:
    """The core's result split by school once (rows, components, exclusion reasons), so that a region-wide result
    is turned into the outcomes of many municipal runs without re-reading its frames for each of them."""

    def __init__(self, outcome: Any) -> None:
        self.outcome = outcome
        self.rows = {row["school_id"]: row for row in outcome.schools.to_dicts()}
        self.components: dict[str, list[dict[str, Any]]] = {}
        # Components are flat rows of scalars: NaN/inf become null in polars (as jsonable would do) rather
        # than value by value in Python — tens of thousands of rows in a region-wide run.
        frame = outcome.components
        floats = [name for name, dtype in frame.schema.items() if dtype.is_float()]
        if floats:
            frame = frame.with_columns(
                pl.when(pl.col(name).is_finite()).then(pl.col(name)).otherwise(None).alias(name)
                for name in floats
            )
        for row in frame.to_dicts():
            self.components.setdefault(row["school_id"], []).append(row)
        self.excluded: dict[str, list[dict[str, Any]]] = {}
        self.general: list[dict[str, Any]] = []
        for row in excluded_rows(outcome, outcome.schools["school_id"].to_list()):
            if row.get("school_id"):
                self.excluded.setdefault(row["school_id"], []).append(row)
            else:
                self.general.append(row)

    def excluded_of(self, codes: Iterable[str]) -> list[dict[str, Any]]:
        return self.general + [row for code in sorted(codes) for row in self.excluded.get(code, [])]


def outcome_rows(
    run: IdentificationRun, outcome: Any, schools: dict[str, School], parts: OutcomeParts | None = None
) -> list[SchoolOutcome]:
    parts = parts or OutcomeParts(outcome)
    made = []
    for code, school in schools.items():
        row = parts.rows.get(code, {})
        reasons = [jsonable(r) for r in outcome.reasons.get(code, [])]
        excluded = [
            r
            for r in parts.excluded.get(code, [])
            if r.get("year") == outcome.year and r.get("stage") in _NO_INDEX
        ]
        made.append(
            SchoolOutcome(
                run=run,
                school=school,
                **{
                    k: _num(row, k)
                    for k in (
                        "results_index",
                        "context_index",
                        "expected",
                        "residual",
                        "std_residual",
                        "studentized_residual",
                        "ci_low",
                        "ci_high",
                        "pi_low",
                        "pi_high",
                        "shrunk_residual",
                    )
                },
                n_components=int(row.get("n_components") or 0),
                n_participants=int(row.get("n_participants") or 0),
                categories=list(row.get("categories") or []),
                reasons=reasons,
                components=parts.components.get(code, []),
                risk_factors=jsonable(list(outcome.risk_flags.get(code, []))),
                excluded_reason=str(excluded[-1].get("reason", "") if excluded else "")[:300],
            )
        )
    return made
