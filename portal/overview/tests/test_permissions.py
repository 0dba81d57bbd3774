"""The role × URL matrix of the foundation pages: each role sees its scope (200), anything else is 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.permissions import role_url_matrix

URLS: dict[str, Callable[[dict[str, Any]], str]] = {
    "region R": lambda w: reverse("schools:region", args=[w["R"].pk]),
    "region R2": lambda w: reverse("schools:region", args=[w["R2"].pk]),
    "export R": lambda w: reverse("schools:region_export", args=[w["R"].pk]),
    "export R2": lambda w: reverse("schools:region_export", args=[w["R2"].pk]),
    "municipality M": lambda w: reverse("schools:municipality", args=[w["M"].pk]),
    "municipality M2": lambda w: reverse("schools:municipality", args=[w["M2"].pk]),
    "school S1": lambda w: reverse("schools:school", args=[w["S1"].pk]),
    "school S2": lambda w: reverse("schools:school", args=[w["S2"].pk]),
    "school S3": lambda w: reverse("schools:school", args=[w["S3"].pk]),
    "edit S1": lambda w: reverse("schools:school_edit", args=[w["S1"].pk]),
    "edit S2": lambda w: reverse("schools:school_edit", args=[w["S2"].pk]),
    "audit M": lambda w: reverse("audit:log", args=[w["M"].pk]),
    "audit M2": lambda w: reverse("audit:log", args=[w["M2"].pk]),
}

# (role, scope) → URLs answered 200; every other URL of URLS must be 404.
ALLOWED: dict[tuple[str, str], set[str]] = {
    ("coordinator", "M"): {"municipality M", "school S1", "school S2", "edit S1", "edit S2", "audit M"},
    ("method_centre", "M"): {"municipality M", "school S1", "school S2"},
    ("school_team", "S1"): {"school S1", "edit S1"},
    ("region_viewer", "R"): {"region R", "export R", "municipality M", "school S1", "school S2"},
    # Regional roles: the region R covers M and its schools; R2 (M2, S3) is another region's: 404.
    ("region_coordinator", "R"): {
        "region R",
        "export R",
        "municipality M",
        "school S1",
        "school S2",
        "edit S1",
        "edit S2",
        "audit M",
    },
    ("region_coordinator", "R2"): {"region R2", "export R2", "municipality M2", "school S3", "audit M2"},
    ("region_viewer", "R2"): {"region R2", "export R2", "municipality M2", "school S3"},
}

MATRIX = role_url_matrix(ALLOWED, URLS)


@pytest.mark.parametrize(("role", "scope", "url_name", "status"), MATRIX)
def test_it_answers_each_role_per_scope(
    client: Client,
    world: dict[str, Any],
    user_with_role: Callable[..., Any],
    role: str,
    scope: str,
    url_name: str,
    status: int,
) -> None:
    client.force_login(user_with_role(role, scope))
    assert client.get(URLS[url_name](world)).status_code == status


@pytest.mark.parametrize("url_name", sorted(URLS))
def test_it_sends_anonymous_users_to_login(client: Client, world: dict[str, Any], url_name: str) -> None:
    response = client.get(URLS[url_name](world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_it_refuses_a_post_outside_the_scope_and_changes_nothing(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("school_team", "S1"))
    response = client.post(reverse("schools:school_edit", args=[world["S2"].pk]), {"short_name": "Взлом"})
    assert response.status_code == 404
    world["S2"].refresh_from_db()
    assert world["S2"].short_name == "ООШ № 2"


def test_it_lets_a_user_without_roles_in_but_shows_nothing(client: Client, db: Any) -> None:
    from portal.accounts.models import User

    client.force_login(User.objects.create_user("nobody", password="x-test-password-1"))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "не назначена ни одна роль" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "scope", "target"),
    [
        ("coordinator", "M", "municipality M"),
        ("school_team", "S1", "school S1"),
        ("region_viewer", "R", "region R"),
        ("region_coordinator", "R", "region R"),
        ("region_coordinator", "R2", "region R2"),
    ],
)
def test_home_sends_each_role_to_its_widest_scope(
    client: Client,
    world: dict[str, Any],
    user_with_role: Callable[..., Any],
    role: str,
    scope: str,
    target: str,
) -> None:
    client.force_login(user_with_role(role, scope))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == URLS[target](world)
