"""Regional report files naming schools: reconcile names with the registry, then import once (issue #15).

The file is staged (``PendingImport``) and read with the core's report reader. Each municipality the file names is
matched to the registry (a confirmed alias, or its name or its authority's name after normalisation); each school
of the municipalities in scope is matched by a confirmed alias, then by its name after normalisation
(opora.readers.names.school_key), then offered fuzzy candidates. The coordinator confirms each uncertain match,
picks another school, creates a new school, or skips it. Nothing is written until every school is decided; then
one transaction creates the new schools (portal.schools.services.upsert_school), remembers the confirmed names as
aliases and writes the results (portal.results.services.write_frame), audited. Abandoning leaves only a record.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import polars as pl
from django.db import transaction
from django.utils import timezone

from opora import readers
from opora.plural import SCHOOL, count
from opora.readers.common import ReadOutcome
from opora.readers.names import candidates, municipality_key, school_key
from opora.readers.reports import Preset
from portal.audit.services import actor
from portal.results import writing
from portal.results.models import (
    ImportBatch,
    MappingPreset,
    MunicipalityAlias,
    PendingImport,
    SchoolAlias,
)
from portal.results.services import ImportRejected, ImportReport, _printable, _reject, _sha, write_frame
from portal.schools.models import Municipality, Region, School
from portal.schools.services import upsert_school

SKIP = "skip"
NEW = "new"
OURS = "ours"
#: Staged files older than this are removed at the next upload (an abandoned browser tab).
PENDING_DAYS = 7


@dataclass
class MunicipalityMatch:
    index: int
    text: str  # as the file writes it ("" when the file has no municipality column)
    municipality: Municipality | None  # matched silently
    rows: int
    candidates: list[Municipality] = field(default_factory=list)

    @property
    def field(self) -> str:
        return f"muni-{self.index}"


@dataclass
class SchoolMatch:
    index: int
    name: str  # as the file writes it (its first row)
    key: str
    municipality_text: str
    municipality: Municipality  # the municipality the row names, reconciled
    rows: list[tuple[str, int]]  # (sheet, row)
    school: School | None = None  # matched silently (alias or exact name)
    how: str = ""  # «alias» | «exact» | «» (a question)
    candidates: list[tuple[School, float, str]] = field(default_factory=list)  # school, score, note
    flag: str = ""  # the registry has this name under another municipality
    answer: str = ""  # what the coordinator chose so far (form value), to show it again

    @property
    def field(self) -> str:
        return f"school-{self.index}"

    @property
    def where(self) -> str:
        shown = ", ".join(f"«{s}», строка {r}" if s else f"строка {r}" for s, r in self.rows[:3])
        more = f" и ещё {len(self.rows) - 3}" if len(self.rows) > 3 else ""
        return shown + more


@dataclass
class Analysis:
    pending: PendingImport
    outcome: ReadOutcome
    municipalities: list[MunicipalityMatch] = field(default_factory=list)
    schools: list[SchoolMatch] = field(default_factory=list)
    other_rows: int = 0  # rows of municipalities outside the scope (a municipal import of a regional file)

    @property
    def questions(self) -> list[SchoolMatch]:
        return [m for m in self.schools if m.school is None]

    @property
    def open_municipalities(self) -> list[MunicipalityMatch]:
        return [m for m in self.municipalities if m.municipality is None]


def stage(
    *,
    region: Region,
    municipality: Municipality | None,
    kind: str,
    data: bytes,
    filename: str,
    defaults: dict[str, Any],
    by: Any,
) -> PendingImport:
    PendingImport.objects.filter(created_at__lt=timezone.now() - timedelta(days=PENDING_DAYS)).delete()
    return PendingImport.objects.create(
        region=region,
        municipality=municipality,
        kind=kind,
        filename=_printable(filename)[:255],
        sha256=_sha(data),
        data=data,
        defaults={k: v for k, v in defaults.items() if v not in (None, "")},
        created_by=actor(by),
    )


def presets_for(region: Region, municipality: Municipality | None) -> list[Preset]:
    """The presets applied to a file: the region's, then the municipality's (a municipal one wins)."""
    rows = MappingPreset.objects.filter(region=region, municipality__isnull=True)
    if municipality is not None:
        rows = MappingPreset.objects.filter(region=region, municipality=municipality) | rows
    ordered = sorted(rows, key=lambda p: (p.municipality_id is None, p.name))
    return [Preset(p.name, p.signature, p.mapping) for p in ordered]


def read(pending: PendingImport) -> ReadOutcome:
    return readers.read_results(
        bytes(pending.data),
        filename=pending.filename,
        defaults=pending.defaults,
        presets=presets_for(pending.region, pending.municipality),
    )


def _scope_municipalities(pending: PendingImport) -> list[Municipality]:
    if pending.municipality is not None:
        return [pending.municipality]
    return list(Municipality.objects.filter(region=pending.region))


def _municipalities(pending: PendingImport, frame: pl.DataFrame) -> list[MunicipalityMatch]:
    region = list(Municipality.objects.filter(region=pending.region))
    by_key: dict[str, list[Municipality]] = {}
    for m in region:
        for text in (m.name, m.authority_name):
            if text:
                by_key.setdefault(municipality_key(text), []).append(m)
    aliases = {
        a.key: a.municipality
        for a in MunicipalityAlias.objects.filter(region=pending.region).select_related("municipality")
    }
    counts = (
        frame.group_by("municipality", maintain_order=True)
        .agg(pl.struct("sheet", "row").n_unique().alias("rows"))
        .rows()
    )
    out = []
    for index, (text, rows) in enumerate(counts):
        text = text or ""
        if not text:
            # No municipality column: every row is of the municipality the file is uploaded for.
            out.append(MunicipalityMatch(index, "", pending.municipality, rows))
            continue
        key = municipality_key(text)
        found = aliases.get(key) or (by_key[key][0] if len(set(by_key.get(key, []))) == 1 else None)
        match = MunicipalityMatch(index, text, found, rows)
        if found is None:
            keys = list(by_key)
            match.candidates = list(
                dict.fromkeys(by_key[keys[c.index]][0] for c in candidates(key, keys, limit=3))
            )
        out.append(match)
    return out


def analyse(
    pending: PendingImport, outcome: ReadOutcome | None = None, decisions: Mapping[str, str] | None = None
) -> Analysis:
    """Match the file's municipalities and schools; ``decisions`` (municipality answers) narrow the scope."""
    outcome = outcome or read(pending)
    analysis = Analysis(pending, outcome)
    frame = outcome.frame
    if frame is None:
        return analysis
    analysis.municipalities = _municipalities(pending, frame)
    decisions = decisions or {}
    scope = {m.pk for m in _scope_municipalities(pending)}
    resolved: dict[str, Municipality | None] = {}
    for m in analysis.municipalities:
        chosen = m.municipality
        answer = decisions.get(m.field)
        if answer and answer not in (SKIP, OURS) and answer.isdigit():
            chosen = next(
                (x for x in Municipality.objects.filter(pk=int(answer), region=pending.region)), chosen
            )
        elif answer == OURS and pending.municipality is not None:
            chosen = pending.municipality
        elif answer == SKIP:
            chosen = None
        resolved[m.text] = chosen if chosen is not None and chosen.pk in scope else None
        if chosen is not None and chosen.pk not in scope:
            analysis.other_rows += m.rows
    registry = list(School.objects.filter(municipality__region=pending.region).select_related("municipality"))
    keys: dict[int, list[tuple[str, School]]] = {}
    exact: dict[tuple[int, str], list[School]] = {}
    anywhere: dict[str, list[School]] = {}
    for s in registry:
        for text in {s.name, s.short_name}:
            k = school_key(text)
            keys.setdefault(s.municipality_id, []).append((k, s))
            exact.setdefault((s.municipality_id, k), []).append(s)
            anywhere.setdefault(k, []).append(s)
    aliases = {
        (a.municipality_id, a.key): a.school
        for a in SchoolAlias.objects.filter(municipality__region=pending.region).select_related(
            "school__municipality"
        )
    }
    seen: dict[tuple[int, str], SchoolMatch] = {}
    for name, muni_text, sheet, row in frame.select(
        "school_name", "municipality", "sheet", "row"
    ).iter_rows():
        municipality = resolved.get(muni_text or "")
        if municipality is None:
            continue
        key = school_key(name)
        match = seen.get((municipality.pk, key))
        if match is not None:
            if (sheet or "", row) not in match.rows:  # one row per school, several subjects
                match.rows.append((sheet or "", row))
            continue
        match = SchoolMatch(len(seen), name, key, muni_text or "", municipality, [(sheet or "", row)])
        seen[(municipality.pk, key)] = match
        _match_school(match, aliases, exact, anywhere, keys, pending)
    analysis.schools = list(seen.values())
    return analysis


