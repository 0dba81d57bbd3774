"""Identification use-cases: build the core's input frames from stored data, run the engine, store the run.

The engine (opora.identify) holds every formula; this module only moves data in and out, so that a run can be
repeated from its config snapshot and data version (docs/methodology.md R9–R10).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import math
from collections.abc import Iterable
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone

import opora
from opora.config import IdentificationConfig
from opora.errors import AnalyticsError
from opora.schema import RESULTS_KEY, RESULTS_SCHEMA, RISK_SCHEMA
from portal.audit.services import actor, record
from portal.identification.models import IdentificationRun, IdentificationSettings, SchoolOutcome
from portal.results.models import AssessmentResult, ContextValue, ReferenceDataset, RiskInput
from portal.schools.models import Municipality, School


class IdentificationError(Exception):
    """A run cannot be made; the message is Russian and shown to the coordinator."""


def config_for(municipality: Municipality) -> IdentificationConfig:
    """The municipality's saved configuration, or the documented defaults."""
    saved = IdentificationSettings.objects.filter(municipality=municipality).first()
    return IdentificationConfig.from_mapping(saved.config if saved and saved.config else {})


def save_config(municipality: Municipality, mapping: dict[str, Any], *, by: Any) -> IdentificationSettings:
    """Validate and store the configuration (opora.errors.ConfigError carries the Russian message)."""
    IdentificationConfig.from_mapping(mapping)  # raises ConfigError naming the bad key
    with transaction.atomic():
        settings, _ = IdentificationSettings.objects.select_for_update().get_or_create(
            municipality=municipality
        )
        before = {"config": settings.config}
        settings.config = mapping
        settings.save()
        record(settings, "identification.settings.changed", by=by, before=before, after={"config": mapping})
    return settings


def municipal_frames(municipality: Municipality) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Stored results, context (wide) and risk inputs of the municipality's schools, keyed by school code."""
    result_fields = [n for n in RESULTS_SCHEMA.names() if n != "school_id"]
    rows = list(
        AssessmentResult.objects.filter(school__municipality=municipality).values(
            "school__code", *result_fields
        )
    )
    results = (
        pl.DataFrame(
            [{"school_id": r.pop("school__code"), **r} for r in rows], schema=RESULTS_SCHEMA, orient="row"
        )
        if rows
        else pl.DataFrame(schema=RESULTS_SCHEMA)
    )
    ctx_rows = list(
        ContextValue.objects.filter(school__municipality=municipality).values_list(
            "school__code", "year", "variable", "value"
        )
    )
    if ctx_rows:
        long = pl.DataFrame(
            ctx_rows,
            schema={"school_id": pl.String, "year": pl.Int16, "variable": pl.String, "value": pl.Float64},
            orient="row",
        )
        context = long.pivot(on="variable", index=["school_id", "year"], values="value").sort(
            "school_id", "year"
        )
    else:
        context = pl.DataFrame(schema={"school_id": pl.String, "year": pl.Int16})
    risk_fields = [n for n in RISK_SCHEMA.names() if n != "school_id"]
    risk_rows = list(
        RiskInput.objects.filter(school__municipality=municipality).values("school__code", *risk_fields)
    )
    risk = (
        pl.DataFrame(
            [{"school_id": r.pop("school__code"), **r} for r in risk_rows], schema=RISK_SCHEMA, orient="row"
        )
        if risk_rows
        else pl.DataFrame(schema=RISK_SCHEMA)
    )
    return results, context, risk


def reference_frames(reference: ReferenceDataset) -> tuple[pl.DataFrame, pl.DataFrame]:
    results = pl.read_csv(
        io.BytesIO(bytes(reference.results_csv)), schema_overrides=RESULTS_SCHEMA, try_parse_dates=True
    )
    context = pl.read_csv(
        io.BytesIO(bytes(reference.context_csv)), schema_overrides={"school_id": pl.String, "year": pl.Int16}
    )
    return results.select(RESULTS_SCHEMA.names()).cast(dict(RESULTS_SCHEMA)), context


def data_version(*frames: pl.DataFrame) -> str:
    """SHA-256 of the inputs in a canonical order: the same data gives the same version."""
    digest = hashlib.sha256()
    for frame in frames:
        ordered = frame.select(sorted(frame.columns))
        if ordered.height:
            ordered = ordered.sort(ordered.columns)
        digest.update(ordered.write_csv().encode())
    return digest.hexdigest()


