"""Writes of the public page: create, edit, publish, withdraw and delete documents; every write is audited.

Workflow. The coordinator and the method centre (``public.manage``) upload, edit, publish and withdraw documents
of the authority and of every school of their municipality. A school team (``public.submit``) uploads and edits
*drafts* of its own school; the coordinator publishes them (a school cannot put a document on the authority's
site by itself, and withdrawing is the publisher's decision). Transitions: ``draft → published → withdrawn →
published``; only drafts may be deleted (a published address, once given out, stays in the log).

Other apps store generated documents (e.g. a report DOCX/PDF) with :func:`publish_generated`.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from portal.audit.services import actor, record, snapshot
from portal.lib.uploads import UploadRejected, validate_upload
from portal.public.models import PUBLIC_EXTENSIONS, PublicDocument, Section, Status
from portal.schools.models import Municipality, School


class PublicError(Exception):
    """A refused write; ``str(error)`` is a Russian sentence for the user."""


def _check_owner(municipality: Municipality, school: School | None) -> None:
    if school is not None and school.municipality_id != municipality.pk:
        raise PublicError(f"Школа «{school}» не относится к муниципалитету «{municipality}».")


def _check_section(section: str) -> str:
    if section not in Section.values:
        raise PublicError(f"Неизвестный раздел «{section}».")
    return section


def _check_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise PublicError("Укажите название документа.")
    if len(title) > 300:
        raise PublicError("Название длиннее 300 символов.")
    return title


def _check_url(url: str) -> str:
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise PublicError(f"Ссылка «{url[:100]}» не похожа на адрес http(s)://…") from exc
    if len(url) > 1000:
        raise PublicError("Ссылка длиннее 1000 символов.")
    return url


def _check_file(upload: Any) -> str:
    try:
        return validate_upload(upload, allowed=PUBLIC_EXTENSIONS)
    except UploadRejected as exc:
        raise PublicError(str(exc)) from exc


def _store_file(doc: PublicDocument, upload: Any, ext: str) -> None:
    """Attach ``upload`` (already checked) to ``doc`` without saving the row."""
    doc.extension = ext
    doc.original_name = str(upload.name)[-255:]
    doc.size = int(upload.size)
    doc.url = ""
    doc.file.save(doc.original_name, upload, save=False)


def _save_audited(
    doc: PublicDocument, action: str, *, by: Any, before: Any, new_file: str, old_file: str
) -> None:
    """Save the row and its audit entry; if that fails, delete the file just written (no orphan files); the
    replaced file is deleted only after the commit."""
    storage = doc.file.storage
    try:
        doc.save()
        record(doc, action, by=by, before=before, after=snapshot(doc))
    except Exception:
        if new_file:
            storage.delete(new_file)
        raise
    if old_file and old_file != new_file:
        transaction.on_commit(lambda: storage.delete(old_file))


def create_document(
    municipality: Municipality,
    school: School | None,
    *,
    section: str,
    title: str,
    by: Any,
    description: str = "",
    document_date: datetime.date | None = None,
    upload: Any = None,
    url: str = "",
    key: str = "",
) -> PublicDocument:
    """Store a new draft: exactly one of ``upload`` (a checked file) or ``url`` (http/https)."""
    _check_owner(municipality, school)
    doc = PublicDocument(
        municipality=municipality,
        school=school,
        section=_check_section(section),
        title=_check_title(title),
        description=(description or "").strip(),
        document_date=document_date,
        key=key[:200],
        created_by=actor(by),
    )
    has_url = bool((url or "").strip())
    if upload is not None and has_url:
        raise PublicError("Укажите либо файл, либо ссылку — не оба сразу.")
    if upload is None and not has_url:
        raise PublicError("Приложите файл документа или укажите ссылку на него.")
    if upload is not None:
        ext = _check_file(upload)
        with transaction.atomic():
            _store_file(doc, upload, ext)
            _save_audited(
                doc, "public.document.created", by=by, before=None, new_file=doc.file.name, old_file=""
            )
        return doc
    doc.url = _check_url(url)
    with transaction.atomic():
        doc.save()
        record(doc, "public.document.created", by=by, after=snapshot(doc))
    return doc


def update_document(
    doc: PublicDocument,
    *,
    by: Any,
    section: str,
    title: str,
    description: str = "",
    document_date: datetime.date | None = None,
    upload: Any = None,
    url: str = "",
) -> PublicDocument:
    """Change the description; a new file or a new link replaces the current one (the old file is deleted)."""
    if doc.status == Status.WITHDRAWN:
        raise PublicError("Документ снят с публикации: верните его на сайт, чтобы изменить.")
    url = (url or "").strip()
    if upload is not None and url:
        raise PublicError("Укажите либо файл, либо ссылку — не оба сразу.")
    section, title = _check_section(section), _check_title(title)
    ext = _check_file(upload) if upload is not None else ""
    url = _check_url(url) if url else ""
    before = snapshot(doc)
    old_file = doc.file.name if doc.file else ""
    doc.section, doc.title = section, title
    doc.description = (description or "").strip()
    doc.document_date = document_date
    with transaction.atomic():
        new_file = ""
        if upload is not None:
            _store_file(doc, upload, ext)
            new_file = doc.file.name
        elif url:
            doc.file, doc.extension, doc.original_name, doc.size, doc.url = "", "", "", None, url
        replaced = bool(new_file or url)
        if replaced or before != snapshot(doc):
            _save_audited(
                doc,
                "public.document.changed",
                by=by,
                before=before,
                new_file=new_file,
                old_file=old_file if replaced else "",
            )
    return doc


def publish(doc: PublicDocument, *, by: Any) -> PublicDocument:
    """Put a draft (or a withdrawn document) on the public page; the feed lists it from now."""
    if doc.status == Status.PUBLISHED:
        raise PublicError("Документ уже опубликован.")
    before = snapshot(doc)
    with transaction.atomic():
        doc.status, doc.published_at, doc.published_by = Status.PUBLISHED, timezone.now(), actor(by)
        doc.save(update_fields=["status", "published_at", "published_by", "updated_at"])
        record(doc, "public.document.published", by=by, before=before, after=snapshot(doc))
    return doc


def withdraw(doc: PublicDocument, *, by: Any, reason: str = "") -> PublicDocument:
    """Take a published document off the public page: its address answers 404 from now."""
    if doc.status != Status.PUBLISHED:
        raise PublicError("Снять с публикации можно только опубликованный документ.")
    before = snapshot(doc)
    with transaction.atomic():
        doc.status = Status.WITHDRAWN
        doc.save(update_fields=["status", "updated_at"])
        record(
            doc,
            "public.document.withdrawn",
            by=by,
            before=before,
            after=snapshot(doc),
            data={"reason": reason.strip()} if reason.strip() else None,
        )
    return doc


def delete_draft(doc: PublicDocument, *, by: Any) -> None:
    """Delete a draft and its file; published and withdrawn documents are kept (withdraw instead)."""
    if doc.status != Status.DRAFT:
        raise PublicError("Удалить можно только черновик; опубликованный документ снимают с публикации.")
    stored = doc.file.name if doc.file else ""
    storage = doc.file.storage
    with transaction.atomic():
        record(doc, "public.document.deleted", by=by, before=snapshot(doc))
        doc.delete()
        if stored:
            transaction.on_commit(lambda: storage.delete(stored))


def publish_generated(
    municipality: Municipality,
    school: School | None,
    section: str,
    title: str,
    filename: str,
    content_bytes: bytes,
    *,
    by: Any,
    publish_now: bool = False,
    description: str = "",
    document_date: datetime.date | None = None,
    key: str = "",
) -> PublicDocument:
    """Store a generated document (a report's DOCX/PDF/XLSX bytes) as a draft, or published when ``publish_now``.

    ``filename`` gives the format (``.pdf``, ``.docx``, ``.xlsx``, ``.doc``, ``.xls``); the bytes are checked like
    an upload. With a ``key`` (e.g. ``"reports:monitoring:2024"``), generating again replaces the file and title
    of the not-withdrawn document with that key in the same municipality and school instead of adding another
    one; a published document stays published (its public address then serves the new file). Raises
    :class:`PublicError` with a Russian message; nothing is written then.
    """
    upload = ContentFile(content_bytes, name=filename)
    existing = None
    if key:
        existing = (
            PublicDocument.objects.filter(municipality=municipality, school=school, key=key)
            .exclude(status=Status.WITHDRAWN)
            .order_by("-pk")
            .first()
        )
    with transaction.atomic():
        if existing is not None:
            doc = update_document(
                existing,
                by=by,
                section=section,
                title=title,
                description=description or existing.description,
                document_date=document_date or existing.document_date,
                upload=upload,
            )
        else:
            doc = create_document(
                municipality,
                school,
                section=section,
                title=title,
                by=by,
                description=description,
                document_date=document_date,
                upload=upload,
                key=key,
            )
        if publish_now and doc.status == Status.DRAFT:
            publish(doc, by=by)
    return doc
