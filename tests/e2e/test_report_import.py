"""End to end: the coordinator uploads a regional ЕГЭ report with two names the registry does not know,
reconciles them (one is the demo's Лицей № 7 written another way, one a new school), imports, and next year's
file — names drifting in case and spacing — goes in with no question (issue #15). Screenshots at 1280 and 390 px.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from portal.results.models import AssessmentResult
from portal.schools.models import School
from tests.e2e.conftest import screenshot
from tests.report_files import SchoolRow, Sheet, workbook

PASSWORD = "e2e-demo-pass-1"
MUNICIPALITY = "г. Минусинск (демо)"
SUBJECTS = ("Русский язык", "Математика профильная", "Математика базовая")


@pytest.fixture
def bare_demo(transactional_db: Any) -> None:
    call_command("load_demo", password=PASSWORD, skip_extensions=True, stdout=io.StringIO())


def _report(year: int, *, drift: bool) -> bytes:
    names = [
        "МОБУ «СОШ № 2»",
        "МОБУ «Гимназия № 1»",
        "МОАУ «Лицей № 7 г. Минусинска»",  # not the registry's name: asked once, then remembered
        "МБОУ «Школа-интернат № 3»",  # not in the registry: a new school
    ]
    if drift:
        names = [
            "мобу «сош №2»",
            "МОБУ  «ГИМНАЗИЯ № 1»",
            "МОАУ «Лицей №7 г.Минусинска»",
            "мбоу «школа-интернат №3»",
        ]
    rows = [
        SchoolRow(
            MUNICIPALITY,
            name,
            {
                "Русский язык": (40 + i, 1, 8 + i, 0, 68.5 + i),
                "Математика профильная": (20 + i, 2, 3, 0, 55.25),
                "Математика базовая": (18, 0, None, None, 4.1) if i != 3 else None,
            },
        )
        for i, name in enumerate(names)
    ]
    return workbook([Sheet(str(year), year, rows, SUBJECTS)])


def _upload(page: Any, path: Path) -> None:
    page.get_by_label("Что загружаем").select_option(label="Результаты оценочных процедур (по школам)")
    page.get_by_label("Файл", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="Проверить и загрузить").click()


def _both_widths(page: Any, name: str) -> None:
    screenshot(page, f"{name}-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    overflow = page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
    screenshot(page, f"{name}-390")
    page.set_viewport_size({"width": 1280, "height": 900})
    assert not overflow, f"{name}: the page scrolls sideways at 390 px"


def test_coordinator_reconciles_a_regional_report_and_next_year_needs_no_question(
    live_server: Any, bare_demo: None, page: Any, tmp_path: Path
) -> None:
    first, second = tmp_path / "ЕГЭ-2024.xlsx", tmp_path / "ЕГЭ-2025.xlsx"
    first.write_bytes(_report(2024, drift=False))
    second.write_bytes(_report(2025, drift=True))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Логин").fill("demo-coordinator")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.get_by_role("link", name="Данные").click()

    _upload(page, first)
    page.wait_for_selector("[data-testid=questions]")
    recognised = page.get_by_test_id("recognised").inner_text()
    assert "Лист «2024»: ЕГЭ 2024" in recognised and "4 школы" in recognised
    questions = page.get_by_test_id("question")
    assert questions.count() == 2
    _both_widths(page, "report-reconcile")

    lyceum = questions.filter(has_text="Лицей № 7 г. Минусинска")
    lyceum.get_by_label("Лицей № 7 —", exact=False).check()
    new = questions.filter(has_text="Школа-интернат № 3")
    new.get_by_label("Создать новую школу", exact=False).check()
    page.get_by_role("button", name="Проверить и продолжить").click()
    page.wait_for_selector("text=Что изменится")
    text = page.inner_text("main")
    assert "Добавляются: 11 строк." in text and "Создаются новые школы в реестре: 1" in text
    assert AssessmentResult.objects.count() == 0  # nothing is written before the confirmation
    _both_widths(page, "report-confirm")
    page.get_by_role("button", name="Загрузить").click()
    page.wait_for_selector(".msg--success")
    assert "Файл «ЕГЭ-2024.xlsx» загружен: 11 строк" in page.inner_text(".messages")
    _both_widths(page, "report-imported")
    assert AssessmentResult.objects.filter(year=2024).count() == 11
    assert School.objects.filter(short_name="МБОУ «Школа-интернат № 3»").exists()
    lyceum_rus = AssessmentResult.objects.get(school__short_name="Лицей № 7", year=2024, subject="rus")
    assert (lyceum_rus.n, lyceum_rus.n_80_99, lyceum_rus.mean_score) == (42, 10, 70.5)

    _upload(page, second)
    page.wait_for_selector(".msg--success")
    assert "Файл «ЕГЭ-2025.xlsx» загружен: 11 строк" in page.inner_text(".messages")
    assert "Сопоставлены автоматически: 4 школы (по запомненным названиям — 2)" in page.inner_text(
        ".messages"
    )
    assert AssessmentResult.objects.filter(year=2025).count() == 11