def run_identification(
    municipality: Municipality,
    year: int,
    *,
    by: Any,
    reference: ReferenceDataset | None = None,
    config: IdentificationConfig | None = None,
) -> IdentificationRun:
    """Fit the model (on the reference set if given, else on the municipality's schools), classify, store."""
    config = config or config_for(municipality)
    results, context, risk = municipal_frames(municipality)
    codes = list(School.objects.filter(municipality=municipality).values_list("code", flat=True))
    if results.is_empty():
        raise IdentificationError(
            "Нет загруженных результатов оценочных процедур: загрузите их на странице «Данные»."
        )
    if context.width <= 2:
        raise IdentificationError(
            "Нет загруженных контекстных данных (КИАСУО): загрузите их на странице «Данные»."
        )
    if reference is not None:
        ref_results, ref_context = reference_frames(reference)
        # The municipality's own stored data wins over the reference rows of the same schools.
        results = pl.concat(
            [ref_results.filter(~pl.col("school_id").is_in(codes)), results], how="vertical_relaxed"
        )
        context = pl.concat(
            [ref_context.filter(~pl.col("school_id").is_in(codes)), context], how="diagonal_relaxed"
        )
        fit_schools = sorted(set(results["school_id"].unique().to_list()))
        fit_description = f"региональный набор «{reference.name}» ({len(fit_schools)} школ)"
    else:
        fit_schools = codes
        fit_description = f"школы муниципалитета ({len(codes)})"
    # A canonical row order makes floating-point sums, and so every number of the run, reproducible.
    results = results.sort(list(RESULTS_KEY))
    context = context.sort("school_id", "year")
    risk = risk.sort("school_id", "year")
    try:
        outcome = opora.identify(
            results, context, risk, config=config, fit_schools=fit_schools, apply_schools=codes, year=year
        )
    except AnalyticsError as error:
        raise IdentificationError(str(error)) from error
    schools = {s.code: s for s in School.objects.filter(municipality=municipality)}
    with transaction.atomic():
        run = IdentificationRun.objects.create(
            municipality=municipality,
            year=year,
            created_by=actor(by),
            reference=reference,
            fit_description=fit_description,
            config=config.to_mapping(),
            data_version=data_version(results, context, risk),
            model=_jsonable(outcome.model),
            n_fit=outcome.model.n,
            excluded=_excluded(outcome),
        )
        SchoolOutcome.objects.bulk_create(_outcomes(run, outcome, schools))
        record(
            run,
            "identification.run.created",
            by=by,
            data={"year": year, "data_version": run.data_version, "fit": fit_description},
        )
    return run


def publish_run(run: IdentificationRun, *, by: Any) -> IdentificationRun:
    """Make a run the official municipal list for its year; the previously published run of that year is archived."""
    with transaction.atomic():
        run = IdentificationRun.objects.select_for_update().get(pk=run.pk)
        if run.status != IdentificationRun.Status.FINISHED:
            raise IdentificationError(
                "Опубликовать можно только рассчитанный и ещё не опубликованный расчёт."
            )
        IdentificationRun.objects.filter(
            municipality=run.municipality, year=run.year, status=IdentificationRun.Status.PUBLISHED
        ).update(status=IdentificationRun.Status.ARCHIVED)
        run.status, run.published_by, run.published_at = (
            IdentificationRun.Status.PUBLISHED,
            by,
            timezone.now(),
        )
        run.save(update_fields=["status", "published_by", "published_at"])
        record(run, "identification.run.published", by=by, data={"year": run.year})
    return run


def latest_published(municipality: Municipality) -> IdentificationRun | None:
    return (
        IdentificationRun.objects.filter(municipality=municipality, status=IdentificationRun.Status.PUBLISHED)
        .order_by("-year", "-published_at")
        .first()
    )


# --- adapters from the core's result to stored rows -------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(dataclasses.asdict(value))
    if hasattr(value, "item"):
        return _jsonable(value.item())
    return value


def _excluded(outcome: Any, codes: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Schools left out of the run's year (coverage, minimum n, missing context), with the reason."""
    frame = outcome.excluded.filter(pl.col("year") == outcome.year)
    if codes is not None:
        frame = frame.filter(pl.col("school_id").is_in(list(codes)))
    return _jsonable(frame.to_dicts()) if frame.height else []


def _num(row: dict[str, Any], key: str) -> float | None:
    """A stored number, rounded to 12 decimals: polars' parallel sums may differ in the last bit between runs,
    and a rerun on the same data must store the same numbers."""
    value = row.get(key)
    if value is None or (isinstance(value, float) and (math.isnan(value) or math.isinf(value))):
        return None
    return round(float(value), 12)


def _outcomes(run: IdentificationRun, outcome: Any, schools: dict[str, School]) -> list[SchoolOutcome]:
    components: dict[str, list[dict[str, Any]]] = {}
    for row in outcome.components.to_dicts():
        components.setdefault(row["school_id"], []).append(_jsonable(row))
    excluded = {row["school_id"]: row.get("reason", "") for row in _excluded(outcome, schools)}
    rows = {row["school_id"]: row for row in outcome.schools.to_dicts()}
    made = []
    for code, school in schools.items():
        row = rows.get(code, {})
        reasons = [_jsonable(r) for r in outcome.reasons.get(code, [])]
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
                components=components.get(code, []),
                risk_factors=_jsonable(list(outcome.risk_flags.get(code, []))),
                excluded_reason=str(excluded.get(code, ""))[:300],
            )
        )
    return made
