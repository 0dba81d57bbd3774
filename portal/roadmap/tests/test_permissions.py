"""The role × URL matrix of the roadmap: each role sees its scope (200), anything else is 404; edits by scope.

A school team sees its own school's roadmap and, read-only, the municipal roadmap of its municipality; it never
sees another school's roadmap, and cannot change anything.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from portal.roadmap import services
from portal.roadmap.models import Evidence, RoadmapEntry, Status
from portal.roadmap.services import SchoolItem
from portal.roadmap.tests.conftest import pdf
from tests.permissions import role_url_matrix


def _entry(w: dict[str, Any], municipality: str) -> RoadmapEntry:
    return RoadmapEntry.objects.get(
        item__municipality=w[municipality], item__school=None, item__source="minusinsk_2023_2025",
        item__code="1.1", year=2024,
    )  # fmt: skip


@pytest.fixture
def w(roadmaps: dict[str, Any]) -> dict[str, Any]:
    """Municipal entries E (in M) and E2 (in M2); school entries of S1 and S2; a file on E and on S2's entry."""
    item = [SchoolItem("Педсовет", 1, "Директор", 2025)]
    for school in ("S1", "S2", "S3"):
        services.upsert_school_items(roadmaps[school], "shppko", item, by=None)
    school_entry = {s: RoadmapEntry.objects.get(item__school=roadmaps[s]) for s in ("S1", "S2", "S3")}
    e = _entry(roadmaps, "M")
    return {
        **roadmaps,
        "E": e,
        "E2": _entry(roadmaps, "M2"),
        "ES1": school_entry["S1"],
        "ES2": school_entry["S2"],
        "ES3": school_entry["S3"],
        "F": services.add_evidence_file(e, pdf(), by=None),
        "FS2": services.add_evidence_file(school_entry["S2"], pdf(), by=None),
    }


URLS: dict[str, Callable[[dict[str, Any]], str]] = {
    "roadmap M": lambda w: reverse("roadmap:municipal", args=[w["M"].pk]),
    "roadmap M2": lambda w: reverse("roadmap:municipal", args=[w["M2"].pk]),
    "digest M": lambda w: reverse("roadmap:digest", args=[w["M"].pk]),
    "digest M2": lambda w: reverse("roadmap:digest", args=[w["M2"].pk]),
    "school S1": lambda w: reverse("roadmap:school", args=[w["S1"].pk]),
    "school S2": lambda w: reverse("roadmap:school", args=[w["S2"].pk]),
    "school S3": lambda w: reverse("roadmap:school", args=[w["S3"].pk]),
    "entry E": lambda w: reverse("roadmap:entry", args=[w["E"].pk]),
    "entry E2": lambda w: reverse("roadmap:entry", args=[w["E2"].pk]),
    "entry ES1": lambda w: reverse("roadmap:entry", args=[w["ES1"].pk]),
    "entry ES2": lambda w: reverse("roadmap:entry", args=[w["ES2"].pk]),
    "entry ES3": lambda w: reverse("roadmap:entry", args=[w["ES3"].pk]),
    "file F": lambda w: reverse("roadmap:evidence", args=[w["F"].pk]),
    "file FS2": lambda w: reverse("roadmap:evidence", args=[w["FS2"].pk]),
}

_MUNICIPAL = {"roadmap M", "digest M", "school S1", "school S2", "entry E", "entry ES1", "entry ES2"}
_MUNICIPAL |= {"file F", "file FS2"}
_MUNICIPAL_M2 = {"roadmap M2", "digest M2", "school S3", "entry E2", "entry ES3"}
ALLOWED: dict[tuple[str, str], set[str]] = {
    ("coordinator", "M"): _MUNICIPAL,
    ("method_centre", "M"): _MUNICIPAL,
    # The municipal roadmap of M read-only (its page, entries and documents), its own school, no digest.
    ("school_team", "S1"): {"roadmap M", "entry E", "file F", "school S1", "entry ES1"},
    # Region R covers M only (M2 is in R2).
    ("region_viewer", "R"): _MUNICIPAL,
    ("region_coordinator", "R"): _MUNICIPAL,
    # Region R2 covers M2 only.
    ("region_coordinator", "R2"): _MUNICIPAL_M2,
    ("region_viewer", "R2"): _MUNICIPAL_M2,
}

