"""Fixtures of the public page tests: media in a temporary folder, a tiny PDF, documents in every status."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def pdf_upload(name: str = "prikaz.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def publisher(user_with_role: Callable[..., Any]) -> Any:
    """A coordinator of M with a real name: the public pages must never show it."""
    user = user_with_role("coordinator", "M")
    user.first_name, user.last_name = "Ираида", "Публикаторова"
    user.save()
    return user


@pytest.fixture
def docs(world: dict[str, Any], publisher: Any) -> dict[str, Any]:
    """In M: a published order (file), a published link, a draft, a withdrawn document, a published S1 program;
    in M2: a published document (never on M's pages)."""
    from portal.public import services

    def make(m: str, school: str | None, title: str, section: str = "regulations", **kw: Any) -> Any:
        if "url" not in kw:
            kw["upload"] = pdf_upload()
        return services.create_document(
            world[m], world[school] if school else None, section=section, title=title, by=publisher, **kw
        )

    order = services.publish(make("M", None, "Приказ № 41 от 26.01.2023"), by=publisher)
    link = services.publish(
        make("M", None, "Семинары КК ИПК", "events", url="https://kipk.example.ru/seminars"), by=publisher
    )
    draft = make("M", None, "Черновик справки мониторинга", "reports")
    withdrawn = services.withdraw(
        services.publish(make("M", None, "Устаревшее положение"), by=publisher), by=publisher
    )
    program = services.publish(make("M", "S1", "ШППКО СОШ № 1", "programs"), by=publisher)
    s1_draft = make("M", "S1", "Черновик ШППКО СОШ № 1", "programs")
    other = services.publish(make("M2", None, "Приказ другого города"), by=publisher)
    return {
        **world,
        "order": order,
        "link": link,
        "draft": draft,
        "withdrawn": withdrawn,
        "program": program,
        "s1_draft": s1_draft,
        "other": other,
    }


def release(response: Any) -> Any:
    """Read a streamed (file) response to the end: the test client then closes the file without closing the
    test's database connection (a plain ``response.close()`` would, on PostgreSQL)."""
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
    return response
