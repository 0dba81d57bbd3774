"""The recommendation rules in force: versions of the rules file, edited by the method centre."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RuleBookVersion(models.Model):
    """One saved version of the rules (YAML, the format of opora/data/recommendations.yaml); the latest is in force.

    Without any saved version the rules shipped with Опора are used. Every version is kept, so a report can be
    traced to the rules that made its recommendations.
    """

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
        return f"Правила рекомендаций от {self.created_at:%d.%m.%Y %H:%M} ({self.rules})"
