"""End to end: the coordinator imports the demo files, runs the identification and sees the chart and the
seeds' 2023 categories (SEED-B Прил. 2: ООШ № 1, СОШ № 2, О(С)ОШ № 14 are ШНОР и ШНСУ; СОШ № 3, 5, 47 and, by
two or more municipal factors, ООШ № 1, О(С)ОШ № 14, СОШ № 47 are in the risk zone)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from portal.identification.demo import demo_files
from tests.e2e.conftest import screenshot

PASSWORD = "e2e-demo-pass-1"
SEED_LOW_AND_ADVERSE = {"ООШ № 1", "СОШ № 2", "О(С)ОШ № 14"}
SEED_AT_RISK = {"СОШ № 3", "СОШ № 5", "СОШ № 47", "ООШ № 1", "О(С)ОШ № 14"}


@pytest.fixture
def bare_demo(transactional_db: Any) -> None:
    """The demo municipality without its identification data: the coordinator loads it through the UI."""
    call_command("load_demo", password=PASSWORD, skip_extensions=True, stdout=io.StringIO())


def upload(page: Any, kind_label: str, path: Path, year: str = "") -> None:
    page.get_by_label("Что загружаем").select_option(label=kind_label)
    page.get_by_label("Год (если его нет в файле)").fill(year)
    page.get_by_label("Файл", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="Проверить и загрузить").click()
    page.wait_for_selector(".msg--success, [data-testid=import-errors], .field--error")
    assert f"Файл «{path.name}» загружен" in page.inner_text("main"), page.inner_text("main")[:3000]


def test_coordinator_imports_runs_and_sees_the_2023_categories(
    live_server: Any, bare_demo: None, page: Any, tmp_path: Path
) -> None:
    files = demo_files(tmp_path)
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Логин").fill("demo-coordinator")
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.get_by_role("link", name="Данные").click()

    # A broken file is rejected whole, with a Russian message naming the row and column; nothing is written.
    broken = tmp_path / "broken.csv"
    broken.write_text(
        files["results"].read_text(encoding="utf-8").replace(",5,", ",пять,", 1), encoding="utf-8"
    )
    page.get_by_label("Что загружаем").select_option(label="Результаты оценочных процедур (по школам)")
    page.get_by_label("Файл", exact=True).set_input_files(str(broken))
    page.get_by_role("button", name="Проверить и загрузить").click()
    errors = page.get_by_test_id("import-errors").inner_text()
    assert "Файл не загружен" in errors and "строка" in errors and "broken.csv" in errors
    assert "Данных пока нет" in page.inner_text("body")

    upload(page, "Результаты оценочных процедур (по школам)", files["results"])
    upload(page, "Контекстные данные (КИАСУО)", files["context"])
    upload(page, "Муниципальные факторы риска", files["risk"])
    upload(page, "Официальный список (ФИОКО/ЦОКО)", files["official"], year="2023")
    page.get_by_label("Результаты школ региона (канонический формат)").set_input_files(
        str(files["region_results"])
    )
    page.get_by_label("Контекстные данные школ региона").set_input_files(str(files["region_context"]))
    page.get_by_role("button", name="Загрузить набор").click()
    page.wait_for_selector(".msg--success")

    page.get_by_role("link", name="Идентификация").first.click()
    page.get_by_label("Год идентификации").fill("2023")
    page.get_by_role("button", name="Рассчитать").click()
    page.wait_for_selector("svg.chart")
    assert "Расчёт выполнен" in page.inner_text(".messages")

    rows = page.get_by_test_id("outcomes").locator("tbody tr")
    assert rows.count() == 13
    categories: dict[str, str] = {}
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td")
        categories[cells.nth(0).inner_text().split("\n")[0]] = cells.nth(7).inner_text()
    low_and_adverse = {name for name, cats in categories.items() if "ШНОР" in cats and "ШНСУ" in cats}
    at_risk = {name for name, cats in categories.items() if "Зона риска" in cats}
    assert low_and_adverse == SEED_LOW_AND_ADVERSE
    assert at_risk == SEED_AT_RISK
    assert page.locator("svg.chart circle").count() >= 13
    screenshot(page, "identification-run")

    page.get_by_test_id("outcomes").get_by_role("link", name="СОШ № 2", exact=True).click()
    page.wait_for_url("**/schools/*/")
    screenshot(page, "identification-school")
    reasons = page.get_by_test_id("reasons").inner_text()
    assert "порог" in reasons
    screenshot(page, "identification-school")
