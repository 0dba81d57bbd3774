"""Status changes (history, audit), documents (file checks, nothing partial), school roadmaps, lists, digest."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.audit.models import AuditEntry
from portal.roadmap import services
from portal.roadmap.models import Evidence, RoadmapComment, RoadmapEntry, RoadmapItem, Status
from portal.roadmap.services import RoadmapError, SchoolItem
from portal.roadmap.tests.conftest import PDF, docx, pdf


def entry_of(world: dict[str, Any], code: str = "1.4", year: int = 2024) -> RoadmapEntry:
    return RoadmapEntry.objects.get(
        item__municipality=world["M"], item__source="minusinsk_2023_2025", item__code=code, year=year
    )


def test_a_status_change_is_in_the_history_and_the_audit_log(
    roadmaps: dict[str, Any], user_with_role: Any
) -> None:
    user = user_with_role("coordinator", "M")
    entry = entry_of(roadmaps)
    services.set_status(entry, Status.IN_PROGRESS, by=user, comment="Начали")
    services.set_status(entry, Status.DONE, by=user, done_on=datetime.date(2024, 12, 20))
    entry.refresh_from_db()
    assert (entry.status, entry.done_on, entry.updated_by) == ("done", datetime.date(2024, 12, 20), user)
    history = list(
        entry.comments.order_by("created_at", "pk").values_list("status_from", "status_to", "text")
    )
    assert history == [("planned", "in_progress", "Начали"), ("in_progress", "done", "")]
    log = AuditEntry.objects.filter(action="roadmap.status_changed").order_by("pk")
    assert [(a.before["status"], a.after["status"]) for a in log] == [
        ("planned", "in_progress"),
        ("in_progress", "done"),
    ]
    assert log.last().municipality_id == roadmaps["M"].pk
    assert log.last().actor == user
    # Leaving «done» clears the date.
    services.set_status(entry, Status.IN_PROGRESS, by=user)
    entry.refresh_from_db()
    assert entry.done_on is None


def test_a_bad_status_or_a_future_done_date_is_refused(roadmaps: dict[str, Any]) -> None:
    entry = entry_of(roadmaps)
    with pytest.raises(RoadmapError, match="Неизвестный статус «overdue»"):
        services.set_status(entry, "overdue", by=None)
    tomorrow = services.today() + datetime.timedelta(days=1)
    with pytest.raises(RoadmapError, match="ещё не наступила"):
        services.set_status(entry, Status.DONE, by=None, done_on=tomorrow)
    entry.refresh_from_db()
    assert entry.status == Status.PLANNED and not entry.comments.exists()


def test_a_valid_pdf_is_stored_under_media_root(roadmaps: dict[str, Any], settings: Any) -> None:
    entry = entry_of(roadmaps)
    ev = services.add_evidence_file(entry, pdf("Протокол №1.pdf"), by=None, title="Протокол")
    path = Path(ev.file.path)
    assert path.is_relative_to(Path(settings.MEDIA_ROOT) / "roadmap" / str(roadmaps["M"].pk))
    assert path.read_bytes() == PDF
    assert (ev.original_name, ev.size, ev.label) == ("Протокол №1.pdf", len(PDF), "Протокол")
    assert AuditEntry.objects.filter(action="roadmap.evidence_added", object_id=str(ev.pk)).exists()
    assert services.add_evidence_file(entry, docx(), by=None).original_name == "report.docx"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("virus.exe", b"MZ\x90\x00"), "формат .exe не принимается"),
        (SimpleUploadedFile("fake.pdf", b"MZ\x90\x00not a pdf"), "содержимое не похоже на .pdf"),
        (SimpleUploadedFile("photo.png", b"\xff\xd8\xff\xe0jpeg"), "содержимое не похоже на .png"),
        (SimpleUploadedFile("empty.pdf", b""), "пуст"),
        (docx("table.xlsx", member="word/document.xml"), "внутри нет xl/workbook.xml"),
        (SimpleUploadedFile("broken.docx", b"PK\x03\x04garbage"), "это не документ .docx"),
    ],
)
def test_a_bad_file_is_refused_with_a_russian_reason(
    roadmaps: dict[str, Any], upload: Any, message: str
) -> None:
    with pytest.raises(RoadmapError, match=message):
        services.add_evidence_file(entry_of(roadmaps), upload, by=None)
    assert not Evidence.objects.exists()


def test_the_size_cap_comes_from_settings(roadmaps: dict[str, Any], settings: Any) -> None:
    settings.OPORA_UPLOAD_MAX_MB = 1
    big = pdf("big.pdf", PDF + b"0" * (1024 * 1024))  # 1 MiB of padding + the header: just over 1 MB
    with pytest.raises(RoadmapError, match=r"слишком большой: 1\.0 МБ, допустимо не больше 1 МБ"):
        services.add_evidence_file(entry_of(roadmaps), big, by=None)


def test_a_bad_file_leaves_the_status_unchanged(roadmaps: dict[str, Any], settings: Any) -> None:
    entry = entry_of(roadmaps)
    with pytest.raises(RoadmapError, match="не принимается"):
        services.update_entry(
            entry,
            by=None,
            status=Status.DONE,
            comment="Готово",
            link="https://example.ru/doc.pdf",
            upload=SimpleUploadedFile("x.zip", b"PK\x03\x04"),
        )
    entry.refresh_from_db()
    assert entry.status == Status.PLANNED
    assert not RoadmapComment.objects.exists() and not Evidence.objects.exists()
    assert not (Path(settings.MEDIA_ROOT) / "roadmap").exists()


def test_update_entry_does_everything_at_once(roadmaps: dict[str, Any]) -> None:
    entry = entry_of(roadmaps)
    done = services.update_entry(
        entry,
        by=None,
        status=Status.DONE,
        comment="Положение утверждено",
        upload=pdf(),
        link="https://uo.example.ru/polozhenie",
        link_title="На сайте УО",
    )
    assert done == [
        "Статус: выполнено.",
        "Ссылка на документ добавлена.",
        "Файл «protocol.pdf» загружен.",
    ]
    assert sorted(entry.evidence.values_list("url", flat=True)) == ["", "https://uo.example.ru/polozhenie"]


def test_a_link_must_be_http(roadmaps: dict[str, Any]) -> None:
    with pytest.raises(RoadmapError, match="не похожа на адрес"):
        services.add_evidence_link(entry_of(roadmaps), "javascript:alert(1)", by=None)
    with pytest.raises(RoadmapError, match="не похожа на адрес"):
        services.update_entry(entry_of(roadmaps), by=None, status=Status.DONE, link="ftp://x.ru/a")
    assert entry_of(roadmaps).status == Status.PLANNED


def test_removing_a_document_deletes_the_file_after_commit(
    roadmaps: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    ev = services.add_evidence_file(entry_of(roadmaps), pdf(), by=None)
    path = Path(ev.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_evidence(ev, by=None)
    assert not path.exists() and not Evidence.objects.exists()
    assert AuditEntry.objects.filter(action="roadmap.evidence_removed").count() == 1


# --------------------------------------------------------------------------------------- school roadmaps

D = datetime.date


def program() -> list[SchoolItem]:
    items = [
        SchoolItem(
            "Педсовет по результатам ВПР", 1, "Зам. директора по УВР", 2025, D(2025, 11, 30), "Протокол"
        ),
        SchoolItem(
            "Педсовет по результатам ВПР", 1, "Зам. директора по УВР", 2026, D(2026, 11, 30), "Протокол"
        ),
        SchoolItem("ИОМ педагогов", 3, "Руководители ШМО", 2025, None, "ИОМ у всех", ("ИОМ",), key="3.1"),
    ]
    return items


def test_upsert_school_items_groups_years_and_is_idempotent(world: dict[str, Any]) -> None:
    result = services.upsert_school_items(world["S1"], "shppko:1", program(), by=None)
    assert (result.created, result.entries_created) == (2, 3)  # two measures, three measure-years
    items = RoadmapItem.objects.filter(school=world["S1"], source="shppko:1").order_by("position")
    assert [i.measure for i in items] == ["Педсовет по результатам ВПР", "ИОМ педагогов"]
    assert all(i.municipality == world["M"] for i in items)
    pedsovet = items[0].entries.order_by("year")
    assert [(e.year, e.due_dates, e.planned_result) for e in pedsovet] == [
        (2025, ["2025-11-30"], "Протокол"),
        (2026, ["2026-11-30"], "Протокол"),
    ]
    # No due date → 31 December of the year (the «yearly» rule of opora.roadmap_catalogue).
    assert items[1].entries.get().due_dates == ["2025-12-31"]
    assert items[1].evidence_wanted == ["ИОМ"]
    again = services.upsert_school_items(world["S1"], "shppko:1", program(), by=None)
    assert (again.created, again.updated, again.entries_created, again.deleted) == (0, 0, 0, 0)


def test_upsert_keeps_tracking_and_drops_only_untracked_leftovers(world: dict[str, Any]) -> None:
    services.upsert_school_items(world["S1"], "shppko:1", program(), by=None)
    ped_2025 = RoadmapEntry.objects.get(
        item__school=world["S1"], item__measure__startswith="Педсовет", year=2025
    )
    services.set_status(ped_2025, Status.DONE, by=None)
    # The new version moves the 2025 date, drops the 2026 year and the ИОМ measure.
    new = [
        SchoolItem("Педсовет по результатам ВПР", 1, "Директор", 2025, D(2025, 12, 10), "Протокол, справка")
    ]
    result = services.upsert_school_items(world["S1"], "shppko:1", new, by=None)
    assert (result.updated, result.deleted, result.retired) == (1, 1, 0)
    ped_2025.refresh_from_db()
    assert (ped_2025.status, ped_2025.due_dates, ped_2025.planned_result) == (
        "done",
        ["2025-12-10"],
        "Протокол, справка",
    )
    assert not RoadmapEntry.objects.filter(item__school=world["S1"], year=2026).exists()
    assert RoadmapItem.objects.filter(school=world["S1"]).count() == 1


def test_upsert_validates_everything_before_writing(world: dict[str, Any]) -> None:
    bad = [*program(), SchoolItem("", 0, "", 1999)]
    with pytest.raises(RoadmapError) as err:
        services.upsert_school_items(world["S1"], "shppko:1", bad, by=None)
    assert "Пункт 4: не указано мероприятие." in str(err.value)
    assert "направление 0 вне 1–99" in str(err.value) and "год 1999 вне 2000–2100" in str(err.value)
    twice = [program()[0], program()[0]]
    with pytest.raises(RoadmapError, match=r"2025 г\. указан дважды"):
        services.upsert_school_items(world["S1"], "shppko:1", twice, by=None)
    with pytest.raises(RoadmapError, match="Ключ источника"):
        services.upsert_school_items(world["S1"], "  ", program(), by=None)
    assert not RoadmapItem.objects.exists()


def test_two_schools_may_use_the_same_source_key(world: dict[str, Any]) -> None:
    services.upsert_school_items(world["S1"], "shppko", program(), by=None)
    services.upsert_school_items(world["S2"], "shppko", program(), by=None)
    assert RoadmapItem.objects.filter(source="shppko").count() == 4


# ------------------------------------------------------------------------------------- lists and digest


def test_lists_on_a_fixed_day(world: dict[str, Any], settings: Any) -> None:
    services.upsert_school_items(world["S1"], "shppko:1", program(), by=None)
    entries = list(services.entries_for(world["M"], schools=[world["S1"]], municipal=False))
    # On 15.11.2025: Педсовет 2025 (30.11.2025) is due in 15 days; ИОМ 2025 (31.12.2025) in 46 — beyond 30;
    # Педсовет 2026 is a year away.
    b = services.buckets(entries, D(2025, 11, 15))
    assert [(f.entry.year, f.days) for f in b.due_soon] == [(2025, 15)]
    assert b.overdue == []
    settings.OPORA_DUE_SOON_DAYS = 46
    assert [f.days for f in services.buckets(entries, D(2025, 11, 15)).due_soon] == [15, 46]
    # On 01.12.2025 Педсовет 2025 is overdue (30.11 passed), the others are not.
    b = services.buckets(entries, D(2025, 12, 1))
    assert [(f.entry.title, f.date) for f in b.overdue] == [("Педсовет по результатам ВПР", D(2025, 11, 30))]


def test_the_digest_names_the_municipality_and_the_school(world: dict[str, Any], monkeypatch: Any) -> None:
    services.upsert_school_items(world["S1"], "shppko:1", program(), by=None)
    monkeypatch.setattr(services, "today", lambda: D(2025, 12, 1))
    entries = list(services.entries_for(world["M"], schools=[world["S1"]]))
    text = services.digest(world["M"], entries, link="https://opora.example.ru/r")
    assert text.startswith("Тема: Дорожная карта — Город: сводка на 01.12.2025\n")
    # 30.11.2025 → 01.12.2025: one day late.
    assert (
        "- СОШ № 1: Педсовет по результатам ВПР (2025 г.) — срок 30.11.2025, просрочено на 1 день. "
        "Ответственные: Зам. директора по УВР." in text
    )
    assert "- СОШ № 1: ИОМ педагогов (2025 г.) — срок 31.12.2025, осталось 30 дней." in text
