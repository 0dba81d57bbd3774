"""A background job: long work (documents for a whole municipality, imports) run outside the request."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from portal.schools.models import Municipality


class Job(models.Model):
    """One piece of background work, its progress and its result file.

    ``kind`` names a function registered with :func:`portal.jobs.services.register`; ``params`` are its JSON
    arguments. A job is ``queued`` → ``running`` → ``done`` or ``failed``; ``progress`` (0–100) and ``message``
    are updated while it runs and shown to the user (the page polls them). A running job's worker refreshes
    ``heartbeat``; a job whose heartbeat stops is put back in the queue (``attempts`` < ``max_attempts``) or failed,
    and ``attempt_log`` keeps what happened to each attempt (shown on the job page).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "в очереди"
        RUNNING = "running", "выполняется"
        DONE = "done", "готово"
        FAILED = "failed", "ошибка"

    kind = models.CharField("вид задачи", max_length=60)
    title = models.CharField("название", max_length=300)
    params = models.JSONField("параметры", default=dict, blank=True)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="jobs", verbose_name="муниципалитет"
    )
    status = models.CharField("статус", max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField("выполнено, %", default=0)
    message = models.CharField("состояние", max_length=300, blank=True)
    error = models.TextField("ошибка", blank=True)
    result = models.FileField("результат", upload_to="jobs/%Y/%m/", blank=True)
    result_name = models.CharField("имя файла результата", max_length=255, blank=True)
    result_mime = models.CharField("тип файла результата", max_length=120, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="кто поставил",
    )
    created_at = models.DateTimeField("поставлена", auto_now_add=True)
    started_at = models.DateTimeField("начата", null=True, blank=True)
    finished_at = models.DateTimeField("завершена", null=True, blank=True)
    heartbeat = models.DateTimeField("последний признак жизни", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("попыток начато", default=0)
    max_attempts = models.PositiveSmallIntegerField(
        "попыток не больше",
        default=3,
        help_text="Если обработчик задачи остановился (сбой, перезапуск сервера), задача повторяется, но не больше "
        "стольких раз.",
    )
    worker = models.CharField("обработчик", max_length=200, blank=True)
    lease = models.CharField(
        "метка попытки",
        max_length=32,
        blank=True,
        help_text="Выдаётся обработчику, взявшему задачу; результат попытки принимается, только пока метка та же.",
    )
    attempt_log = models.JSONField("попытки", default=list, blank=True)
    advice = models.CharField("что делать", max_length=500, blank=True)

    class Meta:
        verbose_name = "фоновая задача"
        verbose_name_plural = "фоновые задачи"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="job_queue")]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("jobs:job", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def retried(self) -> bool:
        """Whether the job needed (or is on) more than one attempt: then the page lists them."""
        return len(self.attempt_log) > 1

    @property
    def attempts_display(self) -> list[tuple[int, str, str]]:
        """(number, start «ДД.ММ.ГГГГ ЧЧ:ММ:СС» in local time, what happened) of each attempt, for the job page."""
        out = []
        for i, attempt in enumerate(self.attempt_log, start=1):
            started = parse_datetime(str(attempt.get("started_at", "")))
            when = timezone.localtime(started).strftime("%d.%m.%Y %H:%M:%S") if started else "—"
            out.append((int(attempt.get("attempt", i)), when, str(attempt.get("outcome") or "выполняется")))
        return out
