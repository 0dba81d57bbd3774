"""Write use-cases of the registry and the read helpers the monitoring, the roadmap and the public page use.

Every write takes an explicit actor (``by``), is validated as a whole before anything is written, runs in one
transaction and leaves an audit entry. An edit made from a form loaded before someone else's save is refused
(``portal.lib.stale``). A refusal raises :class:`DocumentError` with a Russian message; nothing is written.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import QuerySet

from portal.audit.services import actor, record, snapshot
from portal.documents.models import (
    INDICATOR_SET,
    Kind,
    ProgramDocument,
    SchoolStatus,
    Status,
    StatusKind,
)
from portal.lib import stale
from portal.lib.uploads import UploadRejected, validate_upload
from portal.schools.models import Municipality, School


class DocumentError(Exception):
    """A use-case refused; ``str(error)`` is a Russian sentence for the user."""


FIELDS = (
    "kind",
    "number",
    "date",
    "title",
    "issuer",
    "status",
    "repealed_on",
    "description",
    "url",
    "is_public",
)
LABELS = {
    "kind": "Вид документа",
    "number": "Номер",
    "date": "Дата",
    "title": "Название",
    "issuer": "Кто издал",
    "status": "Статус",
    "repealed_on": "Утратил силу с",
    "description": "Примечание",
    "url": "Ссылка",
    "is_public": "Показывать на публичной странице",
    "indicators": "Подтверждает показатели",
    "roadmap_entries": "Подтверждает пункты дорожной карты",
    "file": "Файл",
    "school": "Школа",
}


# ------------------------------------------------------------------------------------------------ choices


@dataclass(frozen=True)
class SlotChoice:
    """A slot of a monitoring indicator that the registry feeds: ``value`` «1.1|vsoko_regulation», its label."""

    value: str
    label: str
    level: str


def slot_choices(level: str | None = None) -> list[SlotChoice]:
    """Slots whose answer the registry decides (their record rule names «registry»), from the indicator set."""
    from portal.monitoring.models import Indicator

    out: list[SlotChoice] = []
    for ind in Indicator.objects.filter(indicator_set__code=INDICATOR_SET).order_by("position"):
        for lvl, slots in (("municipal", ind.municipal_slots), ("school", ind.school_slots)):
            if level is not None and lvl != level:
                continue
            for sub in slots:
                rule = ind.record_rule(sub, lvl)
                if rule is None or "registry" not in rule.sources:
                    continue
                wording = ind.subitem_wording(sub, lvl)
                short = wording if len(wording) <= 110 else wording[:107].rstrip() + "…"
                label = f"{ind.code}" + (f" ({ind.subitem_label(sub)})" if sub else "") + f". {short}"
                out.append(SlotChoice(f"{ind.code}|{sub}" if sub else ind.code, label, lvl))
    return out


def slot_label(value: str) -> str:
    """«1.1 (Положение о ВСОКО или Положение об управлении КО)» for «1.1|vsoko_regulation»."""
    code, _, sub = value.partition("|")
    if not sub:
        return code
    from portal.monitoring.models import Indicator

    ind = Indicator.objects.filter(indicator_set__code=INDICATOR_SET, code=code).first()
    label = ind.subitem_label(sub) if ind else sub
    return f"{code} ({label})"


def roadmap_entries(municipality: Municipality, school: School | None = None) -> QuerySet[Any]:
    """The roadmap entries a document of this scope may evidence: the municipal roadmaps, or the school's."""
    from portal.roadmap.models import RoadmapEntry

    qs = RoadmapEntry.objects.filter(item__municipality=municipality, item__is_active=True)
    qs = qs.filter(item__school=school) if school is not None else qs.filter(item__school__isnull=True)
    return qs.select_related("item").order_by("item__source", "item__position", "year")


# ------------------------------------------------------------------------------------------------ writes


def form_state(doc: ProgramDocument) -> dict[str, Any]:
    """The values an edit form shows (the stale-save guard compares them)."""
    state: dict[str, Any] = {name: getattr(doc, name) for name in FIELDS}
    state["indicators"] = sorted(doc.indicators or [])
    state["school"] = doc.school_id
    state["file"] = doc.original_name if doc.file else ""
    state["roadmap_entries"] = sorted(doc.roadmap_entries.values_list("pk", flat=True)) if doc.pk else []
    return state


