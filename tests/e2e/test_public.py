"""End to end: the coordinator uploads a PDF and publishes it; an anonymous visitor sees it on the program's
public page and downloads it (Russian file name); a draft never shows."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from portal.public import services
from portal.public.models import PublicDocument, Status
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
    from portal.identification.models import IdentificationRun, SchoolOutcome
    from portal.staff.models import BestPractice

    settings.MEDIA_ROOT = tmp_path / "media"
    m = world["M"]
    m.name, m.authority_name = "г. Минусинск", "Управление образования администрации города Минусинска"
    m.save()
    run = IdentificationRun.objects.create(
        municipality=m, year=2023, status="published", fit_description="—", config={}, data_version="x"
    )
    SchoolOutcome.objects.create(run=run, school=world["S1"], categories=["low_results", "adverse_context"])
    SchoolOutcome.objects.create(run=run, school=world["S2"], categories=["at_risk"])
    BestPractice.objects.create(
        school=world["S2"],
        title="Смысловое чтение на всех предметах",
        authors="Читалкина Ольга Петровна",
        description="Единые приёмы работы с текстом на уроках всех предметов в 5–7 классах.",
        results="Доля выполнивших КДР по читательской грамотности на базовом уровне выросла.",
        status=BestPractice.Status.PUBLISHED,
        for_atlas=True,
    )
    for section, title, date, url in [
        (
            "programs",
            "Муниципальная программа поддержки школ на 2023–2025 годы",
            datetime.date(2023, 2, 15),
            "",
        ),
        ("roadmaps", "Дорожная карта реализации программы на 2023–2025 годы", datetime.date(2023, 2, 15), ""),
        ("events", "Семинары КК ИПК для школ с низкими результатами", None, "https://kipk.example.ru/"),
    ]:
        kwargs: dict[str, Any] = {"url": url} if url else {"upload": _upload(title)}
        doc = services.create_document(
            m, None, section=section, title=title, document_date=date, by=None, description="", **kwargs
        )
        services.publish(doc, by=None)
    services.create_document(
        m, None, section="reports", title="Черновик аналитической справки", url="https://e.ru/", by=None
    )
    document = tmp_path / "prikaz-41.pdf"
    document.write_bytes(PDF)
    return {**world, "doc": document, "coordinator": user_with_role("coordinator", "M")}


def _upload(name: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(f"{name}.pdf", PDF)


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Логин").fill(username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()


def test_the_coordinator_publishes_a_pdf_and_a_visitor_downloads_it(
    live_server: Any, setup: dict[str, Any], page: Any, tmp_path: Path
) -> None:
    base, m = live_server.url, setup["M"]
    title = "Приказ № 41 от 26.01.2023 «Об утверждении перечня школ»"

    login(page, base, setup["coordinator"].username)
    page.get_by_role("link", name="Публичная страница", exact=True).click()
    page.wait_for_url(f"{base}/municipalities/{m.pk}/public/")
    form = page.locator("#upload")
    form.get_by_label("Раздел").select_option("regulations")
    form.get_by_label("Название").fill(title)
    form.get_by_label("Дата документа").fill("26.01.2023")
    form.get_by_label("Краткое описание").fill(
        "Перечень школ — участников программы по итогам идентификации."
    )
    form.get_by_label("Файл документа").set_input_files(str(setup["doc"]))
    form.get_by_role("button", name="Сохранить черновик").click()
    page.wait_for_load_state()
    assert "сохранён как черновик" in page.inner_text("body")
    assert page.get_by_test_id("status").inner_text() == "Черновик"
    doc = PublicDocument.objects.get(title=title)

    # Before publishing, a visitor sees neither the document nor its address.
    visitor = page.context.browser.new_context(locale="ru-RU", accept_downloads=True)
    anonymous = visitor.new_page()
    anonymous.goto(f"{base}/p/{m.code}/")
    assert title not in anonymous.inner_text("body")
    assert anonymous.goto(f"{base}/p/{m.code}/d/{doc.pk}/").status == 404

    page.get_by_role("button", name="Опубликовать").click()
    page.wait_for_load_state()
    assert "опубликован" in page.inner_text("body")
    assert PublicDocument.objects.get(pk=doc.pk).status == Status.PUBLISHED
    public_url = page.get_by_test_id("public-url").inner_text()
    assert public_url == f"{base}/p/{m.code}/d/{doc.pk}/"
    screenshot(page, "public-staff-document")

    # The visitor (no login) finds it on the program's page and downloads it under its Russian name.
    anonymous.set_viewport_size({"width": 1280, "height": 900})
    anonymous.goto(f"{base}/p/{m.code}/")
    body = anonymous.inner_text("body")
    assert title in body and "документ от 26.01.2023" in body
    assert "Черновик аналитической справки" not in body
    assert "Читалкина" not in body and setup["coordinator"].username not in body
    assert (
        anonymous.get_by_role("heading", level=1).inner_text()
        == "Программа поддержки школ с низкими результатами обучения"
    )
    screenshot(anonymous, "public-authority-page")
    with anonymous.expect_download() as info:
        anonymous.get_by_role("link", name=title).click()
    download = info.value
    assert download.suggested_filename == f"{title}.pdf"
    saved = tmp_path / "downloaded.pdf"
    download.save_as(str(saved))
    assert saved.read_bytes() == PDF

    # The school's page, reached from the list of schools in the program.
    anonymous.get_by_role("link", name="СОШ № 1").click()
    anonymous.wait_for_url(f"{base}/p/{m.code}/S1/")
    assert "ШНОР" in anonymous.inner_text("body")
    screenshot(anonymous, "public-school-page")
    anonymous.emulate_media(media="print")
    anonymous.goto(f"{base}/p/{m.code}/")
    screenshot(anonymous, "public-authority-print")
    visitor.close()
