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
