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
a Russian message — what happened and what to do (a :class:`JobError` carries one for the user; any other
exception is logged and shown as an internal error) — and never reaches the user as a 500.

A worker that dies mid-job (killed, out of memory, server restarted) is noticed by its silence: while a job runs,
a thread of its worker refreshes ``Job.heartbeat`` every ``OPORA_JOBS_HEARTBEAT_SECONDS`` (10); a running job
without a heartbeat for ``OPORA_JOBS_STALE_SECONDS`` (60) is put back in the queue by :func:`recover_stale`
(every worker calls it between polls; in ``thread`` mode the job pages do) and run again, at most
``Job.max_attempts`` times in all — so it is retried within about a minute and a half. Each attempt holds a
``lease``; a late result of an attempt that was given up is discarded, so two attempts never both write. Job
functions must therefore be idempotent: running one again after a crash gives the same result. Refusals
(:class:`JobError`) and bugs are not retried: they would fail the same way again.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import threading
import time
import uuid
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


DEFAULT_ADVICE = "Устраните причину, названную выше, и запустите задачу снова там же, где запускали её."


class JobError(Exception):
    """A job cannot be done; ``str(error)`` is a Russian sentence shown on the job page, ``advice`` what to do."""

    def __init__(self, message: str, *, advice: str = DEFAULT_ADVICE) -> None:
        super().__init__(message)
        self.advice = advice


def heartbeat_seconds() -> float:
    return float(getattr(settings, "OPORA_JOBS_HEARTBEAT_SECONDS", 10))


def stale_seconds() -> float:
    return float(getattr(settings, "OPORA_JOBS_STALE_SECONDS", 60))


def worker_name() -> str:
    return f"{socket.gethostname()}, процесс {os.getpid()}"


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
        Job.objects.filter(pk=self.job.pk, lease=self.job.lease).update(
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
        max_attempts=int(getattr(settings, "OPORA_JOBS_MAX_ATTEMPTS", 3)),
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
    except Exception:  # e.g. a busy SQLite: the job stays queued (or goes silent) and is started again later
        logger.warning("job %s: its thread stopped", pk, exc_info=True)
    finally:
        connection.close()  # the thread's own connection


def _claim(pk: int | None) -> Job | None:
    """Take a queued job (the given one, or the oldest), mark it running under a new lease; None when none."""
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
        job.attempts += 1
        job.lease = uuid.uuid4().hex
        job.worker = worker_name()[:200]
        job.attempt_log = [
            *job.attempt_log,
            {"attempt": job.attempts, "started_at": now.isoformat(), "worker": job.worker},
        ]
        job.message = (
            "Выполняется…"
            if job.attempts == 1
            else f"Выполняется снова: попытка {job.attempts} из {job.max_attempts}…"
        )
        job.save(
            update_fields=[
                "status",
                "started_at",
                "heartbeat",
                "message",
                "attempts",
                "lease",
                "worker",
                "attempt_log",
            ]
        )
    return job


class _Heartbeat:
    """Refreshes a running job's heartbeat from a thread of its own, also while the job is deep in one step."""

    def __init__(self, job: Job, interval: float) -> None:
        self.pk, self.lease, self.interval = job.pk, job.lease, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"opora-job-{job.pk}-heartbeat", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval + 5)

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    Job.objects.filter(pk=self.pk, lease=self.lease, status=Job.Status.RUNNING).update(
                        heartbeat=timezone.now()
                    )
                except Exception:  # a busy database (SQLite) or a lost connection: try again at the next beat
                    logger.warning("job %s: heartbeat not written", self.pk, exc_info=True)
                    connection.close()
        finally:
            connection.close()


def run(pk: int | None = None, *, heartbeat: float | None = None) -> Job | None:
    """Run one queued job (``pk``, or the oldest queued one); return it finished, or None if none was queued.

    Outside a transaction (a worker, a thread) a heartbeat thread runs beside the job; inline (tests, inside
    the caller's transaction) there is none.
    """
    job = _claim(pk)
    if job is None:
        return None
    func = _REGISTRY.get(job.kind)
    beat = None if connection.in_atomic_block else _Heartbeat(job, heartbeat or heartbeat_seconds())
    try:
        if beat is not None:
            beat.__enter__()
        if func is None:
            raise JobError(
                f"Неизвестный вид задачи «{job.kind}».",
                advice="Обновите программу на всех серверах (сайт и обработчики задач) до одной версии.",
            )
        result = func(job, Progress(job))
    except JobError as exc:
        _finish(job, Job.Status.FAILED, error=str(exc), advice=exc.advice)
    except Exception as exc:  # a bug in a job must not kill the worker: it is logged and shown as failed
        logger.exception("job %s (%s) failed: %s", job.pk, job.kind, type(exc).__name__)
        _finish(
            job,
            Job.Status.FAILED,
            error="Внутренняя ошибка программы при выполнении задачи; данные не изменены.",
            advice=(
                "Запустите задачу снова. Если ошибка повторится, сообщите администратору номер задачи "
                f"({job.pk}): подробности записаны в журнал сервера."
            ),
        )
    else:
        _finish(job, Job.Status.DONE, message=result.message, result=result)
    finally:
        if beat is not None:
            beat.__exit__()
    return job


