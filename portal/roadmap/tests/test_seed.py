"""The municipal roadmap in the database is complete against the shipped YAML (and, spot-checked, the seed)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from opora.roadmap_catalogue import builtin_roadmaps
from portal.audit.models import AuditEntry
from portal.roadmap import services
from portal.roadmap.models import RoadmapEntry, RoadmapItem, Status

SEEDS = Path(os.environ.get("OPORA_SEEDS_DIR", "/work/shared/seeds"))


def test_every_measure_is_in_the_database_with_its_responsible_years_and_results(
    roadmaps: dict[str, Any],
) -> None:
    shipped = builtin_roadmaps()
    # 18 items in roadmap_2023_2025.yaml, 22 in roadmap_2022_2023.yaml, 15 stages and mechanisms of the
    # 2020–2022 program in program_2020_2022.yaml (docs/roadmap-notes.md).
    assert {code: len(rm.items) for code, rm in shipped.items()} == {
        "minusinsk_2020_2022_program": 15,
        "minusinsk_2022_2023": 22,
        "minusinsk_2023_2025": 18,
    }
    for code, rm in shipped.items():
        items = {i.code: i for i in RoadmapItem.objects.filter(municipality=roadmaps["M"], source=code)}
        assert sorted(items) == sorted(it.code for it in rm.items)
        for it in rm.items:
            db = items[it.code]
            assert (db.direction, db.measure) == (it.direction, it.measure)
            assert db.responsible == "; ".join(it.responsible)
            assert db.evidence_wanted == list(it.evidence)
            assert db.deadline == (it.deadline or "")
            assert db.schedule_kind == it.schedule.kind
            entries = {e.year: e for e in db.entries.all()}
            assert sorted(entries) == list(it.result_years)
            for year, entry in entries.items():
                assert entry.planned_result == it.results[year]
                assert entry.due == it.due_dates(year)
                assert entry.status == Status.PLANNED
    # 2023–2025: 18 items × 3 years; 2022–2023: 22 items × 2 years (every item plans both years).
    assert RoadmapEntry.objects.filter(item__municipality=roadmaps["M"]).count() == 18 * 3 + 22 * 2 + 41


def test_directions_and_special_deadlines_are_kept(roadmaps: dict[str, Any]) -> None:
    items = RoadmapItem.objects.filter(municipality=roadmaps["M"], source="minusinsk_2023_2025")
    assert sorted(set(items.values_list("direction", flat=True))) == [1, 2, 3, 4, 5, 6]
    # 6.1: «(ноябрь – декабрь 2023/2024/2025)» → a period ending 31 December (docs/roadmap-notes.md «Сроки»).
    six = items.get(code="6.1")
    assert six.schedule_kind == "period"
    assert [e.due_dates for e in six.entries.order_by("year")] == [
        ["2023-12-31"],
        ["2024-12-31"],
        ["2025-12-31"],
    ]
    # 2022–2023, 1.7 «Ежемесячно»: twelve month-ends in each year.
    monthly = RoadmapItem.objects.get(municipality=roadmaps["M"], source="minusinsk_2022_2023", code="1.7")
    assert monthly.deadline == "Ежемесячно"
    assert len(monthly.entries.get(year=2022).due_dates) == 12


def _words(text: str) -> list[str]:
    return re.findall(r"[а-яёa-z]{5,}", text.lower())


@pytest.mark.skipif(not SEEDS.exists(), reason="seed texts are not on this machine (OPORA_SEEDS_DIR)")
def test_measures_and_responsibles_match_the_seed_lines_they_cite(roadmaps: dict[str, Any]) -> None:
    """Spot-check against 002_…txt: every long word of a measure and of its executors occurs in the item's
    ``source_lines`` of the seed (the PDF text splits cells, so words, not phrases, are compared)."""
    seed = (SEEDS / "002_b0f6aa79e73152c4.txt").read_text(encoding="utf-8").splitlines()
    roadmap = builtin_roadmaps()["minusinsk_2023_2025"]
    for it in roadmap.items:
        first, last = it.source_lines
        window = " ".join(seed[first - 1 : last]).lower()
        window_joined = re.sub(r"\s+", "", window)
        db = RoadmapItem.objects.get(municipality=roadmaps["M"], source=roadmap.code, code=it.code)
        for word in _words(db.measure) + _words(db.responsible):
            # Words split by the extraction («методически|х») are found with whitespace removed.
            assert word in window or word in window_joined, (it.code, word)
    # And by hand, item 1.4 (seed lines 1447–1451): «Разработка положения о мониторинге реализации
    # муниципальной программы повышения качества образования», responsible «Управление образования».
    db = RoadmapItem.objects.get(municipality=roadmaps["M"], source=roadmap.code, code="1.4")
    assert db.measure.startswith("Разработка положения о мониторинге реализации муниципальной программы")
    assert db.responsible == "Управление образования"


def test_a_second_sync_changes_nothing_and_keeps_statuses(roadmaps: dict[str, Any]) -> None:
    entry = RoadmapEntry.objects.filter(item__municipality=roadmaps["M"]).first()
    assert entry is not None
    services.set_status(entry, Status.DONE, by=None)
    audit_before = AuditEntry.objects.count()
    results = services.sync_builtin(roadmaps["M"], by=None)
    assert all((r.created, r.updated, r.entries_created) == (0, 0, 0) for r in results.values())
    assert AuditEntry.objects.count() == audit_before
    entry.refresh_from_db()
    assert entry.status == Status.DONE


def test_an_item_gone_from_the_file_is_deleted_or_retired(roadmaps: dict[str, Any]) -> None:
    rm = builtin_roadmaps()["minusinsk_2023_2025"]
    from dataclasses import replace

    shorter = replace(rm, items=tuple(i for i in rm.items if i.code not in ("1.1", "1.2")))
    tracked = RoadmapEntry.objects.get(
        item__municipality=roadmaps["M"], item__source=rm.code, item__code="1.1", year=2023
    )
    services.add_comment(tracked, "Есть отметка", by=None)
    result = services.sync_roadmap(roadmaps["M"], shorter, by=None)
    assert (result.retired, result.deleted) == (1, 1)
    items = RoadmapItem.objects.filter(municipality=roadmaps["M"], source=rm.code)
    assert not items.filter(code="1.2").exists()
    assert items.get(code="1.1").is_active is False
    # The full file again brings 1.1 back to life and recreates 1.2.
    result = services.sync_roadmap(roadmaps["M"], rm, by=None)
    assert result.created == 1 and items.get(code="1.1").is_active


def test_the_sync_command_needs_a_scope_and_loads_a_municipality(world: dict[str, Any]) -> None:
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="--municipality"):
        call_command("sync_roadmap")
    with pytest.raises(CommandError, match="нет-такого"):
        call_command("sync_roadmap", municipality=["нет-такого"])
    call_command("sync_roadmap", municipality=[world["M"].code])
    assert RoadmapItem.objects.filter(municipality=world["M"]).count() == 55  # 18 + 22 + 15
    assert not RoadmapItem.objects.filter(municipality=world["M2"]).exists()
