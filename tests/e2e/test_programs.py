"""End to end: a school team opens its program page from the school card, walks the Конструктор's five steps
(priorities, proposed measures plus its own one added through htmx, goals) and downloads the DOCX."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from docx import Document

from portal.programs import risk, services
from portal.programs.models import Goal, Program, ProgramMeasure
from portal.programs.tests.conftest import S1_INPUTS, S1_SELF
from portal.results.models import ImportBatch, RiskInput
from tests.e2e.conftest import ARTIFACTS, screenshot

PASSWORD = "x-test-password-1"  # conftest.user_with_role


@pytest.fixture
def setup(transactional_db: Any, world: dict[str, Any], user_with_role: Callable[..., Any]) -> dict[str, Any]:
    services.sync_library(by=None)
    batch = ImportBatch.objects.create(
        municipality=world["M"], kind="risk", filename="risk.csv", sha256="0" * 64, status="imported"
    )
    RiskInput.objects.create(school=world["S1"], batch=batch, year=2023, **S1_INPUTS)
    risk.compute_profile(world["S1"], 2023, by=None)
    risk.set_levels(world["S1"], 2023, S1_SELF, by=None)
    return {**world, "team": user_with_role("school_team", "S1")}


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Логин").fill(username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()


def test_a_school_team_walks_the_wizard_and_downloads_its_docx(
    live_server: Any, setup: dict[str, Any], page: Any
) -> None:
    base, school = live_server.url, setup["S1"]
    login(page, base, setup["team"].username)
    page.goto(f"{base}/schools/{school.pk}/")
    page.get_by_test_id("school-programs").click()
    assert "Низкий уровень оснащения школы" in page.get_by_test_id("profile-chart").inner_text()
    page.get_by_label("Вид программы").select_option("shppko")
    page.get_by_label("Срок программы").select_option("2023")  # the seeds' cycle 2023–2025
    page.get_by_role("button", name="Создать программу в Конструкторе").click()
    page.wait_for_selector("text=Что известно о школе")
    program = Program.objects.get(school=school)
    assert "скорость подключения к сети Интернет — 20 Мбит/с" in page.inner_text("main")

    # Step 2: the high risks are pre-selected; the team keeps equipment and parents only.
    page.get_by_role("button", name="Далее: приоритеты").click()
    page.wait_for_url(f"{base}/programs/{program.pk}/step/2/")
    failure = page.get_by_label("Высокая доля обучающихся с рисками учебной неуспешности — высокий")
    assert failure.is_checked() and page.get_by_label("Низкий уровень оснащения школы — высокий").is_checked()
    failure.uncheck()
    page.get_by_role("button", name="Сохранить и подобрать меры").click()
    page.wait_for_url(f"{base}/programs/{program.pk}/step/3/")
    assert "R1 — высокий уровень риска" in page.inner_text("[data-testid=measures-table]")

    # Step 3: the team's own measure, added without a page reload (htmx), then dated and assigned.
    page.get_by_label("Название своей меры").fill("Родительский клуб «Вместе»")
    page.get_by_label("Фактор риска").select_option("low_parent_involvement")
    page.get_by_role("button", name="Добавить свою меру").click()
    page.wait_for_selector(
        ".measure-row .prov:has-text('своя мера школы')"
    )  # the new row, not the form title
    own = ProgramMeasure.objects.get(program=program, origin="own")
    row = page.locator(f"#measure-{own.pk}")
    row.locator("textarea[name$='-responsible']").fill("Петрова А. А., педагог-организатор")
    row.locator("input[name$='-start']").fill("2023-10-01")
    row.locator("input[name$='-end']").fill("2025-05-31")
    screenshot(page, "programs-wizard-measures")
    page.get_by_role("button", name="Сохранить меры и перейти к целям").click()
    page.wait_for_url(f"{base}/programs/{program.pk}/step/4/")

    # Step 4: the parents' goal has no data: the team enters the baseline and the target.
    goal = Goal.objects.get(program=program, factor_code="low_parent_involvement")
    card = page.locator(f"#goal-{goal.pk}")
    card.get_by_label("Базовое значение").fill("32,5")
    card.get_by_label("Целевое значение").fill("50")
    page.get_by_label("Руководитель программы (должность, ФИО)").fill("Иванова И. И., директор")
    page.get_by_role("button", name="Сохранить и проверить программу").click()
    page.wait_for_url(f"{base}/programs/{program.pk}/step/5/")
    checklist = page.inner_text("[data-testid=checklist]")
    assert "✓ Каждая цель измерима" in checklist and "✓ Каждый высокий риск закрыт" in checklist
    assert "Программа прошла проверку" in page.inner_text("main")
    screenshot(page, "programs-wizard-check")

    with page.expect_download() as info:
        page.get_by_role("link", name="Скачать DOCX").click()
    download = info.value
    assert download.suggested_filename == "shppko-S1-v1.docx"
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "programs-e2e.docx"
    download.save_as(str(path))
    doc = Document(io.BytesIO(path.read_bytes()))
    text = [p.text for p in doc.paragraphs]
    assert "5. Мероприятия программы" in text
    assert any("Родительский клуб «Вместе»" in c.text for t in doc.tables for r in t.rows for c in r.cells)
    indicators = doc.tables[3]
    parents = [c.text for c in indicators.rows[2].cells]
    assert parents[2:] == ["%", "32,5", "50"]

    # The preview shows the document as the PDF does: the risk profile as bars over the three-step scale.
    page.get_by_role("link", name="Просмотр документа").click()
    page.wait_for_url(f"{base}/programs/{program.pk}/preview/")
    chart = page.locator("table.profile-chart")
    assert "Низкий уровень оснащения школы" in chart.inner_text()
    assert chart.locator("td[colspan='3']").count() >= 1  # a «высокий» bar spans the three steps
    chart.scroll_into_view_if_needed()
    screenshot(page, "programs-preview-chart")
