"""End to end: the coordinator makes the identification справка as a job and downloads it; the school team reads
its recommendations and shows the minor findings too."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from portal.identification.models import IdentificationRun, SchoolOutcome
from tests.e2e.conftest import screenshot
from tests.e2e.test_monitoring import login


@pytest.fixture
def setup(
    transactional_db: Any,
    world: dict[str, Any],
    user_with_role: Callable[..., Any],
    settings: Any,
    tmp_path: Path,
) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path / "media"  # the report file of the job
    for year in (2023, 2024):
        run = IdentificationRun.objects.create(
            municipality=world["M"],
            year=year,
            status="published",
            config={},
            fit_description="муниципальный набор",
            data_version="e2e",
            model={"intercept": 0.1, "slope": 0.8, "r_squared": 0.5, "n": 2, "fit_points": []},
            published_at=timezone.now(),
        )
        SchoolOutcome.objects.create(
            run=run,
            school=world["S1"],
            categories=["low_results"],
            results_index=-1.5,
            context_index=-1.0,
            expected=-0.7,
            std_residual=-1.4,  # below expected (R03) but not far below (−2): a minor finding
        )
        SchoolOutcome.objects.create(
            run=run, school=world["S2"], categories=[], results_index=0.4, context_index=0.2, expected=0.26
        )
    return {
        **world,
        "coordinator": user_with_role("coordinator", "M"),
        "team": user_with_role("school_team", "S1"),
    }


def test_the_coordinator_makes_a_report_and_the_school_reads_its_recommendations(
    live_server: Any, setup: dict[str, Any], page: Any
) -> None:
    base = live_server.url
    login(page, base, setup["coordinator"].username)
    page.get_by_role("link", name="Отчёты").first.click()
    section = page.locator("section", has_text="Аналитическая справка о результатах идентификации")
    section.get_by_label("Год").select_option("2024")
    section.get_by_label("Формат").select_option("docx")
    section.get_by_role("button", name="Сформировать").click()
    page.wait_for_url("**/jobs/*/")
    assert "Готово" in page.locator("#job-status").inner_text()
    screenshot(page, "reports-job-done")
    with page.expect_download() as download:
        page.get_by_role("link", name="Скачать: identification-m-2024.docx").click()
    from docx import Document

    doc = Document(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert "Аналитическая справка о результатах идентификации" in "\n".join(p.text for p in doc.paragraphs)
    page.context.clear_cookies()

    login(page, base, setup["team"].username)
    page.get_by_role("link", name="Рекомендации", exact=True).click()
    page.get_by_label("Год").select_option("2024")
    page.get_by_role("button", name="Показать").click()
    recs = page.locator("ol.recs")
    assert "Школа в категории ШНОР" in recs.inner_text()
    assert "Результаты ниже ожидаемых" not in recs.inner_text()  # −1,4 is not below −2: hidden by default
    page.get_by_label("показать все находки, не только значимые").check()
    page.get_by_role("button", name="Показать").click()
    assert "Результаты ниже ожидаемых при данном контексте" in page.locator("ol.recs").inner_text()
    page.locator("ol.recs details").first.locator("summary").click()
    screenshot(page, "reports-school-card")
