"""Fixtures of the staff tests: S1 with three teachers and records in 2024, an open 2024 monitoring period."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from portal.staff.models import Course, Diagnostic, SupportVisit, Teacher


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def staff(world: dict[str, Any]) -> dict[str, Any]:
    """S1: T1 (highest, leadership), T2 (first), T3 (none). T1 diagnosed and trained (КК ИПК) in 2024."""
    s1 = world["S1"]
    t1 = Teacher.objects.create(school=s1, name="Педагог А", category="highest", is_leadership=True)
    t2 = Teacher.objects.create(school=s1, name="Педагог Б", category="first")
    t3 = Teacher.objects.create(school=s1, name="Педагог В", category="none")
    t_other = Teacher.objects.create(school=world["S3"], name="Педагог чужой")
    Diagnostic.objects.create(teacher=t1, date=datetime.date(2024, 3, 1))
    Course.objects.create(
        teacher=t1, title="Функциональная грамотность", hours=36, registry="kk_ipk", year=2024
    )
    SupportVisit.objects.create(school=s1, date=datetime.date(2024, 10, 1), kind="methodical_visit")
    return {**world, "T1": t1, "T2": t2, "T3": t3, "T_other": t_other}


@pytest.fixture
def period(staff: dict[str, Any]) -> Any:
    from portal.monitoring import services as monitoring

    sets = {s.code: s for s in monitoring.sync_builtin_sets(by=None)}
    p = monitoring.open_period(staff["M"], sets["order_2023_41"], 2024, by=None)
    monitoring.set_target_schools(p, shnor=[staff["S1"].pk], at_risk=[staff["S2"].pk], by=None)
    return p
