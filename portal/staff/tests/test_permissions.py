"""The role × URL matrix of the staff app: each role sees its scope (200), anything else is 404; writes by scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from portal.staff.models import BestPractice, Course, Teacher
from tests.permissions import role_url_matrix

URLS: dict[str, Callable[[dict[str, Any]], str]] = {
    "school S1": lambda w: reverse("staff:school", args=[w["S1"].pk]),
    "school S2": lambda w: reverse("staff:school", args=[w["S2"].pk]),
    "school S3": lambda w: reverse("staff:school", args=[w["S3"].pk]),
    "teacher T1": lambda w: reverse("staff:teacher", args=[w["T1"].pk]),
    "teacher other": lambda w: reverse("staff:teacher", args=[w["T_other"].pk]),
    "add teacher S1": lambda w: reverse("staff:teacher_add", args=[w["S1"].pk]),
    "add teacher S2": lambda w: reverse("staff:teacher_add", args=[w["S2"].pk]),
    "add course T1": lambda w: reverse("staff:record_add", args=[w["T1"].pk, "course"]),
    "edit T1": lambda w: reverse("staff:teacher_edit", args=[w["T1"].pk]),
    "import S1": lambda w: reverse("staff:import", args=[w["S1"].pk]),
    "template S1": lambda w: reverse("staff:template", args=[w["S1"].pk]),
    "sources S1": lambda w: reverse("staff:school_indicator", args=[w["S1"].pk, "3.1"]),
    "partnerships S1": lambda w: reverse("staff:school_partnerships", args=[w["S1"].pk]),
    "practice add S1": lambda w: reverse("staff:practice_add", args=[w["S1"].pk]),
    "municipal M": lambda w: reverse("staff:municipal", args=[w["M"].pk]),
    "municipal M2": lambda w: reverse("staff:municipal", args=[w["M2"].pk]),
    "municipal sources M": lambda w: reverse("staff:municipal_indicator", args=[w["M"].pk, "3.1"]),
    "support M": lambda w: reverse("staff:support", args=[w["M"].pk]),
    "partnerships M": lambda w: reverse("staff:partnerships", args=[w["M"].pk]),
    "practices M": lambda w: reverse("staff:practices", args=[w["M"].pk]),
}

_MUNICIPAL = {"municipal M", "municipal sources M", "support M", "partnerships M", "practices M"}
_SCHOOLS_M = {"school S1", "school S2", "teacher T1", "sources S1", "partnerships S1"}
ALLOWED: dict[tuple[str, str], set[str]] = {
    ("coordinator", "M"): _MUNICIPAL | _SCHOOLS_M,
    ("method_centre", "M"): _MUNICIPAL | _SCHOOLS_M,
    (
        "school_team",
        "S1",
    ): {
        "school S1",
        "teacher T1",
        "add teacher S1",
        "add course T1",
        "edit T1",
        "import S1",
        "template S1",
        "sources S1",
        "partnerships S1",
        "practice add S1",
    },
    # aggregates only: municipal numbers, never a school's teacher list or a teacher's page
    ("region_viewer", "R"): _MUNICIPAL,
    # The regional coordinator works in every school of its region as the municipal coordinator does in M.
    ("region_coordinator", "R"): _MUNICIPAL | _SCHOOLS_M,
    ("region_coordinator", "R2"): {"municipal M2", "school S3", "teacher other"},
    ("region_viewer", "R2"): {"municipal M2"},
}

MATRIX = role_url_matrix(ALLOWED, URLS)


@pytest.mark.parametrize(("role", "scope", "url_name", "status"), MATRIX)
def test_it_answers_each_role_per_scope(
    client: Client,
    staff: dict[str, Any],
    user_with_role: Callable[..., Any],
    role: str,
    scope: str,
    url_name: str,
    status: int,
) -> None:
    client.force_login(user_with_role(role, scope))
    assert client.get(URLS[url_name](staff)).status_code == status


@pytest.mark.parametrize("url_name", sorted(URLS))
def test_it_sends_anonymous_users_to_login(client: Client, staff: dict[str, Any], url_name: str) -> None:
    response = client.get(URLS[url_name](staff))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_school_team_edits_only_its_own_teachers(
    client: Client, staff: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("school_team", "S1"))
    course = {"title": "Курс", "hours": "36", "registry": "kk_ipk", "year": "2024"}
    other = client.post(reverse("staff:record_add", args=[staff["T_other"].pk, "course"]), course)
    assert other.status_code == 404
    assert not Course.objects.filter(teacher=staff["T_other"]).exists()
    add = client.post(
        reverse("staff:teacher_add", args=[staff["S2"].pk]), {"name": "Чужой", "category": "none"}
    )
    assert add.status_code == 404 and not Teacher.objects.filter(school=staff["S2"]).exists()
    own = client.post(reverse("staff:record_add", args=[staff["T2"].pk, "course"]), course)
    assert own.status_code == 302 and Course.objects.filter(teacher=staff["T2"]).count() == 1
    # deleting another school's record is refused as well
    theirs = Course.objects.create(teacher=staff["T_other"], title="X", hours=1, registry="other", year=2024)
    assert client.post(reverse("staff:record_delete", args=["course", theirs.pk])).status_code == 404
    assert Course.objects.filter(pk=theirs.pk).exists()


def test_only_the_method_centre_records_support_and_reviews_practices(
    client: Client, staff: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    practice = BestPractice.objects.create(school=staff["S1"], title="П", authors="А", description="Д")
    visit = {"school": staff["S2"].pk, "date": "01.10.2024", "kind": "kmc"}
    review = {"status": "approved"}
    for role, scope, expected in (
        ("coordinator", "M", 404),
        ("region_viewer", "R", 404),
        ("method_centre", "M", 302),
    ):
        client.force_login(user_with_role(role, scope))
        assert client.post(reverse("staff:support", args=[staff["M"].pk]), visit).status_code == expected
        assert (
            client.post(reverse("staff:practice_review", args=[practice.pk]), review).status_code == expected
        )
    practice.refresh_from_db()
    assert practice.status == "approved"
    assert staff["S2"].support_visits.count() == 1


def test_the_region_viewer_sees_numbers_but_no_teacher_names(
    client: Client, staff: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("region_viewer", "R"))
    for url in (
        reverse("staff:municipal", args=[staff["M"].pk]) + "?year=2024",
        reverse("staff:municipal_indicator", args=[staff["M"].pk, "3.1"]) + "?year=2024",
        reverse("staff:municipal_indicator", args=[staff["M"].pk, "3.5"]) + "?subitem=kk_ipk&year=2024",
    ):
        html = client.get(url).content.decode()
        assert "33,3" in html or "1 из 3" in html
        for t in ("T1", "T2", "T3"):
            assert staff[t].name not in html
    # the coordinator sees the records behind the value, with the teacher
    client.force_login(user_with_role("coordinator", "M"))
    html = client.get(
        reverse("staff:municipal_indicator", args=[staff["M"].pk, "3.1"]) + "?year=2024"
    ).content.decode()
    assert staff["T1"].name in html
