"""portal.lib.uploads: what is accepted (each allowed format by its signature) and the size cap."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.lib.uploads import UploadRejected, validate_upload
from portal.roadmap.tests.conftest import PDF, docx

OLE = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 8
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("a.pdf", PDF, "pdf"),
        ("A.PDF", PDF, "pdf"),  # the extension is compared case-insensitively
        ("a.doc", OLE, "doc"),
        ("a.xls", OLE, "xls"),
        ("photo.jpeg", JPEG, "jpg"),
        ("photo.jpg", JPEG, "jpg"),
        ("scan.png", PNG, "png"),
    ],
)
def test_allowed_formats_pass(name: str, content: bytes, expected: str) -> None:
    upload = SimpleUploadedFile(name, content)
    assert validate_upload(upload) == expected
    assert upload.tell() == 0  # left at the start for storing


def test_office_packages_are_looked_into(settings: Any) -> None:
    assert validate_upload(docx("a.docx")) == "docx"
    assert validate_upload(docx("a.xlsx", member="xl/workbook.xml")) == "xlsx"
    with pytest.raises(UploadRejected, match=r"внутри нет word/document\.xml"):
        validate_upload(docx("a.docx", member="xl/workbook.xml"))


def test_the_cap_is_inclusive_and_configurable(settings: Any) -> None:
    settings.OPORA_UPLOAD_MAX_MB = 1
    exactly = SimpleUploadedFile("a.pdf", PDF + b"0" * (1024 * 1024 - len(PDF)))  # 1 048 576 bytes = 1 MB
    assert validate_upload(exactly) == "pdf"
    over = SimpleUploadedFile("a.pdf", PDF + b"0" * (1024 * 1024 - len(PDF) + 1))
    with pytest.raises(UploadRejected, match="допустимо не больше 1 МБ"):
        validate_upload(over)


def test_a_name_without_extension_is_refused() -> None:
    with pytest.raises(UploadRejected, match=r"формат \.\? не принимается"):
        validate_upload(SimpleUploadedFile("README", PDF))
