"""The recommendation rules in force in each region: versions of its rules, edited by its method centre."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from portal.schools.models import Region


class RuleBookVersion(models.Model):
    """One saved version of a region's rules (YAML, the format of the shipped rules); the latest is in force.

    A region without any saved version uses the rules shipped with Опора; its first change (a rule saved in the
    form, or a file loaded) makes its own version, which only its roles change and only its municipalities use.
    Every version is kept, so a report can be traced to the rules that made its recommendations.
    """

    #: A region's rules concern every municipality of the region (portal.audit shows their changes to all).
    audit_region_wide = True

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+", verbose_name="регион")
    text = models.TextField("правила (YAML)")
    comment = models.CharField("что изменено", max_length=300)
    rules = models.PositiveIntegerField("правил")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="кто сохранил",
    )
    created_at = models.DateTimeField("когда", auto_now_add=True)

    class Meta:
        verbose_name = "версия правил рекомендаций"
        verbose_name_plural = "версии правил рекомендаций"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        when = f" от {self.created_at:%d.%m.%Y %H:%M}" if self.created_at else ""
        return f"Правила рекомендаций{when}: {self.comment}"
