"""The school's home page is a page of tasks (issue 17, «Школьная команда»): the monitoring form of the open
period with its deadline, status and link; the program with its next step; overdue and due-soon roadmap items;
the recommendations; «Мониторинг» in the school's navigation. No change log."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from portal.monitoring import services as monitoring
from portal.roadmap.models import RoadmapEntry, RoadmapItem

TODAY = datetime.date(2024, 11, 20)


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> datetime.date:
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    return TODAY


@pytest.fixture
def team(client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]) -> Client:
    client.force_login(user_with_role("school_team", "S1"))
    return client


def _home(client: Client, world: dict[str, Any]) -> str:
    response = client.get(reverse("schools:school", args=[world["S1"].pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_open_periods_form_with_its_deadline_status_and_link(
    team: Client, world: dict[str, Any], today: datetime.date
) -> None:
    sets = {s.code: s for s in monitoring.sync_builtin_sets(by=None)}
    period = monitoring.open_period(
        world["M"], sets["order_2023_41"], 2024, by=None, deadline=datetime.date(2024, 11, 23)
    )
    page = _home(team, world)
    assert "Мониторинг 2024 г." in page
    assert "Срок сдачи 23.11.2024 — осталось 3 дня" in page  # 20 → 23 November (opora.plural: «3 дня»)
    assert "Черновик" in page
    assert reverse("monitoring:school_form", args=[period.pk, world["S1"].pk]) in page
    assert reverse("monitoring:school", args=[period.pk, world["S1"].pk]) in page
    assert "Последние изменения" not in page  # a page of tasks, not a change log


def test_a_passed_deadline_is_said_and_marked(
    team: Client, world: dict[str, Any], today: datetime.date
) -> None:
    sets = {s.code: s for s in monitoring.sync_builtin_sets(by=None)}
    monitoring.open_period(
        world["M"], sets["order_2023_41"], 2024, by=None, deadline=datetime.date(2024, 11, 19)
    )
    page = _home(team, world)
    assert "Срок сдачи 19.11.2024 прошёл 1 день назад" in page
    assert "task--urgent" in page


def test_without_an_open_period_the_page_says_so(team: Client, world: dict[str, Any]) -> None:
    page = _home(team, world)
    assert "Открытого периода мониторинга сейчас нет" in page


def test_the_navigation_has_monitoring_for_the_school(team: Client, world: dict[str, Any]) -> None:
    page = _home(team, world)
    assert f'href="{reverse("monitoring:school_entry", args=[world["S1"].pk])}">Мониторинг</a>' in page


def test_the_program_task_says_what_to_do_first(team: Client, world: dict[str, Any]) -> None:
    page = _home(team, world)
    assert "ШППКО" in page and "не создана" in page
    assert "Заполните рисковый профиль школы, затем создайте программу в Конструкторе." in page


def test_overdue_and_due_soon_roadmap_items(
    team: Client, world: dict[str, Any], today: datetime.date
) -> None:
    school = world["S1"]

    def entry(code: str, due: str, status: str = "planned") -> None:
        item = RoadmapItem.objects.create(
            municipality=world["M"], school=school, source="t", code=code, direction=1, measure=f"Мера {code}"
        )
        RoadmapEntry.objects.create(item=item, year=2024, due_dates=[due], status=status)

    entry("late", "2024-10-31")  # 20 days overdue
    entry("soon", "2024-12-01")  # in 11 days: within the default 30 days
    entry("far", "2025-05-31")
    entry("done", "2024-10-31", status="done")
    page = _home(team, world)
    assert "Просрочено: 1 пункт" in page and "Мера late" in page and "просрочено на 20 дней" in page
    assert "Срок в ближайшие 30 дней: 1 пункт" in page and "Мера soon" in page and "осталось 11 дней" in page
    assert "Мера far" not in page and "Мера done" not in page


def test_other_roles_see_the_tasks_without_the_buttons_to_fill(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any], today: datetime.date
) -> None:
    sets = {s.code: s for s in monitoring.sync_builtin_sets(by=None)}
    period = monitoring.open_period(world["M"], sets["order_2023_41"], 2024, by=None)
    client.force_login(user_with_role("region_viewer", "R"))
    page = _home(client, world)
    assert "Срок сдачи не назначен" in page
    assert reverse("monitoring:school_form", args=[period.pk, world["S1"].pk]) not in page
    assert "Редактировать сведения" not in page
