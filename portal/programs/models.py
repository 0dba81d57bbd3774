"""Risk profiles, the measures library and school programs (ШППКО, программа профилактики учебной неуспешности).

The risk factors (``RiskFactor``) and the shipped measures library (``Measure`` rows without a region) are seeded
from ``opora/data/*.yaml`` by ``sync_measures``. A region uses the shipped library until its method centre first
changes it; then the region gets its own copy (rows with its ``region``), which only its roles edit and only its
schools use (``portal.programs.library``). A ``Program`` is one version of a school's program: draft → submitted
(«ожидает утверждения») → approved (or returned with comments, and submitted again) → published; a new version
copies the previous one. Every ``ProgramMeasure`` keeps the provenance the Конструктор gave it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse

from portal.schools.models import Region, School


class Level(models.TextChoices):
    HIGH = "high", "высокий"
    MEDIUM = "medium", "средний"
    LOW = "low", "низкий"


class RiskFactor(models.Model):
    """A «500+» risk factor (core or optional); ``enabled`` switches an optional factor on for profiles."""

    code = models.SlugField("код", max_length=60, unique=True)
    title = models.CharField("название", max_length=300)
    description = models.TextField("описание", blank=True)
    levels = models.JSONField("описание уровней", default=dict, blank=True)
    optional = models.BooleanField("дополнительный", default=False)
    enabled = models.BooleanField("используется в профилях", default=True)
    position = models.PositiveSmallIntegerField("порядок", default=0)
    rule_note = models.TextField("правило расчёта по данным", blank=True)
    source = models.CharField("источник", max_length=300, blank=True)

    class Meta:
        verbose_name = "фактор риска"
        verbose_name_plural = "факторы риска"
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.title


class Measure(models.Model):
    """A measure of the library, tagged by risk factors, directions 1–6 and indicators of Приложение 1.

    ``region`` empty: the shipped library; set: the region's own copy (made on its first change).
    """

    #: Edits of a region's library concern every municipality of the region (portal.audit shows them to all).
    audit_region_wide = True

    class Origin(models.TextChoices):
        CATALOGUE = "catalogue", "из библиотеки, поставляемой с системой"
        METHOD_CENTRE = "method_centre", "добавлена методическим центром"

    TIMING_KINDS = [
        ("once", "однократно"),
        ("monthly", "ежемесячно"),
        ("quarterly", "ежеквартально"),
        ("per_term", "по четвертям (полугодиям)"),
        ("yearly", "ежегодно"),
        ("permanent", "постоянно"),
    ]

    region = models.ForeignKey(
        Region,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="регион (пусто — библиотека системы)",
    )
    code = models.SlugField("код", max_length=20)
    title = models.CharField("название", max_length=400)
    description = models.TextField("содержание")
    risk_factors = models.JSONField("факторы риска (коды)", default=list)
    directions = models.JSONField("направления 1–6", default=list)
    indicators = models.JSONField("показатели Приложения 1", default=list, blank=True)
    responsible_role = models.CharField("ответственный (роль)", max_length=200)
    timing_kind = models.CharField("периодичность", max_length=20, choices=TIMING_KINDS)
    timing_months = models.JSONField("типичные месяцы", default=list, blank=True)
    duration_months = models.PositiveSmallIntegerField("длительность, мес.", null=True, blank=True)
    expected_result = models.TextField("ожидаемый результат")
    evidence = models.TextField("документ, подтверждающий результат")
    levels = models.JSONField("уровни риска, при которых предлагается", default=list)
    priority = models.PositiveSmallIntegerField("приоритет (1 — первый)", default=2)
    is_active = models.BooleanField("предлагается Конструктором", default=True)
    origin = models.CharField(
        "происхождение", max_length=20, choices=Origin.choices, default=Origin.CATALOGUE
    )
    updated_at = models.DateTimeField("изменена", auto_now=True)

    class Meta:
        verbose_name = "мера библиотеки"
        verbose_name_plural = "библиотека мер"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["region", "code"], name="one_measure_code_per_region"),
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(region__isnull=True), name="one_shipped_measure_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.title}"

    @property
    def level_labels(self) -> list[str]:
        """The risk levels it is proposed at, in Russian («высокий», «средний»)."""
        names = dict(Level.choices)
        return [str(names.get(lv, lv)) for lv in self.levels]


class RiskProfile(models.Model):
    """A school's risk profile in a year: one ``RiskLevel`` per factor."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="risk_profiles", verbose_name="школа"
    )
    year = models.PositiveSmallIntegerField("год")
    updated_at = models.DateTimeField("изменён", auto_now=True)

    class Meta:
        verbose_name = "рисковый профиль"
        verbose_name_plural = "рисковые профили"
        ordering = ["school", "-year"]
        constraints = [models.UniqueConstraint(fields=["school", "year"], name="one_risk_profile_per_year")]

    def __str__(self) -> str:
        return f"{self.school}: рисковый профиль {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("programs:risk_profile", args=[self.school_id, self.year])

    def as_dict(self) -> dict[str, str]:
        """factor code → level, for the Конструктор."""
        return {lv.factor.code: lv.level for lv in self.levels.select_related("factor")}


