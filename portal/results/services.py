"""Imports: read a whole file with the core's readers, validate against the registry, then write once.

Nothing is written when a file has any error: the batch is kept as «отклонён» with every error, so the coordinator
sees what to fix. A file that would replace stored rows needs an explicit replacement (the web form shows the
preview — rows added, replaced, unchanged — and asks to confirm) and replaces only the rows of the schools in the
file, for the (year[, procedure]) slices it contains, in one transaction (portal/results/writing.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db import transaction

from opora import readers
from opora.plural import ROW, count
from portal.audit.services import actor, record
from portal.lib.personal_data import student_names_problem
from portal.lib.uploads import data_import_problem
from portal.results import writing
from portal.results.models import ImportBatch, ReferenceDataset
from portal.schools.models import Municipality, School

#: Stored result and risk columns (used by the synthetic region loader, portal/synthetic).
RESULT_FIELDS = writing.RESULT_FIELDS
RISK_FIELDS = writing.risk_fields()


class ImportRejected(Exception):
    """The file cannot be imported; ``errors`` are Russian messages naming file, row, column and reason."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors[:3]))
        self.errors = errors


@dataclass
class ImportReport:
    """The outcome of an import: a batch (imported or rejected), or — when ``confirm`` was asked and the file
    replaces stored rows — no batch yet and the ``preview`` of what it would change."""

    batch: ImportBatch | None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    preview: writing.Preview | None = None

    @property
    def ok(self) -> bool:
        return self.batch is not None and self.batch.status == ImportBatch.Status.IMPORTED

    @property
    def needs_confirmation(self) -> bool:
        return self.batch is None and self.preview is not None


def import_file(
    municipality: Municipality,
    kind: str,
    data: bytes,
    *,
    filename: str,
    by: Any,
    replace: bool = False,
    defaults: dict[str, Any] | None = None,
    confirm: bool = False,
    expected: str | None = None,
) -> ImportReport:
    """Validate ``data`` as a whole and write it in one transaction, or write nothing and keep the errors.

    Rows already stored for the file's schools and slices are replaced only with ``replace``; with ``confirm``
    (the web form) a file that would replace stored rows writes nothing and returns the preview to confirm, and
    the confirmed import passes the preview's fingerprint as ``expected``: if another import changed those rows
    meanwhile, it is refused. Only the schools in the file are replaced, never other schools' rows.
    """
    schools = {s.code: s for s in School.objects.filter(municipality=municipality)}
    warnings: list[str] = []
    try:
        if problem := data_import_problem(data, filename) or student_names_problem(kind, data, filename):
            raise ImportRejected([problem])
        frame, warnings, layout = _read(kind, data, filename=filename, schools=schools, defaults=defaults)
        _check_schools(frame, schools, filename)
        return write_frame(
            kind,
            frame,
            schools,
            municipality=municipality,
            filename=filename,
            digest=_sha(data),
            by=by,
            replace=replace,
            confirm=confirm,
            expected=expected,
            warnings=warnings,
            layout=layout,
        )
    except ImportRejected as rejected:
        return _reject(municipality, kind, filename, _sha(data), rejected.errors, warnings, by=by)


