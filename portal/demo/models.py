"""What of the demo has been loaded: one row per step, so that a second ``load_demo`` changes nothing."""

from __future__ import annotations

from django.db import models


class DemoStep(models.Model):
    """A step of the demo that has run (``base``, ``accounts``, ``monitoring@demo-minusinsk`` …).

    A step runs once: later ``load_demo`` runs skip it, whatever users have done to its data since (edited,
    deleted, published). Deleting the row makes the step run again on the next load.
    """

    key = models.CharField("шаг", max_length=120, unique=True)
    done_at = models.DateTimeField("выполнен", auto_now_add=True)
    note = models.CharField("итог", max_length=500, blank=True)

    class Meta:
        verbose_name = "шаг загрузки демо-данных"
        verbose_name_plural = "шаги загрузки демо-данных"
        ordering = ["done_at", "pk"]

    def __str__(self) -> str:
        return self.key
