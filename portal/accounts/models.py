"""Users and their roles; a role is always held within a scope (region, municipality or school)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from portal.schools.models import Municipality, Region, School


class Role(models.TextChoices):
    COORDINATOR = "coordinator", "Муниципальный координатор"
    METHOD_CENTRE = "method_centre", "Методист (методический центр)"
    SCHOOL_TEAM = "school_team", "Школьная команда"
    REGION_VIEWER = "region_viewer", "Наблюдатель (регион)"
    REGION_COORDINATOR = "region_coordinator", "Региональный координатор"


#: Which scope each role is held in: exactly this field of RoleAssignment is filled.
ROLE_SCOPE: dict[str, str] = {
    Role.COORDINATOR: "municipality",
    Role.METHOD_CENTRE: "municipality",
    Role.SCHOOL_TEAM: "school",
    Role.REGION_VIEWER: "region",
    Role.REGION_COORDINATOR: "region",
}


class User(AbstractUser):
    """A person who logs in. Personal data is minimal: a login, a display name and an optional e-mail."""

    class Meta:
        verbose_name = "пользователь"
        verbose_name_plural = "пользователи"

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


def _scope_constraint() -> Q:
    only = {
        "region": Q(region__isnull=False, municipality__isnull=True, school__isnull=True),
        "municipality": Q(region__isnull=True, municipality__isnull=False, school__isnull=True),
        "school": Q(region__isnull=True, municipality__isnull=True, school__isnull=False),
    }
    condition = Q()
    for role, scope in ROLE_SCOPE.items():
        condition |= Q(role=role) & only[scope]
    return condition


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="roles", verbose_name="пользователь"
    )
    role = models.CharField("роль", max_length=20, choices=Role.choices)
    region = models.ForeignKey(Region, on_delete=models.CASCADE, null=True, blank=True, verbose_name="регион")
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, null=True, blank=True, verbose_name="муниципалитет"
    )
    school = models.ForeignKey(School, on_delete=models.CASCADE, null=True, blank=True, verbose_name="школа")

    class Meta:
        verbose_name = "роль пользователя"
        verbose_name_plural = "роли пользователей"
        constraints = [
            models.CheckConstraint(condition=_scope_constraint(), name="role_matches_scope"),
            *(
                models.UniqueConstraint(
                    fields=["user", "role", scope],
                    condition=Q(**{f"{scope}__isnull": False}),
                    name=f"unique_role_per_{scope}",
                )
                for scope in ("region", "municipality", "school")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.scope})"

    @property
    def scope(self) -> Region | Municipality | School | None:
        return self.region or self.municipality or self.school

    def clean(self) -> None:
        needed = ROLE_SCOPE.get(self.role)
        filled = [name for name in ("region", "municipality", "school") if getattr(self, f"{name}_id")]
        if needed and filled != [needed]:
            labels = {"region": "регион", "municipality": "муниципалитет", "school": "школу"}
            raise ValidationError(f"Для роли «{self.get_role_display()}» укажите только {labels[needed]}.")
