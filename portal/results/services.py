"""Imports: read a whole file with the core's readers, validate against the registry, then write once.

Nothing is written when a file has any error: the batch is kept as «отклонён» with every error, so the coordinator
sees what to fix. Re-importing a year that already has data needs an explicit «заменить» and replaces exactly the
(year[, procedure]) slices the file contains, in one transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db import connection, transaction

from opora import readers
from opora.schema import RESULTS_SCHEMA
from portal.audit.services import actor, record
from portal.lib.personal_data import student_names_problem
from portal.lib.uploads import data_import_problem
from portal.results.models import (
    AssessmentResult,
    ContextValue,
    ImportBatch,
    OfficialListEntry,
    ReferenceDataset,
    RiskInput,
)
from portal.schools.models import Municipality, School

RESULT_FIELDS = [name for name in RESULTS_SCHEMA.names() if name != "school_id"]
RISK_FIELDS = [
    "staff_vacancies",
    "internet_mbps",
    "share_category_first_highest",
    "share_trained_3y",
    "equipment_complete",
    "computers_sufficient",
]


class ImportRejected(Exception):
    """The file cannot be imported; ``errors`` are Russian messages naming file, row, column and reason."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors[:3]))
        self.errors = errors


@dataclass
class ImportReport:
    batch: ImportBatch
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.batch.status == ImportBatch.Status.IMPORTED


def import_file(
    municipality: Municipality,
    kind: str,
    data: bytes,
    *,
    filename: str,
    by: Any,
    replace: bool = False,
    defaults: dict[str, Any] | None = None,
) -> ImportReport:
    """Validate ``data`` as a whole and write it in one transaction, or write nothing and keep the errors."""
    schools = {s.code: s for s in School.objects.filter(municipality=municipality)}
    warnings: list[str] = []
    try:
        if problem := data_import_problem(data, filename) or student_names_problem(kind, data, filename):
            raise ImportRejected([problem])
        frame, warnings = _read(kind, data, filename=filename, schools=schools, defaults=defaults)
        _check_schools(frame, schools, filename)
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                municipality=municipality,
                kind=kind,
                filename=_printable(filename)[:255],
                sha256=_sha(data),
                uploaded_by=actor(by),
                status=ImportBatch.Status.IMPORTED,
                years=sorted({int(y) for y in frame["year"].unique()}),
                warnings=[_printable(w) for w in warnings[:200]],
                layout="",
            )
            replaced = _write(kind, batch, frame, schools, replace=replace, filename=filename)
            batch.rows, batch.replaced = frame.height, replaced
            batch.save(update_fields=["rows", "replaced"])
            record(
                batch,
                "results.batch.imported",
                by=by,
                data={"kind": kind, "rows": frame.height, "replaced": replaced, "years": batch.years},
            )
        return ImportReport(batch, warnings=warnings)
    except ImportRejected as rejected:
        return _reject(municipality, kind, filename, _sha(data), rejected.errors, warnings, by=by)


def _reject(
    municipality: Municipality,
    kind: str,
    filename: str,
    digest: str,
    errors: list[str],
    warnings: list[str],
    *,
    by: Any,
) -> ImportReport:
    """Keep a rejected upload with its errors (nothing else is written) and log the rejection."""
    batch = ImportBatch.objects.create(
        municipality=municipality,
        kind=kind,
        filename=_printable(filename)[:255],
        sha256=digest,
        uploaded_by=actor(by),
        status=ImportBatch.Status.REJECTED,
        errors=[_printable(e) for e in errors[:500]],
        warnings=[_printable(w) for w in warnings[:200]],
    )
    record(batch, "results.batch.rejected", by=by, data={"kind": kind, "errors": len(errors)})
    return ImportReport(batch, errors=errors, warnings=warnings)


