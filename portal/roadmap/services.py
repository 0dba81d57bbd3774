"""Write use-cases of roadmap tracking, and the read helpers that apply ``opora.roadmap_tracking``.

Every write takes an explicit actor (``by``; None for the system), runs in one transaction and leaves an audit
entry (``portal.audit.services.record``). A refusal raises :class:`RoadmapError` with a Russian message, and
nothing is written.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from opora import roadmap_tracking as tracking
from opora.roadmap_catalogue import Roadmap, Schedule, builtin_roadmaps
from portal.audit.services import actor, record, snapshot
from portal.lib import stale
from portal.lib.uploads import UploadRejected, validate_upload
from portal.roadmap.models import Evidence, RoadmapComment, RoadmapEntry, RoadmapItem, ScheduleKind, Status
from portal.schools.models import Municipality, School


class RoadmapError(Exception):
    """A use-case refused; ``str(error)`` is a Russian sentence for the user."""


def today() -> datetime.date:
    """Today in the authority's time zone (``TIME_ZONE``)."""
    return timezone.localdate()


def soon_days() -> int:
    return int(getattr(settings, "OPORA_DUE_SOON_DAYS", tracking.DEFAULT_SOON_DAYS))


def _author(by: Any) -> str:
    user = actor(by)
    if user is None:
        return "система"
    return str(getattr(user, "display_name", "") or user)


# ------------------------------------------------------------------------------------------------ seeding


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    retired: int = 0
    deleted: int = 0
    entries_created: int = 0


def _is_tracked(entry: RoadmapEntry) -> bool:
    """Something was recorded for the entry (a status, a comment, a document, a registry document evidencing it)."""
    return (
        entry.status != Status.PLANNED
        or entry.comments.exists()
        or entry.evidence.exists()
        or entry.registry_documents.exists()
    )


def _sync_entries(item: RoadmapItem, wanted: dict[int, tuple[str, list[str]]], result: SyncResult) -> None:
    """Make the item's entries match ``wanted`` (year → planned result, ISO due dates); keep tracked ones."""
    existing = {e.year: e for e in item.entries.all()}
    for year, (text, due) in wanted.items():
        entry = existing.get(year)
        if entry is None:
            RoadmapEntry.objects.create(item=item, year=year, planned_result=text, due_dates=due)
            result.entries_created += 1
        elif entry.planned_result != text or entry.due_dates != due:
            entry.planned_result, entry.due_dates = text, due
            entry.save(update_fields=["planned_result", "due_dates", "updated_at"])
    for year, entry in existing.items():
        if year not in wanted and not _is_tracked(entry):
            entry.delete()


def _retire_missing(items: QuerySet[RoadmapItem], keep: set[str], result: SyncResult, by: Any) -> None:
    for item in items.exclude(code__in=keep):
        if any(_is_tracked(e) for e in item.entries.all()):
            if item.is_active:
                item.is_active = False
                item.save(update_fields=["is_active"])
                record(item, "roadmap.item.retired", by=by, data={"code": item.code})
                result.retired += 1
        else:
            record(item, "roadmap.item.deleted", by=by, before=snapshot(item))
            item.delete()
            result.deleted += 1


def _upsert_item(lookup: dict[str, Any], fields: dict[str, Any], result: SyncResult, by: Any) -> RoadmapItem:
    item = RoadmapItem.objects.filter(**lookup).first()
    if item is None:
        item = RoadmapItem.objects.create(**lookup, **fields)
        record(item, "roadmap.item.created", by=by, after=snapshot(item))
        result.created += 1
        return item
    before = snapshot(item)
    for name, value in fields.items():
        setattr(item, name, value)
    if snapshot(item) != before:
        item.save()
        record(item, "roadmap.item.changed", by=by, before=before, after=snapshot(item))
        result.updated += 1
    return item


