"""Roadmap tracking: items (measures) of the municipal roadmap or of a school's roadmap, and their years.

An :class:`RoadmapItem` is one measure: direction, text, responsible executors, schedule, evidence wanted. It
belongs to a municipality and, for a school roadmap (e.g. fed by the ШППКО constructor), to a school too.
``source`` names where the item came from: the code of a shipped roadmap (``minusinsk_2023_2025``) or the key the
caller of ``services.upsert_school_items`` chose. A :class:`RoadmapEntry` is one year of an item: the planned
result, the due dates of that year, the stored status (``planned``/``in_progress``/``done``; «просрочено» is
derived by ``opora.roadmap_tracking``), comments with status history and evidence (an uploaded file or a link).
"""

from __future__ import annotations

import datetime
import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.urls import reverse

from opora.roadmap_tracking import STATUS_LABELS
from portal.schools.models import Municipality, School


class ScheduleKind(models.TextChoices):
    YEARLY = "yearly", "до конца года"
    PERMANENT = "permanent", "постоянно"
    MONTHLY = "monthly", "ежемесячно"
    SCHOOL_YEAR = "school_year", "в течение учебного года"
    PERIOD = "period", "период"
    DATE = "date", "к дате"


class Status(models.TextChoices):
    PLANNED = "planned", STATUS_LABELS["planned"]
    IN_PROGRESS = "in_progress", STATUS_LABELS["in_progress"]
    DONE = "done", STATUS_LABELS["done"]


class RoadmapItem(models.Model):
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="roadmap_items", verbose_name="муниципалитет"
    )
    school = models.ForeignKey(
        School,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="roadmap_items",
        verbose_name="школа",
        help_text="Пусто — пункт муниципальной дорожной карты.",
    )
    source = models.CharField("источник (ключ)", max_length=100)
    source_title = models.TextField("название дорожной карты", blank=True)
    code = models.CharField("код пункта", max_length=60)
    position = models.PositiveIntegerField("порядок", default=0)
    direction = models.PositiveSmallIntegerField("направление")
    direction_title = models.TextField("название направления", blank=True)
    group = models.TextField("группа школ", blank=True)
    measure = models.TextField("мероприятие")
    responsible = models.TextField("ответственные", blank=True)
    responsible_roles = models.JSONField("роли ответственных", default=list, blank=True)
    deadline = models.CharField("срок (как в документе)", max_length=300, blank=True)
    schedule_kind = models.CharField(
        "периодичность", max_length=20, choices=ScheduleKind.choices, default=ScheduleKind.YEARLY
    )
    evidence_wanted = models.JSONField("документы, закрепляющие результат", default=list, blank=True)
    indicators = models.JSONField("показатели Приложения 1", default=list, blank=True)
    note = models.TextField("примечание", blank=True)
    is_active = models.BooleanField(
        "действует",
        default=True,
        help_text="Снимается, когда пункт исчез из источника, но по нему уже есть отметки (они сохраняются).",
    )

    class Meta:
        verbose_name = "пункт дорожной карты"
        verbose_name_plural = "пункты дорожных карт"
        ordering = ["municipality", "school", "source", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "source", "code"],
                condition=models.Q(school__isnull=True),
                name="one_municipal_roadmap_item_code",
            ),
            models.UniqueConstraint(
                fields=["school", "source", "code"],
                condition=models.Q(school__isnull=False),
                name="one_school_roadmap_item_code",
            ),
        ]

    def __str__(self) -> str:
        text = self.measure if len(self.measure) <= 100 else self.measure[:97].rstrip() + "…"
        return f"{self.code}. {text}"

    @property
    def owner_label(self) -> str:
        return str(self.school) if self.school_id else "муниципальная"


