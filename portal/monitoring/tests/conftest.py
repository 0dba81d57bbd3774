"""Fixtures of the monitoring tests: the catalogues in the database and an open 2024 period in municipality M."""

from __future__ import annotations

from typing import Any

import pytest

from portal.monitoring import services
from portal.monitoring.models import IndicatorSet, MonitoringPeriod, SchoolSubmission
from portal.monitoring.values import Slot


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """The dashboard caches derived values by period and revision; tests must not see each other's."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def sets(db: Any) -> dict[str, IndicatorSet]:
    return {s.code: s for s in services.sync_builtin_sets(by=None)}


@pytest.fixture
def period(world: dict[str, Any], sets: dict[str, IndicatorSet]) -> MonitoringPeriod:
    """2024, order_2023_41; S1 is ШНОР, S2 is at risk (set by hand: no identification run exists)."""
    p = services.open_period(world["M"], sets["order_2023_41"], 2024, by=None)
    services.set_target_schools(p, shnor=[world["S1"].pk], at_risk=[world["S2"].pk], by=None)
    return p


def slot(period: MonitoringPeriod, code: str, subitem: str = "", level: str = "school") -> Slot:
    return Slot(period.indicator_set.indicators.get(code=code), subitem, level)


def submission(period: MonitoringPeriod, school: Any) -> SchoolSubmission:
    return SchoolSubmission.objects.get(period=period, school=school)


def program(
    school: Any, kind: str = "shppko", status: str = "approved", years: tuple[int, int] = (2023, 2025)
) -> Any:
    """A program of the Конструктор as the programs app stores it (status read through its existing fields)."""
    from django.utils import timezone

    from portal.programs.models import Program

    return Program.objects.create(
        school=school,
        kind=kind,
        status=status,
        title="ШППКО" if kind == "shppko" else "Программа профилактики учебной неуспешности",
        profile_year=years[0],
        year_from=years[0],
        year_to=years[1],
        approved_at=timezone.now() if status != "draft" else None,
    )


def registry_document(
    municipality: Any, school: Any = None, slots: tuple[str, ...] = (), **fields: Any
) -> Any:
    """A registry document in force, evidencing ``slots``."""
    import datetime

    from portal.documents.models import ProgramDocument

    values = {
        "kind": "order",
        "title": "Тестовый документ",
        "date": datetime.date(2023, 1, 26),
        "status": "active",
        **fields,
    }
    return ProgramDocument.objects.create(
        municipality=municipality, school=school, indicators=list(slots), **values
    )
