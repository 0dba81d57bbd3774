"""End to end (issue #18): the coordinator adds the regulation on monitoring to the registry «Документы программы»
and the municipal answers 2.1 and 6.1 become «да» with a link to it; a school's form shows 1.3 and «Конструктор»
read-only, derived from its approved ШППКО, with the source and a link. Screenshots at 1280 and 390 px."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from portal.monitoring import services
from portal.monitoring.tests.conftest import program
from tests.e2e.conftest import screenshot
from tests.e2e.test_monitoring import login


@pytest.fixture
def setup(transactional_db: Any, world: dict[str, Any], user_with_role: Callable[..., Any]) -> dict[str, Any]:
    from django.core.cache import cache

    from portal.roadmap.services import sync_builtin

    cache.clear()
    sets = {s.code: s for s in services.sync_builtin_sets(by=None)}
    sync_builtin(world["M"], by=None)
    period = services.open_period(world["M"], sets["order_2023_41"], 2024, by=None)
    services.set_target_schools(period, shnor=[world["S1"].pk], at_risk=[world["S2"].pk], by=None)
    return {
        **world,
        "P": period,
        "program": program(world["S1"]),
        "team": user_with_role("school_team", "S1"),
        "coordinator": user_with_role("coordinator", "M"),
    }


def test_the_registry_feeds_the_authoritys_answers(
    live_server: Any, setup: dict[str, Any], page: Any
) -> None:
    base, period = live_server.url, setup["P"]
    login(page, base, setup["coordinator"].username)
    page.goto(f"{base}/monitoring/periods/{period.pk}/")
    row = page.locator("#row-61")
    assert "нет" in row.locator("td.mon-value").inner_text()  # no document in the registry yet
    # the coordinator adds the regulation on monitoring: its kind ticks 1.1, 2.1 and 6.1 in advance
    page.goto(f"{base}/municipalities/{setup['M'].pk}/documents/new/?kind=monitoring_regulation")
    page.get_by_label("Название").fill("Положение о мониторинге реализации муниципальной программы")
    page.get_by_label("Номер").fill("15")
    page.get_by_label("Дата").fill("10.03.2023")
    page.get_by_label("Кто издал").fill("Управление образования")
    form = page.locator('[data-testid="document-form"]')
    for code in ("1.1", "2.1", "6.1"):
        assert form.locator(f'input[name="indicators"][value="{code}"]').is_checked()
    screenshot(page, "registry-new-document")
    page.get_by_role("button", name="Добавить в реестр").click()
    page.wait_for_url(f"{base}/documents/**")
    assert "Положение о мониторинге от 10.03.2023 № 15" in page.locator("h1").inner_text()
    # the dashboard's 6.1 is «да» now, with the document behind it
    page.goto(f"{base}/monitoring/periods/{period.pk}/")
    row = page.locator("#row-61")
    assert "да" in row.locator("td.mon-value").inner_text()
    row.get_by_text("Как получено").click()
    link = row.get_by_role("link", name="Положение о мониторинге от 10.03.2023 № 15", exact=False)
    assert link.count() == 1
    screenshot(page, "registry-feeds-6-1")
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{base}/municipalities/{setup['M'].pk}/documents/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "registry-list-390")


def test_the_school_form_shows_answers_derived_from_the_approved_shppko(
    live_server: Any, setup: dict[str, Any], page: Any
) -> None:
    base, period, school = live_server.url, setup["P"], setup["S1"]
    login(page, base, setup["team"].username)
    page.goto(f"{base}/monitoring/periods/{period.pk}/schools/{school.pk}/edit/")
    assert page.locator('input[name="v_1_3_bool"]').count() == 0  # never typed
    row = page.locator("#computed-13")
    assert "да" in row.locator("td.mon-value").inner_text()
    assert "из записей системы" in row.inner_text() and "Конструктор ШППКО" in row.inner_text()
    link = row.get_by_role("link", name="ШППКО 2023–2025, версия 1", exact=False)
    assert link.get_attribute("href") == f"/programs/{setup['program'].pk}/preview/"
    assert "да" in page.locator("#computed-38-constructor td.mon-value").inner_text()
    screenshot(page, "derived-answers-form-1280")
    page.set_viewport_size({"width": 390, "height": 900})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.locator("#computed-13").scroll_into_view_if_needed()
    screenshot(page, "derived-answers-form-390")