def _printable(text: str) -> str:
    """A message quoting file content, storable anywhere: PostgreSQL's jsonb and text refuse U+0000 (a NUL from
    a binary file quoted in an error made the rejection itself fail with DataError, a 500)."""
    return "".join(c if c.isprintable() or c in "\n\t" else "�" for c in text)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read(
    kind: str, data: bytes, *, filename: str, schools: dict[str, School], defaults: dict[str, Any] | None
) -> tuple[pl.DataFrame, list[str]]:
    if kind == ImportBatch.Kind.RESULTS:
        lookup = {s.short_name: code for code, s in schools.items()} | {
            s.name: code for code, s in schools.items()
        }
        outcome = readers.read_results(data, filename=filename, defaults=defaults, school_lookup=lookup)
    elif kind == ImportBatch.Kind.STUDENTS:
        # Validated and aggregated to one row per school × assessment inside the reader (10 M rows: streamed).
        outcome = readers.read_students(data, filename=filename, aggregate=True)
    elif kind == ImportBatch.Kind.CONTEXT:
        outcome = readers.read_context(data, filename=filename)
    elif kind == ImportBatch.Kind.RISK:
        outcome = readers.read_risk(data, filename=filename)
    else:
        raise ValueError(f"kind {kind!r} is not imported by import_file")
    warnings = [str(w) for w in outcome.warnings]
    if not outcome.ok or outcome.frame is None:
        raise ImportRejected(
            [str(e) for e in outcome.errors] or [f"Файл {filename}: не удалось прочитать данные."]
        )
    frame = outcome.frame
    if frame.height == 0:
        raise ImportRejected([f"Файл {filename}: в файле нет строк с данными."])
    return frame, warnings


def _check_schools(frame: pl.DataFrame, schools: dict[str, School], filename: str) -> None:
    unknown = sorted({str(c) for c in frame["school_id"].unique().to_list()} - set(schools))
    if unknown:
        shown = ", ".join(f"«{c}»" for c in unknown[:20]) + (
            f" и ещё {len(unknown) - 20}" if len(unknown) > 20 else ""
        )
        raise ImportRejected(
            [
                f"Файл {filename}, столбец «Код ОО»: коды {shown} не найдены среди школ муниципалитета. "
                "Проверьте коды в карточках школ или загрузите региональный набор для модели отдельно."
            ]
        )


def _write(
    kind: str,
    batch: ImportBatch,
    frame: pl.DataFrame,
    schools: dict[str, School],
    *,
    replace: bool,
    filename: str,
) -> int:
    school_ids = [s.pk for s in schools.values()]
    if kind in (ImportBatch.Kind.RESULTS, ImportBatch.Kind.STUDENTS):
        slices = frame.select("year", "procedure").unique().sort("year", "procedure").rows()
        existing = AssessmentResult.objects.none()
        for year, procedure in slices:
            existing = existing | AssessmentResult.objects.filter(
                school_id__in=school_ids, year=year, procedure=procedure
            )
        _guard_replace(existing.count(), replace, [f"{p.upper()} {y}" for y, p in slices], filename)
        replaced = existing.delete()[0]
        _insert_results(batch, frame, schools)
        return replaced
    years = sorted({int(y) for y in frame["year"].unique()})
    if kind == ImportBatch.Kind.CONTEXT:
        existing_ctx = ContextValue.objects.filter(school_id__in=school_ids, year__in=years)
        _guard_replace(existing_ctx.count(), replace, [str(y) for y in years], filename)
        replaced = existing_ctx.delete()[0]
        variables = [c for c in frame.columns if c not in ("school_id", "year")]
        ContextValue.objects.bulk_create(
            (
                ContextValue(
                    batch=batch,
                    school=schools[row["school_id"]],
                    year=row["year"],
                    variable=v,
                    value=float(row[v]),
                )
                for row in frame.iter_rows(named=True)
                for v in variables
                if row[v] is not None
            ),
            batch_size=2000,
        )
        return replaced
    if kind == ImportBatch.Kind.RISK:
        existing_risk = RiskInput.objects.filter(school_id__in=school_ids, year__in=years)
        _guard_replace(existing_risk.count(), replace, [str(y) for y in years], filename)
        replaced = existing_risk.delete()[0]
        RiskInput.objects.bulk_create(
            RiskInput(
                batch=batch,
                school=schools[row["school_id"]],
                year=row["year"],
                **{k: row.get(k) for k in RISK_FIELDS},
            )
            for row in frame.iter_rows(named=True)
        )
        return replaced
    raise ValueError(kind)


