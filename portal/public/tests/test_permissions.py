"""The role × URL matrix of the public page: anonymous visitors see only /p/…; staff pages answer 404 outside
one's scope and send anonymous users to the login page; the school team drafts, the coordinator publishes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from portal.audit.models import AuditEntry
from portal.public import services
from portal.public.models import PublicDocument, Status
from portal.public.tests.conftest import pdf_upload, release
from tests.permissions import role_url_matrix


@pytest.fixture
def w(docs: dict[str, Any], publisher: Any) -> dict[str, Any]:
    s2_draft = services.create_document(
        docs["M"], docs["S2"], section="programs", title="Черновик ООШ № 2", upload=pdf_upload(), by=publisher
    )
    return {**docs, "s2_draft": s2_draft}


URLS: dict[str, Callable[[dict[str, Any]], str]] = {
    "list M": lambda w: reverse("public:municipal", args=[w["M"].pk]),
    "list M2": lambda w: reverse("public:municipal", args=[w["M2"].pk]),
    "list S1": lambda w: reverse("public:school", args=[w["S1"].pk]),
    "list S2": lambda w: reverse("public:school", args=[w["S2"].pk]),
    "list S3": lambda w: reverse("public:school", args=[w["S3"].pk]),
    "doc M draft": lambda w: reverse("public:document", args=[w["draft"].pk]),
    "doc M published": lambda w: reverse("public:document", args=[w["order"].pk]),
    "doc S1 draft": lambda w: reverse("public:document", args=[w["s1_draft"].pk]),
    "doc S1 published": lambda w: reverse("public:document", args=[w["program"].pk]),
    "doc S2 draft": lambda w: reverse("public:document", args=[w["s2_draft"].pk]),
    "doc M2": lambda w: reverse("public:document", args=[w["other"].pk]),
    "file M draft": lambda w: reverse("public:document_file", args=[w["draft"].pk]),
    "file S1 draft": lambda w: reverse("public:document_file", args=[w["s1_draft"].pk]),
    "file S2 draft": lambda w: reverse("public:document_file", args=[w["s2_draft"].pk]),
}

_MANAGE_M = {name for name in URLS if "M2" not in name and "S3" not in name}
ALLOWED: dict[tuple[str, str], set[str]] = {
    ("coordinator", "M"): _MANAGE_M,
    ("method_centre", "M"): _MANAGE_M,
    ("school_team", "S1"): {"list S1", "doc S1 draft", "doc S1 published", "file S1 draft"},
    ("region_viewer", "R"): set(),
    # The regional coordinator manages the public pages of every municipality of its region (R covers M).
    ("region_coordinator", "R"): _MANAGE_M,
    ("region_coordinator", "R2"): {"list M2", "list S3", "doc M2"},
    ("region_viewer", "R2"): set(),
}

MATRIX = role_url_matrix(ALLOWED, URLS)


def _get(client: Client, url: str) -> int:
    response = client.get(url)
    release(response)
    return response.status_code


@pytest.mark.parametrize(("role", "scope", "url_name", "status"), MATRIX)
def test_it_answers_each_role_per_scope(
    client: Client,
    w: dict[str, Any],
    user_with_role: Callable[..., Any],
    role: str,
    scope: str,
    url_name: str,
    status: int,
) -> None:
    client.force_login(user_with_role(role, scope))
    assert _get(client, URLS[url_name](w)) == status


@pytest.mark.parametrize("url_name", sorted(URLS))
def test_it_sends_anonymous_users_to_login(client: Client, w: dict[str, Any], url_name: str) -> None:
    response = client.get(URLS[url_name](w))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


PUBLIC = {
    "authority": lambda w: reverse("public:authority", args=["m"]),
    "school page": lambda w: reverse("public:school_page", args=["m", "S1"]),
    "feed": lambda w: reverse("public:feed", args=["m"]),
    "rss": lambda w: reverse("public:feed_rss", args=["m"]),
    "published file": lambda w: reverse("public:file", args=["m", w["order"].pk]),
}


@pytest.mark.parametrize("url_name", sorted(PUBLIC))
def test_anonymous_visitors_see_the_public_pages(client: Client, w: dict[str, Any], url_name: str) -> None:
    assert _get(client, PUBLIC[url_name](w)) == 200


@pytest.mark.parametrize("action", ["publish", "withdraw", "delete"])
def test_actions_need_a_login(client: Client, w: dict[str, Any], action: str) -> None:
    response = client.post(reverse(f"public:{action}", args=[w["draft"].pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert PublicDocument.objects.get(pk=w["draft"].pk).status == Status.DRAFT


def test_a_school_team_drafts_but_does_not_publish(
    client: Client, w: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("school_team", "S1"))
    response = client.post(
        reverse("public:school", args=[w["S1"].pk]),
        {"section": "programs", "title": "План мероприятий СОШ № 1", "file": pdf_upload("plan.pdf")},
    )
    doc = PublicDocument.objects.get(title="План мероприятий СОШ № 1")
    assert response["Location"] == doc.get_absolute_url()
    assert (doc.school, doc.status) == (w["S1"], Status.DRAFT)
    assert "Координатор опубликует его" in client.get(response["Location"]).content.decode()
    # The school team cannot publish, withdraw, or edit a published document; nor touch another school's.
    assert client.post(reverse("public:publish", args=[doc.pk])).status_code == 404
    assert client.post(reverse("public:withdraw", args=[w["program"].pk])).status_code == 404
    edit = {"section": "programs", "title": "Подмена"}
    assert client.post(reverse("public:document", args=[w["program"].pk]), edit).status_code == 404
    assert client.post(reverse("public:delete", args=[w["s2_draft"].pk])).status_code == 404
    assert client.post(reverse("public:school", args=[w["S2"].pk]), edit).status_code == 404
    assert PublicDocument.objects.get(pk=w["program"].pk).title == "ШППКО СОШ № 1"
    assert PublicDocument.objects.get(pk=doc.pk).status == Status.DRAFT
    # It edits and deletes its own draft.
    client.post(reverse("public:document", args=[doc.pk]), {"section": "events", "title": "План (ред.)"})
    assert PublicDocument.objects.get(pk=doc.pk).title == "План (ред.)"
    assert client.post(reverse("public:delete", args=[doc.pk]))["Location"] == reverse(
        "public:school", args=[w["S1"].pk]
    )
    assert not PublicDocument.objects.filter(pk=doc.pk).exists()


def test_the_method_centre_publishes_a_school_draft_and_withdraws_it(
    client: Client, w: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    user = user_with_role("method_centre", "M")
    client.force_login(user)
    client.post(reverse("public:publish", args=[w["s1_draft"].pk]))
    doc = PublicDocument.objects.get(pk=w["s1_draft"].pk)
    assert (doc.status, doc.published_by) == (Status.PUBLISHED, user)
    assert _get(Client(), reverse("public:file", args=["m", doc.pk])) == 200
    client.post(reverse("public:withdraw", args=[doc.pk]))
    assert PublicDocument.objects.get(pk=doc.pk).status == Status.WITHDRAWN
    assert _get(Client(), reverse("public:file", args=["m", doc.pk])) == 404
    assert AuditEntry.objects.filter(object_id=str(doc.pk), actor=user).count() == 2


@pytest.mark.parametrize(("role", "scope"), [("coordinator", "M"), ("region_viewer", "R")])
def test_nobody_publishes_outside_their_scope(
    client: Client, w: dict[str, Any], user_with_role: Callable[..., Any], role: str, scope: str
) -> None:
    other = services.create_document(
        w["M2"], None, section="events", title="Черновик М2", url="https://e.ru/", by=None
    )
    client.force_login(user_with_role(role, scope))
    assert client.post(reverse("public:publish", args=[other.pk])).status_code == 404
    assert PublicDocument.objects.get(pk=other.pk).status == Status.DRAFT
    if role == "region_viewer":
        assert client.post(reverse("public:publish", args=[w["draft"].pk])).status_code == 404
        assert PublicDocument.objects.get(pk=w["draft"].pk).status == Status.DRAFT


def test_a_bad_upload_shows_a_russian_message_and_writes_nothing(
    client: Client, w: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(user_with_role("coordinator", "M"))
    before = PublicDocument.objects.count()
    response = client.post(
        reverse("public:municipal", args=[w["M"].pk]),
        {
            "owner": "",
            "section": "regulations",
            "title": "Приказ",
            "file": SimpleUploadedFile("a.exe", b"MZ"),
        },
    )
    assert response.status_code == 200
    assert "формат .exe не принимается" in response.content.decode()
    response = client.post(
        reverse("public:municipal", args=[w["M"].pk]),
        {
            "owner": "",
            "section": "regulations",
            "title": "Приказ",
            "document_date": "31.02.2023",
            "url": "https://e.ru/",
        },
    )
    assert "Дата — в виде ДД.ММ.ГГГГ" in response.content.decode()
    assert PublicDocument.objects.count() == before


def test_the_coordinator_uploads_for_a_school_of_its_municipality_only(
    client: Client, w: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("coordinator", "M"))
    url = reverse("public:municipal", args=[w["M"].pk])
    data = {"section": "programs", "title": "ШППКО ООШ № 2", "url": "https://s2.example.ru/shppko.pdf"}
    assert client.post(url, {**data, "owner": str(w["S3"].pk)}).status_code == 200  # not a choice: form error
    client.post(url, {**data, "owner": str(w["S2"].pk)})
    doc = PublicDocument.objects.get(title="ШППКО ООШ № 2")
    assert (doc.municipality, doc.school, doc.status) == (w["M"], w["S2"], Status.DRAFT)
