"""Services of the public page: checks of files and links, the publishing workflow, audit, generated documents."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.audit.models import AuditEntry
from portal.public import services
from portal.public.models import PublicDocument, Status
from portal.public.tests.conftest import PDF, pdf_upload


def _read(doc: PublicDocument) -> bytes:
    with doc.file.open("rb") as handle:
        return bytes(handle.read())


def _stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def test_it_stores_an_uploaded_pdf_as_an_audited_draft(world: dict[str, Any], publisher: Any) -> None:
    doc = services.create_document(
        world["M"], None, section="regulations", title=" Приказ № 41 ", upload=pdf_upload(), by=publisher
    )
    assert (doc.status, doc.title, doc.extension, doc.size) == (Status.DRAFT, "Приказ № 41", "pdf", len(PDF))
    assert _read(doc) == PDF
    entry = AuditEntry.objects.get(action="public.document.created")
    assert (entry.actor, entry.municipality_id, entry.object_id) == (publisher, world["M"].pk, str(doc.pk))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"upload": SimpleUploadedFile("notes.txt", b"text")}, "формат .txt не принимается"),
        ({"upload": SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n....")}, "формат .png не принимается"),
        ({"upload": SimpleUploadedFile("fake.pdf", b"MZ\x90\x00 not a pdf")}, "содержимое не похоже на .pdf"),
        ({"upload": SimpleUploadedFile("empty.pdf", b"")}, "пуст"),
        ({}, "Приложите файл документа или укажите ссылку"),
        ({"upload": pdf_upload(), "url": "https://example.ru/a.pdf"}, "либо файл, либо ссылку"),
        ({"url": "ftp://example.ru/a.pdf"}, "не похожа на адрес"),
        ({"url": "https://example.ru/a.pdf", "title": "  "}, "Укажите название"),
        ({"url": "https://example.ru/a.pdf", "section": "news"}, "Неизвестный раздел"),
    ],
)
def test_it_refuses_bad_input_in_russian_and_writes_nothing(
    world: dict[str, Any], publisher: Any, _media: Path, kwargs: dict[str, Any], message: str
) -> None:
    args = {"section": "regulations", "title": "Документ", **kwargs}
    with pytest.raises(services.PublicError, match=re.escape(message)):
        services.create_document(world["M"], None, by=publisher, **args)
    assert not PublicDocument.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="public.").exists()
    assert _stored_files(_media) == []


def test_it_refuses_a_file_over_the_size_cap(world: dict[str, Any], publisher: Any, settings: Any) -> None:
    settings.OPORA_UPLOAD_MAX_MB = 1
    big = pdf_upload(content=PDF + b"0" * (1024 * 1024))
    with pytest.raises(
        services.PublicError, match=re.escape("слишком большой: 1.0 МБ, допустимо не больше 1 МБ")
    ):
        services.create_document(
            world["M"], None, section="regulations", title="Большой", upload=big, by=publisher
        )
    assert not PublicDocument.objects.exists()


def test_it_refuses_a_school_of_another_municipality(world: dict[str, Any], publisher: Any) -> None:
    with pytest.raises(services.PublicError, match=re.escape("не относится к муниципалитету")):
        services.create_document(
            world["M"], world["S3"], section="programs", title="ШППКО", url="https://e.ru/", by=publisher
        )
    assert not PublicDocument.objects.exists()


def test_it_publishes_withdraws_and_republishes(world: dict[str, Any], publisher: Any) -> None:
    doc = services.create_document(
        world["M"], None, section="events", title="Семинар", url="https://e.ru/", by=publisher
    )
    services.publish(doc, by=publisher)
    assert (doc.status, doc.published_by) == (Status.PUBLISHED, publisher)
    first = doc.published_at
    with pytest.raises(services.PublicError, match=re.escape("уже опубликован")):
        services.publish(doc, by=publisher)
    services.withdraw(doc, by=publisher, reason="заменён новым")
    assert doc.status == Status.WITHDRAWN
    with pytest.raises(services.PublicError, match=re.escape("только опубликованный")):
        services.withdraw(doc, by=publisher)
    with pytest.raises(services.PublicError, match=re.escape("Удалить можно только черновик")):
        services.delete_draft(doc, by=publisher)
    services.publish(doc, by=publisher)
    assert doc.status == Status.PUBLISHED and doc.published_at >= first
    actions = list(
        AuditEntry.objects.filter(object_id=str(doc.pk)).order_by("pk").values_list("action", flat=True)
    )
    assert actions == [
        "public.document.created",
        "public.document.published",
        "public.document.withdrawn",
        "public.document.published",
    ]
    withdrawn = AuditEntry.objects.get(action="public.document.withdrawn")
    assert withdrawn.data == {"reason": "заменён новым"}
    assert (withdrawn.before["status"], withdrawn.after["status"]) == ("published", "withdrawn")


def test_a_new_file_replaces_the_old_one_and_the_old_file_is_deleted(
    world: dict[str, Any], publisher: Any, django_capture_on_commit_callbacks: Any, _media: Path
) -> None:
    doc = services.create_document(
        world["M"], None, section="regulations", title="Приказ", upload=pdf_upload(), by=publisher
    )
    old = Path(doc.file.path)
    new_pdf = PDF + b"% version 2\n"
    with django_capture_on_commit_callbacks(execute=True):
        services.update_document(
            doc,
            by=publisher,
            section="regulations",
            title="Приказ (ред. 2)",
            upload=pdf_upload("v2.pdf", new_pdf),
        )
    doc.refresh_from_db()
    assert (doc.title, doc.original_name, _read(doc)) == ("Приказ (ред. 2)", "v2.pdf", new_pdf)
    assert not old.exists()
    assert _stored_files(_media) == [Path(doc.file.path)]
    changed = AuditEntry.objects.get(action="public.document.changed")
    assert (changed.before["title"], changed.after["title"]) == ("Приказ", "Приказ (ред. 2)")


def test_a_link_may_replace_a_file(
    world: dict[str, Any], publisher: Any, django_capture_on_commit_callbacks: Any
) -> None:
    doc = services.create_document(
        world["M"], None, section="regulations", title="Приказ", upload=pdf_upload(), by=publisher
    )
    path = Path(doc.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        services.update_document(
            doc, by=publisher, section="regulations", title="Приказ", url="https://e.ru/p.pdf"
        )
    doc.refresh_from_db()
    assert (doc.is_file, doc.url, doc.extension) == (False, "https://e.ru/p.pdf", "")
    assert not path.exists()


def test_a_bad_new_file_leaves_the_document_unchanged(world: dict[str, Any], publisher: Any) -> None:
    doc = services.create_document(
        world["M"], None, section="regulations", title="Приказ", upload=pdf_upload(), by=publisher
    )
    with pytest.raises(services.PublicError, match=re.escape("формат .txt")):
        services.update_document(
            doc, by=publisher, section="reports", title="Другое", upload=SimpleUploadedFile("a.txt", b"x")
        )
    doc.refresh_from_db()
    assert (doc.title, doc.section, _read(doc)) == ("Приказ", "regulations", PDF)
    assert not AuditEntry.objects.filter(action="public.document.changed").exists()


def test_deleting_a_draft_removes_its_file(
    world: dict[str, Any], publisher: Any, django_capture_on_commit_callbacks: Any, _media: Path
) -> None:
    doc = services.create_document(
        world["M"], None, section="regulations", title="Приказ", upload=pdf_upload(), by=publisher
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_draft(doc, by=publisher)
    assert not PublicDocument.objects.exists()
    assert _stored_files(_media) == []
    assert AuditEntry.objects.filter(action="public.document.deleted").count() == 1


def test_publish_generated_stores_a_report_and_regenerating_replaces_it(
    world: dict[str, Any], publisher: Any
) -> None:
    from portal.lib.documents import html_to_pdf

    first = html_to_pdf("<h1>Аналитическая справка</h1><p>Версия 1</p>")
    doc = services.publish_generated(
        world["M"],
        world["S1"],
        "reports",
        "Карта школы СОШ № 1",
        "card.pdf",
        first,
        by=publisher,
        key="reports:card:S1",
    )
    assert (doc.status, doc.school, doc.extension, _read(doc)) == (Status.DRAFT, world["S1"], "pdf", first)
    services.publish(doc, by=publisher)
    second = html_to_pdf("<h1>Аналитическая справка</h1><p>Версия 2</p>")
    again = services.publish_generated(
        world["M"],
        world["S1"],
        "reports",
        "Карта школы СОШ № 1 (2024)",
        "card.pdf",
        second,
        by=publisher,
        key="reports:card:S1",
    )
    assert again.pk == doc.pk and again.status == Status.PUBLISHED and again.title.endswith("(2024)")
    assert _read(again) == second
    third = services.publish_generated(
        world["M"], None, "reports", "Справка", "spravka.pdf", first, by=publisher, publish_now=True
    )
    assert third.status == Status.PUBLISHED and third.pk != doc.pk
    assert PublicDocument.objects.count() == 2


def test_publish_generated_refuses_a_format_outside_the_list(world: dict[str, Any], publisher: Any) -> None:
    with pytest.raises(services.PublicError, match=re.escape("формат .csv не принимается")):
        services.publish_generated(world["M"], None, "reports", "Таблица", "t.csv", b"a;b\n", by=publisher)
    with pytest.raises(services.PublicError, match=re.escape("это не документ .docx")):
        services.publish_generated(
            world["M"], None, "reports", "Справка", "s.docx", b"PK\x03\x04garbage", by=publisher
        )
    assert not PublicDocument.objects.exists()
