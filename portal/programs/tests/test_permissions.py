"""The role × URL matrix of programs: each role sees its scope (200), anything else is 404; writes by role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from portal.programs import risk, services
from portal.programs.models import Program, RiskLevel
from tests.permissions import role_url_matrix


@pytest.fixture
def objs(s1_data: dict[str, Any], program: Program) -> dict[str, Any]:
    risk.set_levels(s1_data["S3"], 2023, {"low_parent_involvement": ("high", "")}, by=None)
    p3 = services.create_program(s1_data["S3"], "shppko", by=None, profile_year=2023)
    return {**s1_data, "P": program, "P3": p3}


URLS: dict[str, Callable[[dict[str, Any]], str]] = {
    "programs S1": lambda w: reverse("programs:school", args=[w["S1"].pk]),
    "programs S2": lambda w: reverse("programs:school", args=[w["S2"].pk]),
    "programs S3": lambda w: reverse("programs:school", args=[w["S3"].pk]),
    "risk S1": lambda w: reverse("programs:risk_profile", args=[w["S1"].pk, 2023]),
    "risk S3": lambda w: reverse("programs:risk_profile", args=[w["S3"].pk, 2023]),
    "step1 P": lambda w: reverse("programs:step", args=[w["P"].pk, 1]),
    "step3 P": lambda w: reverse("programs:step", args=[w["P"].pk, 3]),
    "step5 P": lambda w: reverse("programs:step", args=[w["P"].pk, 5]),
    "step1 P3": lambda w: reverse("programs:step", args=[w["P3"].pk, 1]),
    "preview P": lambda w: reverse("programs:preview", args=[w["P"].pk]),
    "docx P": lambda w: reverse("programs:download", args=[w["P"].pk, "docx"]),
    "docx P3": lambda w: reverse("programs:download", args=[w["P3"].pk, "docx"]),
    "municipal M": lambda w: reverse("programs:municipal", args=[w["M"].pk]),
    "municipal M2": lambda w: reverse("programs:municipal", args=[w["M2"].pk]),
    "import M": lambda w: reverse("programs:risk_import", args=[w["M"].pk]),
    "library M": lambda w: reverse("programs:library", args=[w["M"].pk]),
    "library M2": lambda w: reverse("programs:library", args=[w["M2"].pk]),
    "measure edit M": lambda w: reverse("programs:measure_edit", args=[w["M"].pk, "M01"]),
    "measure new M": lambda w: reverse("programs:measure_new", args=[w["M"].pk]),
    # the libraries are per region: R2's method centre edits R2's library through M2, never R's through M
    "measure edit M2": lambda w: reverse("programs:measure_edit", args=[w["M2"].pk, "M01"]),
    "measure new M2": lambda w: reverse("programs:measure_new", args=[w["M2"].pk]),
}

_VIEW_M = {
    "programs S1",
    "programs S2",
    "risk S1",
    "step1 P",
    "step3 P",
    "step5 P",
    "preview P",
    "docx P",
    "library M",
    "municipal M",
}
_VIEW_R2 = {"programs S3", "risk S3", "step1 P3", "docx P3", "municipal M2", "library M2"}
ALLOWED: dict[tuple[str, str], set[str]] = {
    ("coordinator", "M"): _VIEW_M | {"import M"},
    ("method_centre", "M"): _VIEW_M | {"measure edit M", "measure new M"},
    ("method_centre", "M2"): _VIEW_R2 | {"measure edit M2", "measure new M2"},
    ("school_team", "S1"): {"programs S1", "risk S1", "step1 P", "step3 P", "step5 P", "preview P", "docx P"},
    ("region_viewer", "R"): _VIEW_M,
    # Regional roles: region R covers M (as its coordinator does); R2 covers only M2, its school S3 and P3.
    ("region_coordinator", "R"): _VIEW_M | {"import M"},
    ("region_coordinator", "R2"): _VIEW_R2,
    ("region_viewer", "R2"): _VIEW_R2,
}
MATRIX = role_url_matrix(ALLOWED, URLS)


@pytest.mark.parametrize(("role", "scope", "url_name", "status"), MATRIX)
def test_it_answers_each_role_per_scope(
    client: Client,
    objs: dict[str, Any],
    user_with_role: Callable[..., Any],
    role: str,
    scope: str,
    url_name: str,
    status: int,
) -> None:
    client.force_login(user_with_role(role, scope))
    assert client.get(URLS[url_name](objs)).status_code == status


@pytest.mark.parametrize("url_name", sorted(URLS))
def test_it_sends_anonymous_users_to_login(client: Client, objs: dict[str, Any], url_name: str) -> None:
    response = client.get(URLS[url_name](objs))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_school_team_edits_only_its_own_school(
    client: Client, objs: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("school_team", "S2"))
    url = reverse("programs:step", args=[objs["P"].pk, 2])
    assert client.post(url, {"priorities": ["low_parent_involvement"]}).status_code == 404
    risk = reverse("programs:risk_profile", args=[objs["S1"].pk, 2023])
    assert client.post(risk, {"low_parent_involvement-level": "low"}).status_code == 404
    add = reverse("programs:add_measure", args=[objs["P"].pk])
    assert client.post(add, {"what": "library", "code": "M90"}).status_code == 404
    objs["P"].refresh_from_db()
    assert objs["P"].priorities == ["low_equipment", "high_failure_risk_share", "low_parent_involvement"]
    assert (
        RiskLevel.objects.get(profile__school=objs["S1"], factor__code="low_parent_involvement").level
        == "high"
    )


def test_viewers_cannot_write(
    client: Client, objs: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    for role, scope in (("region_viewer", "R"), ("method_centre", "M")):
        client.force_login(user_with_role(role, scope))
        url = reverse("programs:step", args=[objs["P"].pk, 2])
        assert client.post(url, {"priorities": ["low_parent_involvement"]}).status_code == 404
    assert not objs["P"].measures.filter(code="M90").exists()


def test_only_the_coordinator_approves(
    client: Client, objs: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    from portal.programs.tests.conftest import complete

    complete(objs["P"])
    url = reverse("programs:approve", args=[objs["P"].pk])
    client.force_login(user_with_role("school_team", "S1"))
    assert client.post(reverse("programs:submit", args=[objs["P"].pk])).status_code == 302
    assert client.post(url, {"action": "approve", "confirmed": "1"}).status_code == 404
    client.force_login(user_with_role("coordinator", "M"))
    confirm = client.post(url, {"action": "approve"})  # first the confirmation page with what will change
    assert confirm.status_code == 200 and "В дорожную карту школы будут внесены" in confirm.content.decode()
    objs["P"].refresh_from_db()
    assert objs["P"].status == "submitted"
    assert client.post(url, {"action": "approve", "confirmed": "1"}).status_code == 302
    objs["P"].refresh_from_db()
    assert objs["P"].status == "approved"


#: The program's way to approval (POST only): who may do what, per scope; everyone else gets 404.
WRITES: dict[str, Callable[[dict[str, Any]], str]] = {
    "submit P": lambda w: reverse("programs:submit", args=[w["P"].pk]),
    "withdraw P": lambda w: reverse("programs:withdraw", args=[w["P"].pk]),
    "return P": lambda w: reverse("programs:return", args=[w["P"].pk]),
    "approve P": lambda w: reverse("programs:approve", args=[w["P"].pk]),
    "submit P3": lambda w: reverse("programs:submit", args=[w["P3"].pk]),
    "return P3": lambda w: reverse("programs:return", args=[w["P3"].pk]),
}
WRITERS: dict[tuple[str, str], set[str]] = {
    ("coordinator", "M"): {"submit P", "withdraw P", "return P", "approve P"},
    ("method_centre", "M"): set(),
    ("school_team", "S1"): {"submit P", "withdraw P"},
    ("school_team", "S2"): set(),
    ("region_viewer", "R"): set(),
    ("region_coordinator", "R"): {"submit P", "withdraw P", "return P", "approve P"},
    ("region_coordinator", "R2"): {"submit P3", "return P3"},
    ("region_viewer", "R2"): set(),
}


@pytest.mark.parametrize(("role", "scope", "url_name", "status"), role_url_matrix(WRITERS, WRITES))
def test_the_way_to_approval_answers_each_role_per_scope(
    client: Client,
    objs: dict[str, Any],
    user_with_role: Callable[..., Any],
    role: str,
    scope: str,
    url_name: str,
    status: int,
) -> None:
    client.force_login(user_with_role(role, scope))
    response = client.post(WRITES[url_name](objs), {"comment": "Уточните сроки мер.", "action": "approve"})
    # Allowed: the action runs or is refused with a message (redirect), or the confirmation page shows (200).
    assert (response.status_code in (200, 302)) == (status == 200)
    if status == 404:
        assert response.status_code == 404
        for key in ("P", "P3"):
            objs[key].refresh_from_db()
            assert objs[key].status == "draft"
