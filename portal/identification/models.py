"""Identification runs: a stored, reproducible calculation (config snapshot + data version) and its outcomes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse

from portal.results.models import ReferenceDataset
from portal.schools.models import Municipality, Region, School


class Category(models.TextChoices):
    """Russian labels of the core's category codes (opora.classify.Category)."""

    LOW_RESULTS = "low_results", "ШНОР (низкие результаты)"
    ADVERSE_CONTEXT = "adverse_context", "ШНСУ (неблагоприятные условия)"
    RESILIENT = "resilient", "Резильентная школа"
    ABOVE_EXPECTED = "above_expected", "Результаты выше ожидаемых"
    AT_RISK = "at_risk", "Зона риска"


SHORT_LABELS = {
    "low_results": "ШНОР",
    "adverse_context": "ШНСУ",
    "resilient": "Резильентная",
    "above_expected": "Выше ожидаемых",
    "at_risk": "Зона риска",
}


def category_label(code: str) -> str:
    try:
        return str(Category(code).label)
    except ValueError:
        return code


class IdentificationSettings(models.Model):
    """The municipality's saved configuration (JSON of opora.config.IdentificationConfig); empty = defaults."""

    municipality = models.OneToOneField(
        Municipality,
        on_delete=models.CASCADE,
        related_name="identification_settings",
        verbose_name="муниципалитет",
    )
    config = models.JSONField("параметры методики", default=dict, blank=True)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        verbose_name = "параметры идентификации"
        verbose_name_plural = "параметры идентификации"

    def __str__(self) -> str:
        return f"Параметры идентификации: {self.municipality}"


class RegionIdentificationSettings(models.Model):
    """The region's configuration of the region-wide identification (JSON of IdentificationConfig); empty = defaults.

    A region-wide run uses these settings (not a municipality's): one model and one set of thresholds for every
    municipality of the region.
    """

    region = models.OneToOneField(
        Region, on_delete=models.CASCADE, related_name="identification_settings", verbose_name="регион"
    )
    config = models.JSONField("параметры методики", default=dict, blank=True)
    updated_at = models.DateTimeField("изменено", auto_now=True)

    class Meta:
        verbose_name = "параметры идентификации региона"
        verbose_name_plural = "параметры идентификации регионов"

    def __str__(self) -> str:
        return f"Параметры идентификации: {self.region}"


