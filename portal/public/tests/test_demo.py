"""The demo public page: published PDFs and a link for «г. Минусинск (демо)», one draft, idempotent."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from portal.demo.base import MUNICIPALITY_CODE
from portal.demo.registry import loaders
from portal.demo.services import load_demo
from portal.public.demo import load_public_demo
from portal.public.models import PublicDocument, Status
from portal.schools.models import Municipality


def _pdf_text(data: bytes) -> str:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    try:
        return "".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def test_the_demo_publishes_documents_and_keeps_a_draft(db: Any, client: Client) -> None:
    assert load_public_demo in [loader.func for loader in loaders()]
    load_demo(password="demo-test-pass-1", write=lambda s: None, extensions=False)
    municipality = Municipality.objects.get(code=MUNICIPALITY_CODE)
    messages: list[str] = []
    load_public_demo(municipality, messages.append)
    docs = PublicDocument.objects.filter(municipality=municipality)
    assert docs.filter(status=Status.PUBLISHED).count() == 4
    draft = docs.get(status=Status.DRAFT)
    # no invented order: the orders are registry entries with the seeds' requisites (portal/documents)
    assert not docs.filter(title__icontains="Приказ").exists()
    roadmap = docs.get(key="demo:roadmap-2023-2025")
    with roadmap.file.open("rb") as handle:
        text = " ".join(_pdf_text(handle.read()).split())
    # the seed's own directions (002, lines 1136-1165)
    assert "ДЕМОНСТРАЦИОННЫЙ ДОКУМЕНТ" in text and "Направление 4. Совершенствование информационно" in text
    assert docs.get(key="demo:oosh01-shppko").school.code == "MNS-OOSH01"
    html = client.get(reverse("public:authority", args=[MUNICIPALITY_CODE])).content.decode()
    assert "Муниципальная программа поддержки" in html and draft.title not in html
    assert messages == ["Публичная страница: демо-документов добавлено 5, всего 5."]
    load_public_demo(municipality, messages.append)
    assert docs.count() == 5 and messages[-1] == "Публичная страница: демо-документов добавлено 0, всего 5."


def test_the_public_page_lists_the_registry_documents_marked_public(db: Any, client: Client) -> None:
    from portal.documents.demo import load_documents_demo

    load_demo(password="demo-test-pass-1", write=lambda s: None, extensions=False)
    municipality = Municipality.objects.get(code=MUNICIPALITY_CODE)
    load_documents_demo(municipality, lambda s: None)
    html = client.get(reverse("public:authority", args=[MUNICIPALITY_CODE])).content.decode()
    listed = html[html.index('data-testid="registry-public"') :]
    listed = listed[: listed.index("</ol>")]
    # № 84 and № 41 are marked public; the order of 19.01.2023 and the ministry's letter are not
    assert (
        "Приказ о программе от 14.02.2022 № 84" in listed
        and "Приказ о программе от 26.01.2023 № 41" in listed
    )
    assert "19.01.2023" not in listed and "Информационное письмо" not in listed
    assert "текст документа не размещён" in listed  # the seeds give requisites, not the texts
