"""Role × URL matrix of data import and identification pages (404 outside the scope, login for anonymous)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from portal.identification.models import IdentificationRun, SchoolOutcome
from tests.permissions import role_url_matrix


@pytest.fixture
def runs(world: dict[str, Any]) -> dict[str, IdentificationRun]:
    made = {}
    for name, municipality, status in (
        ("draft", world["M"], "finished"),
        ("published", world["M"], "published"),
        ("other", world["M2"], "published"),
    ):
        run = IdentificationRun.objects.create(
            municipality=municipality,
            year=2023,
            status=status,
            config={},
            data_version="0" * 64,
            fit_description="тест",
            model={"intercept": 0.0, "slope": 1.0},
        )
        for school in municipality.schools.all():
            SchoolOutcome.objects.create(
                run=run,
                school=school,
                results_index=0.1,
                context_index=0.2,
                expected=0.2,
                residual=-0.1,
                categories=["low_results"],
            )
        made[name] = run
    return made


def urls(w: dict[str, Any], r: dict[str, IdentificationRun]) -> dict[str, str]:
    return {
        "data M": reverse("results:data", args=[w["M"].pk]),
        "template M": reverse("results:template", args=[w["M"].pk, "results"]),
        "data M2": reverse("results:data", args=[w["M2"].pk]),
        "runs M": reverse("identification:runs", args=[w["M"].pk]),
        "runs M2": reverse("identification:runs", args=[w["M2"].pk]),
        "settings M": reverse("identification:settings", args=[w["M"].pk]),
        "run draft": reverse("identification:run", args=[r["draft"].pk]),
        "export draft": reverse("identification:export", args=[r["draft"].pk]),
        "run other": reverse("identification:run", args=[r["other"].pk]),
        "S1 in draft": reverse("identification:school", args=[r["draft"].pk, w["S1"].pk]),
        "S1 in published": reverse("identification:school", args=[r["published"].pk, w["S1"].pk]),
        "S2 in published": reverse("identification:school", args=[r["published"].pk, w["S2"].pk]),
    }


EVERYTHING_IN_M = {
    "data M",
    "template M",
    "runs M",
    "settings M",
    "run draft",
    "export draft",
    "S1 in draft",
    "S1 in published",
    "S2 in published",
}
VIEW_IN_M = {"runs M", "run draft", "export draft", "S1 in draft", "S1 in published", "S2 in published"}
ALLOWED: dict[tuple[str, str], set[str]] = {
    ("coordinator", "M"): EVERYTHING_IN_M,
    ("method_centre", "M"): VIEW_IN_M,
    # A school team sees only its own school's explanation, and only in a published run.
    ("school_team", "S1"): {"S1 in published"},
    ("region_viewer", "R"): VIEW_IN_M,
}
NAMES = [
    "data M",
    "template M",
    "data M2",
    "runs M",
    "runs M2",
    "settings M",
    "run draft",
    "export draft",
    "run other",
    "S1 in draft",
    "S1 in published",
    "S2 in published",
]
MATRIX = role_url_matrix(ALLOWED, NAMES)


@pytest.mark.parametrize(("role", "scope", "name", "status"), MATRIX)
def test_it_answers_each_role_per_scope(
    client: Client,
    world: dict[str, Any],
    runs: dict[str, IdentificationRun],
    user_with_role: Callable[..., Any],
    role: str,
    scope: str,
    name: str,
    status: int,
) -> None:
    client.force_login(user_with_role(role, scope))
    assert client.get(urls(world, runs)[name]).status_code == status


@pytest.mark.parametrize("name", NAMES)
def test_it_sends_anonymous_users_to_login(
    client: Client, world: dict[str, Any], runs: dict[str, IdentificationRun], name: str
) -> None:
    response = client.get(urls(world, runs)[name])
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("role", "scope"), [("method_centre", "M"), ("school_team", "S1"), ("region_viewer", "R")]
)
def test_only_the_coordinator_publishes(
    client: Client,
    world: dict[str, Any],
    runs: dict[str, IdentificationRun],
    user_with_role: Callable[..., Any],
    role: str,
    scope: str,
) -> None:
    client.force_login(user_with_role(role, scope))
    response = client.post(reverse("identification:publish", args=[runs["draft"].pk]))
    assert response.status_code == 404
    runs["draft"].refresh_from_db()
    assert runs["draft"].status == IdentificationRun.Status.FINISHED


def test_the_coordinator_publishes_and_the_dashboard_shows_the_status(
    client: Client,
    world: dict[str, Any],
    runs: dict[str, IdentificationRun],
    user_with_role: Callable[..., Any],
) -> None:
    client.force_login(user_with_role("coordinator", "M"))
    response = client.post(reverse("identification:publish", args=[runs["draft"].pk]))
    assert response.status_code == 302
    html = client.get(reverse("schools:municipality", args=[world["M"].pk])).content.decode()
    assert "ШНОР" in html


def test_the_methodology_page_is_public(client: Client, db: Any) -> None:
    response = client.get(reverse("identification:methodology"))
    assert response.status_code == 200
    assert "Методика" in response.content.decode()