def sync_roadmap(municipality: Municipality, roadmap: Roadmap, *, by: Any) -> SyncResult:
    """Create or update the municipality's items of one shipped roadmap; idempotent; statuses are kept.

    An item that disappeared from the file is deleted if nothing was recorded for it, otherwise it is marked
    «не действует» (``is_active`` off) so that its history survives.
    """
    result = SyncResult()
    titles = {d.number: d.title for d in roadmap.directions}
    with transaction.atomic():
        for position, it in enumerate(roadmap.items, start=1):
            fields = {
                "source_title": roadmap.title,
                "position": position,
                "direction": it.direction,
                "direction_title": titles.get(it.direction, ""),
                "group": it.group or "",
                "measure": it.measure,
                "responsible": "; ".join(it.responsible),
                "responsible_roles": list(it.responsible_roles),
                "deadline": it.deadline or "",
                "schedule_kind": it.schedule.kind,
                "evidence_wanted": list(it.evidence),
                "indicators": list(it.indicators),
                "note": it.note or "",
                "is_active": True,
            }
            lookup = {"municipality": municipality, "school": None, "source": roadmap.code, "code": it.code}
            item = _upsert_item(lookup, fields, result, by)
            wanted = {
                year: (text, [d.isoformat() for d in it.due_dates(year)]) for year, text in it.results.items()
            }
            _sync_entries(item, wanted, result)
        items = RoadmapItem.objects.filter(municipality=municipality, school=None, source=roadmap.code)
        _retire_missing(items, {it.code for it in roadmap.items}, result, by)
    return result


def sync_builtin(municipality: Municipality, *, by: Any) -> dict[str, SyncResult]:
    """Both shipped roadmaps (2022–2023 and 2023–2025) for one municipality."""
    with transaction.atomic():
        return {
            code: sync_roadmap(municipality, rm, by=by) for code, rm in sorted(builtin_roadmaps().items())
        }


# ---------------------------------------------------------------------------------------- school roadmaps


@dataclass(frozen=True)
class SchoolItem:
    """One measure × year of a school roadmap, as the ШППКО constructor (or any other source) produces it.

    Items with the same ``key`` (or, when ``key`` is empty, the same ``direction`` and ``title``) are one measure
    with several years. ``due_date`` None means «до 31 декабря года».
    """

    title: str
    direction: int
    responsible: str
    year: int
    due_date: datetime.date | None = None
    expected_result: str = ""
    evidence_wanted: Sequence[str] = field(default_factory=tuple)
    key: str = ""

    def identity(self) -> str:
        if self.key.strip():
            return self.key.strip()[:60]
        return f"{self.direction}:{' '.join(self.title.lower().split())}"


@dataclass
class UpsertResult(SyncResult):
    items: list[RoadmapItem] = field(default_factory=list)


def _check_school_items(items: Sequence[SchoolItem]) -> None:
    problems: list[str] = []
    seen: set[tuple[str, int]] = set()
    for n, it in enumerate(items, start=1):
        where = f"Пункт {n} («{it.title[:60]}»)"
        if not it.title.strip():
            problems.append(f"Пункт {n}: не указано мероприятие.")
        if not 1 <= it.direction <= 99:
            problems.append(f"{where}: направление {it.direction} вне 1–99.")
        if not 2000 <= it.year <= 2100:
            problems.append(f"{where}: год {it.year} вне 2000–2100.")
        if (it.identity(), it.year) in seen:
            problems.append(f"{where}: {it.year} г. указан дважды.")
        seen.add((it.identity(), it.year))
    if problems:
        raise RoadmapError(" ".join(problems))


def upsert_school_items(
    school: School, source_key: str, items: Sequence[SchoolItem], *, by: Any = None, title: str = ""
) -> UpsertResult:
    """Put a school's roadmap from one source (e.g. ``"shppko:<program id>"``) into the tracking model.

    Idempotent: calling it again with the same items changes nothing; statuses, comments and evidence of
    existing measure × year pairs are kept (their text and due date are updated). Measures or years missing
    from ``items`` are deleted when nothing was recorded for them, otherwise kept and marked «не действует».
    All items are validated first; any problem raises :class:`RoadmapError` and nothing is written.

    >>> upsert_school_items(school, "shppko:12", [SchoolItem("Педсовет по результатам ВПР", 1,
    ...     "Заместитель директора по УВР", 2025, datetime.date(2025, 11, 30), "Протокол педсовета",
    ...     ("Протокол",))], by=user)  # doctest: +SKIP
    """
    source_key = source_key.strip()
    if not source_key or len(source_key) > 100:
        raise RoadmapError("Ключ источника школьной дорожной карты должен быть непустым (до 100 символов).")
    _check_school_items(items)
    grouped: dict[str, list[SchoolItem]] = {}
    for it in items:
        grouped.setdefault(it.identity(), []).append(it)
    result = UpsertResult()
    with transaction.atomic():
        for position, (code, years) in enumerate(grouped.items(), start=1):
            first = years[0]
            evidence = list(dict.fromkeys(e for y in years for e in y.evidence_wanted if e.strip()))
            fields = {
                "municipality": school.municipality,
                "source_title": title or f"Дорожная карта школы ({source_key})",
                "position": position,
                "direction": first.direction,
                "direction_title": "",
                "measure": " ".join(first.title.split()),
                "responsible": first.responsible.strip(),
                "deadline": "",
                "schedule_kind": ScheduleKind.DATE if any(y.due_date for y in years) else ScheduleKind.YEARLY,
                "evidence_wanted": evidence,
                "is_active": True,
            }
            item = _upsert_item({"school": school, "source": source_key, "code": code}, fields, result, by)
            wanted = {
                y.year: (
                    y.expected_result.strip(),
                    [(y.due_date or Schedule(kind="yearly").due_dates(y.year)[0]).isoformat()],
                )
                for y in years
            }
            _sync_entries(item, wanted, result)
            result.items.append(item)
        stale = RoadmapItem.objects.filter(school=school, source=source_key)
        _retire_missing(stale, set(grouped), result, by)
    return result


