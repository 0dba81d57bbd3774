"""The role × URL matrix of monitoring: each role sees its scope (200), anything else is 404; writes by scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from portal.monitoring import services
from portal.monitoring.models import IndicatorSet, IndicatorValue, MonitoringPeriod, SchoolSubmission
from tests.permissions import role_url_matrix


@pytest.fixture
def periods(world: dict[str, Any], sets: dict[str, IndicatorSet], period: MonitoringPeriod) -> dict[str, Any]:
    other = services.open_period(world["M2"], sets["order_2023_41"], 2024, by=None)
    return {**world, "P": period, "P2": other}


URLS: dict[str, Callable[[dict[str, Any]], str]] = {
    "periods M": lambda w: reverse("monitoring:periods", args=[w["M"].pk]),
    "periods M2": lambda w: reverse("monitoring:periods", args=[w["M2"].pk]),
    "dashboard P": lambda w: reverse("monitoring:period", args=[w["P"].pk]),
    "dashboard P2": lambda w: reverse("monitoring:period", args=[w["P2"].pk]),
    "card S1": lambda w: reverse("monitoring:school", args=[w["P"].pk, w["S1"].pk]),
    "card S2": lambda w: reverse("monitoring:school", args=[w["P"].pk, w["S2"].pk]),
    "card S3 in P": lambda w: reverse("monitoring:school", args=[w["P"].pk, w["S3"].pk]),
    "form S1": lambda w: reverse("monitoring:school_form", args=[w["P"].pk, w["S1"].pk]),
    "form S2": lambda w: reverse("monitoring:school_form", args=[w["P"].pk, w["S2"].pk]),
    "municipal P": lambda w: reverse("monitoring:municipal_form", args=[w["P"].pk]),
    "submissions P": lambda w: reverse("monitoring:submissions", args=[w["P"].pk]),
    "targets P": lambda w: reverse("monitoring:targets", args=[w["P"].pk]),
    "template P": lambda w: reverse("monitoring:template", args=[w["P"].pk]),
    "upload P": lambda w: reverse("monitoring:upload", args=[w["P"].pk]),
    "goals P": lambda w: reverse("monitoring:goals", args=[w["P"].pk]),
    "goals P2": lambda w: reverse("monitoring:goals", args=[w["P2"].pk]),
    "close P": lambda w: reverse("monitoring:close", args=[w["P"].pk]),
    "close P2": lambda w: reverse("monitoring:close", args=[w["P2"].pk]),
    "explain P": lambda w: reverse("monitoring:explain", args=[w["P"].pk, "1.3"]),
}

_VIEW_M = {
    "periods M",
    "dashboard P",
    "card S1",
    "card S2",
    "targets P",
    "submissions P",
    "goals P",
    "explain P",
}
ALLOWED: dict[tuple[str, str], set[str]] = {
    ("coordinator", "M"): _VIEW_M
    | {"form S1", "form S2", "municipal P", "template P", "upload P", "close P"},
    ("method_centre", "M"): _VIEW_M | {"municipal P", "template P", "upload P"},
    ("school_team", "S1"): {"card S1", "form S1"},
    ("region_viewer", "R"): _VIEW_M,
    # Regional roles: region R covers M (as its coordinator does); R2 covers only M2 and its period P2.
    ("region_coordinator", "R"): _VIEW_M
    | {"form S1", "form S2", "municipal P", "template P", "upload P", "close P"},
    ("region_coordinator", "R2"): {"periods M2", "dashboard P2", "goals P2", "close P2"},
    ("region_viewer", "R2"): {"periods M2", "dashboard P2", "goals P2"},
}

MATRIX = role_url_matrix(ALLOWED, URLS)


@pytest.mark.parametrize(("role", "scope", "url_name", "status"), MATRIX)
def test_it_answers_each_role_per_scope(
    client: Client,
    periods: dict[str, Any],
    user_with_role: Callable[..., Any],
    role: str,
    scope: str,
    url_name: str,
    status: int,
) -> None:
    client.force_login(user_with_role(role, scope))
    assert client.get(URLS[url_name](periods)).status_code == status


@pytest.mark.parametrize("url_name", sorted(URLS))
def test_it_sends_anonymous_users_to_login(client: Client, periods: dict[str, Any], url_name: str) -> None:
    response = client.get(URLS[url_name](periods))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def _post_form(client: Client, w: dict[str, Any], school: str) -> Any:
    url = reverse("monitoring:school_form", args=[w["P"].pk, w[school].pk])
    return client.post(url, {"totals-staff_total": "20", "v_4_2_bool": "yes", "save": "1"})


def test_a_school_team_edits_only_its_own_school(
    client: Client, periods: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("school_team", "S1"))
    assert _post_form(client, periods, "S2").status_code == 404
    assert not IndicatorValue.objects.filter(school=periods["S2"]).exists()
    response = _post_form(client, periods, "S1")
    assert response.status_code == 302
    value = IndicatorValue.objects.get(school=periods["S1"], indicator__code="4.2")
    assert value.bool_value is True


def test_a_school_team_cannot_write_in_a_closed_period(
    client: Client, periods: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    services.close_period(periods["P"], by=None)
    client.force_login(user_with_role("school_team", "S1"))
    response = _post_form(client, periods, "S1")
    assert response.status_code == 302
    assert not IndicatorValue.objects.filter(period=periods["P"]).exclude(origin="system").exists()
    page = client.get(response["Location"]).content.decode()
    assert "Период 2024 г. закрыт: анкета доступна только для просмотра." in page


def test_a_school_team_cannot_review_or_close(
    client: Client, periods: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    services.submit(SchoolSubmission.objects.get(period=periods["P"], school=periods["S1"]), by=None)
    client.force_login(user_with_role("school_team", "S1"))
    review = reverse("monitoring:review", args=[periods["P"].pk, periods["S1"].pk])
    assert client.post(review, {"action": "accept"}).status_code == 404
    assert client.post(reverse("monitoring:close", args=[periods["P"].pk])).status_code == 404
    assert SchoolSubmission.objects.get(period=periods["P"], school=periods["S1"]).status == "submitted"


def test_only_the_coordinator_closes_a_period(
    client: Client, periods: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    url = reverse("monitoring:close", args=[periods["P"].pk])
    client.force_login(user_with_role("method_centre", "M"))
    assert client.post(url).status_code == 404
    client.force_login(user_with_role("coordinator", "M"))
    # first the impact and a question (nothing changes), then the confirmed close
    page = client.post(url).content.decode()
    assert "Закрыть период мониторинга 2024 г.?" in page and 'name="confirmed" value="1"' in page
    periods["P"].refresh_from_db()
    assert periods["P"].status == MonitoringPeriod.Status.OPEN
    assert client.post(url, {"confirmed": "1"}).status_code == 302
    periods["P"].refresh_from_db()
    assert periods["P"].status == MonitoringPeriod.Status.CLOSED


def test_the_method_centre_accepts_and_returns_forms(
    client: Client, periods: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    sub = SchoolSubmission.objects.get(period=periods["P"], school=periods["S1"])
    services.submit(sub, by=None)
    client.force_login(user_with_role("method_centre", "M"))
    url = reverse("monitoring:review", args=[periods["P"].pk, periods["S1"].pk])
    client.post(url, {"action": "return", "comment": "Добавьте ссылку"})
    sub.refresh_from_db()
    assert (sub.status, sub.comment) == ("returned", "Добавьте ссылку")


def test_the_school_entry_leads_to_the_open_period(
    client: Client, periods: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("school_team", "S1"))
    response = client.get(reverse("monitoring:school_entry", args=[periods["S1"].pk]))
    assert response["Location"] == reverse("monitoring:school", args=[periods["P"].pk, periods["S1"].pk])
    assert client.get(reverse("monitoring:school_entry", args=[periods["S3"].pk])).status_code == 404


def test_only_the_coordinator_reopens_a_closed_period_with_a_reason(
    client: Client, periods: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    from portal.audit.models import AuditEntry

    services.close_period(periods["P"], by=None)
    url = reverse("monitoring:reopen", args=[periods["P"].pk])
    for role, scope in (("method_centre", "M"), ("school_team", "S1"), ("region_viewer", "R")):
        client.force_login(user_with_role(role, scope))
        assert client.post(url, {"reason": "ошибка"}).status_code == 404
    coordinator = user_with_role("coordinator", "M")
    client.force_login(coordinator)
    page = client.get(reverse("monitoring:period", args=[periods["P"].pk])).content.decode()
    assert "Открыть период снова" in page
    # without a reason: refused with a message, still closed
    response = client.post(url, {"reason": "  "}, follow=True)
    assert "Укажите причину" in response.content.decode()
    periods["P"].refresh_from_db()
    assert periods["P"].status == MonitoringPeriod.Status.CLOSED
    client.post(url, {"reason": "СОШ № 1 прислала исправленные данные"})
    periods["P"].refresh_from_db()
    assert periods["P"].status == MonitoringPeriod.Status.OPEN and periods["P"].frozen == {}
    entry = AuditEntry.objects.filter(action="monitoring.period.reopened").get()
    assert entry.data == {"reason": "СОШ № 1 прислала исправленные данные"} and entry.actor == coordinator
    # open again: the school's write is accepted
    from portal.monitoring.tests.conftest import slot

    sub = SchoolSubmission.objects.get(period=periods["P"], school=periods["S1"])
    services.save_school_values(sub, {"4.2|": {"bool_value": True}}, [slot(periods["P"], "4.2")], by=None)
    assert IndicatorValue.objects.get(
        period=periods["P"], school=periods["S1"], indicator__code="4.2"
    ).bool_value
