"""Pages: the school team adds teachers and records and sees the computed value change; bad input is a form error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from portal.audit.models import AuditEntry
from portal.staff.models import Course, DevelopmentRoute, PracticeParticipation, Teacher


@pytest.fixture
def team(client: Client, staff: dict[str, Any], user_with_role: Callable[..., Any]) -> Client:
    client.force_login(user_with_role("school_team", "S1"))
    return client


def _indicators(client: Client, staff: dict[str, Any]) -> str:
    return client.get(reverse("staff:school", args=[staff["S1"].pk]) + "?year=2024").content.decode()


def test_adding_a_course_changes_the_indicator(team: Client, staff: dict[str, Any]) -> None:
    assert "33,3 % (1 из 3)" in _indicators(team, staff)
    url = reverse("staff:record_add", args=[staff["T2"].pk, "course"])
    response = team.post(url, {"title": "ФГОС", "hours": "72", "registry": "kk_ipk", "year": "2024"})
    assert response.status_code == 302
    html = _indicators(team, staff)
    assert "66,7 % (2 из 3)" in html
    assert AuditEntry.objects.filter(action="staff.course.created").exists()
    sources = team.get(
        reverse("staff:school_indicator", args=[staff["S1"].pk, "3.5"]) + "?subitem=kk_ipk&year=2024"
    ).content.decode()
    assert "ФГОС" in sources and staff["T2"].name in sources and "Функциональная грамотность" in sources


def test_adding_a_teacher_changes_the_denominator(team: Client, staff: dict[str, Any]) -> None:
    response = team.post(
        reverse("staff:teacher_add", args=[staff["S1"].pk]),
        {"name": "Педагог Г", "subjects": "физика", "category": "first"},
    )
    assert response.status_code == 302
    assert Teacher.objects.get(name="Педагог Г").school == staff["S1"]
    assert "25,0 % (1 из 4)" in _indicators(team, staff)


@pytest.mark.parametrize(
    ("kind", "data", "message"),
    [
        (
            "course",
            {"title": "К", "hours": "много", "registry": "kk_ipk", "year": "2024"},
            "Часы — целое число.",
        ),
        (
            "course",
            {"title": "К", "hours": "10", "registry": "kk_ipk", "year": "1900"},
            "Год не раньше 2000.",
        ),
        ("diagnostic", {"date": "31.02.2024", "kind": "self"}, "Введите дату в формате ДД.ММ.ГГГГ."),
        (
            "event",
            {"title": "Ф", "kind": "forum", "level": "galactic", "date": "01.02.2024"},
            "Выберите корректный",
        ),
        (
            "practice",
            {"kind": "horizontal", "year": "2024", "role": "participant", "partner": "999999"},
            "Выберите",
        ),
    ],
)
def test_bad_input_is_a_form_error_not_a_500(
    team: Client, staff: dict[str, Any], kind: str, data: dict[str, str], message: str
) -> None:
    response = team.post(reverse("staff:record_add", args=[staff["T1"].pk, kind]), data)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_a_second_route_for_the_same_year_is_refused_in_russian(team: Client, staff: dict[str, Any]) -> None:
    url = reverse("staff:record_add", args=[staff["T1"].pk, "route"])
    assert team.post(url, {"year": "2024", "implemented": "on"}).status_code == 302
    response = team.post(url, {"year": "2024"})
    assert "ИОМ на 2024 г. у педагога уже есть" in response.content.decode()
    assert DevelopmentRoute.objects.filter(teacher=staff["T1"]).count() == 1


def test_a_mentor_pair_is_recorded_and_counts_both(team: Client, staff: dict[str, Any]) -> None:
    url = reverse("staff:record_add", args=[staff["T1"].pk, "practice"])
    data = {"kind": "mentoring", "year": "2024", "role": "mentor", "partner": staff["T3"].pk}
    assert team.post(url, data).status_code == 302
    url = reverse("staff:record_add", args=[staff["T3"].pk, "practice"])
    data = {"kind": "mentoring", "year": "2024", "role": "mentee", "partner": staff["T1"].pk}
    assert team.post(url, data).status_code == 302
    assert PracticeParticipation.objects.get(teacher=staff["T3"]).partner == staff["T1"]
    assert "66,7 % (2 из 3)" in _indicators(team, staff)


def test_unknown_kinds_and_indicators_are_404(team: Client, staff: dict[str, Any]) -> None:
    assert team.get(reverse("staff:record_add", args=[staff["T1"].pk, "salary"])).status_code == 404
    assert team.get(reverse("staff:school_indicator", args=[staff["S1"].pk, "9.9"])).status_code == 404
    assert team.post(reverse("staff:record_delete", args=["visit", 1])).status_code == 404
    assert team.get(reverse("staff:school", args=[staff["S1"].pk]) + "?year=abc").status_code == 200


def test_deleting_a_record_is_audited(team: Client, staff: dict[str, Any]) -> None:
    course = Course.objects.get(teacher=staff["T1"])
    assert team.post(reverse("staff:record_delete", args=["course", course.pk])).status_code == 302
    assert not Course.objects.filter(pk=course.pk).exists()
    assert AuditEntry.objects.get(action="staff.course.deleted").before["title"] == course.title


def test_the_coordinator_feeds_the_monitoring_from_the_page(
    client: Client, staff: dict[str, Any], period: Any, user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("coordinator", "M"))
    page = client.get(reverse("staff:municipal", args=[staff["M"].pk])).content.decode()
    assert "Записать в мониторинг 2024 г." in page
    response = client.post(reverse("staff:feed", args=[staff["M"].pk]), {"year": "2024"}, follow=True)
    assert "Значения переданы в мониторинг 2024 г." in response.content.decode()
    card = client.get(reverse("monitoring:school", args=[period.pk, staff["S1"].pk])).content.decode()
    assert "из учёта педагогов" in card
    form = client.get(reverse("monitoring:school_form", args=[period.pk, staff["S1"].pk])).content.decode()
    assert 'data-testid="origin-records"' in form
    response = client.post(reverse("staff:risk", args=[staff["M"].pk]), {"year": "2024"}, follow=True)
    assert "Факторы риска 2024 г.: строк создано 1" in response.content.decode()


def test_the_school_card_links_to_the_teachers_for_those_who_may_see_them(
    client: Client, staff: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    url = reverse("schools:school", args=[staff["S1"].pk])
    client.force_login(user_with_role("school_team", "S1"))
    assert 'data-testid="staff-link"' in client.get(url).content.decode()
    client.force_login(user_with_role("region_viewer", "R"))
    assert 'data-testid="staff-link"' not in client.get(url).content.decode()


def test_partnerships_and_joint_events(team: Client, staff: dict[str, Any]) -> None:
    url = reverse("staff:school_partnerships", args=[staff["S1"].pk])
    bad = team.post(url, {"partner": "ДК", "kind": "intermunicipal", "starts_on": "01.09.2024"})
    assert bad.status_code == 200  # a school cannot record an inter-municipal agreement
    ok = team.post(
        url, {"partner": "ДК", "kind": "cultural", "starts_on": "01.09.2024", "ends_on": "31.08.2025"}
    )
    assert ok.status_code == 302
    p = staff["S1"].partnerships.get()
    assert (
        team.post(
            reverse("staff:joint_event_add", args=[p.pk]), {"date": "10.10.2024", "title": "Концерт"}
        ).status_code
        == 302
    )
    assert "Концерт" in team.get(url).content.decode()
    assert "5.1" in _indicators(team, staff)