def _match_school(
    match: SchoolMatch,
    aliases: dict[tuple[int, str], School],
    exact: dict[tuple[int, str], list[School]],
    anywhere: dict[str, list[School]],
    keys: dict[int, list[tuple[str, School]]],
    pending: PendingImport,
) -> None:
    m = match.municipality
    if (m.pk, match.key) in aliases and _allowed(aliases[(m.pk, match.key)], pending):
        match.school, match.how = aliases[(m.pk, match.key)], "alias"
        return
    same = list(dict.fromkeys(exact.get((m.pk, match.key), [])))
    if len(same) == 1:
        match.school, match.how = same[0], "exact"
        return
    for s in same:
        match.candidates.append((s, 100.0, "то же название у нескольких школ"))
    elsewhere = [s for s in dict.fromkeys(anywhere.get(match.key, [])) if s.municipality_id != m.pk]
    if elsewhere:
        places = ", ".join(sorted({str(s.municipality) for s in elsewhere}))
        match.flag = f"школа с таким названием есть в реестре другого муниципалитета: {places}"
        for s in elsewhere:
            if _allowed(s, pending):
                match.candidates.append((s, 100.0, f"в реестре — {s.municipality}"))
    own = keys.get(m.pk, [])
    found = candidates(match.key, [k for k, _ in own], limit=5)
    for c in found:
        school = own[c.index][1]
        if all(school.pk != x.pk for x, _, _ in match.candidates):
            match.candidates.append((school, c.score, ""))
    match.candidates = match.candidates[:4]