def write_frame(
    kind: str,
    frame: pl.DataFrame,
    schools: dict[str, School],
    *,
    municipality: Municipality | None,
    filename: str,
    digest: str,
    by: Any,
    replace: bool,
    confirm: bool = False,
    expected: str | None = None,
    warnings: list[str] | None = None,
    layout: str = "",
    region: Any = None,
    source: str = "",
    audit: dict[str, Any] | None = None,
) -> ImportReport:
    """Write a validated frame (``school_id`` = codes of ``schools``) under the lock of its slices; raises
    ImportRejected. ``region``: an import for a whole region (one batch, schools of several municipalities)."""
    warnings = warnings or []
    used = {str(c) for c in frame["school_id"].unique().to_list()}
    ids = {code: schools[code].pk for code in used}
    with transaction.atomic():
        municipality_ids = {schools[c].municipality_id for c in used} or (
            {municipality.pk} if municipality else set()
        )
        writing.lock(municipality_ids, kind, writing.slices_of(kind, frame))
        stored = writing.existing(kind, frame, list(ids.values()), municipality=municipality)
        preview = writing.preview(kind, frame, stored, ids)
        labels = ", ".join(preview.slices)
        if expected is not None and preview.fingerprint != expected:
            raise ImportRejected(
                [
                    f"Файл {filename}: пока вы смотрели, что изменится, данные этих школ за {labels} изменила другая "
                    "загрузка, поэтому ничего не записано. Загрузите файл снова — вы увидите, что изменится теперь."
                ]
            )
        if preview.touches_existing and not replace:
            if confirm:
                return ImportReport(None, warnings=warnings, preview=preview)
            raise ImportRejected(
                [
                    f"Файл {filename}: за {labels} у школ из файла уже загружены данные "
                    f"({count(preview.replaced + preview.unchanged + preview.removed, ROW)}). Чтобы заменить их "
                    "этим файлом, подтвердите замену (в API — параметр replace)."
                ]
            )
        batch = ImportBatch.objects.create(
            municipality=municipality,
            region=region,
            kind=kind,
            filename=_printable(filename)[:255],
            sha256=digest,
            uploaded_by=actor(by),
            status=ImportBatch.Status.IMPORTED,
            years=sorted({int(y) for y in frame["year"].unique()}),
            warnings=[_printable(w) for w in warnings[:200]],
            layout=layout,
        )
        replaced = stored.delete()[0]
        writing.insert(kind, batch, frame, schools, source=source)
        batch.rows, batch.replaced = frame.height, replaced
        batch.save(update_fields=["rows", "replaced"])
        record(
            batch,
            "results.batch.imported",
            by=by,
            data={
                "kind": kind,
                "rows": frame.height,
                "replaced": replaced,
                "years": batch.years,
                "added": preview.added,
                "changed": preview.replaced,
                "unchanged": preview.unchanged,
                "removed": preview.removed,
                **(audit or {}),
            },
        )
    return ImportReport(batch, warnings=warnings, preview=preview)


def _reject(
    municipality: Municipality | None,
    kind: str,
    filename: str,
    digest: str,
    errors: list[str],
    warnings: list[str],
    *,
    by: Any,
    region: Any = None,
    status: str = ImportBatch.Status.REJECTED,
) -> ImportReport:
    """Keep a rejected (or abandoned) upload with its errors (nothing else is written) and log it."""
    batch = ImportBatch.objects.create(
        municipality=municipality,
        region=region,
        kind=kind,
        filename=_printable(filename)[:255],
        sha256=digest,
        uploaded_by=actor(by),
        status=status,
        errors=[_printable(e) for e in errors[:500]],
        warnings=[_printable(w) for w in warnings[:200]],
    )
    action = "results.batch.abandoned" if status == ImportBatch.Status.ABANDONED else "results.batch.rejected"
    record(batch, action, by=by, data={"kind": kind, "errors": len(errors)})
    return ImportReport(batch, errors=errors, warnings=warnings)


def _printable(text: str) -> str:
    """A message quoting file content, storable anywhere: PostgreSQL's jsonb and text refuse U+0000 (a NUL from
    a binary file quoted in an error made the rejection itself fail with DataError, a 500)."""
    return "".join(c if c.isprintable() or c in "\n\t" else "�" for c in text)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read(
    kind: str, data: bytes, *, filename: str, schools: dict[str, School], defaults: dict[str, Any] | None
) -> tuple[pl.DataFrame, list[str], str]:
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
    if outcome.layout == "report":
        # Schools named, not coded: the web page reconciles them (portal/results/reconcile.py).
        raise ImportRejected(
            [
                f"Файл {filename}: это отчёт, где школы названы, а не указаны кодами. Загрузите его на странице "
                "«Данные» — там названия сопоставляются со школами реестра."
            ]
        )
    if frame.height == 0:
        raise ImportRejected([f"Файл {filename}: в файле нет строк с данными."])
    return frame, warnings, outcome.layout


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
    replace: bool = True,
    confirm: bool = False,
    expected: str | None = None,
) -> ImportReport:
    """Load an official list (school code, year, category code) to compare with our classification; a list
    replaces the municipality's list of its years (with ``confirm``: after the preview)."""
    schools = {s.code: s for s in School.objects.filter(municipality=municipality)}
    kind = ImportBatch.Kind.OFFICIAL
    try:
        if problem := data_import_problem(data, filename):
            raise ImportRejected([problem])
        outcome = readers.read_official_list(data, filename=filename, year=year)
        if outcome.errors or outcome.frame is None:
            raise ImportRejected([str(e) for e in outcome.errors] or [f"Файл {filename}: нет строк."])
        _check_schools(outcome.frame, schools, filename)
        return write_frame(
            kind,
            outcome.frame,
            schools,
            municipality=municipality,
            filename=filename,
            digest=_sha(data),
            by=by,
            replace=replace and not confirm,
            confirm=confirm,
            expected=expected,
            source=source,
        )
    except ImportRejected as rejected:
        return _reject(municipality, kind, filename, _sha(data), rejected.errors, [], by=by)
