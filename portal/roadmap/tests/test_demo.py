"""The demo roadmap: both roadmaps for the demo municipality, a mix of statuses against today, idempotent."""

from __future__ import annotations

from typing import Any

from portal.demo.base import MUNICIPALITY_CODE
from portal.demo.registry import loaders
from portal.demo.services import load_demo
from portal.roadmap import services
from portal.roadmap.demo import MAX_OVERDUE_DAYS, load_roadmap_demo
from portal.roadmap.models import Evidence, RoadmapEntry, RoadmapItem
from portal.schools.models import Municipality


def test_the_demo_has_done_in_progress_overdue_and_due_soon_items(db: Any) -> None:
    assert load_roadmap_demo in [loader.func for loader in loaders()]
    load_demo(password="demo-test-pass-1", write=lambda s: None, extensions=False)
    municipality = Municipality.objects.get(code=MUNICIPALITY_CODE)
    messages: list[str] = []
    load_roadmap_demo(municipality, messages.append)
    entries = list(services.entries_for(municipality, schools=municipality.schools.all()))
    b = services.buckets(entries)
    # The four lists are all non-empty whatever the real date: the school roadmap is set relative to today.
    assert b.counts["done"] > 0 and b.counts["overdue"] > 0 and b.counts["in_progress"] > 0
    assert b.due_soon and b.recently_done
    # 2023–2025 has a mix: most years done, some overdue.
    municipal = [e for e in entries if e.item.source == "minusinsk_2023_2025"]
    statuses = {services.tracking.effective_status(e.status, e.due, services.today()) for e in municipal}
    assert "done" in statuses
    # Nothing is overdue by more than a few months, whenever the demo is loaded (issue 17: not 1,770 days).
    late = [
        (services.today() - max(e.due)).days
        for e in entries
        if e.due and services.tracking.effective_status(e.status, e.due, services.today()) == "overdue"
    ]
    assert late and max(late) <= MAX_OVERDUE_DAYS
    assert Evidence.objects.filter(entry__item__municipality=municipality).exists()
    # 18 (2023–2025) + 22 (2022–2023) + 15 (stages and mechanisms of the 2020–2022 program)
    assert RoadmapItem.objects.filter(municipality=municipality, school__isnull=True).count() == 55
    assert messages[0].startswith("Дорожная карта (демо): пунктов-лет 144;")  # 98 + 41 municipal + 5 school
    # A second load keeps what is there.
    before = list(RoadmapEntry.objects.order_by("pk").values_list("status", "done_on"))
    load_roadmap_demo(municipality, messages.append)
    assert list(RoadmapEntry.objects.order_by("pk").values_list("status", "done_on")) == before
    assert messages[-1] == "Дорожная карта (демо): отметки уже есть — оставлены как есть."
