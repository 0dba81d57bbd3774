"""Fixtures of the registry tests: the indicator catalogue and the roadmaps in the database, uploads in a temporary
MEDIA_ROOT, a document of the authority of M and one of school S1."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.OPORA_UPLOAD_MAX_MB = 20


@pytest.fixture
def catalogue(world: dict[str, Any]) -> dict[str, Any]:
    from portal.monitoring import services as monitoring
    from portal.roadmap import services as roadmap

    monitoring.sync_builtin_sets(by=None)
    roadmap.sync_builtin(world["M"], by=None)
    roadmap.sync_builtin(world["M2"], by=None)
    return world


def values(**overrides: Any) -> dict[str, Any]:
    base = {
        "kind": "monitoring_regulation",
        "number": "12",
        "date": datetime.date(2023, 3, 1),
        "title": "Положение о муниципальном мониторинге",
        "issuer": "Управление образования",
        "status": "active",
        "repealed_on": None,
        "description": "",
        "url": "",
        "is_public": False,
    }
    return {**base, **overrides}


def pdf(name: str = "polozhenie.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def docs(catalogue: dict[str, Any]) -> dict[str, Any]:
    """D: the authority's regulation on monitoring (evidences 2.1 and 6.1); DS: S1's ВСОКО regulation;
    D2: a document of M2 (another region)."""
    from portal.documents import services
    from portal.documents.models import ProgramDocument

    d = services.save_document(
        ProgramDocument(municipality=catalogue["M"]), values(), by=None, indicators=["2.1", "6.1"]
    )
    ds = services.save_document(
        ProgramDocument(municipality=catalogue["M"], school=catalogue["S1"]),
        values(kind="vsoko_regulation", title="Положение о ВСОКО", number="5"),
        by=None,
        indicators=["1.1|vsoko_regulation"],
    )
    d2 = services.save_document(ProgramDocument(municipality=catalogue["M2"]), values(), by=None)
    return {**catalogue, "D": d, "DS": ds, "D2": d2}
