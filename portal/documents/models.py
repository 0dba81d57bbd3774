"""The registry «Документы программы»: orders, regulations and letters of the program, and schools' status history.

A :class:`ProgramDocument` is one document with its requisites (kind, number, date, title, issuer), a file or a
link (or neither: a registry entry may record only the requisites), its scope (the authority, or one school), its
status (проект / действует / утратил силу) and what it evidences: slots of the monitoring indicators (1.1, 1.2,
2.1, 6.1 …, as ``"<code>"`` or ``"<code>|<subitem>"`` of the set ``order_2023_41``) and roadmap entries. The
monitoring reads the registry (``portal.monitoring.records``) instead of asking for links; documents marked public
appear on the program's public page.

A :class:`SchoolStatus` is one line of a school's history: a status a list or a project gave the school in a year
(ФИОКО list, «500+», the municipal classification), with the registry document it comes from.
"""

from __future__ import annotations

import datetime
import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.urls import reverse

from portal.schools.models import Municipality, School

#: The indicator set whose slots the registry's documents evidence.
INDICATOR_SET = "order_2023_41"


class Kind(models.TextChoices):
    PROGRAM_ORDER = "program_order", "Приказ о программе"
    COORDINATOR_REGULATION = "coordinator_regulation", "Положение о муниципальном координаторе"
    COUNCIL_REGULATION = "council_regulation", "Положение о координационном совете"
    VSOKO_REGULATION = "vsoko_regulation", "Положение о ВСОКО / об управлении качеством образования"
    MONITORING_REGULATION = "monitoring_regulation", "Положение о мониторинге"
    INTERNSHIP_ORDER = "internship_order", "Приказ о стажировочных площадках"
    FAILURE_PROGRAM = "failure_prevention_program", "Программа профилактики учебной неуспешности"
    SCHOOL_CONCEPT = (
        "school_concept",
        "Школьная программа (концепция) повышения качества образования, программа развития",
    )
    MINISTRY_LETTER = "ministry_letter", "Информационное письмо министерства"
    ORDER = "order", "Приказ"
    OTHER = "other", "Другой документ"


#: The slots a document of a kind evidences unless the user says otherwise (prefilled in the form).
DEFAULT_SLOTS: dict[str, dict[str, tuple[str, ...]]] = {
    "municipal": {
        Kind.PROGRAM_ORDER: ("1.1",),
        Kind.COORDINATOR_REGULATION: ("1.1", "1.2"),
        Kind.COUNCIL_REGULATION: ("1.1",),
        Kind.VSOKO_REGULATION: ("1.1",),
        Kind.MONITORING_REGULATION: ("1.1", "2.1", "6.1"),
        Kind.INTERNSHIP_ORDER: ("1.1",),
    },
    "school": {
        Kind.VSOKO_REGULATION: ("1.1|vsoko_regulation",),
        Kind.FAILURE_PROGRAM: ("1.1|failure_prevention_program", "5.4"),
        Kind.SCHOOL_CONCEPT: ("1.3",),
    },
}


class Status(models.TextChoices):
    DRAFT = "draft", "Проект"
    ACTIVE = "active", "Действует"
    REPEALED = "repealed", "Утратил силу"


def document_path(instance: ProgramDocument, filename: str) -> str:
    """Stored under MEDIA_ROOT with a random name; the original name is kept in ``original_name``."""
    ext = PurePath(filename).suffix.lower()
    return f"documents/{instance.municipality_id}/{uuid.uuid4().hex}{ext}"


