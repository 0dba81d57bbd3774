"""The registry's public documents on the program's page: only those marked public and in force or repealed (never a
draft), their file or link at a stable address; everything else 404, also for another municipality."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from portal.documents.models import ProgramDocument

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _doc(world: dict[str, Any], **fields: Any) -> ProgramDocument:
    values = {
        "kind": "program_order",
        "title": "Программа",
        "number": "84",
        "date": datetime.date(2022, 2, 14),
    }
    return ProgramDocument.objects.create(municipality=world["M"], **{**values, **fields})


def test_only_public_registry_documents_are_shown_and_served(
    client: Client, world: dict[str, Any], tmp_path: Any, settings: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    shown = _doc(world, is_public=True, status="active")
    shown.file.save("p84.pdf", SimpleUploadedFile("p84.pdf", PDF), save=True)
    shown.original_name = "p84.pdf"
    shown.save()
    repealed = _doc(
        world, is_public=True, status="repealed", repealed_on=datetime.date(2023, 1, 1), number="1"
    )
    draft = _doc(world, is_public=True, status="draft", number="2", url="https://uo.example.ru/d.pdf")
    hidden = _doc(world, is_public=False, number="3", url="https://uo.example.ru/h.pdf")
    page = client.get(reverse("public:authority", args=["m"])).content.decode()
    assert "Приказ о программе от 14.02.2022 № 84" in page and "Утратил силу (с 01.01.2023)" in page
    assert "№ 2" not in page and "№ 3" not in page
    response = client.get(reverse("public:registry_file", args=["m", shown.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    for doc in (draft, hidden):
        assert client.get(reverse("public:registry_file", args=["m", doc.pk])).status_code == 404
    assert client.get(reverse("public:registry_file", args=["m2", shown.pk])).status_code == 404
    assert (
        client.get(reverse("public:registry_file", args=["m", repealed.pk])).status_code == 404
    )  # no file, no link