def _check(
    municipality: Municipality,
    values: Mapping[str, Any],
    school: School | None,
    indicators: list[str],
    entries: list[int],
    upload: Any,
) -> list[str]:
    problems: list[str] = []
    if values.get("kind") not in Kind.values:
        problems.append("Выберите вид документа.")
    if not str(values.get("title") or "").strip():
        problems.append("Укажите название документа.")
    if values.get("status") not in Status.values:
        problems.append("Выберите статус документа.")
    repealed_on = values.get("repealed_on")
    date = values.get("date")
    if values.get("status") == Status.REPEALED and repealed_on is None:
        problems.append("Для документа, утратившего силу, укажите дату, с которой он утратил силу.")
    if repealed_on is not None and values.get("status") != Status.REPEALED:
        problems.append("Дата утраты силы указывается только для статуса «утратил силу».")
    if date is not None and repealed_on is not None and repealed_on < date:
        problems.append("Документ не может утратить силу раньше своей даты.")
    if date is not None and date > datetime.date.today() + datetime.timedelta(days=366):
        problems.append(f"Дата документа {date:%d.%m.%Y} — больше чем через год: проверьте год.")
    url = str(values.get("url") or "").strip()
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            problems.append(f"Ссылка «{url[:100]}» не похожа на адрес http(s)://…")
    if school is not None and school.municipality_id != municipality.pk:
        problems.append("Школа относится к другому муниципалитету.")
    level = "school" if school is not None else "municipal"
    allowed = {c.value for c in slot_choices(level)}
    unknown = [s for s in indicators if s not in allowed]
    if unknown:
        where = "школы" if school is not None else "органа управления образованием"
        problems.append(
            f"Показатели {', '.join(unknown)} не подтверждаются документом {where}: выберите из списка."
        )
    if entries:
        known = set(roadmap_entries(municipality, school).filter(pk__in=entries).values_list("pk", flat=True))
        if set(entries) - known:
            problems.append("В списке пунктов дорожной карты есть пункты другой дорожной карты.")
    if upload is not None:
        try:
            validate_upload(upload)
        except UploadRejected as exc:
            problems.append(str(exc))
    return problems


def save_document(
    doc: ProgramDocument,
    values: Mapping[str, Any],
    *,
    by: Any,
    indicators: Iterable[str] = (),
    entries: Iterable[int] = (),
    upload: Any = None,
    remove_file: bool = False,
    expected: str | None = None,
) -> ProgramDocument:
    """Create (``doc.pk`` is None) or change a registry document; all checks first, then one transaction.

    ``values`` holds the fields of :data:`FIELDS`; ``indicators`` the evidenced slots; ``entries`` the ids of
    evidenced roadmap entries. ``expected`` is the form's snapshot (``stale.expected(request.POST)``): a save from
    a form loaded before someone else's change raises ``stale.StaleEdit`` and writes nothing.
    """
    chosen = sorted(dict.fromkeys(s.strip() for s in indicators if s.strip()))
    entry_ids = sorted({int(e) for e in entries})
    problems = _check(doc.municipality, values, doc.school, chosen, entry_ids, upload)
    if problems:
        raise DocumentError(" ".join(problems))
    with transaction.atomic():
        created = doc.pk is None
        if not created:
            locked = ProgramDocument.objects.select_for_update().get(pk=doc.pk)
            stale.check(expected, form_state(locked), LABELS)
            before: dict[str, Any] | None = {
                **snapshot(locked),
                "roadmap_entries": form_state(locked)["roadmap_entries"],
            }
            doc = locked
        else:
            before = None
        for name in FIELDS:
            value = values.get(name)
            if isinstance(value, str):
                value = value.strip()
            setattr(doc, name, value if value is not None else ("" if name in ("number", "issuer") else None))
        doc.url = doc.url or ""
        doc.description = doc.description or ""
        doc.is_public = bool(values.get("is_public"))
        doc.repealed_on = values.get("repealed_on")
        doc.indicators = chosen
        who = actor(by)
        if created:
            doc.created_by = who
        doc.updated_by = who
        old_file = doc.file.name if doc.file and (remove_file or upload is not None) else ""
        storage = doc.file.storage if doc.file else None
        if remove_file or upload is not None:
            doc.file, doc.original_name, doc.size = "", "", None  # type: ignore[assignment]
        if upload is not None:
            doc.original_name = str(upload.name)[-255:]
            doc.size = upload.size
            doc.file.save(str(upload.name), upload, save=False)
        doc.save()
        doc.roadmap_entries.set(entry_ids)
        after = {**snapshot(doc), "roadmap_entries": entry_ids}
        record(
            doc,
            "documents.document.created" if created else "documents.document.changed",
            by=by,
            before=before,
            after=after,
        )
        if old_file and storage is not None:
            transaction.on_commit(lambda: storage.delete(old_file))
    return doc