class RoadmapEntry(models.Model):
    """One year of one item: planned result, due dates, status, comments and evidence."""

    item = models.ForeignKey(
        RoadmapItem, on_delete=models.CASCADE, related_name="entries", verbose_name="пункт"
    )
    year = models.PositiveSmallIntegerField("год")
    planned_result = models.TextField("планируемый результат", blank=True)
    #: ISO dates (``Schedule.due_dates`` of the year, or the date a school program set), ascending.
    due_dates = models.JSONField("сроки в этом году", default=list, blank=True)
    status = models.CharField("статус", max_length=20, choices=Status.choices, default=Status.PLANNED)
    done_on = models.DateField("выполнено", null=True, blank=True)
    updated_at = models.DateTimeField("изменено", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="изменил",
    )

    class Meta:
        verbose_name = "год пункта дорожной карты"
        verbose_name_plural = "годы пунктов дорожных карт"
        ordering = ["item__position", "year"]
        constraints = [models.UniqueConstraint(fields=["item", "year"], name="one_roadmap_entry_per_year")]

    def __str__(self) -> str:
        return f"{self.item} — {self.year} г."

    def get_absolute_url(self) -> str:
        return reverse("roadmap:entry", args=[self.pk])

    # The audit log files an entry under the item's municipality and school.
    @property
    def municipality(self) -> Municipality:
        return self.item.municipality

    @property
    def school(self) -> School | None:
        return self.item.school

    @property
    def due(self) -> list[datetime.date]:
        return [datetime.date.fromisoformat(d) for d in self.due_dates]


class RoadmapComment(models.Model):
    """A comment on an entry; a status change is a comment with ``status_from``/``status_to`` set."""

    entry = models.ForeignKey(
        RoadmapEntry, on_delete=models.CASCADE, related_name="comments", verbose_name="год пункта"
    )
    text = models.TextField("комментарий", blank=True)
    status_from = models.CharField("статус был", max_length=20, choices=Status.choices, blank=True)
    status_to = models.CharField("статус стал", max_length=20, choices=Status.choices, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="автор",
    )
    author_repr = models.CharField("автор (подпись)", max_length=200, blank=True)
    created_at = models.DateTimeField("создан", auto_now_add=True)

    class Meta:
        verbose_name = "комментарий к дорожной карте"
        verbose_name_plural = "комментарии к дорожной карте"
        ordering = ["entry", "-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.entry}: {self.text[:60]}"

    @property
    def municipality(self) -> Municipality:
        return self.entry.item.municipality

    @property
    def school(self) -> School | None:
        return self.entry.item.school


def evidence_path(instance: Evidence, filename: str) -> str:
    """Stored under MEDIA_ROOT with a random name; the original name is kept in ``original_name``."""
    ext = PurePath(filename).suffix.lower()
    return f"roadmap/{instance.entry.item.municipality_id}/{uuid.uuid4().hex}{ext}"


class Evidence(models.Model):
    """A document fixing the result: an uploaded file (served only through a permission-checked view) or a link."""

    entry = models.ForeignKey(
        RoadmapEntry, on_delete=models.CASCADE, related_name="evidence", verbose_name="год пункта"
    )
    title = models.CharField("название документа", max_length=300, blank=True)
    file = models.FileField("файл", upload_to=evidence_path, blank=True, max_length=300)
    original_name = models.CharField("имя файла", max_length=255, blank=True)
    size = models.PositiveIntegerField("размер, байт", null=True, blank=True)
    url = models.URLField("ссылка", max_length=1000, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="добавил",
    )
    added_at = models.DateTimeField("добавлен", auto_now_add=True)

    class Meta:
        verbose_name = "документ, закрепляющий результат"
        verbose_name_plural = "документы, закрепляющие результат"
        ordering = ["entry", "added_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(~models.Q(file="") & models.Q(url="")) | (models.Q(file="") & ~models.Q(url="")),
                name="evidence_is_file_or_link",
            )
        ]

    def __str__(self) -> str:
        return self.title or self.original_name or self.url

    @property
    def is_file(self) -> bool:
        return bool(self.file)

    @property
    def label(self) -> str:
        return self.title or self.original_name or self.url

    @property
    def municipality(self) -> Municipality:
        return self.entry.item.municipality

    @property
    def school(self) -> School | None:
        return self.entry.item.school
