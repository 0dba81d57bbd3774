"""Fixtures of the roadmap tests: uploads in a temporary MEDIA_ROOT, the shipped roadmaps synced for M and M2."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.roadmap import services

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.OPORA_UPLOAD_MAX_MB = 20
    settings.OPORA_DUE_SOON_DAYS = 30


@pytest.fixture
def roadmaps(world: dict[str, Any]) -> dict[str, Any]:
    services.sync_builtin(world["M"], by=None)
    services.sync_builtin(world["M2"], by=None)
    return world


def pdf(name: str = "protocol.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def docx(name: str = "report.docx", member: str = "word/document.xml") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(member, "<w:document/>")
    return SimpleUploadedFile(name, buffer.getvalue())
