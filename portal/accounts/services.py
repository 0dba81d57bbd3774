"""Write use-cases for users and roles; each is atomic and logged (passwords never are)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from portal.accounts.models import ROLE_SCOPE, Role, RoleAssignment, User
from portal.audit.services import record, snapshot
from portal.schools.models import Municipality, Region, School


def ensure_user(username: str, *, password: str, by: Any, **fields: Any) -> User:
    """Create the user or update its fields; the password is (re)set in both cases."""
    with transaction.atomic():
        user = User.objects.filter(username=username).first()
        created = user is None
        before = None if user is None else snapshot(user)
        if user is None:
            user = User(username=username)
        for name, value in fields.items():
            setattr(user, name, value)
        user.set_password(password)
        user.save()
        record(
            user,
            "accounts.user.created" if created else "accounts.user.changed",
            by=by,
            before=before,
            after=snapshot(user),
            data={"password_set": True},
        )
    return user


def grant_role(user: User, role: Role, scope: Region | Municipality | School, *, by: Any) -> RoleAssignment:
    """Give ``user`` the ``role`` within ``scope``; granting twice is a no-op."""
    field = ROLE_SCOPE[role]
    expected = {"region": Region, "municipality": Municipality, "school": School}[field]
    if not isinstance(scope, expected):
        raise ValueError(f"role {role} is held in a {field}, not in {type(scope).__name__}")
    with transaction.atomic():
        assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, **{field: scope})
        if created:
            record(assignment, "accounts.role.granted", by=by, after=snapshot(assignment))
    return assignment
