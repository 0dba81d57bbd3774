"""Pages: filters, the entry form (upload, link, errors in Russian, never a 500), downloads, digest, blocks."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from portal.roadmap import services
from portal.roadmap.models import Evidence, RoadmapEntry, Status
from portal.roadmap.tests.conftest import PDF, pdf


@pytest.fixture
def coordinator(client: Client, roadmaps: dict[str, Any], user_with_role: Any) -> Client:
    client.force_login(user_with_role("coordinator", "M"))
    return client


def entry_of(
    world: dict[str, Any], code: str, year: int, source: str = "minusinsk_2023_2025"
) -> RoadmapEntry:
    return RoadmapEntry.objects.get(
        item__municipality=world["M"], item__school=None, item__source=source, item__code=code, year=year
    )


def ids(page: str) -> set[int]:
    import re

    return {int(n) for n in re.findall(r'id="entry-(\d+)"', page)}


def test_filters_by_direction_year_and_status(coordinator: Client, roadmaps: dict[str, Any]) -> None:
    url = reverse("roadmap:municipal", args=[roadmaps["M"].pk])
    everything = ids(coordinator.get(url).content.decode())
    # every roadmap, every year: 2023–2025 (18 × 3), 2022–2023 (22 × 2), the 2020–2022 program's stages and
    # mechanisms (41 item-years: 1 + 3 + 1 + 7 × 3 + 4 × 3 + 3)
    assert len(everything) == 18 * 3 + 22 * 2 + 41
    # Direction 6 of 2023–2025, 2024: only 6.1 and 6.2.
    page = coordinator.get(url, {"direction": "minusinsk_2023_2025:6", "year": "2024"}).content.decode()
    assert ids(page) == {entry_of(roadmaps, "6.1", 2024).pk, entry_of(roadmaps, "6.2", 2024).pk}
    # Direction 1 of 2022–2023 does not mix in direction 1 of 2023–2025 (they share the number, not the title)
    page = coordinator.get(url, {"direction": "minusinsk_2022_2023:1"}).content.decode()
    section = RoadmapEntry.objects.filter(
        item__municipality=roadmaps["M"],
        item__school=None,
        item__source="minusinsk_2022_2023",
        item__direction=1,
    )
    assert ids(page) == set(section.values_list("pk", flat=True)) and len(ids(page)) == 11 * 2
    assert "направление 1 «Создание организационной инфраструктуры проекта" in page
    # Mark one done: the «done» filter shows exactly it.
    done = entry_of(roadmaps, "1.4", 2024)
    services.set_status(done, Status.DONE, by=None)
    assert ids(coordinator.get(url, {"status": "done"}).content.decode()) == {done.pk}
    # 11 entries have no due date: 2022–2023 items with a fixed date outside the entry's year (Schedule «date»
    # rule) — 1.1 «До 20.11.2021» in 2022 and 2023, and in 2023 the nine items dated in 2022 (1.2–1.6, 1.8,
    # 2.2, 2.3, 4.1). After 31.12.2025 every other entry (not the one done) is overdue.
    no_due = RoadmapEntry.objects.filter(item__municipality=roadmaps["M"], due_dates=[])
    assert no_due.count() == 11
    if services.today() > datetime.date(2025, 12, 31):
        overdue = ids(coordinator.get(url, {"status": "overdue"}).content.decode())
        assert len(overdue) == len(everything) - 1 - 11


def test_bad_filter_values_are_ignored_not_a_500(coordinator: Client, roadmaps: dict[str, Any]) -> None:
    url = reverse("roadmap:municipal", args=[roadmaps["M"].pk])
    response = coordinator.get(url, {"direction": "x", "year": "'; drop", "status": "<b>", "scope": "zzz"})
    assert response.status_code == 200
    assert len(ids(response.content.decode())) == 98 + 41


def test_htmx_gets_the_table_only(coordinator: Client, roadmaps: dict[str, Any]) -> None:
    url = reverse("roadmap:municipal", args=[roadmaps["M"].pk])
    page = coordinator.get(url, {"year": "2025"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in page and len(ids(page)) == 18  # 2025 exists only in 2023–2025


def test_the_entry_form_uploads_a_file_and_marks_done(coordinator: Client, roadmaps: dict[str, Any]) -> None:
    entry = entry_of(roadmaps, "1.4", 2025)
    url = reverse("roadmap:entry", args=[entry.pk])
    response = coordinator.post(
        url,
        {"status": "done", "comment": "Утверждено", "file": pdf("Положение.pdf"), "file_title": "Положение"},
    )
    assert response.status_code == 302
    page = coordinator.get(url).content.decode()
    assert "Статус: выполнено. Файл «Положение.pdf» загружен." in page
    assert "статус «запланировано» → «выполнено»" in page and "Утверждено" in page
    ev = Evidence.objects.get(entry=entry)
    download = coordinator.get(reverse("roadmap:evidence", args=[ev.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Type"] == "application/pdf"
    assert download["Cache-Control"] == "private, no-store"
    assert b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]


def test_the_entry_form_shows_russian_errors_and_writes_nothing(
    coordinator: Client, roadmaps: dict[str, Any]
) -> None:
    entry = entry_of(roadmaps, "1.4", 2025)
    url = reverse("roadmap:entry", args=[entry.pk])
    bad_file = SimpleUploadedFile("script.pdf", b"<script>alert(1)</script>")
    response = coordinator.post(url, {"status": "done", "file": bad_file})
    assert response.status_code == 200
    assert "содержимое не похоже на .pdf" in response.content.decode()
    response = coordinator.post(url, {"status": "done", "done_on": "31.02.2025"})
    assert response.status_code == 200 and "Введите правильную дату" in response.content.decode()
    response = coordinator.post(url, {"status": "overdue"})
    assert response.status_code == 200 and "Выберите корректный вариант" in response.content.decode()
    response = coordinator.post(url, {"status": "done", "link": "not a url"})
    assert "не похожа на адрес" in response.content.decode()
    entry.refresh_from_db()
    assert entry.status == Status.PLANNED and not entry.evidence.exists() and not entry.comments.exists()


def test_the_done_date_is_read_as_dd_mm_yyyy(coordinator: Client, roadmaps: dict[str, Any]) -> None:
    entry = entry_of(roadmaps, "2.1", 2023)
    coordinator.post(reverse("roadmap:entry", args=[entry.pk]), {"status": "done", "done_on": "15.12.2023"})
    entry.refresh_from_db()
    assert entry.done_on == datetime.date(2023, 12, 15)
    assert "15.12.2023" in coordinator.get(reverse("roadmap:entry", args=[entry.pk])).content.decode()


def test_the_digest_page_and_its_txt_download(coordinator: Client, roadmaps: dict[str, Any]) -> None:
    url = reverse("roadmap:digest", args=[roadmaps["M"].pk])
    page = coordinator.get(url).content.decode()
    day = services.today().strftime("%d.%m.%Y")
    assert f"Тема: Дорожная карта — Город: сводка на {day}" in page
    txt = coordinator.get(url, {"format": "txt"})
    assert txt["Content-Type"] == "text/plain; charset=utf-8"
    assert txt["Content-Disposition"] == (
        f'attachment; filename="roadmap-digest-m-{services.today().isoformat()}.txt"'
    )
    body = txt.content.decode("utf-8")
    assert body.startswith(f"Тема: Дорожная карта — Город: сводка на {day}\n")
    assert f"http://testserver{reverse('roadmap:municipal', args=[roadmaps['M'].pk])}" in body


def test_the_municipality_page_shows_the_roadmap_block(coordinator: Client, roadmaps: dict[str, Any]) -> None:
    page = coordinator.get(reverse("schools:municipality", args=[roadmaps["M"].pk])).content.decode()
    assert 'id="roadmap-block"' in page and "Сводка для рассылки" in page
    # The navigation has the roadmap link.
    assert f'href="{reverse("roadmap:municipal", args=[roadmaps["M"].pk])}"' in page


def test_the_block_says_when_nothing_is_loaded(
    client: Client, world: dict[str, Any], user_with_role: Any
) -> None:
    client.force_login(user_with_role("region_viewer", "R"))
    page = client.get(reverse("schools:municipality", args=[world["M"].pk])).content.decode()
    assert 'id="roadmap-block"' in page
    assert "Дорожная карта ещё не загружена" in page


def test_a_school_page_without_items_says_so(
    client: Client, roadmaps: dict[str, Any], user_with_role: Any
) -> None:
    client.force_login(user_with_role("school_team", "S1"))
    page = client.get(reverse("roadmap:school", args=[roadmaps["S1"].pk])).content.decode()
    assert "У школы пока нет дорожной карты в системе." in page
