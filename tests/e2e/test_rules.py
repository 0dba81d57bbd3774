"""End to end: the methodist opens the recommendation rules from the navigation, edits a rule in its form (a
threshold, a new condition chosen by its Russian name, a placeholder inserted from the list), sees the examples
checked — refused while the example no longer fires, saved once it does — and reads the outcome on a phone too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from portal.programs import services as programs
from portal.reports import services
from tests.e2e.conftest import screenshot
from tests.e2e.test_monitoring import login

PROGRAM = "Есть школьная программа повышения качества образования (ШППКО)"


@pytest.fixture
def setup(transactional_db: Any, world: dict[str, Any], user_with_role: Callable[..., Any]) -> dict[str, Any]:
    programs.sync_library(by=None)
    return {**world, "methodist": user_with_role("method_centre", "M")}


def test_the_methodist_edits_a_rule_in_the_form_and_sees_its_example_checked(
    live_server: Any, setup: dict[str, Any], page: Any
) -> None:
    login(page, live_server.url, setup["methodist"].username)
    page.get_by_role("link", name="Правила рекомендаций").first.click()
    page.get_by_role("link", name="Школа в категории ШНОР").click()
    outcome = page.locator("#outcome")
    assert "Правило срабатывает (находка не значимая" in outcome.inner_text()

    # significant from 3 years in ШНОР; and only for schools without a program (a condition chosen by its name)
    page.locator('[name="s-0-value"]').fill("3")
    page.locator('[data-add="t"]').click()
    new_row = page.locator('[data-rows="t"] [data-row]').last
    new_row.get_by_label("Показатель").select_option(label=PROGRAM)
    choice = new_row.locator("[data-choice]")
    assert choice.is_visible() and not new_row.locator("[data-value]").is_visible()  # да / нет, not a number
    choice.select_option(label="нет")
    page.get_by_label("Значение какого показателя вставить").select_option(label=PROGRAM)
    page.get_by_role("button", name="Вставить в текст").click()
    text = page.get_by_label("Текст рекомендации").input_value()
    assert text.endswith("«Конструктора». {" + PROGRAM + "}")  # the text was not touched: added at its end
    page.get_by_role("button", name="Сохранить").click()

    # the example says nothing about the program: the rule no longer fires on it, so nothing is saved
    page.wait_for_load_state()
    assert "Правило не сохранено" in page.locator(".msg--error").inner_text()
    assert "правило не срабатывает — а должно наоборот" in page.locator("#outcome").inner_text().lower()
    assert services.active_version(setup["R"]) is None
    screenshot(page, "rules-example-refused")

    # the methodist completes both examples and saves
    page.locator('[data-add="e"]').click()
    example = page.locator('[data-rows="e"] [data-row]').last
    example.get_by_label("Показатель").select_option(label=PROGRAM)
    example.locator('[name$="-fires"]').fill("нет")
    example.locator('[name$="-near"]').fill("нет")
    page.get_by_role("button", name="Сохранить").click()
    page.wait_for_url("**/recommendations/rules/R01/")
    assert "Правило R01 сохранено и проверено на примерах" in page.locator(".messages").inner_text()
    checked = page.locator("#outcome").inner_text()
    assert "Правило срабатывает (находка не значимая, видна по «показать все») — как и должно" in checked
    assert "Правило не срабатывает — как и должно" in checked
    rule = services.active_rules(setup["R"]).rule("R01")
    assert rule.trigger.text == "cat_low_results == true and has_program == false"
    assert rule.significant_if is not None and rule.significant_if.text == "years_low_results >= 3"
    assert rule.text.endswith("«Конструктора». {has_program}")
    assert services.active_rules(setup["R2"]).rule("R01").trigger.text == "cat_low_results == true"
    screenshot(page, "rules-saved-1280")
    page.set_viewport_size({"width": 390, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "rules-saved-390")
