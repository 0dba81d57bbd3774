"""Public pages: only published documents, no personal data, stable addresses, feeds, bounded queries."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree

import pytest
from django.test import Client
from django.urls import reverse

from portal.public import services
from portal.public.tests.conftest import PDF, pdf_upload, release

ATOM = "{http://www.w3.org/2005/Atom}"


def authority_url(w: dict[str, Any]) -> str:
    return reverse("public:authority", args=[w["M"].code])


def test_the_authority_page_shows_published_documents_only(client: Client, docs: dict[str, Any]) -> None:
    response = client.get(authority_url(docs))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Приказ № 41 от 26.01.2023" in html
    assert "Семинары КК ИПК" in html
    assert reverse("public:file", args=["m", docs["order"].pk]) in html
    for hidden in (
        "Черновик справки мониторинга",
        "Устаревшее положение",
        "Приказ другого города",
        "Черновик ШППКО",
    ):
        assert hidden not in html
    for hidden in ("draft", "withdrawn", "other", "s1_draft"):
        assert reverse("public:file", args=["m", docs[hidden].pk]) not in html
    # School documents live on the school's page; the authority page links to it.
    assert "ШППКО СОШ № 1" not in html
    assert reverse("public:school_page", args=["m", "S1"]) in html
    # Every section is there, in the seed's order, even an empty one.
    positions = [
        html.index(f'id="h-{s}"') for s in ("programs", "roadmaps", "reports", "regulations", "events")
    ]
    assert positions == sorted(positions)
    assert "Документы этого раздела пока не размещены." in html


def test_the_pages_show_no_personal_data(client: Client, docs: dict[str, Any], publisher: Any) -> None:
    from portal.staff.models import BestPractice, Teacher

    Teacher.objects.create(school=docs["S1"], name="Педагогова Анна Сергеевна")
    BestPractice.objects.create(
        school=docs["S1"],
        title="Наставничество «учитель — учитель»",
        authors="Наставникова Мария Ивановна",
        description="Пары педагогов готовят и разбирают уроки.",
        results="Доля уроков с обратной связью выросла.",
        status=BestPractice.Status.PUBLISHED,
    )
    BestPractice.objects.create(
        school=docs["S1"], title="Практика на рассмотрении", authors="Автор", description="…"
    )
    pages = [
        client.get(authority_url(docs)).content.decode(),
        client.get(reverse("public:school_page", args=["m", "S1"])).content.decode(),
        client.get(reverse("public:feed", args=["m"])).content.decode(),
        client.get(reverse("public:feed_rss", args=["m"])).content.decode(),
    ]
    assert "Наставничество «учитель — учитель»" in pages[0]  # the bank's published practice is shown…
    assert "Практика на рассмотрении" not in pages[0]  # …an unpublished one is not
    for html in pages:
        for personal in (
            "Ираида",
            "Публикаторова",
            publisher.username,
            "Педагогова",
            "Наставникова",
            "x-test-password",
        ):
            assert personal not in html


def test_the_school_page_shows_its_published_documents(client: Client, docs: dict[str, Any]) -> None:
    html = client.get(reverse("public:school_page", args=["m", "S1"])).content.decode()
    assert "ШППКО СОШ № 1" in html and "Черновик ШППКО" not in html
    assert "Приказ № 41" not in html  # the authority's documents are on the authority's page
    assert reverse("public:authority", args=["m"]) in html


def test_a_school_page_exists_only_under_its_own_municipality(client: Client, docs: dict[str, Any]) -> None:
    assert client.get(reverse("public:school_page", args=["m", "S3"])).status_code == 404
    assert client.get(reverse("public:school_page", args=["m2", "S3"])).status_code == 200
    assert client.get(reverse("public:authority", args=["nowhere"])).status_code == 404


def test_a_published_file_is_served_with_its_russian_name(client: Client, docs: dict[str, Any]) -> None:
    response = client.get(reverse("public:file", args=["m", docs["order"].pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    expected = quote("Приказ № 41 от 26.01.2023.pdf")
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{expected}"


def test_a_published_link_redirects(client: Client, docs: dict[str, Any]) -> None:
    response = client.get(reverse("public:file", args=["m", docs["link"].pk]))
    assert (response.status_code, response["Location"]) == (302, "https://kipk.example.ru/seminars")


@pytest.mark.parametrize("name", ["draft", "withdrawn", "s1_draft"])
def test_unpublished_documents_answer_404_by_direct_address(
    client: Client, docs: dict[str, Any], name: str
) -> None:
    assert client.get(reverse("public:file", args=["m", docs[name].pk])).status_code == 404


def test_a_document_is_not_served_under_another_municipality(client: Client, docs: dict[str, Any]) -> None:
    assert client.get(reverse("public:file", args=["m", docs["other"].pk])).status_code == 404
    served = client.get(reverse("public:file", args=["m2", docs["other"].pk]))
    release(served)
    assert served.status_code == 200


def test_a_withdrawn_document_disappears_from_page_feed_and_address(
    client: Client, docs: dict[str, Any], publisher: Any
) -> None:
    url = reverse("public:file", args=["m", docs["order"].pk])
    served = client.get(url)
    release(served)
    assert served.status_code == 200
    services.withdraw(docs["order"], by=publisher)
    assert client.get(url).status_code == 404
    assert "Приказ № 41" not in client.get(authority_url(docs)).content.decode()
    assert "Приказ № 41" not in client.get(reverse("public:feed", args=["m"])).content.decode()


def test_the_atom_feed_lists_published_documents_newest_first(client: Client, docs: dict[str, Any]) -> None:
    response = client.get(reverse("public:feed", args=["m"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)
    titles = [e.findtext(f"{ATOM}title") for e in root.iter(f"{ATOM}entry")]
    assert titles == ["СОШ № 1: ШППКО СОШ № 1", "Семинары КК ИПК", "Приказ № 41 от 26.01.2023"]
    links = [e.find(f"{ATOM}link").get("href") for e in root.iter(f"{ATOM}entry")]  # type: ignore[union-attr]
    assert links[-1] == f"http://testserver{reverse('public:file', args=['m', docs['order'].pk])}"
    rss = client.get(reverse("public:feed_rss", args=["m"]))
    assert rss.status_code == 200 and b"<rss" in rss.content and "Черновик".encode() not in rss.content


def test_the_pages_read_a_fixed_number_of_queries(
    client: Client, docs: dict[str, Any], publisher: Any, django_assert_max_num_queries: Any
) -> None:
    def counts() -> tuple[int, int, int]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        out = []
        for url in (
            authority_url(docs),
            reverse("public:school_page", args=["m", "S1"]),
            reverse("public:feed", args=["m"]),
        ):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            out.append(len(ctx.captured_queries))
        return out[0], out[1], out[2]

    before = counts()
    assert max(before) <= 6
    for i in range(15):
        school = docs["S2"] if i % 2 else None
        doc = services.create_document(
            docs["M"], school, section="events", title=f"Семинар {i}", upload=pdf_upload(), by=publisher
        )
        services.publish(doc, by=publisher)
    assert counts() == before
    with django_assert_max_num_queries(6):
        client.get(authority_url(docs))


def test_the_page_is_printable(client: Client, docs: dict[str, Any]) -> None:
    html = client.get(authority_url(docs)).content.decode()
    assert "public/public.css" in html
    from django.contrib.staticfiles import finders

    with open(finders.find("public/public.css"), encoding="utf-8") as handle:
        css = handle.read()
    assert "@media print" in css and "attr(data-print-url)" in css
    assert f'data-print-url="http://testserver{reverse("public:file", args=["m", docs["order"].pk])}"' in html


def test_the_program_schools_come_from_the_published_identification(
    client: Client, docs: dict[str, Any]
) -> None:
    from portal.identification.models import IdentificationRun, SchoolOutcome

    run = IdentificationRun.objects.create(
        municipality=docs["M"],
        year=2023,
        status="published",
        fit_description="—",
        config={},
        data_version="x",
    )
    SchoolOutcome.objects.create(run=run, school=docs["S2"], categories=["low_results", "at_risk"])
    SchoolOutcome.objects.create(run=run, school=docs["S1"], categories=["resilient"])
    html = client.get(authority_url(docs)).content.decode()
    table = html[html.index('id="h-schools"') : html.index('id="h-practices"')]
    assert "ООШ № 2" in table and "ШНОР" in table and "Зона риска" in table
    # S1 is not in the program, but it has published a document: listed apart, without a category.
    program, others = table.split("Другие школы, разместившие документы")
    assert "СОШ № 1" not in program and "СОШ № 1" in others
    assert (
        "по результатам идентификации 2023 г."
        in client.get(reverse("public:school_page", args=["m", "S2"])).content.decode()
    )
