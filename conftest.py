"""Shared fixtures: a small world of two regions, and users holding one role each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

# Django models are imported inside the fixtures, so that the pure core's tests also run with `-p no:django`.


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    """Region R with municipality M (schools S1, S2) and region R2 with M2 (school S3)."""
    from portal.schools.models import Municipality, Region, School

    r = Region.objects.create(code="r", name="Регион")
    r2 = Region.objects.create(code="r2", name="Другой регион")
    m = Municipality.objects.create(region=r, code="m", name="Город")
    m2 = Municipality.objects.create(region=r2, code="m2", name="Другой город")
    s1 = School.objects.create(municipality=m, code="S1", name="Школа 1", short_name="СОШ № 1", kind="sosh")
    s2 = School.objects.create(municipality=m, code="S2", name="Школа 2", short_name="ООШ № 2", kind="oosh")
    s3 = School.objects.create(municipality=m2, code="S3", name="Школа 3", short_name="СОШ № 3", kind="sosh")
    return {"R": r, "R2": r2, "M": m, "M2": m2, "S1": s1, "S2": s2, "S3": s3}


@pytest.fixture
def user_with_role(world: dict[str, Any]) -> Callable[..., Any]:
    """Make a user holding ``role`` in the world object named ``scope`` (e.g. "M", "S1", "R")."""
    from portal.accounts.models import Role, RoleAssignment, User
    from portal.schools.models import Municipality, Region, School

    counter = iter(range(1, 1000))

    def make(role: str, scope: str) -> Any:
        user = User.objects.create_user(f"user{next(counter)}", password="x-test-password-1")
        target = world[scope]
        field = {Region: "region", Municipality: "municipality", School: "school"}[type(target)]
        RoleAssignment.objects.create(user=user, role=Role(role), **{field: target})
        return user

    return make
