"""A worker process killed mid-job (SIGKILL: no goodbye) is noticed by its silence and the job runs again.

Two real ``run_jobs`` processes share the test database: on PostgreSQL the test database itself; on SQLite (an
in-memory test database no other process can open) a file copy of it, read back with ``sqlite3``.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection

from portal.jobs import services
from portal.jobs.models import Job
from portal.jobs.tests import slow_job  # noqa: F401  (registers «tests.slow» here too)

ROOT = Path(django_settings.BASE_DIR)


class SharedDatabase:
    """The database as other processes see it: its URL for them, and the job's row read from here."""

    def __init__(self, tmp: Path) -> None:
        self.sqlite: Path | None = None
        conf = connection.settings_dict
        if connection.vendor == "sqlite":
            self.sqlite = tmp / "jobs.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(self.sqlite)
            connection.connection.backup(target)  # type: ignore[union-attr]
            target.close()
            self.url = f"sqlite:///{self.sqlite}"
        else:
            self.url = f"postgres://{conf['USER']}@{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}/{conf['NAME']}"

    def job(self, pk: int) -> dict[str, Any]:
        if self.sqlite is None:
            job = Job.objects.get(pk=pk)
            return {"status": job.status, "attempts": job.attempts, "log": job.attempt_log}
        with sqlite3.connect(self.sqlite, timeout=30) as db:
            status, attempts, log = db.execute(
                "SELECT status, attempts, attempt_log FROM jobs_job WHERE id = ?", (pk,)
            ).fetchone()
        return {"status": status, "attempts": attempts, "log": json.loads(log)}


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Any]:
    started: list[subprocess.Popen[bytes]] = []

    def start(database: SharedDatabase, *options: str) -> subprocess.Popen[bytes]:
        env = {**os.environ, "DATABASE_URL": database.url, "MEDIA_ROOT": str(tmp_path / "media")}
        process = subprocess.Popen(
            [sys.executable, "-m", "portal.jobs.tests.worker", *options],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        if process.stderr:
            process.stderr.close()


def _wait(predicate: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"не дождались: {what}")


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_is_noticed_and_its_job_is_retried_by_another(
    world: dict[str, Any], settings: Any, tmp_path: Path, workers: Any
) -> None:
    settings.OPORA_JOBS_MODE = "worker"
    job = services.enqueue(
        "tests.slow",
        title="Долгая задача",
        params={"steps": 15, "pause": 0.2},
        municipality=world["M"],
        by=None,
    )
    database = SharedDatabase(tmp_path)
    fast = ("--sleep", "0.2", "--heartbeat", "0.3", "--stale-seconds", "3")

    first = workers(database, *fast)
    _wait(lambda: database.job(job.pk)["status"] == "running", 90, "первый обработчик взял задачу")
    time.sleep(0.5)  # mid-job
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    assert database.job(job.pk)["status"] == "running"  # nobody said it stopped…

    killed_at = time.monotonic()
    second = workers(database, *fast)
    _wait(lambda: database.job(job.pk)["status"] == "done", 120, "второй обработчик выполнил задачу")
    # …the second worker noticed the silence (3 s here; 60 s by default) and ran the job again from the start.
    assert time.monotonic() - killed_at < 120
    row = database.job(job.pk)
    assert row["attempts"] == 2
    assert row["log"][0]["outcome"].startswith("прервана: обработчик перестал отвечать")
    assert row["log"][1]["outcome"] == "готово"
    assert row["log"][0]["worker"].endswith(f"процесс {first.pid}")
    assert row["log"][1]["worker"].endswith(f"процесс {second.pid}")
