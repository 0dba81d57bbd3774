"""Background jobs: a queue in the database, run by a worker process, a thread of the web process, or inline.

Work that takes longer than a page request (documents for a whole municipality, large imports) is registered as a
*kind* with :func:`register` and started with :func:`enqueue`. Where it runs is a setting, ``OPORA_JOBS_MODE``
(docs/decisions/0005-background-jobs.md):

* ``worker`` — production: ``manage.py run_jobs`` processes (any number, on any host sharing the database) claim
  queued jobs; on PostgreSQL with ``SELECT … FOR UPDATE SKIP LOCKED``, so two workers never take the same job;
* ``thread`` — the default for a single-process installation and ``make run``: the job starts in a thread of the
  web process once the enqueuing transaction commits;
* ``inline`` — tests: the job runs at once, in the caller's transaction.

A job reports progress through the :class:`Progress` it is given; the job page polls it. A failure is stored with
a Russian message (a :class:`JobError` carries one for the user; any other exception is logged and shown as an
internal error) and never reaches the user as a 500.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from portal.audit.services import record
from portal.jobs.models import Job
from portal.schools.models import Municipality

logger = logging.getLogger(__name__)

MODES = ("worker", "thread", "inline")


class JobError(Exception):
    """A job cannot be done; ``str(error)`` is a Russian sentence shown on the job page."""


@dataclass(frozen=True, slots=True)
class JobResult:
    """What a job produced: a file to download (``content`` empty when there is none) and a closing message."""

    filename: str = ""
    mime: str = ""
    content: bytes = b""
    message: str = "Готово."


class Progress:
    """Reports a running job's progress (0–100) and a message; writes at most every ``interval`` seconds."""

    def __init__(self, job: Job, *, interval: float = 0.5) -> None:
        self.job = job
        self.interval = interval
        self._last = 0.0

    def __call__(self, percent: float, message: str = "") -> None:
        now = time.monotonic()
        if now - self._last < self.interval and percent < 100:
            return
        self._last = now
        self.job.progress = max(0, min(100, int(percent)))
        self.job.message = message[:300]
        Job.objects.filter(pk=self.job.pk).update(
            progress=self.job.progress, message=self.job.message, heartbeat=timezone.now()
        )


JobFunction = Callable[[Job, Progress], JobResult]
_REGISTRY: dict[str, JobFunction] = {}


def register(kind: str) -> Callable[[JobFunction], JobFunction]:
    """Register a job function under ``kind`` (a decorator); the kind is stored with each job."""

    def decorate(func: JobFunction) -> JobFunction:
        _REGISTRY[kind] = func
        return func

    return decorate


def mode() -> str:
    value = getattr(settings, "OPORA_JOBS_MODE", "thread")
    if value not in MODES:
        raise ValueError(f"OPORA_JOBS_MODE={value!r}: ожидается одно из {', '.join(MODES)}")
    return str(value)


def enqueue(kind: str, *, title: str, params: dict[str, Any], municipality: Municipality, by: Any) -> Job:
    """Queue a job; it starts according to ``OPORA_JOBS_MODE``. Returns the job (its page shows progress)."""
    if kind not in _REGISTRY:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job.objects.create(
        kind=kind,
        title=title[:300],
        params=params,
        municipality=municipality,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        message="В очереди.",
    )
    record(job, "jobs.job.queued", by=by, data={"kind": kind, "params": params})
    current = mode()
    if current == "inline":
        run(job.pk)
        job.refresh_from_db()
    elif current == "thread":
        transaction.on_commit(lambda: _start_thread(job.pk))
    return job


def _start_thread(pk: int) -> None:
    threading.Thread(target=_thread_main, args=(pk,), name=f"opora-job-{pk}", daemon=True).start()


def _thread_main(pk: int) -> None:
    try:
        run(pk)
    finally:
        connection.close()  # the thread's own connection


def _claim(pk: int | None) -> Job | None:
    """Take a queued job (the given one, or the oldest) and mark it running; None when there is none."""
    with transaction.atomic():
        queryset = Job.objects.filter(status=Job.Status.QUEUED)
        if connection.features.has_select_for_update_skip_locked:
            queryset = queryset.select_for_update(skip_locked=True)
        elif connection.features.has_select_for_update:
            queryset = queryset.select_for_update()
        if pk is not None:
            queryset = queryset.filter(pk=pk)
        job = queryset.order_by("created_at", "pk").first()
        if job is None:
            return None
        now = timezone.now()
        job.status, job.started_at, job.heartbeat = Job.Status.RUNNING, now, now
        job.message = "Выполняется…"
        job.save(update_fields=["status", "started_at", "heartbeat", "message"])
    return job


def run(pk: int | None = None) -> Job | None:
    """Run one queued job (``pk``, or the oldest queued one); return it finished, or None if none was queued."""
    job = _claim(pk)
    if job is None:
        return None
    func = _REGISTRY.get(job.kind)
    try:
        if func is None:
            raise JobError(f"Неизвестный вид задачи «{job.kind}»: обновите программу на всех серверах.")
        result = func(job, Progress(job))
    except JobError as exc:
        _finish(job, Job.Status.FAILED, error=str(exc))
    except Exception as exc:  # a bug in a job must not kill the worker: it is logged and shown as failed
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(
            job, Job.Status.FAILED, error=f"Внутренняя ошибка при выполнении задачи ({type(exc).__name__})."
        )
    else:
        if result.content:
            job.result.save(result.filename, ContentFile(result.content), save=False)
            job.result_name, job.result_mime = result.filename, result.mime
        _finish(job, Job.Status.DONE, message=result.message)
    return job


def _finish(job: Job, status: str, *, message: str = "", error: str = "") -> None:
    job.status = status
    job.finished_at = timezone.now()
    job.heartbeat = job.finished_at
    job.error = error
    job.message = (message or ("Ошибка." if error else "Готово."))[:300]
    if status == Job.Status.DONE:
        job.progress = 100
    job.save()
    record(job, f"jobs.job.{status}", by=None, data={"error": error} if error else {"file": job.result_name})


def run_pending(limit: int | None = None) -> int:
    """Run queued jobs one after another until none is left (or ``limit`` ran); return how many ran."""
    count = 0
    while limit is None or count < limit:
        if run() is None:
            break
        count += 1
    return count


def fail_stale(*, minutes: int = 30) -> int:
    """Mark running jobs without a sign of life for ``minutes`` as failed (their worker stopped); return count."""
    cutoff = timezone.now() - datetime.timedelta(minutes=minutes)
    return Job.objects.filter(status=Job.Status.RUNNING, heartbeat__lt=cutoff).update(
        status=Job.Status.FAILED,
        finished_at=timezone.now(),
        error=f"Задача прервана: обработчик не отвечал более {minutes} мин. Запустите её снова.",
        message="Ошибка.",
    )