def _finish(
    job: Job,
    status: str,
    *,
    message: str = "",
    error: str = "",
    advice: str = "",
    result: JobResult | None = None,
) -> None:
    """Store the outcome of the attempt — only if the attempt still holds its lease (was not given up)."""
    now = timezone.now()
    fields: dict[str, Any] = {
        "status": status,
        "finished_at": now,
        "heartbeat": now,
        "error": error,
        "advice": advice,
        "message": (message or ("Ошибка." if error else "Готово."))[:300],
        "lease": "",
        "attempt_log": _closed(job.attempt_log, "ошибка" if error else "готово", now),
    }
    if status == Job.Status.DONE:
        fields["progress"] = 100
    name = ""
    if result is not None and result.content:
        name = job.result.storage.save(
            job.result.field.generate_filename(job, result.filename), ContentFile(result.content)
        )
        fields.update(result=name, result_name=result.filename, result_mime=result.mime)
    with transaction.atomic():
        kept = Job.objects.filter(pk=job.pk, lease=job.lease).update(**fields)
        if kept:
            job.refresh_from_db()
            record(job, f"jobs.job.{status}", by=None, data={"error": error} if error else {"file": name})
    if not kept:
        # The attempt was declared dead meanwhile (no heartbeat) and the job went on without it.
        logger.warning("job %s: a late result of an abandoned attempt is discarded", job.pk)
        if name:
            job.result.storage.delete(name)
        job.refresh_from_db()


def _closed(log: list[dict[str, Any]], outcome: str, when: datetime.datetime) -> list[dict[str, Any]]:
    """The attempt log with its last attempt closed with ``outcome``."""
    if not log:
        return log
    last = {**log[-1], "finished_at": when.isoformat(), "outcome": outcome}
    return [*log[:-1], last]


def run_pending(limit: int | None = None, *, heartbeat: float | None = None) -> int:
    """Run queued jobs one after another until none is left (or ``limit`` ran); return how many ran."""
    count = 0
    while limit is None or count < limit:
        if run(heartbeat=heartbeat) is None:
            break
        count += 1
    return count


def recover_stale(*, seconds: float | None = None) -> list[int]:
    """Running jobs silent for ``seconds`` (their worker died): queue them again, or fail them after the last
    attempt. Returns the pks of the jobs queued again. Safe to call from any number of processes at once."""
    seconds = stale_seconds() if seconds is None else seconds
    now = timezone.now()
    cutoff = now - datetime.timedelta(seconds=seconds)
    requeued = []
    for job in Job.objects.filter(status=Job.Status.RUNNING, heartbeat__lt=cutoff):
        last = timezone.localtime(job.heartbeat).strftime("%d.%m.%Y %H:%M:%S") if job.heartbeat else "—"
        outcome = f"прервана: обработчик перестал отвечать (последний признак жизни — {last})"
        fields: dict[str, Any] = {"lease": "", "attempt_log": _closed(job.attempt_log, outcome, now)}
        if job.attempts < job.max_attempts:
            fields.update(
                status=Job.Status.QUEUED,
                message=(
                    f"Обработчик задачи остановился во время попытки {job.attempts} из {job.max_attempts}; "
                    "задача снова в очереди и будет выполнена заново."
                ),
            )
            action = "jobs.job.requeued"
        else:
            fields.update(
                status=Job.Status.FAILED,
                finished_at=now,
                message="Ошибка.",
                error=(
                    f"Задача не выполнена: обработчик фоновых задач останавливался во всех {job.max_attempts} "
                    "попытках (сбой или перезапуск сервера)."
                ),
                advice=(
                    "Запустите задачу снова. Если она снова прервётся, сообщите администратору: пусть проверит, "
                    "что служба фоновых задач (opora-jobs) работает и серверу хватает памяти."
                ),
            )
            action = "jobs.job.failed"
        # Compare-and-set: only if the attempt is still the silent one (not finished or taken meanwhile).
        changed = Job.objects.filter(
            pk=job.pk, status=Job.Status.RUNNING, lease=job.lease, heartbeat__lt=cutoff
        ).update(**fields)
        if changed:
            job.refresh_from_db()
            record(job, action, by=None, data={"attempt": job.attempts, "worker": job.worker})
            if action == "jobs.job.requeued":
                requeued.append(job.pk)
    return requeued


def kick_thread_jobs(job: Job | None = None) -> None:
    """``thread`` mode has no worker loop: the pages that show jobs call this to recover silent jobs and to start
    a queued one nobody started (the web process restarted before its thread began)."""
    if mode() != "thread":
        return
    for pk in recover_stale():
        _start_thread(pk)
    if job is not None and job.status == Job.Status.QUEUED:
        waited = timezone.now() - job.created_at
        if waited > datetime.timedelta(seconds=heartbeat_seconds()):
            _start_thread(job.pk)  # a second start is harmless: only one claim succeeds
