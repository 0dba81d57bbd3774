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
    assert docs.filter(status=Status.PUBLISHED).count() == 5
    draft = docs.get(status=Status.DRAFT)
    order = docs.get(title="Приказ № 41 от 26.01.2023 (демо)")
    assert (order.section, f"{order.document_date:%d.%m.%Y}") == ("regulations", "26.01.2023")
    with order.file.open("rb") as handle:
        text = _pdf_text(handle.read())
    assert "ДЕМОНСТРАЦИОННЫЙ ДОКУМЕНТ" in text and "ПРИКАЗЫВАЮ" in text
    assert docs.get(key="demo:oosh01-shppko").school.code == "MNS-OOSH01"
    html = client.get(reverse("public:authority", args=[MUNICIPALITY_CODE])).content.decode()
    assert "Муниципальная программа поддержки" in html and draft.title not in html
    assert messages == ["Публичная страница: демо-документов добавлено 6, всего 6."]
    load_public_demo(municipality, messages.append)
    assert docs.count() == 6 and messages[-1] == "Публичная страница: демо-документов добавлено 0, всего 6."
