"""End to end: the coordinator finds an overdue roadmap item, attaches the evidence file and marks it done; the
lists, the document download and the digest follow."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from portal.roadmap import services
from portal.roadmap.models import Evidence, RoadmapEntry
from tests.e2e.conftest import screenshot

PASSWORD = "x-test-password-1"  # conftest.user_with_role
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def setup(
    transactional_db: Any,
    world: dict[str, Any],
    user_with_role: Callable[..., Any],
    settings: Any,
    tmp_path: Path,
) -> dict[str, Any]:
    settings.MEDIA_ROOT = tmp_path / "media"
    services.sync_builtin(world["M"], by=None)
    entry = RoadmapEntry.objects.get(
        item__municipality=world["M"], item__source="minusinsk_2023_2025", item__code="1.4", year=2025
    )
    document = tmp_path / "Положение о мониторинге.pdf"
    document.write_bytes(PDF)
    return {**world, "E": entry, "doc": document, "coordinator": user_with_role("coordinator", "M")}


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Логин").fill(username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()


def test_the_coordinator_marks_an_item_done_with_an_evidence_file(
    live_server: Any, setup: dict[str, Any], page: Any
) -> None:
    base, entry = live_server.url, setup["E"]
    login(page, base, setup["coordinator"].username)
    page.get_by_role("link", name="Дорожная карта").first.click()
    page.wait_for_url(f"{base}/municipalities/{setup['M'].pk}/roadmap/")
    # Filter to direction 1 of 2023–2025 (a direction belongs to its roadmap), 2025 (htmx replaces the table): 1.1–1.4.
    page.get_by_label("Направление").select_option("minusinsk_2023_2025:1")
    page.get_by_label("Год").select_option("2025")
    expect(page.locator("#rm-table tbody tr")).to_have_count(4)  # no string eval: the CSP forbids it
    row = page.locator(f"#entry-{entry.pk}")
    past = services.today().year > 2025  # 1.4 (2025) is due 31.12.2025
    assert ("просрочено" if past else "запланировано") in row.inner_text()
    row.get_by_role("link").click()
    page.wait_for_url(f"{base}/roadmap/entries/{entry.pk}/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Пункт 1.4, 2025 г.")

    # A wrong file first: a Russian message, nothing saved.
    bad = setup["doc"].with_name("notes.txt")
    bad.write_text("not a document", encoding="utf-8")
    page.get_by_label("Статус").select_option("done")
    page.get_by_label("Документ (файл)").set_input_files(str(bad))
    page.get_by_role("button", name="Сохранить").click()
    assert "формат .txt не принимается" in page.inner_text("#update")
    assert not Evidence.objects.exists()

    page.get_by_label("Статус").select_option("done")
    page.get_by_label("Документ (файл)").set_input_files(str(setup["doc"]))
    page.get_by_label("Название документа").fill("Положение о мониторинге (приказ УО)")
    page.get_by_label("Комментарий").fill("Положение утверждено и размещено на сайте УО.")
    page.get_by_role("button", name="Сохранить").click()
    page.wait_for_load_state()
    body = page.inner_text("body")
    assert "Статус: выполнено. Файл «Положение о мониторинге.pdf» загружен." in body
    assert "выполнено" in page.get_by_role("heading", level=1).inner_text()
    assert "статус «запланировано» → «выполнено»" in page.inner_text(".rm-history")
    screenshot(page, "roadmap-entry-done")

    # The document is served through the permission-checked view, byte for byte.
    with page.expect_download() as info:
        page.get_by_role("link", name="Положение о мониторинге (приказ УО)").click()
    download = info.value
    assert download.suggested_filename == "Положение о мониторинге.pdf"
    assert Path(download.path()).read_bytes() == PDF
    entry.refresh_from_db()
    assert entry.status == "done" and entry.done_on == services.today()

    # Back on the roadmap: 1.4 (2025) left the overdue list and shows as done with one document.
    page.goto(f"{base}/municipalities/{setup['M'].pk}/roadmap/?direction=1&year=2025")
    row = page.locator(f"#entry-{entry.pk}")
    assert "выполнено" in row.inner_text() and row.locator("td.num").inner_text() == "1"
    assert f"/roadmap/entries/{entry.pk}/" not in page.locator("#rm-overdue").inner_html()
    screenshot(page, "roadmap-municipal")
    # The digest lists it as recently done.
    page.get_by_role("link", name="Сводка для рассылки").click()
    digest = page.locator("#digest-text").input_value()
    assert "- Разработка положения о мониторинге реализации муниципальной программы" in digest
    assert f"(2025 г.) — выполнено {services.today().strftime('%d.%m.%Y')}." in digest
