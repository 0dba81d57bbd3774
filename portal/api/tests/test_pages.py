"""The token page (role × URL matrix), issuing with the secret shown once, revoking; the management command."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from portal.api import services
from portal.api.models import ApiToken
from portal.audit.models import AuditEntry
from tests.permissions import role_url_matrix

URLS: dict[str, Callable[[dict[str, Any]], str]] = {
    "tokens M": lambda w: reverse("api:tokens", args=[w["M"].pk]),
    "tokens M2": lambda w: reverse("api:tokens", args=[w["M2"].pk]),
}
ALLOWED: dict[tuple[str, str], set[str]] = {
    ("coordinator", "M"): {"tokens M"},
    ("method_centre", "M"): set(),
    ("school_team", "S1"): set(),
    ("region_viewer", "R"): set(),
    ("region_coordinator", "R"): {"tokens M"},
    ("coordinator", "M2"): {"tokens M2"},
}
MATRIX = role_url_matrix(ALLOWED, URLS)


@pytest.mark.parametrize(("role", "scope", "url_name", "status"), MATRIX)
def test_the_token_page_answers_each_role_per_scope(
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


def test_anonymous_users_are_sent_to_login(client: Client, world: dict[str, Any]) -> None:
    response = client.get(URLS["tokens M"](world))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_coordinator_issues_a_token_seen_once_and_revokes_it(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    coordinator = user_with_role("coordinator", "M")
    client.force_login(coordinator)
    url = URLS["tokens M"](world)
    page = client.post(url, {"name": "КИАСУО", "permissions": ["read", "write"], "expires_on": "31.12.2030"})
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    secret = page.context["issued"].secret
    assert secret.startswith("opora_") and secret in page.content.decode()
    token = ApiToken.objects.get()
    assert (token.municipality, token.permissions, token.created_by) == (
        world["M"],
        ["read", "write"],
        coordinator,
    )
    assert (
        token.expires_at is not None and token.expires_at.date().isoformat() == "2030-12-31"
    )  # end of 31.12 local
    # The list never shows the secret again, only its prefix.
    listing = client.get(url).content.decode()
    assert secret not in listing and token.prefix in listing
    assert services.authenticate(secret) == token
    response = client.post(reverse("api:revoke", args=[token.pk]))
    assert response.status_code == 302
    assert services.authenticate(secret) is None
    actions = list(AuditEntry.objects.filter(object_id=str(token.pk)).values_list("action", "actor"))
    assert sorted(actions) == [("api.token.created", coordinator.pk), ("api.token.revoked", coordinator.pk)]


def test_a_coordinator_cannot_revoke_another_municipalitys_token(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    other = services.issue(name="Чужой", municipality=world["M2"], by=None)
    client.force_login(user_with_role("coordinator", "M"))
    assert client.post(reverse("api:revoke", args=[other.token.pk])).status_code == 404
    assert client.get(reverse("api:revoke", args=[other.token.pk])).status_code in (404, 405)
    assert services.authenticate(other.secret) is not None


def test_the_command_issues_lists_and_revokes_region_tokens(world: dict[str, Any]) -> None:
    out = io.StringIO()
    call_command(
        "api_token", "create", "--region", "r", "--name", "Региональная система", "--write", stdout=out
    )
    secret = out.getvalue().splitlines()[1]
    token = services.authenticate(secret)
    assert token is not None and token.region == world["R"] and token.permissions == ["read", "write"]
    listing = io.StringIO()
    call_command("api_token", "list", "--region", "r", stdout=listing)
    assert token.prefix in listing.getvalue() and secret not in listing.getvalue()
    call_command("api_token", "revoke", token.prefix, stdout=io.StringIO())
    assert services.authenticate(secret) is None
    with pytest.raises(CommandError, match="не найден"):
        call_command("api_token", "create", "--municipality", "nowhere", "--name", "x", stdout=io.StringIO())


def test_a_token_needs_exactly_one_scope(world: dict[str, Any]) -> None:
    with pytest.raises(services.TokenError, match="либо на муниципалитет, либо на регион"):
        services.issue(name="x", municipality=world["M"], region=world["R"], by=None)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ApiToken.objects.create(name="x", prefix="p", token_hash="h", permissions=["read"])


def test_the_municipality_page_links_the_token_page_for_the_coordinator_only(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    page = reverse("schools:municipality", args=[world["M"].pk])
    client.force_login(user_with_role("coordinator", "M"))
    assert URLS["tokens M"](world) in client.get(page).content.decode()
    client.force_login(user_with_role("method_centre", "M"))
    assert 'data-testid="api-tokens"' not in client.get(page).content.decode()
