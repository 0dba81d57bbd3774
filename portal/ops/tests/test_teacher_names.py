"""Personal-data minimisation for teachers: no public page, feed or published document of the demo names one."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from portal.demo.base import MUNICIPALITY_CODE
from portal.demo.services import load_demo
from portal.public.models import PublicDocument, Status
from portal.schools.models import Municipality, School
from portal.staff.models import Teacher

REAL_LOOKING = "Сидорова Анна Петровна"


def _pdf_text(data: bytes) -> str:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    try:
        return "".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


@pytest.fixture
def demo(db: Any, settings: Any, tmp_path: Any) -> Municipality:
    from portal.public.demo import load_public_demo
    from portal.staff.demo import load_staff_demo

    settings.MEDIA_ROOT = tmp_path  # the published PDFs are written here, not into var/media
    load_demo(password="demo-test-pass-1", write=lambda s: None, extensions=False)
    municipality = Municipality.objects.get(code=MUNICIPALITY_CODE)
    load_staff_demo(municipality, lambda s: None)
    load_public_demo(municipality, lambda s: None)
    Teacher.objects.filter(pk=Teacher.objects.order_by("pk").values("pk")[:1]).update(name=REAL_LOOKING)
    return municipality


def test_public_pages_feeds_and_documents_name_no_teacher(client: Client, demo: Municipality) -> None:
    names = set(Teacher.objects.values_list("name", flat=True))
    assert len(names) > 100 and REAL_LOOKING in names  # the demo has teachers at every school
    pages = [reverse("public:authority", args=[MUNICIPALITY_CODE])]
    pages += [
        reverse("public:feed", args=[MUNICIPALITY_CODE]),
        reverse("public:feed_rss", args=[MUNICIPALITY_CODE]),
    ]
    pages += [
        reverse("public:school_page", args=[MUNICIPALITY_CODE, s.code])
        for s in School.objects.filter(municipality=demo)
    ]
    texts = []
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        texts.append(response.content.decode())
    published = PublicDocument.objects.filter(municipality=demo, status=Status.PUBLISHED)
    # the demo publishes four files (the orders № 84 and № 41 are registry entries without files, portal/documents)
    assert published.count() >= 4
    for doc in published.exclude(file=""):  # a document may be a link instead of a file
        with doc.file.open("rb") as handle:
            data = handle.read()
        texts.append(_pdf_text(data) if data.startswith(b"%PDF") else data.decode("utf-8", "replace"))
    text = "\n".join(texts)
    assert "Муниципальная программа поддержки" in text  # the pages are really there
    leaked = sorted(n for n in names if n in text)
    assert leaked == []
    assert "Сидорова" not in text


def test_the_regional_export_names_no_teacher(client: Client, demo: Municipality) -> None:
    import openpyxl

    from portal.accounts.models import Role, RoleAssignment, User

    viewer = User.objects.create_user("viewer", password="x-test-password-1")
    RoleAssignment.objects.create(user=viewer, role=Role.REGION_VIEWER, region=demo.region)
    client.force_login(viewer)
    response = client.get(reverse("schools:region_export", args=[demo.region_id]))
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    cells = " ".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value)
    assert demo.name in cells and REAL_LOOKING not in cells and "Педагог " not in cells
