"""End to end: the school team's year (issue 17). The team lands on its school's home page of tasks, follows the
monitoring task to the form and submits it, builds its program in the Конструктор and sends it for approval; the
coordinator finds it «ожидает утверждения» on the municipal dashboard and approves it after the confirmation
page; the school sees the outcome on its home page, and its monitoring answer 1.3 turns «да» from the approved
program without anyone typing it. Screenshots at 1280 and 390 px; no page scrolls sideways."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from portal.monitoring import services as monitoring
from portal.programs import risk, services
from portal.programs.models import Goal, Program
from portal.programs.tests.conftest import S1_INPUTS, S1_SELF
from portal.results.models import ImportBatch, RiskInput
from tests.e2e.conftest import screenshot

PASSWORD = "x-test-password-1"  # conftest.user_with_role


@pytest.fixture
def setup(transactional_db: Any, world: dict[str, Any], user_with_role: Callable[..., Any]) -> dict[str, Any]:
    from django.core.cache import cache

    cache.clear()
    services.sync_library(by=None)
    batch = ImportBatch.objects.create(
        municipality=world["M"], kind="risk", filename="risk.csv", sha256="0" * 64, status="imported"
    )
    RiskInput.objects.create(school=world["S1"], batch=batch, year=2023, **S1_INPUTS)
    risk.compute_profile(world["S1"], 2023, by=None)
    risk.set_levels(world["S1"], 2023, S1_SELF, by=None)
    sets = {s.code: s for s in monitoring.sync_builtin_sets(by=None)}
    deadline = timezone.localdate() + datetime.timedelta(days=10)
    period = monitoring.open_period(world["M"], sets["order_2023_41"], 2024, by=None, deadline=deadline)
    monitoring.set_target_schools(period, shnor=[world["S1"].pk], at_risk=[world["S2"].pk], by=None)
    return {
        **world,
        "period": period,
        "deadline": deadline,
        "team": user_with_role("school_team", "S1"),
        "coordinator": user_with_role("coordinator", "M"),
    }


def login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Логин").fill(username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()


def both_widths(page: Any, name: str) -> None:
    """A screenshot at 1280 px and at 390 px; at 390 px the page must not scroll sideways."""
    screenshot(page, f"{name}-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("document.documentElement.scrollWidth")
    screenshot(page, f"{name}-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert width <= 390, f"{name}: the page is {width} px wide at 390 px"


def test_the_school_teams_year(live_server: Any, setup: dict[str, Any], page: Any) -> None:
    base, school, period = live_server.url, setup["S1"], setup["period"]
    home = f"{base}/schools/{school.pk}/"

    # 1. The team lands on its home page of tasks: the monitoring form with its deadline comes first.
    login(page, base, setup["team"].username)
    page.wait_for_url(home)
    task = page.get_by_test_id("task-monitoring")
    assert f"Срок сдачи {setup['deadline']:%d.%m.%Y} — осталось 10 дней" in task.inner_text()
    assert "Черновик" in task.inner_text()
    assert page.get_by_role("link", name="Мониторинг", exact=True).count() == 1  # in the school's navigation
    both_widths(page, "school-year-1-home")

    # 2. The monitoring form, filled and sent.
    task.get_by_role("link", name="Заполнить анкету").click()
    page.wait_for_url(f"{base}/monitoring/periods/{period.pk}/schools/{school.pk}/edit/")
    page.get_by_label("Численность педагогических и руководящих работников").fill("40")
    # 1.3 (a ШППКО) is not asked: the records decide it — no approved program yet, so «нет» (issue #18)
    assert page.locator("#slot-13").count() == 0
    assert page.locator("#computed-13 .mon-value").inner_text() == "нет"
    page.locator("#slot-31").get_by_label("Число педагогов и руководителей").fill("10")
    page.get_by_role("button", name="Сохранить и отправить на проверку").click()
    page.wait_for_url(f"{base}/monitoring/periods/{period.pk}/schools/{school.pk}/")
    assert "Анкета отправлена координатору на проверку." in page.inner_text("body")
    page.goto(home)
    assert "Отправлена" in page.get_by_test_id("task-monitoring").inner_text()

    # 3. The program: the task says what to do; the Конструктор builds it; the team completes the goals.
    program_task = page.get_by_test_id("task-program")
    assert "Создайте программу в Конструкторе" in program_task.inner_text()
    program_task.get_by_role("link", name="К программам школы").click()
    page.get_by_label("Вид программы").select_option("shppko")
    page.get_by_label("Срок программы").select_option(
        str(period.year)
    )  # the program covers the monitored year
    page.get_by_role("button", name="Создать программу в Конструкторе").click()
    page.wait_for_selector("text=Что известно о школе")
    program = Program.objects.get(school=school)
    page.goto(f"{base}/programs/{program.pk}/step/3/")
    first = program.measures.order_by("position").first()
    assert first is not None
    responsible = page.locator(f"#measure-{first.pk} textarea[name$='-responsible']")
    assert responsible.is_visible() and responsible.bounding_box()["width"] > 300  # readable, not cut off
    both_widths(page, "school-year-2-measures")
    page.goto(f"{base}/programs/{program.pk}/step/4/")
    for goal in Goal.objects.filter(program=program):
        card = page.locator(f"#goal-{goal.pk}")
        if goal.baseline is None:
            card.get_by_label("Базовое значение").fill("30")
        if goal.target is None or goal.target == goal.baseline:
            card.get_by_label("Целевое значение").fill("45")
    page.get_by_label("Руководитель программы (должность, ФИО)").fill("Директор")
    page.get_by_role("button", name="Сохранить и проверить программу").click()
    page.wait_for_url(f"{base}/programs/{program.pk}/step/5/")
    assert "Программа прошла проверку." in page.inner_text("main")

    # 4. Sent for approval: the school sees that it waits.
    page.get_by_role("button", name="Отправить на утверждение").click()
    page.wait_for_url(f"{base}/programs/{program.pk}/step/5/")
    assert page.get_by_test_id("program-status").inner_text() == "Ожидает утверждения"
    both_widths(page, "school-year-3-submitted")

    # 5. The coordinator finds it on the municipal dashboard and approves it after the confirmation page.
    login(page, base, setup["coordinator"].username)
    waiting = page.get_by_test_id("programs-waiting")
    assert "ожидает утверждения" in waiting.inner_text() and school.short_name in waiting.inner_text()
    both_widths(page, "school-year-4-dashboard")
    waiting.get_by_role("link", name="утвердить или вернуть").click()
    page.wait_for_url(f"{base}/programs/{program.pk}/step/5/")
    page.get_by_role("button", name="Утвердить…").click()
    assert "В дорожную карту школы будут внесены" in page.inner_text("main")
    both_widths(page, "school-year-5-confirm")
    page.get_by_role("button", name="Утвердить программу").click()
    page.wait_for_url(f"{base}/programs/{program.pk}/step/5/")
    assert "Программа утверждена; её меры внесены в дорожную карту школы." in page.inner_text("body")

    # 6. The school sees the outcome on its home page, and the approved measures in its roadmap.
    login(page, base, setup["team"].username)
    page.wait_for_url(home)
    outcome = page.get_by_test_id("task-program").inner_text()
    assert "утверждена" in outcome and "меры программы — в дорожной карте школы" in outcome
    both_widths(page, "school-year-6-approved")
    program.refresh_from_db()
    assert program.status == "approved"

    # 7. The monitoring answer follows the record while the period is open: 1.3 is now «да», from the ШППКО.
    page.goto(f"{base}/monitoring/periods/{period.pk}/schools/{school.pk}/")
    row = page.locator("#value-13")
    assert row.locator(".mon-value").inner_text() == "да"
    assert "ШППКО" in row.inner_text()