def impact(doc: ProgramDocument) -> list[str]:
    """What removing the document changes: the answers it decides and the roadmap entries it evidences."""
    out = []
    if doc.indicators:
        out.append(
            "Показатели мониторинга, которые он подтверждает: "
            + ", ".join(slot_label(s) for s in doc.indicators)
            + " — в открытых периодах ответ пересчитается по оставшимся документам."
        )
    entries = list(doc.roadmap_entries.select_related("item"))
    if entries:
        out.append(
            "Пункты дорожной карты, для которых он — подтверждающий документ: "
            + "; ".join(f"{e.item.code} ({e.year} г.)" for e in entries)
        )
    statuses = doc.statuses.count()
    if statuses:
        out.append(f"Записей истории статусов школ, ссылающихся на него: {statuses} (ссылка будет убрана).")
    if doc.is_public:
        out.append("Документ исчезнет с публичной страницы программы.")
    return out


def delete_document(doc: ProgramDocument, *, by: Any) -> None:
    with transaction.atomic():
        record(doc, "documents.document.deleted", by=by, before=snapshot(doc))
        stored = doc.file.name if doc.file else ""
        storage = doc.file.storage if doc.file else None
        doc.delete()
        if storage is not None and stored:
            transaction.on_commit(lambda: storage.delete(stored))


# ------------------------------------------------------------------------------------------------ reading


def in_force(municipality: Municipality, year: int) -> list[ProgramDocument]:
    """The municipality's documents (its own and its schools') in force at some time of ``year``."""
    docs = ProgramDocument.objects.filter(municipality=municipality).exclude(status=Status.DRAFT)
    return [d for d in docs.select_related("school") if d.in_force(year)]


def evidence(municipality: Municipality, year: int) -> dict[tuple[int | None, str], list[ProgramDocument]]:
    """(school id or None, slot «1.1|vsoko_regulation») → the documents in force in ``year`` evidencing it."""
    return evidence_of(in_force(municipality, year))


def evidence_of(documents: Iterable[ProgramDocument]) -> dict[tuple[int | None, str], list[ProgramDocument]]:
    out: dict[tuple[int | None, str], list[ProgramDocument]] = defaultdict(list)
    for doc in documents:
        for slot in doc.indicators or []:
            out[(doc.school_id, slot)].append(doc)
    return out


def public_documents(municipality: Municipality, school: School | None = None) -> list[ProgramDocument]:
    """Documents marked public and not drafts (the public page shows them with their status)."""
    qs = ProgramDocument.objects.filter(municipality=municipality, is_public=True).exclude(
        status=Status.DRAFT
    )
    qs = qs.filter(school=school) if school is not None else qs.filter(school__isnull=True)
    return list(qs)


# ------------------------------------------------------------------------------------------------ status history


def add_status(
    school: School,
    year: int,
    kind: str,
    *,
    by: Any,
    document: ProgramDocument | None = None,
    source: str = "",
    note: str = "",
    key: str = "",
) -> SchoolStatus:
    if kind not in StatusKind.values:
        raise DocumentError("Выберите статус из списка.")
    if not 1990 <= year <= 2100:
        raise DocumentError(f"Год {year} вне диапазона 1990–2100.")
    if document is not None and document.municipality_id != school.municipality_id:
        raise DocumentError("Документ-основание относится к другому муниципалитету.")
    if SchoolStatus.objects.filter(school=school, year=year, kind=kind).exists():
        raise DocumentError(f"У школы «{school}» статус «{StatusKind(kind).label}» за {year} г. уже записан.")
    with transaction.atomic():
        status = SchoolStatus.objects.create(
            school=school,
            year=year,
            kind=kind,
            document=document,
            source=source.strip(),
            note=note.strip(),
            key=key,
            created_by=actor(by),
        )
        record(status, "documents.status.added", by=by, after=snapshot(status))
    return status


def delete_status(status: SchoolStatus, *, by: Any) -> None:
    with transaction.atomic():
        record(status, "documents.status.deleted", by=by, before=snapshot(status))
        status.delete()


def history(schools: Iterable[School]) -> dict[int, list[SchoolStatus]]:
    """School id → its statuses by year (one query)."""
    out: dict[int, list[SchoolStatus]] = defaultdict(list)
    for s in SchoolStatus.objects.filter(school__in=list(schools)).select_related("document"):
        out[s.school_id].append(s)
    for items in out.values():
        items.sort(key=lambda s: (s.year, s.kind))
    return out
