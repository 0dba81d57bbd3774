"""The single role → permission map, and the scope rules that apply it to objects.

A permission is granted when one of the user's role assignments has it AND the object lies within that
assignment's scope (a region covers its municipalities and schools; a municipality covers its schools; a school
only itself). Views turn a refusal into 404, so that nobody learns what exists outside their scope.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from portal.accounts.models import Role, RoleAssignment
from portal.schools.models import Municipality, Region, School

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from portal.accounts.models import User


#: Permission codes. Later features add theirs here, next to the roles that hold them.
PERMISSIONS: dict[str, frozenset[str]] = {
    Role.COORDINATOR: frozenset(
        {
            "municipality.view",
            "municipality.edit",
            "school.view",
            "school.edit",
            "audit.view",
            "monitoring.view",
            "monitoring.edit",
            "monitoring.fill",
            "roadmap.view",
            "roadmap.edit",
            "identification.view",
            "identification.run",
            "identification.publish",
            "imports.run",
            "programs.view",
            "programs.edit",
            "programs.approve",
            "risk.edit",
            "staff.view",
            "staff.aggregate",
            "partnerships.edit",
            "public.manage",
            "reports.view",
            "reports.run",
            "api.manage",  # tokens of the integration API for its municipality (portal/api)
            "documents.view",  # the registry «Документы программы» (portal/documents)
            "documents.edit",
        }
    ),
    Role.METHOD_CENTRE: frozenset(
        {
            "municipality.view",
            "school.view",
            "monitoring.view",
            "monitoring.edit",
            "roadmap.view",
            "roadmap.edit",
            "identification.view",
            "staff.view",
            "staff.aggregate",
            "support.edit",
            "practices.review",
            "programs.view",
            "measures.edit",
            "public.manage",
            "reports.view",
            "reports.run",
            "recommendations.edit",
            "documents.view",
            "documents.edit",
        }
    ),
    # A school team sees the identification of its own school only, and only once the run is published.
    Role.SCHOOL_TEAM: frozenset(
        {
            "school.view",
            "school.edit",
            "identification.view",
            "monitoring.view",
            "monitoring.fill",
            "roadmap.view",
            "staff.view",
            "staff.edit",
            "partnerships.edit",
            "programs.view",
            "programs.edit",
            "risk.edit",
            "public.submit",  # drafts of its own school's public documents; the coordinator publishes
            "reports.view",
            "documents.view",
            "documents.submit",  # its own school's documents in the registry (local acts, programmes)
        }
    ),
    Role.REGION_VIEWER: frozenset(
        {
            "region.view",
            "municipality.view",
            "school.view",
            "identification.view",
            "monitoring.view",
            "roadmap.view",
            "staff.aggregate",  # numbers only: never a teacher's name
            "programs.view",
            "reports.view",
            "documents.view",
        }
    ),
}

# The regional coordinator does, in every municipality and school of its region, what a municipal coordinator
# does in one municipality; and it runs and publishes the region-wide identification (fit on all its schools).
PERMISSIONS[Role.REGION_COORDINATOR] = PERMISSIONS[Role.COORDINATOR] | frozenset(
    {"region.view", "region.identification.run", "region.identification.publish"}
)

ALL_PERMISSIONS: frozenset[str] = frozenset().union(*PERMISSIONS.values())

ScopedObject = Region | Municipality | School


def _covers(assignment: RoleAssignment, obj: ScopedObject) -> bool:
    if isinstance(obj, Region):
        return assignment.region_id == obj.pk
    if isinstance(obj, Municipality):
        return assignment.municipality_id == obj.pk or assignment.region_id == obj.region_id
    if isinstance(obj, School):
        if assignment.school_id is not None:
            return assignment.school_id == obj.pk
        if assignment.municipality_id is not None:
            return assignment.municipality_id == obj.municipality_id
        return assignment.region_id == obj.municipality.region_id
    raise TypeError(f"no scope rule for {type(obj).__name__}")


def assignments(user: User | AnonymousUser) -> list[RoleAssignment]:
    """The user's role assignments, cached on the user object for the request."""
    if not user.is_authenticated:
        return []
    cached: list[RoleAssignment] | None = getattr(user, "_opora_roles", None)
    if cached is None:
        cached = list(RoleAssignment.objects.filter(user=user))
        user._opora_roles = cached  # type: ignore[union-attr]
    return cached


def has_perm(user: User | AnonymousUser, perm: str, obj: ScopedObject) -> bool:
    """True when one of the user's roles grants ``perm`` within a scope that covers ``obj``."""
    if perm not in ALL_PERMISSIONS:
        raise ValueError(f"unknown permission {perm!r}")
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return any(perm in PERMISSIONS[a.role] and _covers(a, obj) for a in assignments(user))


def roles_of(user: User | AnonymousUser) -> set[str]:
    return {a.role for a in assignments(user)}


def schools_visible_to(user: User | AnonymousUser, perm: str = "school.view") -> QuerySet[School]:
    """Schools on which the user holds ``perm``."""
    if not user.is_authenticated:
        return School.objects.none()
    if user.is_superuser:
        return School.objects.all()
    condition = Q(pk__in=[])
    for a in assignments(user):
        if perm not in PERMISSIONS[a.role]:
            continue
        if a.school_id is not None:
            condition |= Q(pk=a.school_id)
        elif a.municipality_id is not None:
            condition |= Q(municipality_id=a.municipality_id)
        elif a.region_id is not None:
            condition |= Q(municipality__region_id=a.region_id)
    return School.objects.filter(condition)


def municipalities_visible_to(
    user: User | AnonymousUser, perm: str = "municipality.view"
) -> QuerySet[Municipality]:
    """Municipalities on which the user holds ``perm``."""
    if not user.is_authenticated:
        return Municipality.objects.none()
    if user.is_superuser:
        return Municipality.objects.all()
    condition = Q(pk__in=[])
    for a in assignments(user):
        if perm not in PERMISSIONS[a.role]:
            continue
        if a.municipality_id is not None:
            condition |= Q(pk=a.municipality_id)
        elif a.region_id is not None:
            condition |= Q(region_id=a.region_id)
    return Municipality.objects.filter(condition)


def regions_visible_to(user: User | AnonymousUser) -> QuerySet[Region]:
    if not user.is_authenticated:
        return Region.objects.none()
    if user.is_superuser:
        return Region.objects.all()
    ids: Iterable[Any] = [
        a.region_id for a in assignments(user) if "region.view" in PERMISSIONS[a.role] and a.region_id
    ]
    return Region.objects.filter(pk__in=list(ids))