class RiskLevel(models.Model):
    """One factor's level and where it came from; an override keeps the level the data gave."""

    class Source(models.TextChoices):
        IMPORTED = "imported", "загружен из файла"
        SELF = "self_assessment", "самодиагностика школы"
        COMPUTED = "computed", "рассчитан по данным"
        OVERRIDE = "override", "изменён вручную (с обоснованием)"

    profile = models.ForeignKey(
        RiskProfile, on_delete=models.CASCADE, related_name="levels", verbose_name="профиль"
    )
    factor = models.ForeignKey(RiskFactor, on_delete=models.PROTECT, related_name="+", verbose_name="фактор")
    level = models.CharField("уровень", max_length=10, choices=Level.choices)
    source = models.CharField("источник", max_length=20, choices=Source.choices)
    reason = models.TextField("основание", blank=True)
    computed_level = models.CharField("уровень по данным", max_length=10, choices=Level.choices, blank=True)
    comment = models.TextField("обоснование изменения", blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField("изменён", auto_now=True)

    class Meta:
        verbose_name = "уровень фактора риска"
        verbose_name_plural = "уровни факторов риска"
        ordering = ["profile", "factor__position"]
        constraints = [models.UniqueConstraint(fields=["profile", "factor"], name="one_level_per_factor")]

    def __str__(self) -> str:
        return f"{self.factor.title}: {self.get_level_display()}"  # the audit log shows it: no factor code

    @property
    def school(self) -> School:
        return self.profile.school


class Program(models.Model):
    """One version of a school's program; the wizard edits drafts only."""

    class Kind(models.TextChoices):
        SHPPKO = "shppko", "ШППКО"
        FAILURE = "failure_prevention", "Программа профилактики учебной неуспешности"

    class Status(models.TextChoices):
        DRAFT = "draft", "Черновик"
        SUBMITTED = "submitted", "Ожидает утверждения"
        RETURNED = "returned", "Возвращена на доработку"
        APPROVED = "approved", "Утверждена"
        PUBLISHED = "published", "Опубликована"

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="programs", verbose_name="школа"
    )
    kind = models.CharField("вид", max_length=20, choices=Kind.choices, default=Kind.SHPPKO)
    version = models.PositiveSmallIntegerField("версия", default=1)
    status = models.CharField("статус", max_length=10, choices=Status.choices, default=Status.DRAFT)
    title = models.CharField("название", max_length=400)
    year_from = models.PositiveSmallIntegerField("период: с", default=2023)
    year_to = models.PositiveSmallIntegerField("период: по", default=2025)
    school_year = models.PositiveSmallIntegerField(
        "учебный год календарного графика (год начала)", default=2023
    )
    profile_year = models.PositiveSmallIntegerField("год рискового профиля")
    priorities = models.JSONField("приоритетные факторы", default=list, blank=True)
    #: What the team saw when it started: profile, categories, results, facts (numbers of the analysis section).
    snapshot = models.JSONField("данные школы (снимок)", default=dict, blank=True)
    analysis_note = models.TextField("выводы команды по анализу", blank=True)
    director = models.CharField("руководитель программы", max_length=200, blank=True)
    step = models.PositiveSmallIntegerField("шаг мастера", default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("создана", auto_now_add=True)
    updated_at = models.DateTimeField("изменена", auto_now=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField("отправлена на утверждение", null=True, blank=True)
    #: The coordinator's comment when returning the program (kept until the next decision; the audit keeps all).
    review_comment = models.TextField("замечания при возврате", blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField("рассмотрена", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField("утверждена", null=True, blank=True)
    published_at = models.DateTimeField("опубликована", null=True, blank=True)

    class Meta:
        verbose_name = "программа школы"
        verbose_name_plural = "программы школ"
        ordering = ["school", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["school", "kind", "version"], name="one_program_version")
        ]

    def __str__(self) -> str:
        return f"{self.school}: {self.get_kind_display()}, версия {self.version}"

    def get_absolute_url(self) -> str:
        return reverse("programs:step", args=[self.pk, 1])

    @property
    def is_draft(self) -> bool:
        """The school works on it (a draft, or returned with comments): the wizard may change it."""
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED

    @property
    def is_approved(self) -> bool:
        """Approved (or published): the document says «УТВЕРЖДЕНА»; only a new version changes it."""
        return self.status in (self.Status.APPROVED, self.Status.PUBLISHED)

    @property
    def label(self) -> str:
        return f"{self.get_kind_display()} {self.year_from}–{self.year_to}, версия {self.version}"


class Goal(models.Model):
    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="goals", verbose_name="программа"
    )
    position = models.PositiveSmallIntegerField("порядок", default=0)
    factor_code = models.CharField("фактор риска", max_length=60, blank=True)
    text = models.TextField("цель")
    tasks = models.TextField("задачи (по одной в строке)", blank=True)
    indicator = models.CharField("показатель", max_length=300)
    unit = models.CharField("единица", max_length=20, blank=True)
    baseline = models.FloatField("базовое значение", null=True, blank=True)
    target = models.FloatField("целевое значение", null=True, blank=True)

    class Meta:
        verbose_name = "цель программы"
        verbose_name_plural = "цели программы"
        ordering = ["program", "position", "pk"]

    def __str__(self) -> str:
        return self.text[:100]

    @property
    def school(self) -> School:
        return self.program.school

    @property
    def task_list(self) -> list[str]:
        return [t.strip() for t in self.tasks.splitlines() if t.strip()]


class ProgramMeasure(models.Model):
    """A measure of a program: from the library (with provenance) or the team's own."""

    class Origin(models.TextChoices):
        PROPOSED = "proposed", "предложена Конструктором"
        LIBRARY = "library", "добавлена командой из библиотеки"
        OWN = "own", "своя мера школы"

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="measures", verbose_name="программа"
    )
    position = models.PositiveSmallIntegerField("порядок", default=0)
    measure = models.ForeignKey(
        Measure,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="мера библиотеки",
    )
    code = models.CharField("код", max_length=20, blank=True)
    title = models.CharField("мероприятие", max_length=400)
    description = models.TextField("содержание", blank=True)
    factor_codes = models.JSONField("факторы риска", default=list, blank=True)
    directions = models.JSONField("направления", default=list, blank=True)
    indicators = models.JSONField("показатели", default=list, blank=True)
    responsible = models.CharField("ответственный", max_length=200, blank=True)
    start = models.DateField("начало", null=True, blank=True)
    end = models.DateField("окончание", null=True, blank=True)
    timing_kind = models.CharField("периодичность", max_length=20, blank=True)
    timing_months = models.JSONField("типичные месяцы", default=list, blank=True)
    expected_result = models.TextField("ожидаемый результат", blank=True)
    evidence = models.TextField("документ", blank=True)
    origin = models.CharField("происхождение", max_length=10, choices=Origin.choices)
    #: {"factor", "level", "rule", "rule_text", "indicators", "also"} — why the Конструктор proposed it.
    provenance = models.JSONField("основание (правило Конструктора)", default=dict, blank=True)

    class Meta:
        verbose_name = "мера программы"
        verbose_name_plural = "меры программы"
        ordering = ["program", "position", "pk"]

    def __str__(self) -> str:
        return self.title[:100]

    @property
    def school(self) -> School:
        return self.program.school

    def provenance_text(self) -> str:
        p: dict[str, Any] = self.provenance or {}
        return str(p.get("text", "")) if p else "своя мера школы"