# ---------------------------------------------------------------------------------------------- tracking


def set_status(
    entry: RoadmapEntry,
    status: str,
    *,
    by: Any,
    comment: str = "",
    done_on: datetime.date | None = None,
) -> RoadmapEntry:
    """Change the stored status; the change goes into the comment history and the audit log.

    ``done`` records ``done_on`` (today unless given; not in the future). Leaving ``done`` clears it.
    """
    if status not in Status.values:
        raise RoadmapError(f"Неизвестный статус «{status}». Допустимы: {', '.join(Status.labels)}.")
    now = today()
    if done_on is not None and done_on > now:
        raise RoadmapError(f"Дата выполнения {tracking.fmt_date(done_on)} ещё не наступила.")
    comment = comment.strip()
    with transaction.atomic():
        entry = RoadmapEntry.objects.select_for_update().select_related("item").get(pk=entry.pk)
        before = {"status": entry.status, "done_on": entry.done_on.isoformat() if entry.done_on else None}
        new_done = (done_on or entry.done_on or now) if status == Status.DONE else None
        if status == entry.status and new_done == entry.done_on:
            if comment:
                add_comment(entry, comment, by=by)
            return entry
        old = entry.status
        entry.status = status
        entry.done_on = new_done
        entry.updated_by = actor(by)
        entry.save()
        RoadmapComment.objects.create(
            entry=entry,
            text=comment,
            status_from=old,
            status_to=status,
            author=actor(by),
            author_repr=_author(by),
        )
        record(
            entry,
            "roadmap.status_changed",
            by=by,
            before=before,
            after={"status": status, "done_on": new_done.isoformat() if new_done else None},
            data={"comment": comment} if comment else None,
        )
    return entry


def add_comment(entry: RoadmapEntry, text: str, *, by: Any) -> RoadmapComment:
    text = text.strip()
    if not text:
        raise RoadmapError("Комментарий пуст.")
    if len(text) > 5000:
        raise RoadmapError("Комментарий длиннее 5000 символов.")
    with transaction.atomic():
        comment = RoadmapComment.objects.create(
            entry=entry, text=text, author=actor(by), author_repr=_author(by)
        )
        record(comment, "roadmap.comment_added", by=by, after={"entry": entry.pk, "text": text})
    return comment


def add_evidence_file(entry: RoadmapEntry, upload: Any, *, by: Any, title: str = "") -> Evidence:
    """Store an uploaded document (checked by :func:`portal.lib.uploads.validate_upload`) under MEDIA_ROOT."""
    try:
        validate_upload(upload)
    except UploadRejected as exc:
        raise RoadmapError(str(exc)) from exc
    name = str(upload.name)[-255:]
    with transaction.atomic():
        evidence = Evidence(entry=entry, title=title.strip()[:300], original_name=name, size=upload.size)
        evidence.added_by = actor(by)
        evidence.file.save(name, upload, save=False)
        try:
            evidence.save()
            record(evidence, "roadmap.evidence_added", by=by, after=snapshot(evidence))
        except Exception:
            evidence.file.delete(save=False)  # no orphan file when the row is not written
            raise
    return evidence


def add_evidence_link(entry: RoadmapEntry, url: str, *, by: Any, title: str = "") -> Evidence:
    url = url.strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise RoadmapError(f"Ссылка «{url[:100]}» не похожа на адрес http(s)://…") from exc
    if len(url) > 1000:
        raise RoadmapError("Ссылка длиннее 1000 символов.")
    with transaction.atomic():
        evidence = Evidence.objects.create(
            entry=entry, url=url, title=title.strip()[:300], added_by=actor(by)
        )
        record(evidence, "roadmap.evidence_added", by=by, after=snapshot(evidence))
    return evidence


