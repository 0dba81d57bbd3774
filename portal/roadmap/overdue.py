"""«Просрочено» on every page, from one rule and with its scope shown (issue #17).

The rule is ``opora.roadmap_tracking.overdue_since`` (not done, and a due date of the year strictly before today);
what is counted is an ``opora.roadmap_tracking.OverdueScope``: which roadmaps (the municipal one, the schools'),
which years, which roadmap and direction. The municipality page, the roadmap page, the region dashboard and the
reports all count through :func:`overdue` / :func:`counts_by_municipality` and print ``result.scope_text`` beside
the number, so two numbers can differ only by a scope that is written next to them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from opora import roadmap_tracking as tracking
from opora.roadmap_tracking import OverdueScope
from portal.roadmap.models import RoadmapEntry, Status
from portal.roadmap.services import as_tracking, soon_days, today
from portal.schools.models import Municipality

#: What the dashboards count: the municipal roadmap and the schools' roadmaps, every year, active items.
DEFAULT = OverdueScope()


@dataclass
class Overdue:
    """The overdue entries of a scope, most overdue first, and the scope in words."""

    scope: OverdueScope
    day: datetime.date
    flagged: list[tuple[tracking.Flagged, RoadmapEntry]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.flagged)

    @property
    def scope_text(self) -> str:
        return self.scope.describe(self.day)


def in_scope(entries: Iterable[RoadmapEntry], scope: OverdueScope) -> list[RoadmapEntry]:
    return [
        e
        for e in entries
        if scope.covers(
            is_school=e.item.school_id is not None,
            year=e.year,
            source=e.item.source,
            direction=e.item.direction,
        )
    ]


def entries(municipality: Municipality) -> QuerySet[RoadmapEntry]:
    """Every active entry of the municipality (its roadmap and its schools'), with its item."""
    return (
        RoadmapEntry.objects.filter(item__municipality=municipality, item__is_active=True)
        .select_related("item", "item__school")
        .order_by("item__school__sort_key", "item__source", "item__position", "year")
    )


def overdue(
    municipality: Municipality | None,
    scope: OverdueScope = DEFAULT,
    day: datetime.date | None = None,
    *,
    among: Iterable[RoadmapEntry] | None = None,
) -> Overdue:
    """The municipality's overdue entries within ``scope`` (``among``: entries already read by the caller)."""
    day = day or today()
    if among is None and municipality is None:
        raise ValueError("overdue() needs a municipality or the entries to look at")
    chosen = in_scope(among if among is not None else entries(municipality), scope)  # type: ignore[arg-type]
    by_key = {str(e.pk): e for e in chosen}
    lists = tracking.classify(
        [as_tracking(e) for e in chosen], day, soon_days=soon_days(), recent_days=soon_days()
    )
    return Overdue(scope, day, [(f, by_key[f.entry.key]) for f in lists.overdue])


def counts_by_municipality(
    municipality_ids: Iterable[int], scope: OverdueScope = DEFAULT, day: datetime.date | None = None
) -> dict[int, int]:
    """Overdue entries per municipality (the region dashboard), read in one query."""
    day = day or today()
    out = dict.fromkeys(municipality_ids, 0)
    rows: Any = (
        RoadmapEntry.objects.filter(item__municipality_id__in=list(out), item__is_active=True)
        .exclude(status=Status.DONE)
        .values_list(
            "item__municipality_id",
            "item__school_id",
            "item__source",
            "item__direction",
            "year",
            "status",
            "due_dates",
        )
    )
    for mid, school_id, source, direction, year, status, due in rows:
        if not scope.covers(is_school=school_id is not None, year=year, source=source, direction=direction):
            continue
        dates = [datetime.date.fromisoformat(d) for d in due or []]
        if tracking.overdue_since(status, dates, day) is not None:
            out[mid] += 1
    return out