def _insert_results(batch: ImportBatch, frame: pl.DataFrame, schools: dict[str, School]) -> None:
    """Insert the validated rows without model instances: COPY on PostgreSQL, executemany elsewhere.

    The frame is already checked (ranges, known schools, one row per key), so the ORM's per-value preparation —
    90 % of the time of ``bulk_create`` for the 63,000 school rows of a 10 M-row student file — is skipped.
    """
    meta = AssessmentResult._meta
    fields = [f for f in RESULT_FIELDS if f in frame.columns]
    columns = ["batch_id", "school_id", *(meta.get_field(f).column for f in fields)]
    ids = {code: school.pk for code, school in schools.items()}
    rows = frame.select(
        pl.lit(batch.pk, dtype=pl.Int64).alias("batch_id"),
        pl.col("school_id").replace_strict(ids, return_dtype=pl.Int64),
        *fields,
    ).rows()
    table = connection.ops.quote_name(meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def _guard_replace(count: int, replace: bool, slices: Iterable[str], filename: str) -> None:
    if count and not replace:
        raise ImportRejected(
            [
                f"Файл {filename}: за {', '.join(slices)} уже загружены данные ({count} строк). "
                "Чтобы заменить их этим файлом, отметьте «Заменить уже загруженные данные за эти годы» и загрузите снова."
            ]
        )


def import_reference(
    municipality: Municipality, *, name: str, results: tuple[str, bytes], context: tuple[str, bytes], by: Any
) -> ImportReport:
    """Store a regional set (results + context of the region's schools) the model can be fitted on."""
    label, digest = f"{results[0]} + {context[0]}", _sha(results[1] + context[1])
    errors: list[str] = [p for name, data in (results, context) if (p := data_import_problem(data, name))]
    if errors:
        return _reject(municipality, ImportBatch.Kind.REFERENCE, label, digest, errors, [], by=by)
    r = readers.read_results(results[1], filename=results[0])
    c = readers.read_context(context[1], filename=context[0])
    errors += [str(e) for e in r.errors] + [str(e) for e in c.errors]
    warnings = [str(w) for w in [*r.warnings, *c.warnings]]
    if errors or r.frame is None or c.frame is None:
        return _reject(municipality, ImportBatch.Kind.REFERENCE, label, digest, errors, warnings, by=by)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            municipality=municipality,
            kind=ImportBatch.Kind.REFERENCE,
            filename=_printable(label)[:255],
            sha256=digest,
            status=ImportBatch.Status.IMPORTED,
            years=sorted({int(y) for y in r.frame["year"].unique()}),
            rows=r.frame.height + c.frame.height,
            warnings=warnings[:200],
            uploaded_by=actor(by),
        )
        dataset = ReferenceDataset.objects.create(
            municipality=municipality,
            name=name,
            batch=batch,
            results_csv=r.frame.write_csv().encode(),
            context_csv=c.frame.write_csv().encode(),
            schools=r.frame["school_id"].n_unique(),
        )
        record(
            dataset,
            "results.reference.imported",
            by=by,
            data={"schools": dataset.schools, "rows": batch.rows},
        )
    return ImportReport(batch, warnings=warnings)


def import_official_list(
    municipality: Municipality,
    data: bytes,
    *,
    filename: str,
    by: Any,
    source: str = "",
    year: int | None = None,
) -> ImportReport:
    """Load an official list (school code, year, category code) to compare with our classification."""
    schools = {s.code: s for s in School.objects.filter(municipality=municipality)}
    if problem := data_import_problem(data, filename):
        return _reject(municipality, ImportBatch.Kind.OFFICIAL, filename, _sha(data), [problem], [], by=by)
    outcome = readers.read_official_list(data, filename=filename, year=year)
    errors = [str(e) for e in outcome.errors]
    frame = outcome.frame
    if not errors and frame is not None:
        try:
            _check_schools(frame, schools, filename)
        except ImportRejected as rejected:
            errors = rejected.errors
    if errors or frame is None:
        return _reject(municipality, ImportBatch.Kind.OFFICIAL, filename, _sha(data), errors, [], by=by)
    years = sorted({int(y) for y in frame["year"].unique()})
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            municipality=municipality,
            kind=ImportBatch.Kind.OFFICIAL,
            filename=_printable(filename)[:255],
            sha256=_sha(data),
            status=ImportBatch.Status.IMPORTED,
            years=years,
            rows=frame.height,
            uploaded_by=actor(by),
        )
        replaced = OfficialListEntry.objects.filter(municipality=municipality, year__in=years).delete()[0]
        OfficialListEntry.objects.bulk_create(
            OfficialListEntry(
                municipality=municipality,
                batch=batch,
                school=schools[row["school_id"]],
                year=row["year"],
                category=row["category"],
                source=source,
            )
            for row in frame.iter_rows(named=True)
        )
        batch.replaced = replaced
        batch.save(update_fields=["replaced"])
        record(batch, "results.batch.imported", by=by, data={"kind": "official", "rows": frame.height})
    return ImportReport(batch)