def remove_evidence(evidence: Evidence, *, by: Any) -> None:
    with transaction.atomic():
        record(evidence, "roadmap.evidence_removed", by=by, before=snapshot(evidence))
        stored = evidence.file.name if evidence.file else ""
        storage = evidence.file.storage if evidence.file else None
        evidence.delete()
        if storage is not None and stored:
            transaction.on_commit(lambda: storage.delete(stored))


ENTRY_LABELS = {"status": "Статус", "done_on": "Дата выполнения"}


def entry_state(entry: RoadmapEntry) -> dict[str, Any]:
    """What the «Отметить выполнение» form was loaded with (the stale-save guard compares it)."""
    return {
        "status": Status(entry.status).label,
        "done_on": tracking.fmt_date(entry.done_on) if entry.done_on else "",
    }


def update_entry(
    entry: RoadmapEntry,
    *,
    by: Any,
    status: str,
    comment: str = "",
    done_on: datetime.date | None = None,
    upload: Any = None,
    file_title: str = "",
    link: str = "",
    link_title: str = "",
    expected: str | None = None,
) -> list[str]:
    """The entry form in one transaction: status (with comment), then a link, then a file.

    The file and the link are checked before anything is written, so a bad file leaves the status unchanged. A
    form loaded before someone else changed the status is refused (``stale.StaleEdit``, nothing written).
    Returns Russian sentences describing what was done.
    """
    if upload is not None:
        try:
            validate_upload(upload)
        except UploadRejected as exc:
            raise RoadmapError(str(exc)) from exc
    if link.strip():
        try:
            URLValidator(schemes=["http", "https"])(link.strip())
        except ValidationError as exc:
            raise RoadmapError(f"Ссылка «{link.strip()[:100]}» не похожа на адрес http(s)://…") from exc
    done: list[str] = []
    with transaction.atomic():
        locked = RoadmapEntry.objects.select_for_update().get(pk=entry.pk)
        stale.check(expected, entry_state(locked), ENTRY_LABELS)
        old = locked.status
        entry = set_status(locked, status, by=by, comment=comment, done_on=done_on)
        if entry.status != old:
            done.append(f"Статус: {Status(entry.status).label}.")
        elif comment.strip():
            done.append("Комментарий добавлен.")
        if link.strip():
            add_evidence_link(entry, link, by=by, title=link_title)
            done.append("Ссылка на документ добавлена.")
        if upload is not None:
            add_evidence_file(entry, upload, by=by, title=file_title)
            done.append(f"Файл «{upload.name}» загружен.")
    return done


# ------------------------------------------------------------------------------------------------- reading


def as_tracking(entry: RoadmapEntry) -> tracking.Entry:
    item = entry.item
    return tracking.Entry(
        key=str(entry.pk),
        title=item.measure,
        year=entry.year,
        status=entry.status,
        due_dates=tuple(entry.due),
        direction=item.direction,
        responsible=item.responsible,
        done_on=entry.done_on,
        owner=str(item.school) if item.school_id else "",
    )


def entries_for(
    municipality: Municipality, *, schools: Iterable[School] | None = None, municipal: bool = True
) -> QuerySet[RoadmapEntry]:
    """Active entries of the municipal roadmap (``municipal``) and of the given schools' roadmaps."""
    from django.db.models import Q

    condition = Q(pk__in=[])
    if municipal:
        condition |= Q(item__school__isnull=True)
    if schools is not None:
        condition |= Q(item__school__in=list(schools))
    return (
        RoadmapEntry.objects.filter(item__municipality=municipality, item__is_active=True)
        .filter(condition)
        .select_related("item", "item__school")
        .annotate(
            evidence_count=Count("evidence", distinct=True),
            registry_count=Count("registry_documents", distinct=True),
        )
        .order_by("item__school__sort_key", "item__source", "item__position", "year")
    )


def buckets(entries: Iterable[RoadmapEntry], day: datetime.date | None = None) -> tracking.Buckets:
    return tracking.classify(
        [as_tracking(e) for e in entries], day or today(), soon_days=soon_days(), recent_days=soon_days()
    )


def digest(municipality: Municipality, entries: Iterable[RoadmapEntry], *, link: str = "") -> str:
    day = today()
    return tracking.digest_text(
        buckets(entries, day),
        day,
        municipality=str(municipality),
        soon_days=soon_days(),
        recent_days=soon_days(),
        link=link,
        scope=tracking.OverdueScope().describe(day).rsplit(";", 1)[0],
    )