MATRIX = role_url_matrix(ALLOWED, URLS)


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
    response = client.get(URLS[url_name](w))
    response.close()  # a file download holds the file open until closed
    assert response.status_code == status


@pytest.mark.parametrize("url_name", sorted(URLS))
def test_it_sends_anonymous_users_to_login(client: Client, w: dict[str, Any], url_name: str) -> None:
    response = client.get(URLS[url_name](w))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# Who may change an entry: the coordinator and the method centre of M, on M's and M's schools' entries.
EDIT = [
    ("coordinator", "M", "E", 302),
    ("coordinator", "M", "ES1", 302),
    ("coordinator", "M", "E2", 404),
    ("coordinator", "M", "ES3", 404),
    ("method_centre", "M", "E", 302),
    ("method_centre", "M", "ES2", 302),
    ("school_team", "S1", "E", 404),
    ("school_team", "S1", "ES1", 404),
    ("region_viewer", "R", "E", 404),
    ("region_viewer", "R2", "E2", 404),
    ("region_coordinator", "R", "E", 302),
    ("region_coordinator", "R", "ES2", 302),
    ("region_coordinator", "R2", "E", 404),
]


@pytest.mark.parametrize(("role", "scope", "entry", "status"), EDIT)
def test_only_the_coordinator_and_the_method_centre_change_entries(
    client: Client,
    w: dict[str, Any],
    user_with_role: Callable[..., Any],
    role: str,
    scope: str,
    entry: str,
    status: int,
) -> None:
    client.force_login(user_with_role(role, scope))
    url = reverse("roadmap:entry", args=[w[entry].pk])
    response = client.post(url, {"status": "done", "comment": "Готово"})
    assert response.status_code == status
    w[entry].refresh_from_db()
    assert w[entry].status == (Status.DONE if status == 302 else Status.PLANNED)


def test_only_editors_remove_documents(client: Client, w: dict[str, Any], user_with_role: Any) -> None:
    url = reverse("roadmap:evidence_remove", args=[w["F"].pk])
    client.force_login(user_with_role("school_team", "S1"))
    assert client.post(url).status_code == 404
    client.force_login(user_with_role("region_viewer", "R"))
    assert client.post(url).status_code == 404
    assert Evidence.objects.filter(pk=w["F"].pk).exists()
    client.force_login(user_with_role("method_centre", "M"))
    assert client.post(url).status_code == 302
    assert not Evidence.objects.filter(pk=w["F"].pk).exists()


def test_read_only_users_see_no_edit_form(client: Client, w: dict[str, Any], user_with_role: Any) -> None:
    url = reverse("roadmap:entry", args=[w["E"].pk])
    client.force_login(user_with_role("school_team", "S1"))
    assert "Отметить выполнение" not in client.get(url).content.decode()
    client.force_login(user_with_role("coordinator", "M"))
    assert "Отметить выполнение" in client.get(url).content.decode()


def test_a_school_team_sees_only_municipal_items_on_the_municipal_page(
    client: Client, w: dict[str, Any], user_with_role: Any
) -> None:
    client.force_login(user_with_role("school_team", "S1"))
    page = client.get(reverse("roadmap:municipal", args=[w["M"].pk]), {"scope": "all"}).content.decode()
    assert f'id="entry-{w["E"].pk}"' in page
    assert f'id="entry-{w["ES2"].pk}"' not in page  # another school's item is never listed to a school team
    assert "Сводка для рассылки" not in page
