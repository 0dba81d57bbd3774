"""Identification use-cases: build the core's input frames from stored data, run the engine, store the run.

The engine (opora.identify) holds every formula; this module only moves data in and out, so that a run can be
repeated from its config snapshot and data version (docs/methodology.md R9–R10).
"""

from __future__ import annotations

import hashlib
import io
import time
from collections.abc import Callable
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone

import opora
from opora.config import IdentificationConfig
from opora.errors import AnalyticsError
from opora.params import PARAMS, display
from opora.plural import MUNICIPALITY, SCHOOL, count
from opora.schema import RESULTS_KEY, RESULTS_SCHEMA, RISK_SCHEMA, conform_results
from portal.audit.services import actor, record
from portal.identification.models import (
    IdentificationRun,
    IdentificationSettings,
    RegionIdentificationSettings,
    RegionRun,
    SchoolOutcome,
)
from portal.identification.outcomes import (
    OutcomeParts,
    bulk_create_values,
    excluded_rows,
    failure_message,
    model_json,
    outcome_rows,
)
from portal.lib import stale
from portal.results.models import AssessmentResult, ContextValue, ReferenceDataset, RiskInput
from portal.schools.models import Municipality, Region, School


class IdentificationError(Exception):
    """A run cannot be made; the message is Russian and shown to the coordinator."""


def config_for(municipality: Municipality) -> IdentificationConfig:
    """The municipality's saved configuration, or the documented defaults."""
    return _saved_config(IdentificationSettings, municipality=municipality)


def save_config(
    municipality: Municipality, mapping: dict[str, Any], *, by: Any, expected: str | None = None
) -> IdentificationSettings:
    """Validate and store the configuration (opora.errors.ConfigError carries the Russian message). ``expected``:
    the settings form's snapshot (portal.lib.stale); a save over someone else's newer save raises StaleEdit."""
    return _save_config(
        IdentificationSettings,
        "identification.settings.changed",
        mapping,
        by=by,
        expected=expected,
        municipality=municipality,
    )


def config_state(mapping: dict[str, Any] | None) -> dict[str, Any]:
    """The effective parameters as the settings form shows them, one entry per parameter (for the stale check)."""
    config = IdentificationConfig.from_mapping(mapping or {}).to_mapping()
    return {p.path: config[p.section][p.key] for p in PARAMS}


def config_label(path: str) -> str:
    """A parameter's Russian name (for the list of changes of a refused stale save)."""
    return next((p.label for p in PARAMS if p.path == path), path)


def config_value(path: str, value: Any) -> str:
    return display(path, value)


def _saved_config(model: Any, **owner: Any) -> IdentificationConfig:
    """The configuration saved in ``model`` for ``owner`` (a municipality or a region), or the defaults."""
    saved = model.objects.filter(**owner).first()
    return IdentificationConfig.from_mapping(saved.config if saved and saved.config else {})


def _save_config(
    model: Any, action: str, mapping: dict[str, Any], *, by: Any, expected: str | None = None, **owner: Any
) -> Any:
    """Validate ``mapping`` and store it in ``model`` for ``owner``, audited as ``action``; with ``expected`` (the
    form's snapshot) refuse to overwrite parameters someone else changed meanwhile (stale.StaleEdit)."""
    IdentificationConfig.from_mapping(mapping)  # raises ConfigError naming the bad key
    with transaction.atomic():
        model.objects.get_or_create(**owner)
        settings = model.objects.select_for_update().get(**owner)
        stale.check(expected, config_state(settings.config), config_label)
        before = {"config": settings.config}
        settings.config = mapping
        settings.save()
        record(settings, action, by=by, before=before, after={"config": mapping})
    return settings


def municipal_frames(municipality: Municipality) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Stored results, context (wide) and risk inputs of the municipality's schools, keyed by school code."""
    codes = dict(School.objects.filter(municipality=municipality).values_list("pk", "code"))
    return _frames(codes, school__municipality=municipality)


