"""Pages of the registry: who may go where (role × URL, a foreign region is 404), adding and changing a document
from its page, a stale edit coming back filled, deleting after confirmation, the status history page."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from portal.documents.models import ProgramDocument, SchoolStatus
from portal.documents.tests.conftest import pdf
from tests.permissions import role_url_matrix

URLS: dict[str, Callable[[dict[str, Any]], str]] = {
    "list M": lambda w: reverse("documents:municipal", args=[w["M"].pk]),
    "list M2": lambda w: reverse("documents:municipal", args=[w["M2"].pk]),
    "new M": lambda w: reverse("documents:create", args=[w["M"].pk]),
    "school S1": lambda w: reverse("documents:school", args=[w["S1"].pk]),
    "school S2": lambda w: reverse("documents:school", args=[w["S2"].pk]),
    "school S3": lambda w: reverse("documents:school", args=[w["S3"].pk]),
    "new S1": lambda w: reverse("documents:create_school", args=[w["S1"].pk]),
    "new S2": lambda w: reverse("documents:create_school", args=[w["S2"].pk]),
    "doc D": lambda w: reverse("documents:document", args=[w["D"].pk]),
    "doc DS": lambda w: reverse("documents:document", args=[w["DS"].pk]),
    "doc D2": lambda w: reverse("documents:document", args=[w["D2"].pk]),
    "edit D": lambda w: reverse("documents:edit", args=[w["D"].pk]),
    "edit DS": lambda w: reverse("documents:edit", args=[w["DS"].pk]),
    "edit D2": lambda w: reverse("documents:edit", args=[w["D2"].pk]),
    "delete D": lambda w: reverse("documents:delete", args=[w["D"].pk]),
    "statuses M": lambda w: reverse("documents:statuses", args=[w["M"].pk]),
    "statuses M2": lambda w: reverse("documents:statuses", args=[w["M2"].pk]),
}
_EDIT_M = {
    "list M",
    "new M",
    "school S1",
    "school S2",
    "new S1",
    "new S2",
    "doc D",
    "doc DS",
    "edit D",
    "edit DS",
    "delete D",
    "statuses M",
}
ALLOWED: dict[tuple[str, str], set[str]] = {
    ("coordinator", "M"): _EDIT_M,
    ("method_centre", "M"): _EDIT_M,
    # a school team: its own school's documents, and the authority's documents in force its answers and roadmap
    # refer to (read only; never the authority's registry list, its drafts or another school's documents)
    ("school_team", "S1"): {"school S1", "new S1", "doc D", "doc DS", "edit DS"},
    ("region_viewer", "R"): {"list M", "school S1", "school S2", "doc D", "doc DS", "statuses M"},
    ("region_coordinator", "R"): _EDIT_M,
    # the other region: only its own municipality M2, never M
    ("region_coordinator", "R2"): {"list M2", "school S3", "doc D2", "edit D2", "statuses M2"},
    ("region_viewer", "R2"): {"list M2", "school S3", "doc D2", "statuses M2"},
}
MATRIX = role_url_matrix(ALLOWED, URLS)


@pytest.mark.parametrize(("role", "scope", "url_name", "status"), MATRIX)
def test_it_answers_each_role_per_scope(
    client: Client,
    docs: dict[str, Any],
    user_with_role: Callable[..., Any],
    role: str,
    scope: str,
    url_name: str,
    status: int,
) -> None:
    client.force_login(user_with_role(role, scope))
    assert client.get(URLS[url_name](docs)).status_code == status


@pytest.mark.parametrize("url_name", sorted(URLS))
def test_it_sends_anonymous_users_to_login(client: Client, docs: dict[str, Any], url_name: str) -> None:
    response = client.get(URLS[url_name](docs))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def _form_data(page: str, **fields: Any) -> dict[str, Any]:
    marker = 'name="loaded_state" value="'
    start = page.find(marker) + len(marker)
    data = {
        "kind": "coordinator_regulation",
        "title": "Положение о муниципальном координаторе",
        "number": "7",
        "date": "01.02.2023",
        "issuer": "Управление образования",
        "status": "active",
        "loaded_state": page[start : page.index('"', start)] if marker in page else "",
    }
    data.update(fields)
    return data


def test_a_school_team_does_not_read_the_authoritys_drafts(
    client: Client, docs: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    from portal.documents.models import ProgramDocument, Status

    ProgramDocument.objects.filter(pk=docs["D"].pk).update(status=Status.DRAFT)
    client.force_login(user_with_role("school_team", "S1"))
    assert client.get(reverse("documents:document", args=[docs["D"].pk])).status_code == 404
    ProgramDocument.objects.filter(pk=docs["D"].pk).update(status=Status.ACTIVE)
    assert client.get(reverse("documents:document", args=[docs["D"].pk])).status_code == 200


def test_the_coordinator_adds_a_document_with_the_slots_its_kind_evidences(
    client: Client, catalogue: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("coordinator", "M"))
    url = reverse("documents:create", args=[catalogue["M"].pk])
    page = client.get(url, {"kind": "coordinator_regulation"}).content.decode()
    # the kind's slots are ticked in advance: 1.1 (the pack of documents) and 1.2 (the coordinator's act)
    assert re.search(r'<input type="checkbox" name="indicators" value="1\.2"[^>]*checked', page)
    assert not re.search(r'<input type="checkbox" name="indicators" value="6\.1"[^>]*checked', page)
    response = client.post(url, {**_form_data(page), "indicators": ["1.1", "1.2"], "file": pdf("pol.pdf")})
    assert response.status_code == 302
    doc = ProgramDocument.objects.get(number="7")
    assert (doc.indicators, doc.original_name, doc.school_id) == (["1.1", "1.2"], "pol.pdf", None)
    detail = client.get(response["Location"]).content.decode()
    assert "Положение о муниципальном координаторе от 01.02.2023 № 7" in detail
    assert "1.2" in detail and reverse("documents:file", args=[doc.pk]) in detail


def test_a_stale_edit_comes_back_filled_with_the_changes(
    client: Client, docs: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    a, b = Client(), client
    a.force_login(user_with_role("coordinator", "M"))
    b.force_login(user_with_role("method_centre", "M"))
    url = reverse("documents:edit", args=[docs["D"].pk])
    page_a, page_b = a.get(url).content.decode(), b.get(url).content.decode()
    base = {
        "kind": "monitoring_regulation",
        "date": "01.03.2023",
        "status": "active",
        "indicators": ["2.1", "6.1"],
    }
    assert (
        a.post(url, _form_data(page_a, **base, title="Положение о мониторинге", number="12-а")).status_code
        == 302
    )
    response = b.post(url, _form_data(page_b, **base, title="Положение о мониторинге (ред. Б)", number="12"))
    assert response.status_code == 409
    page = response.content.decode()
    assert "Номер: было «12», теперь «12-а»" in page
    assert "Положение о мониторинге (ред. Б)" in page  # what B typed is still in the form
    docs["D"].refresh_from_db()
    assert (docs["D"].number, docs["D"].title) == ("12-а", "Положение о мониторинге")


def test_deleting_asks_first_and_lists_what_depends_on_the_document(
    client: Client, docs: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("coordinator", "M"))
    url = reverse("documents:delete", args=[docs["D"].pk])
    page = client.post(url).content.decode()  # no confirmation: only the impact
    assert "Показатели мониторинга, которые он подтверждает: 2.1, 6.1" in page
    assert ProgramDocument.objects.filter(pk=docs["D"].pk).exists()
    assert client.post(url, {"confirmed": "1"}).status_code == 302
    assert not ProgramDocument.objects.filter(pk=docs["D"].pk).exists()


def test_the_status_history_page_adds_and_shows_statuses_by_year(
    client: Client, docs: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("coordinator", "M"))
    url = reverse("documents:statuses", args=[docs["M"].pk])
    response = client.post(
        url,
        {
            "school": docs["S1"].pk,
            "year": 2021,
            "kind": "project_500",
            "document": docs["D"].pk,
            "source": "c",
        },
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "«500+»" in page and "2021" in page
    status = SchoolStatus.objects.get()
    client.force_login(user_with_role("region_viewer", "R"))
    assert client.post(url, {"school": docs["S2"].pk, "year": 2020, "kind": "at_risk"}).status_code == 404
    assert client.post(reverse("documents:status_delete", args=[status.pk])).status_code == 404
    # the school card shows it
    client.force_login(user_with_role("coordinator", "M"))
    card = client.get(reverse("schools:school", args=[docs["S1"].pk])).content.decode()
    assert 'data-testid="status-history"' in card and "Участник проекта «500+»" in card
