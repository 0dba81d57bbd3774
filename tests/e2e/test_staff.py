"""End to end: the school team adds a course for a teacher and sees the computed indicator change; the coordinator
writes the values into the monitoring and the school's card shows them marked «из учёта педагогов»."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from portal.monitoring import services as monitoring
from portal.monitoring.models import IndicatorValue
from portal.staff.models import Diagnostic, Teacher
from tests.e2e.conftest import screenshot

PASSWORD = "x-test-password-1"  # conftest.user_with_role


@pytest.fixture
def setup(transactional_db: Any, world: dict[str, Any], user_with_role: Callable[..., Any]) -> dict[str, Any]:
    from django.core.cache import cache

    cache.clear()
    sets = {s.code: s for s in monitoring.sync_builtin_sets(by=None)}
    period = monitoring.open_period(world["M"], sets["order_2023_41"], 2024, by=None)
    monitoring.set_target_schools(period, shnor=[world["S1"].pk], at_risk=[], by=None)
    s1 = world["S1"]
    teachers = [
        Teacher.objects.create(school=s1, name=f"Педагог {i} (тест)", category="first") for i in (1, 2, 3, 4)
    ]
    Diagnostic.objects.create(teacher=teachers[0], date=datetime.date(2024, 2, 1))
    return {
        **world,
        "P": period,
        "teachers": teachers,
        "team": user_with_role("school_team", "S1"),
        "coordinator": user_with_role("coordinator", "M"),
    }


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Логин").fill(username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()


def test_school_team_adds_a_course_and_sees_the_indicator_change(
    live_server: Any, setup: dict[str, Any], page: Any
) -> None:
    base, s1 = live_server.url, setup["S1"]
    login(page, base, setup["team"].username)
    # From the school's card to its teachers.
    page.goto(f"{base}/schools/{s1.pk}/")
    page.get_by_test_id("staff-link").click()
    page.wait_for_url(f"{base}/schools/{s1.pk}/staff/")
    kk_ipk = page.locator("#ind-35-kk_ipk")
    assert "0,0 % (0 из 4)" in kk_ipk.inner_text()
    assert "25,0 % (1 из 4)" in page.locator("#ind-31-all").inner_text()

    page.get_by_role("link", name="Педагог 2 (тест)").click()
    page.get_by_role("link", name="Курс повышения квалификации").click()
    page.get_by_label("Название программы").fill("Формирующее оценивание")
    page.get_by_label("Часов").fill("36")
    page.get_by_label("Реестр").select_option("kk_ipk")
    page.get_by_label("Год").fill("1900")
    page.get_by_role("button", name="Сохранить").click()
    assert "Год не раньше 2000." in page.inner_text("body")  # a form error, not a 500
    page.get_by_label("Год").fill("2024")
    page.get_by_role("button", name="Сохранить").click()
    assert "Формирующее оценивание (36 ч, 2024)" in page.inner_text("body")

    page.get_by_role("link", name=f"{s1.short_name}: педагоги").click()
    kk_ipk = page.locator("#ind-35-kk_ipk")
    assert "25,0 % (1 из 4)" in kk_ipk.inner_text()
    screenshot(page, "staff-school-indicators")
    kk_ipk.get_by_role("link").click()
    assert "Педагог 2 (тест)" in page.inner_text("body") and "реестр ДПП КК ИПК" in page.inner_text("body")
    page.context.clear_cookies()

    # The coordinator writes the computed values into the open monitoring period.
    login(page, base, setup["coordinator"].username)
    page.get_by_role("link", name="Педагоги").click()
    page.get_by_role("button", name="Записать в мониторинг 2024 г.").click()
    assert "Значения переданы в мониторинг 2024 г." in page.inner_text("body")
    value = IndicatorValue.objects.get(period=setup["P"], school=s1, indicator__code="3.5", subitem="kk_ipk")
    assert (value.origin, value.numerator, value.number) == ("records", 1.0, 25.0)
    page.goto(f"{base}/monitoring/periods/{setup['P'].pk}/schools/{s1.pk}/")
    assert page.get_by_test_id("origin-records").first.is_visible()
    assert "1 чел. (25 %)" in page.inner_text("body")
    screenshot(page, "staff-monitoring-card")