class RegionRun(models.Model):
    """A region-wide identification: the model is fitted once on every school of the region and applied to each
    municipality; the per-municipality results are ordinary IdentificationRuns linked here (``runs``)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "В очереди"
        RUNNING = "running", "Выполняется"
        FINISHED = "finished", "Рассчитан"
        PUBLISHED = "published", "Опубликован"
        FAILED = "failed", "Ошибка"

    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="identification_runs", verbose_name="регион"
    )
    year = models.PositiveSmallIntegerField("год идентификации")
    status = models.CharField("статус", max_length=10, choices=Status.choices, default=Status.QUEUED)
    config = models.JSONField("параметры (снимок)", default=dict)
    fit_description = models.CharField("выборка модели", max_length=300, blank=True)
    n_fit = models.PositiveIntegerField("школ в модели", default=0)
    n_schools = models.PositiveIntegerField("школ в регионе", default=0)
    n_municipalities = models.PositiveIntegerField("муниципалитетов", default=0)
    model = models.JSONField("модель", default=dict, blank=True)
    data_version = models.CharField("версия данных (SHA-256)", max_length=64, blank=True)
    error = models.TextField("ошибка", blank=True)
    job = models.ForeignKey(
        "jobs.Job",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="фоновая задача",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="рассчитал",
    )
    created_at = models.DateTimeField("когда", auto_now_add=True)
    finished_at = models.DateTimeField("рассчитан", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="опубликовал",
    )
    published_at = models.DateTimeField("опубликован", null=True, blank=True)

    class Meta:
        verbose_name = "региональный расчёт идентификации"
        verbose_name_plural = "региональные расчёты идентификации"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Региональная идентификация {self.year} № {self.pk} ({self.region})"

    def get_absolute_url(self) -> str:
        return reverse("identification:region_run", args=[self.pk])


class IdentificationRun(models.Model):
    class Status(models.TextChoices):
        FINISHED = "finished", "Рассчитан"
        PUBLISHED = "published", "Опубликован"
        ARCHIVED = "archived", "В архиве"

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        related_name="identification_runs",
        verbose_name="муниципалитет",
    )
    year = models.PositiveSmallIntegerField("год идентификации")
    status = models.CharField("статус", max_length=10, choices=Status.choices, default=Status.FINISHED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="рассчитал",
    )
    created_at = models.DateTimeField("когда", auto_now_add=True)
    reference = models.ForeignKey(
        ReferenceDataset,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="runs",
        verbose_name="модель построена на",
    )
    fit_description = models.CharField("выборка модели", max_length=300)
    config = models.JSONField("параметры (снимок)")
    data_version = models.CharField("версия данных (SHA-256)", max_length=64)
    model = models.JSONField("модель", default=dict)
    n_fit = models.PositiveIntegerField("школ в модели", default=0)
    excluded = models.JSONField("исключены из расчёта", default=list, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="опубликовал",
    )
    published_at = models.DateTimeField("опубликован", null=True, blank=True)
    region_run = models.ForeignKey(
        RegionRun,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="runs",
        verbose_name="региональный расчёт",
        help_text="Заполнено, если модель построена на всех школах региона.",
    )

    class Meta:
        verbose_name = "расчёт идентификации"
        verbose_name_plural = "расчёты идентификации"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Идентификация {self.year} № {self.pk} ({self.municipality})"

    def get_absolute_url(self) -> str:
        return reverse("identification:run", args=[self.pk])


class SchoolOutcome(models.Model):
    """One school's numbers, categories and reasons in a run."""

    run = models.ForeignKey(
        IdentificationRun, on_delete=models.CASCADE, related_name="outcomes", verbose_name="расчёт"
    )
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="outcomes", verbose_name="школа"
    )
    results_index = models.FloatField("индекс результатов", null=True)
    context_index = models.FloatField("индекс контекста", null=True)
    expected = models.FloatField("ожидаемое значение", null=True)
    residual = models.FloatField("остаток", null=True)
    std_residual = models.FloatField("стандартизованный остаток", null=True)
    studentized_residual = models.FloatField("стьюдентизированный остаток", null=True)
    ci_low = models.FloatField("ДИ среднего: нижняя граница", null=True)
    ci_high = models.FloatField("ДИ среднего: верхняя граница", null=True)
    pi_low = models.FloatField("интервал прогноза: нижняя граница", null=True)
    pi_high = models.FloatField("интервал прогноза: верхняя граница", null=True)
    shrunk_residual = models.FloatField("остаток со сжатием", null=True)
    n_components = models.PositiveIntegerField("компонентов индекса", default=0)
    n_participants = models.PositiveIntegerField("участников", default=0)
    categories = models.JSONField("категории", default=list)
    reasons = models.JSONField("обоснование", default=list)
    components = models.JSONField("компоненты индекса", default=list)
    risk_factors = models.JSONField("факторы риска", default=list)
    excluded_reason = models.CharField("причина исключения", max_length=300, blank=True)

    class Meta:
        verbose_name = "результат школы"
        verbose_name_plural = "результаты школ"
        ordering = ["school__sort_key", "school__short_name"]
        constraints = [models.UniqueConstraint(fields=["run", "school"], name="one_outcome_per_school")]

    def __str__(self) -> str:
        return f"{self.school}: {', '.join(self.categories) or '—'}"

    def category_labels(self) -> list[dict[str, Any]]:
        return [
            {"code": c, "label": category_label(c), "short": SHORT_LABELS.get(c, c)} for c in self.categories
        ]