def _allowed(school: School, pending: PendingImport) -> bool:
    return pending.municipality is None or school.municipality_id == pending.municipality_id


def decide(analysis: Analysis, data: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The coordinator's answers (form fields) checked: every question answered, every pick in scope."""
    decisions: dict[str, str] = {}
    problems: list[str] = []
    for m in analysis.open_municipalities:
        answer = (data.get(m.field) or "").strip()
        if not answer:
            problems.append(
                f"Не указано, чей муниципалитет «{m.text}» ({count(m.rows, 'строка', 'строки', 'строк')})."
            )
        decisions[m.field] = answer
    allowed = {s.pk for m in _scope_municipalities(analysis.pending) for s in m.schools.all()}
    for s in analysis.questions:
        answer = (data.get(s.field) or "").strip()
        if answer == "other" and (data.get(f"{s.field}-other") or "").isdigit():
            answer = f"pk:{data[f'{s.field}-other']}"
        if (
            answer.startswith("pk:")
            and answer[3:].isdigit()
            and int(answer[3:]) in allowed | {c.pk for c, _, _ in s.candidates}
        ) or answer in (NEW, SKIP):
            decisions[s.field] = answer
        else:
            problems.append(f"Не решено, какая это школа: «{s.name}» ({s.where}).")
    return decisions, problems


def _kind_of(name: str) -> str:
    key = school_key(name)
    for word, kind in (
        ("всош", "evening"),
        ("осош", "evening"),
        ("оош", "oosh"),
        ("лицей", "lyceum"),
        ("гимназ", "gymnasium"),
    ):
        if word in key:
            return kind
    return School.Kind.SOSH if ("сош" in key or "сш" in key.split()) else School.Kind.OTHER


def _new_school(match: SchoolMatch, by: Any) -> School:
    code = f"{match.municipality.code[:24]}-{hashlib.sha1(match.key.encode()).hexdigest()[:8]}"
    name = " ".join(match.name.split())
    return upsert_school(
        code,
        by=by,
        municipality=match.municipality,
        name=name[:400],
        short_name=name[:100],
        kind=_kind_of(name),
    )


def summary(analysis: Analysis, decisions: Mapping[str, str]) -> list[str]:
    """The reconciliation part of the confirmation: silent matches, picks, new schools, skipped schools."""
    silent = [s for s in analysis.schools if s.school is not None]
    aliases = sum(1 for s in silent if s.how == "alias")
    picks = [s for s in analysis.questions if decisions.get(s.field, "").startswith("pk:")]
    new = [s for s in analysis.questions if decisions.get(s.field) == NEW]
    skipped = [s for s in analysis.questions if decisions.get(s.field) == SKIP]
    lines = [
        f"Сопоставлены автоматически: {count(len(silent), SCHOOL)} (по запомненным названиям — {aliases})."
    ]
    if picks:
        lines.append(f"Сопоставлены вами: {count(len(picks), SCHOOL)} — эти названия запомнятся.")
    if new:
        lines.append({"text": f"Создаются новые школы в реестре: {len(new)}", "items": [s.name for s in new]})  # type: ignore[dict-item]
    if skipped:
        lines.append(f"Пропускаются (их строки не загружаются): {count(len(skipped), SCHOOL)}.")
    if analysis.other_rows:
        lines.append(
            f"Строки других муниципалитетов не загружаются: {count(analysis.other_rows, 'строка', 'строки', 'строк')}."
        )
    return lines


def _frame(analysis: Analysis, codes: dict[int, str]) -> pl.DataFrame:
    """The results of the decided schools, keyed by school code (REPORT rows → RESULTS rows)."""
    frame = analysis.outcome.frame
    assert frame is not None
    by_row: dict[tuple[str, int], str] = {}
    for s in analysis.schools:
        if s.index in codes:
            for sheet, row in s.rows:
                by_row[(sheet, row)] = codes[s.index]
    keys = [by_row.get((sheet or "", row)) for sheet, row in frame.select("sheet", "row").iter_rows()]
    from opora.schema import conform_results

    picked = frame.with_columns(pl.Series("school_id", keys, dtype=pl.String)).filter(
        pl.col("school_id").is_not_null()
    )
    return conform_results(picked)


def preview(analysis: Analysis, decisions: Mapping[str, str]) -> writing.Preview:
    """What the import would change (the schools to be created count as added rows)."""
    codes: dict[int, str] = {}
    schools: dict[str, School] = {}
    new_rows = 0
    for s in analysis.schools:
        school = _decided(s, decisions)
        if school is not None:
            codes[s.index] = school.code
            schools[school.code] = school
    frame = _frame(analysis, codes)
    for s in analysis.questions:
        if decisions.get(s.field) == NEW:
            new_rows += len(_frame(analysis, {s.index: "new"}))
    ids = {c: sc.pk for c, sc in schools.items()}
    stored = writing.existing(
        analysis.pending.kind, frame, list(ids.values()), municipality=analysis.pending.municipality
    )
    out = writing.preview(analysis.pending.kind, frame, stored, ids)
    out.added += new_rows
    out.schools += sum(1 for s in analysis.questions if decisions.get(s.field) == NEW)
    out.slices = writing.slice_labels(
        analysis.pending.kind, writing.slices_of(analysis.pending.kind, analysis.outcome.frame)
    )  # type: ignore[arg-type]
    return out


def _decided(s: SchoolMatch, decisions: Mapping[str, str]) -> School | None:
    if s.school is not None:
        return s.school
    answer = decisions.get(s.field, "")
    if answer.startswith("pk:"):
        return School.objects.select_related("municipality").get(pk=int(answer[3:]))
    return None


def execute(
    analysis: Analysis, decisions: Mapping[str, str], *, by: Any, expected: str | None, replace: bool
) -> ImportReport:
    """Create the new schools, remember the confirmed names and write the results: one transaction."""
    pending = analysis.pending
    warnings = [str(w) for w in analysis.outcome.warnings]
    try:
        with transaction.atomic():
            codes: dict[int, str] = {}
            schools: dict[str, School] = {}
            remembered = 0
            for s in analysis.schools:
                school = _decided(s, decisions)
                if school is None and decisions.get(s.field) == NEW:
                    school = _new_school(s, by)
                if school is None:
                    continue
                codes[s.index] = school.code
                schools[school.code] = school
                if s.how != "exact" and s.how != "alias":
                    remembered += 1
                    SchoolAlias.objects.update_or_create(
                        municipality=s.municipality,
                        key=s.key,
                        defaults={"text": s.name[:500], "school": school, "created_by": actor(by)},
                    )
            for m in analysis.open_municipalities:
                answer = decisions.get(m.field, "")
                target = pending.municipality if answer == OURS else None
                if answer.isdigit():
                    target = Municipality.objects.filter(pk=int(answer), region=pending.region).first()
                if target is not None:
                    MunicipalityAlias.objects.update_or_create(
                        region=pending.region,
                        key=municipality_key(m.text),
                        defaults={"text": m.text[:500], "municipality": target},
                    )
            frame = _frame(analysis, codes)
            if frame.height == 0:
                raise ImportRejected(
                    [f"Файл {pending.filename}: после сопоставления не осталось ни одной школы."]
                )
            report = write_frame(
                pending.kind,
                frame,
                schools,
                municipality=pending.municipality,
                region=pending.region if pending.municipality is None else None,
                filename=pending.filename,
                digest=pending.sha256,
                by=by,
                replace=replace,
                expected=expected,
                warnings=warnings,
                layout="report",
                audit={
                    "schools_created": sum(1 for v in decisions.values() if v == NEW),
                    "schools_skipped": sum(1 for v in decisions.values() if v == SKIP),
                    "names_remembered": remembered,
                    "schools_matched_silently": sum(1 for s in analysis.schools if s.school is not None),
                },
            )
            pending.delete()
            return report
    except ImportRejected as rejected:
        return _reject(
            pending.municipality,
            pending.kind,
            pending.filename,
            pending.sha256,
            rejected.errors,
            warnings,
            by=by,
            region=pending.region if pending.municipality is None else None,
        )


def abandon(pending: PendingImport, *, by: Any) -> ImportReport:
    """The coordinator cancels: only the record of the abandoned upload remains."""
    with transaction.atomic():
        report = _reject(
            pending.municipality,
            pending.kind,
            pending.filename,
            pending.sha256,
            ["Загрузка отменена до записи данных: ничего не записано."],
            [],
            by=by,
            region=pending.region if pending.municipality is None else None,
            status=ImportBatch.Status.ABANDONED,
        )
        pending.delete()
    return report


def refuse_early(pending: PendingImport, errors: list[str], warnings: list[str], *, by: Any) -> ImportReport:
    """The file is refused before any question (errors in the file): the rejection record, the staging removed."""
    report = _reject(
        pending.municipality,
        pending.kind,
        pending.filename,
        pending.sha256,
        errors,
        warnings,
        by=by,
        region=pending.region if pending.municipality is None else None,
    )
    return report


__all__ = [
    "NEW",
    "OURS",
    "SKIP",
    "Analysis",
    "abandon",
    "analyse",
    "decide",
    "execute",
    "preview",
    "read",
    "stage",
    "summary",
]
