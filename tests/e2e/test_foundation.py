"""End to end: a school team member logs in and sees only their own school's edit links."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from portal.schools.models import School
from tests.e2e.conftest import screenshot

PASSWORD = "e2e-demo-pass-1"


@pytest.fixture
def demo(transactional_db: Any) -> None:
    call_command("load_demo", password=PASSWORD, stdout=io.StringIO())


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Логин").fill(username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()


def test_school_team_sees_only_its_own_school(live_server: Any, demo: None, page: Any) -> None:
    base = live_server.url
    login(page, base, "demo-school1")
    own = School.objects.get(code="MNS-OOSH01")
    page.wait_for_url(f"{base}/schools/{own.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == "ООШ № 1"
    assert page.get_by_test_id("edit-school").is_visible()
    assert "Демонстрационный режим" in page.inner_text("body")
    screenshot(page, "foundation-school-team")

    # Every edit link on the page is for its own school: its data and its monitoring form.
    edit_links = [a.get_attribute("href") for a in page.locator("a[href*='/edit/']").all()]
    assert f"/schools/{own.pk}/edit/" in edit_links
    assert all(f"/schools/{own.pk}/edit/" in href for href in edit_links), edit_links

    # Another school and the municipality dashboard are out of scope: 404, not a hint.
    other = School.objects.get(code="MNS-SOSH02")
    response = page.goto(f"{base}/schools/{other.pk}/")
    assert response is not None and response.status == 404
    response = page.goto(f"{base}/municipalities/{own.municipality_id}/")
    assert response is not None and response.status == 404

    # Editing its own card works and is confirmed in Russian.
    page.goto(f"{base}/schools/{own.pk}/edit/")
    page.get_by_label("Число обучающихся").fill("170")
    page.get_by_role("button", name="Сохранить").click()
    page.wait_for_url(f"{base}/schools/{own.pk}/")
    assert "Сведения о школе сохранены." in page.inner_text("body")
    own.refresh_from_db()
    assert own.students == 170


def test_coordinator_sees_the_dashboard_with_thirteen_schools(
    live_server: Any, demo: None, page: Any
) -> None:
    base = live_server.url
    login(page, base, "demo-coordinator")
    page.wait_for_url(f"{base}/municipalities/*/")
    assert page.get_by_role("heading", level=1).inner_text() == "г. Минусинск (демо)"
    assert page.locator("#school-table tbody tr").count() == 13
    screenshot(page, "foundation-dashboard-1280")
    # htmx search narrows the table without a page reload.
    page.get_by_placeholder("Название, номер или код школы").fill("сош 4")
    expect(page.locator("#school-table tbody tr")).to_have_count(1)  # no string eval: the CSP forbids it
    assert page.locator("#school-table tbody tr").first.inner_text().startswith("СОШ № 4")  # not № 47
    page.get_by_placeholder("Название, номер или код школы").fill("лицей")
    expect(page.locator("#school-table tbody tr")).to_have_count(1)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(page.url.split("?")[0])
    screenshot(page, "foundation-dashboard-phone")
    assert page.locator("#school-table tbody tr").count() == 13