def _with_codes(frame: pl.DataFrame, codes: dict[int, str]) -> pl.DataFrame:
    """Replace the integer ``school_id`` (a School pk) by the school's code."""
    return frame.with_columns(pl.col("school_id").replace_strict(codes, return_dtype=pl.String, default=None))


def _frames(codes: dict[int, str], **lookup: Any) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Results, context (wide) and risk inputs of the schools selected by ``lookup`` (e.g.
    ``school__municipality__region=region``), whose codes are ``{pk: code}``: three queries whatever their number.

    Rows are read with ``values_list`` (tuples, the school's id rather than a join for its code), then keyed by
    code in polars.
    """
    result_fields = [n for n in RESULTS_SCHEMA.names() if n != "school_id"]
    rows = list(AssessmentResult.objects.filter(**lookup).values_list("school_id", *result_fields))
    id_schema = {"school_id": pl.Int64, **{n: RESULTS_SCHEMA[n] for n in result_fields}}
    results = (
        _with_codes(pl.DataFrame(rows, schema=id_schema, orient="row"), codes)
        if rows
        else pl.DataFrame(schema=RESULTS_SCHEMA)
    )
    ctx_rows = list(
        ContextValue.objects.filter(**lookup).values_list("school_id", "year", "variable", "value")
    )
    if ctx_rows:
        long = _with_codes(
            pl.DataFrame(
                ctx_rows,
                schema={"school_id": pl.Int64, "year": pl.Int16, "variable": pl.String, "value": pl.Float64},
                orient="row",
            ),
            codes,
        )
        context = long.pivot(on="variable", index=["school_id", "year"], values="value").sort(
            "school_id", "year"
        )
    else:
        context = pl.DataFrame(schema={"school_id": pl.String, "year": pl.Int16})
    risk_fields = [n for n in RISK_SCHEMA.names() if n != "school_id"]
    risk_rows = list(RiskInput.objects.filter(**lookup).values_list("school_id", *risk_fields))
    risk = (
        _with_codes(
            pl.DataFrame(
                risk_rows,
                schema={"school_id": pl.Int64, **{n: RISK_SCHEMA[n] for n in risk_fields}},
                orient="row",
            ),
            codes,
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
    return conform_results(results), context  # a set stored before the ЕГЭ counts existed lacks them


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
        fit_description = f"региональный набор «{reference.name}» ({count(len(fit_schools), SCHOOL)})"
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
        raise IdentificationError(failure_message(error)) from error
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
            model=model_json(outcome),
            n_fit=outcome.model.n,
            excluded=excluded_rows(outcome, codes),
        )
        SchoolOutcome.objects.bulk_create(outcome_rows(run, outcome, schools))
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


# --- region-wide identification ---------------------------------------------------------------------------------

#: progress(percent, message): how a region run reports its progress (the background job's Progress fits).
ProgressFn = Callable[[float, str], None]


def region_config(region: Region) -> IdentificationConfig:
    """The region's saved configuration of the region-wide run, or the documented defaults (docs/methodology.md)."""
    return _saved_config(RegionIdentificationSettings, region=region)


def save_region_config(
    region: Region, mapping: dict[str, Any], *, by: Any, expected: str | None = None
) -> RegionIdentificationSettings:
    """Validate and store the region's configuration (ConfigError names the bad key; StaleEdit as save_config)."""
    return _save_config(
        RegionIdentificationSettings,
        "identification.region_settings.changed",
        mapping,
        by=by,
        expected=expected,
        region=region,
    )


def saved_mapping(model: Any, **owner: Any) -> dict[str, Any]:
    """The parameters stored for ``owner`` (empty = defaults), as saved."""
    saved = model.objects.filter(**owner).first()
    return dict(saved.config) if saved and saved.config else {}


def region_frames(region: Region) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Stored results, context and risk inputs of every school of the region (four queries in all)."""
    codes = dict(School.objects.filter(municipality__region=region).values_list("pk", "code"))
    return _frames(codes, school__municipality__region=region)


def start_region_identification(region: Region, year: int, *, by: Any) -> RegionRun:
    """Queue a region-wide run as a background job (``identification.region``); the run page shows progress."""
    from portal.jobs import services as jobs

    anchor = region.municipalities.order_by("name", "pk").first()
    if anchor is None:
        raise IdentificationError("В регионе нет муниципалитетов: рассчитывать не для кого.")
    config = region_config(region)
    with transaction.atomic():
        region_run = RegionRun.objects.create(
            region=region, year=year, config=config.to_mapping(), created_by=actor(by)
        )
        record(region_run, "identification.region_run.queued", by=by, data={"year": year})
        # A job belongs to a municipality (portal.jobs); a region's job is filed under its first municipality,
        # which every user who sees the region also sees.
        job = jobs.enqueue(
            "identification.region",
            title=f"Идентификация {year} г. по региону «{region}»",
            params={"region_run": region_run.pk},
            municipality=anchor,
            by=by,
        )
        RegionRun.objects.filter(pk=region_run.pk).update(job=job)
    region_run.refresh_from_db()
    return region_run


def run_region_identification(
    region: Region,
    year: int,
    *,
    by: Any,
    config: IdentificationConfig | None = None,
    progress: ProgressFn | None = None,
    region_run: RegionRun | None = None,
) -> RegionRun:
    """Fit the model ONCE on all schools of the region, apply it to every school, store one run per municipality.

    Every municipal result is an ordinary IdentificationRun (so its pages, exports, publication and reports work
    unchanged) linked to the returned RegionRun. The number of queries does not depend on the number of
    municipalities: frames in four queries, the runs and the outcomes with ``bulk_create``. ``region_run``: a
    queued run to fill (the background job); None makes a new one. Raises IdentificationError (Russian); a
    queued ``region_run`` is then marked failed with the message.
    """
    report = progress or (lambda percent, message: None)
    if region_run is None:
        config = config or region_config(region)
        region_run = RegionRun(region=region, year=year, config=config.to_mapping(), created_by=actor(by))
    else:
        config = config or IdentificationConfig.from_mapping(region_run.config)
    region_run.status = RegionRun.Status.RUNNING
    region_run.save()
    try:
        _fill_region_run(region_run, region, year, config, by=by, report=report)
    except IdentificationError as error:
        region_run.status, region_run.error = RegionRun.Status.FAILED, str(error)
        region_run.finished_at = timezone.now()
        region_run.save(update_fields=["status", "error", "finished_at"])
        raise
    return region_run


def _fill_region_run(
    region_run: RegionRun,
    region: Region,
    year: int,
    config: IdentificationConfig,
    *,
    by: Any,
    report: ProgressFn,
) -> None:
    started = time.monotonic()
    report(2, "Чтение данных всех школ региона…")
    schools = list(
        School.objects.filter(municipality__region=region)
        .select_related("municipality")
        .order_by("municipality__name", "municipality_id", "sort_key", "short_name")
    )
    if not schools:
        raise IdentificationError("В регионе нет школ: рассчитывать не для кого.")
    results, context, risk = _frames({s.pk: s.code for s in schools}, school__municipality__region=region)
    if results.is_empty():
        raise IdentificationError(
            "Нет загруженных результатов оценочных процедур ни в одном муниципалитете региона."
        )
    if context.width <= 2:
        raise IdentificationError(
            "Нет загруженных контекстных данных (КИАСУО) ни в одном муниципалитете региона."
        )
    by_municipality: dict[int, dict[str, School]] = {}
    for school in schools:
        by_municipality.setdefault(school.municipality_id, {})[school.code] = school
    codes = [s.code for s in schools]
    results = results.sort(list(RESULTS_KEY))
    context = context.sort("school_id", "year")
    risk = risk.sort("school_id", "year")
    report(10, f"Построение модели на {len(codes)} школах…")

    def years_done(done: int, total: int) -> None:
        report(10 + 60 * done / max(total, 1), f"Рассчитано лет: {done} из {total}.")

    try:
        outcome = opora.identify(
            results,
            context,
            risk,
            config=config,
            fit_schools=codes,
            apply_schools=codes,
            year=year,
            progress=years_done,
        )
    except AnalyticsError as error:
        raise IdentificationError(failure_message(error)) from error
    report(75, "Сохранение результатов по муниципалитетам…")
    parts = OutcomeParts(outcome)
    model = model_json(outcome)
    version = data_version(results, context, risk)
    fit_description = (
        f"все школы региона ({count(len(codes), SCHOOL)}, {count(len(by_municipality), MUNICIPALITY)})"
    )
    municipalities = {s.municipality_id: s.municipality for s in schools}
    with transaction.atomic():
        region_run.status = RegionRun.Status.FINISHED
        region_run.fit_description = fit_description
        region_run.config = config.to_mapping()
        region_run.n_fit = outcome.model.n
        region_run.n_schools = len(codes)
        region_run.n_municipalities = len(by_municipality)
        region_run.model = model
        region_run.data_version = version
        region_run.error = ""
        region_run.finished_at = timezone.now()
        region_run.save()
        runs = bulk_create_values(
            IdentificationRun,
            [
                IdentificationRun(
                    municipality=municipalities[mid],
                    year=year,
                    created_by=actor(by),
                    fit_description=fit_description,
                    config=region_run.config,
                    data_version=version,
                    model=model,
                    n_fit=outcome.model.n,
                    excluded=parts.excluded_of(own),
                    region_run=region_run,
                )
                for mid, own in by_municipality.items()
            ],
            "n_fit",
        )
        rows = [
            row
            for run in runs
            for row in outcome_rows(run, outcome, by_municipality[run.municipality_id], parts)
        ]
        bulk_create_values(SchoolOutcome, rows, "n_components")
        for run in runs:
            record(
                run,
                "identification.run.created",
                by=by,
                data={
                    "year": year,
                    "data_version": version,
                    "fit": fit_description,
                    "region_run": region_run.pk,
                },
            )
        record(
            region_run,
            "identification.region_run.finished",
            by=by,
            data={
                "year": year,
                "data_version": version,
                "municipalities": len(runs),
                "schools": len(rows),
                "seconds": round(time.monotonic() - started, 2),
            },
        )
    report(100, f"Готово: {count(len(runs), MUNICIPALITY)}, {count(len(rows), SCHOOL)}.")


def publish_region_run(region_run: RegionRun, *, by: Any) -> RegionRun:
    """Publish every municipal run of a region run at once; each municipality's previously published run of that
    year is archived (as publish_run does for one municipality). One audit entry per municipal run and one for
    the region run."""
    with transaction.atomic():
        region_run = RegionRun.objects.select_for_update().get(pk=region_run.pk)
        if region_run.status != RegionRun.Status.FINISHED:
            raise IdentificationError(
                "Опубликовать можно только рассчитанный и ещё не опубликованный расчёт."
            )
        now = timezone.now()
        runs = list(region_run.runs.select_related("municipality"))
        IdentificationRun.objects.filter(
            municipality_id__in=[r.municipality_id for r in runs],
            year=region_run.year,
            status=IdentificationRun.Status.PUBLISHED,
        ).exclude(region_run=region_run).update(status=IdentificationRun.Status.ARCHIVED)
        region_run.runs.exclude(status=IdentificationRun.Status.PUBLISHED).update(
            status=IdentificationRun.Status.PUBLISHED, published_by=actor(by), published_at=now
        )
        for run in runs:
            record(
                run,
                "identification.run.published",
                by=by,
                data={"year": run.year, "region_run": region_run.pk},
            )
        region_run.status, region_run.published_by, region_run.published_at = (
            RegionRun.Status.PUBLISHED,
            actor(by),
            now,
        )
        region_run.save(update_fields=["status", "published_by", "published_at"])
        record(
            region_run,
            "identification.region_run.published",
            by=by,
            data={"year": region_run.year, "municipalities": len(runs)},
        )
    return region_run
