"""Role × URL matrix of data import and identification pages (404 outside the scope, login for anonymous)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from portal.identification.models import IdentificationRun, RegionRun, SchoolOutcome
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


@pytest.fixture
def region_runs(world: dict[str, Any], runs: dict[str, IdentificationRun]) -> dict[str, RegionRun]:
    """A finished region-wide run in R (holding the draft run of M) and one in R2."""
    made = {}
    for name, region in (("RR", world["R"]), ("RR2", world["R2"])):
        made[name] = RegionRun.objects.create(
            region=region, year=2023, status=RegionRun.Status.FINISHED, fit_description="тест", n_fit=3
        )
    IdentificationRun.objects.filter(pk=runs["draft"].pk).update(region_run=made["RR"])
    return made


def urls(
    w: dict[str, Any], r: dict[str, IdentificationRun], rr: dict[str, RegionRun] | None = None
) -> dict[str, str]:
    rr = rr or {}
    regional = {
        "region runs R": reverse("identification:region_runs", args=[w["R"].pk]),
        "region runs R2": reverse("identification:region_runs", args=[w["R2"].pk]),
        "region settings R": reverse("identification:region_settings", args=[w["R"].pk]),
        "region settings file R": reverse("identification:region_settings_file", args=[w["R"].pk]),
        "region publish RR": reverse("identification:region_publish", args=[rr["RR"].pk]) if rr else "",
        "region run RR": reverse("identification:region_run", args=[rr["RR"].pk]) if rr else "",
        "region run RR2": reverse("identification:region_run", args=[rr["RR2"].pk]) if rr else "",
    }
    return regional | {
        "data M": reverse("results:data", args=[w["M"].pk]),
        "template M": reverse("results:template", args=[w["M"].pk, "results"]),
        "data M2": reverse("results:data", args=[w["M2"].pk]),
        "runs M": reverse("identification:runs", args=[w["M"].pk]),
        "runs M2": reverse("identification:runs", args=[w["M2"].pk]),
        "settings M": reverse("identification:settings", args=[w["M"].pk]),
        "settings file M": reverse("identification:settings_file", args=[w["M"].pk]),
        "publish draft": reverse("identification:publish", args=[r["draft"].pk]),
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
    "settings file M",
    "publish draft",
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
    ("region_viewer", "R"): VIEW_IN_M | {"region runs R", "region run RR"},
    # The regional coordinator does in every municipality of its region what the municipal one does, and the
    # region-wide runs; another region (R2: M2, its run «other») answers 404 and the reverse.
    ("region_coordinator", "R"): EVERYTHING_IN_M
    | {"region runs R", "region settings R", "region settings file R", "region run RR", "region publish RR"},
    ("region_coordinator", "R2"): {"data M2", "runs M2", "run other", "region runs R2", "region run RR2"},
    ("region_viewer", "R2"): {"runs M2", "run other", "region runs R2", "region run RR2"},
}
NAMES = [
    "data M",
    "template M",
    "data M2",
    "runs M",
    "runs M2",
    "settings M",
    "settings file M",
    "publish draft",
    "run draft",
    "export draft",
    "run other",
    "S1 in draft",
    "S1 in published",
    "S2 in published",
    "region runs R",
    "region runs R2",
    "region settings R",
    "region settings file R",
    "region run RR",
    "region publish RR",
    "region run RR2",
]
MATRIX = role_url_matrix(ALLOWED, NAMES)


@pytest.mark.parametrize(("role", "scope", "name", "status"), MATRIX)
def test_it_answers_each_role_per_scope(
    client: Client,
    world: dict[str, Any],
    runs: dict[str, IdentificationRun],
    region_runs: dict[str, RegionRun],
    user_with_role: Callable[..., Any],
    role: str,
    scope: str,
    name: str,
    status: int,
) -> None:
    client.force_login(user_with_role(role, scope))
    assert client.get(urls(world, runs, region_runs)[name]).status_code == status


@pytest.mark.parametrize("name", NAMES)
def test_it_sends_anonymous_users_to_login(
    client: Client,
    world: dict[str, Any],
    runs: dict[str, IdentificationRun],
    region_runs: dict[str, RegionRun],
    name: str,
) -> None:
    response = client.get(urls(world, runs, region_runs)[name])
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("role", "scope"),
    [("method_centre", "M"), ("school_team", "S1"), ("region_viewer", "R"), ("region_coordinator", "R2")],
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
    response = client.post(reverse("identification:publish", args=[runs["draft"].pk]), {"confirmed": "1"})
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
    response = client.post(reverse("identification:publish", args=[runs["draft"].pk]), {"confirmed": "1"})
    assert response.status_code == 302
    html = client.get(reverse("schools:municipality", args=[world["M"].pk])).content.decode()
    assert "ШНОР" in html


def test_the_methodology_page_is_public(client: Client, db: Any) -> None:
    response = client.get(reverse("identification:methodology"))
    assert response.status_code == 200
    assert "Методика" in response.content.decode()


def test_the_regional_coordinator_publishes_a_municipal_run_of_its_region(
    client: Client,
    world: dict[str, Any],
    runs: dict[str, IdentificationRun],
    user_with_role: Callable[..., Any],
) -> None:
    client.force_login(user_with_role("region_coordinator", "R"))
    assert (
        client.post(
            reverse("identification:publish", args=[runs["draft"].pk]), {"confirmed": "1"}
        ).status_code
        == 302
    )
    runs["draft"].refresh_from_db()
    assert runs["draft"].status == IdentificationRun.Status.PUBLISHED


# Who may start, configure and publish region-wide runs: only the regional coordinator of that region.
REGION_WRITES = [
    ("region_viewer", "R", 404),
    ("coordinator", "M", 404),
    ("method_centre", "M", 404),
    ("school_team", "S1", 404),
    ("region_coordinator", "R2", 404),
]


@pytest.mark.parametrize(("role", "scope", "status"), REGION_WRITES)
def test_others_cannot_start_configure_or_publish_region_runs(
    client: Client,
    world: dict[str, Any],
    region_runs: dict[str, RegionRun],
    user_with_role: Callable[..., Any],
    role: str,
    scope: str,
    status: int,
) -> None:
    from portal.identification.models import RegionIdentificationSettings

    client.force_login(user_with_role(role, scope))
    region = world["R"]
    assert (
        client.post(reverse("identification:region_runs", args=[region.pk]), {"year": 2023}).status_code
        == 404
    )
    settings_url = reverse("identification:region_settings", args=[region.pk])
    assert client.post(settings_url, {"config": "{}"}).status_code == 404
    publish_url = reverse("identification:region_publish", args=[region_runs["RR"].pk])
    assert client.post(publish_url, {"confirmed": "1"}).status_code == 404
    assert RegionRun.objects.filter(region=region).count() == 1
    assert not RegionIdentificationSettings.objects.exists()
    region_runs["RR"].refresh_from_db()
    assert region_runs["RR"].status == RegionRun.Status.FINISHED


def test_the_regional_coordinator_publishes_the_region_run(
    client: Client,
    world: dict[str, Any],
    runs: dict[str, IdentificationRun],
    region_runs: dict[str, RegionRun],
    user_with_role: Callable[..., Any],
) -> None:
    client.force_login(user_with_role("region_coordinator", "R"))
    response = client.post(
        reverse("identification:region_publish", args=[region_runs["RR"].pk]), {"confirmed": "1"}
    )
    assert response.status_code == 302
    region_runs["RR"].refresh_from_db()
    runs["draft"].refresh_from_db()
    assert region_runs["RR"].status == RegionRun.Status.PUBLISHED
    assert runs["draft"].status == IdentificationRun.Status.PUBLISHED
    runs["published"].refresh_from_db()  # the municipality's earlier publication of 2023 is archived
    assert runs["published"].status == IdentificationRun.Status.ARCHIVED


@pytest.mark.parametrize("role", ["region_viewer", "region_coordinator"])
def test_regional_roles_land_on_their_region_and_see_its_links(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any], role: str
) -> None:
    client.force_login(user_with_role(role, "R"))
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("schools:region", args=[world["R"].pk])
    html = client.get(response["Location"]).content.decode()
    assert f'href="{reverse("identification:region_runs", args=[world["R"].pk])}"' in html
    assert "Регион: Регион" in html
    page = client.get(reverse("identification:region_runs", args=[world["R"].pk])).content.decode()
    assert ("Рассчитать по региону" in page) == (role == "region_coordinator")