class ProgramDocument(models.Model):
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="program_documents", verbose_name="муниципалитет"
    )
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="program_documents",
        verbose_name="школа",
        help_text="Пусто — документ органа управления образованием (муниципальный уровень).",
    )
    kind = models.CharField("вид документа", max_length=40, choices=Kind.choices)
    number = models.CharField("номер", max_length=60, blank=True)
    date = models.DateField("дата", null=True, blank=True)
    title = models.CharField("название", max_length=500)
    issuer = models.CharField("кто издал", max_length=300, blank=True)
    status = models.CharField("статус", max_length=10, choices=Status.choices, default=Status.ACTIVE)
    repealed_on = models.DateField(
        "утратил силу с", null=True, blank=True, help_text="Для статуса «утратил силу»: с какой даты."
    )
    description = models.TextField("примечание", blank=True)
    file = models.FileField("файл", upload_to=document_path, blank=True, max_length=300)
    original_name = models.CharField("имя файла", max_length=255, blank=True)
    size = models.PositiveIntegerField("размер, байт", null=True, blank=True)
    url = models.URLField("ссылка", max_length=1000, blank=True)
    is_public = models.BooleanField(
        "показывать на публичной странице",
        default=False,
        help_text="Реквизиты, файл и ссылка появятся на специализированной странице программы.",
    )
    #: slots of the monitoring indicators this document evidences: "1.1", "1.1|vsoko_regulation", …
    indicators = models.JSONField("подтверждает показатели", default=list, blank=True)
    roadmap_entries = models.ManyToManyField(
        "roadmap.RoadmapEntry",
        blank=True,
        related_name="registry_documents",
        verbose_name="подтверждает пункты дорожной карты",
    )
    #: a stable key of a generated or demo entry (re-loading the demo finds it), empty for documents users add
    key = models.CharField("ключ", max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("создан", auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField("изменён", auto_now=True)

    class Meta:
        verbose_name = "документ программы"
        verbose_name_plural = "документы программы"
        ordering = ["municipality", models.F("date").desc(nulls_last=True), "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "key"], condition=~models.Q(key=""), name="one_registry_key"
            )
        ]

    def __str__(self) -> str:
        return self.requisites

    def get_absolute_url(self) -> str:
        return reverse("documents:document", args=[self.pk])

    @property
    def requisites(self) -> str:
        """«Приказ о программе от 14.02.2022 № 84» — kind, date and number as far as they are known."""
        parts = [self.get_kind_display()]
        if self.date:
            parts.append(f"от {self.date:%d.%m.%Y}")
        if self.number:
            parts.append(f"№ {self.number}")
        return " ".join(parts)

    @property
    def slot_codes(self) -> str:
        """The evidenced indicators as codes: «1.1, 2.1, 6.1» (a subitem's slot shows its indicator's code)."""
        return ", ".join(dict.fromkeys(s.partition("|")[0] for s in self.indicators or []))

    @property
    def scope_label(self) -> str:
        return str(self.school) if self.school_id else "орган управления образованием"

    def in_force(self, year: int) -> bool:
        """Whether the document was in force at some time of ``year``.

        In force: status «действует» and dated no later than the year (or undated); or «утратил силу» with a
        repeal date in or after the year (and dated no later than it). A draft is never in force.
        """
        if self.date is not None and self.date.year > year:
            return False
        if self.status == Status.ACTIVE:
            return True
        if self.status == Status.REPEALED:
            return self.repealed_on is not None and self.repealed_on >= datetime.date(year, 1, 1)
        return False

    @property
    def has_file(self) -> bool:
        return bool(self.file)


class StatusKind(models.TextChoices):
    FIOKO = "fioko_low_results", "ШНОР по данным Рособрнадзора (ФИОКО)"
    LOW_RESULTS_ADVERSE = "low_results_adverse", "ШНОР и ШНСУ"
    PROJECT_500 = "project_500", "Участник проекта «500+»"
    AT_RISK = "at_risk", "Зона риска снижения образовательных результатов"


STATUS_SHORT = {
    StatusKind.FIOKO: "ФИОКО: ШНОР",
    StatusKind.LOW_RESULTS_ADVERSE: "ШНОР и ШНСУ",
    StatusKind.PROJECT_500: "«500+»",
    StatusKind.AT_RISK: "зона риска",
}


class SchoolStatus(models.Model):
    """A status a list or a project gave a school in a year (history beside the identification)."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="status_history", verbose_name="школа"
    )
    year = models.PositiveSmallIntegerField("год")
    kind = models.CharField("статус", max_length=30, choices=StatusKind.choices)
    document = models.ForeignKey(
        ProgramDocument,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="statuses",
        verbose_name="документ-основание",
    )
    source = models.TextField("основание (цитата)", blank=True)
    note = models.TextField("примечание", blank=True)
    key = models.CharField("ключ", max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("добавлен", auto_now_add=True)

    class Meta:
        verbose_name = "статус школы в году"
        verbose_name_plural = "история статусов школ"
        ordering = ["school__sort_key", "school__short_name", "year", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["school", "year", "kind"], name="one_school_status_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.school}: {self.get_kind_display()} ({self.year})"

    @property
    def municipality(self) -> Municipality:
        return self.school.municipality

    @property
    def short_label(self) -> str:
        """For narrow tables: «ФИОКО: ШНОР», «500+», «ШНОР и ШНСУ», «зона риска»."""
        return STATUS_SHORT.get(self.kind, self.get_kind_display())
