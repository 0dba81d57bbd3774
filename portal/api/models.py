"""Access tokens of the integration API: each scoped to one municipality or one region, hashed at rest."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from portal.schools.models import Municipality, Region

#: What a token may do: read (GET) and/or write (push data).
READ, WRITE = "read", "write"
PERMISSION_LABELS = {READ: "чтение", WRITE: "запись"}


class ApiToken(models.Model):
    """A bearer token. Only the SHA-256 of the secret is stored; ``prefix`` (its first characters) identifies it."""

    name = models.CharField("название (система, для которой выдан)", max_length=100)
    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name="регион"
    )
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_tokens",
        verbose_name="муниципалитет",
    )
    permissions = models.JSONField("права", default=list)
    prefix = models.CharField("начало токена", max_length=16, db_index=True)
    token_hash = models.CharField("SHA-256 токена", max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="выдал",
    )
    created_at = models.DateTimeField("выдан", auto_now_add=True)
    expires_at = models.DateTimeField("действует до", null=True, blank=True)
    last_used_at = models.DateTimeField("последнее обращение", null=True, blank=True)
    revoked_at = models.DateTimeField("отозван", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="отозвал",
    )

    class Meta:
        verbose_name = "токен API"
        verbose_name_plural = "токены API"
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Exactly one scope: a municipality or a region (as RoleAssignment's role_matches_scope).
            models.CheckConstraint(
                condition=Q(region__isnull=False, municipality__isnull=True)
                | Q(region__isnull=True, municipality__isnull=False),
                name="api_token_one_scope",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def scope(self) -> Region | Municipality:
        return self.municipality or self.region  # type: ignore[return-value]

    @property
    def scope_region_id(self) -> int:
        return self.region_id if self.region_id is not None else self.municipality.region_id  # type: ignore[union-attr,return-value]

    def can(self, permission: str) -> bool:
        return permission in (self.permissions or [])

    @property
    def permissions_label(self) -> str:
        return ", ".join(PERMISSION_LABELS.get(p, p) for p in self.permissions or [])

    def is_active(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @property
    def state_label(self) -> str:
        if self.revoked_at is not None:
            return "отозван"
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return "истёк"
        return "действует"
