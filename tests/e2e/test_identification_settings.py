"""End to end: the coordinator changes the methodology parameters in the Russian form (a variable without a
direction is refused), runs the identification with them, and publishes after the confirmation page has listed
the schools whose category changes. Screenshots at 1280 and 390 px."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from tests.e2e.conftest import screenshot

PASSWORD = "e2e-demo-pass-2"


@pytest.fixture
def demo(transactional_db: Any) -> None:
    call_command("load_demo", password=PASSWORD, stdout=io.StringIO())


def _both_widths(page: Any, name: str) -> None:
    screenshot(page, f"{name}-1280")
    page.set_viewport_size({"width": 390, "height": 900})
    overflow = page.evaluate(
        """() => { const w = document.documentElement.clientWidth; const out = [];
        for (const el of document.querySelectorAll('body *')) { const r = el.getBoundingClientRect();
          if (r.right <= w + 1) continue;
          let p = el.parentElement, inside = false;
          while (p) { const s = getComputedStyle(p).overflowX; if (s === 'auto' || s === 'scroll' || s === 'hidden') { inside = true; break; } p = p.parentElement; }
          if (!inside) out.push(el.tagName + '.' + el.className + ' ' + Math.round(r.right)); }
        return document.documentElement.scrollWidth > w ? ["scrollWidth " + document.documentElement.scrollWidth, ...out.slice(0, 5)] : []; }"""
    )
    assert not overflow, f"{name}: the page scrolls sideways at 390 px: {overflow}"
    screenshot(page, f"{name}-390")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_coordinator_sets_parameters_runs_and_publishes_with_confirmation(
    live_server: Any, demo: None, page: Any
) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Логин").fill("demo-coordinator")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.get_by_role("link", name="Идентификация").first.click()
    page.get_by_role("link", name="Параметры методики").click()
    form = page.get_by_test_id("settings-form")
    assert "По умолчанию: 4." in form.inner_text()
    _both_widths(page, "identification-settings")

    # A new context column without its direction is refused, in Russian, and nothing is saved.
    page.get_by_label("Сколько факторов нужно для зоны риска").fill("1")
    page.locator('input[name="newvar__0__code"]').fill("poverty")
    page.get_by_role("button", name="Сохранить параметры").click()
    error = page.locator(".msg--error").first.inner_text()
    assert "Не указано направление переменных контекста: «poverty»" in error
    _both_widths(page, "identification-settings-error")
    page.locator('input[name="newvar__0__code"]').fill("")
    page.get_by_role("button", name="Сохранить параметры").click()
    assert "Параметры методики сохранены" in page.inner_text(".messages")

    # Run with one factor enough for the risk zone: more schools are in it than in the published run.
    year = page.get_by_label("Год идентификации").input_value()
    assert year == "2023"  # the latest year with loaded results
    page.get_by_role("button", name="Рассчитать").click()
    page.wait_for_selector("svg.chart")
    assert page.locator("svg.chart text.chart-label").count() >= 6  # the programme's schools are labelled
    _both_widths(page, "identification-run-new")
    page.get_by_role("link", name="Опубликовать…").click()
    confirm = page.inner_text("main")
    assert "Опубликованный сейчас расчёт" in confirm and "уйдёт в архив" in confirm
    assert "Школ, у которых меняется категория по сравнению с опубликованным расчётом" in confirm
    assert "СОШ № 2: ШНОР, ШНСУ → ШНОР, ШНСУ, зона риска" in confirm
    _both_widths(page, "identification-publish-confirm")
    page.get_by_role("button", name="Опубликовать").click()
    assert "Расчёт опубликован" in page.inner_text(".messages")
    assert "Опубликован" in page.inner_text("main")
