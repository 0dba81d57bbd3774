"""Background jobs: the queue, the three modes, failures as Russian messages, the pages and who may see them."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.audit.models import AuditEntry
from portal.jobs import services
from portal.jobs.models import Job


@services.register("tests.echo")
def _echo(job: Job, progress: services.Progress) -> services.JobResult:
    for i in range(3):
        progress(100 * i / 3, f"Шаг {i + 1} из 3")
    text = f"Привет, {job.params['name']}"
    return services.JobResult("отчёт.txt", "text/plain; charset=utf-8", text.encode(), "Сформировано 1 файл.")


@services.register("tests.refuses")
def _refuses(job: Job, progress: services.Progress) -> services.JobResult:
    raise services.JobError("Нет опубликованного расчёта идентификации за 2024 г.")


@services.register("tests.crashes")
def _crashes(job: Job, progress: services.Progress) -> services.JobResult:
    raise ZeroDivisionError


def _content(job: Job) -> str:
    with job.result.open("rb") as f:
        return f.read().decode()


def _enqueue(world: dict[str, Any], kind: str = "tests.echo", by: Any = None) -> Job:
    return services.enqueue(kind, title="Проверка", params={"name": "мир"}, municipality=world["M"], by=by)


def test_inline_mode_runs_the_job_at_once_and_keeps_its_file(world: dict[str, Any]) -> None:
    job = _enqueue(world)
    assert (job.status, job.progress, job.message) == ("done", 100, "Сформировано 1 файл.")
    assert job.result_name == "отчёт.txt" and _content(job) == "Привет, мир"
    entries = AuditEntry.objects.filter(object_id=str(job.pk), action__startswith="jobs.").order_by("pk")
    actions = list(entries.values_list("action", flat=True))
    assert actions == ["jobs.job.queued", "jobs.job.done"]


def test_a_refusal_and_a_crash_end_as_failed_jobs_with_russian_messages(
    world: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    refused = _enqueue(world, "tests.refuses")
    assert (
        refused.status == "failed" and refused.error == "Нет опубликованного расчёта идентификации за 2024 г."
    )
    assert refused.advice.startswith("Устраните причину")  # what to do, not only what happened
    crashed = _enqueue(world, "tests.crashes")
    assert crashed.status == "failed" and crashed.error.startswith("Внутренняя ошибка программы")
    assert "ZeroDivisionError" not in crashed.error  # no Python names where a user looks…
    assert f"номер задачи ({crashed.pk})" in crashed.advice
    assert (
        "job" in caplog.text and "ZeroDivisionError" in caplog.text
    )  # …they are logged for the administrator
    assert (refused.attempts, crashed.attempts) == (1, 1)  # refusals and bugs are not retried


def test_an_unknown_kind_is_refused_when_queued(world: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="unknown job kind"):
        services.enqueue("tests.nothing", title="?", params={}, municipality=world["M"], by=None)


def test_worker_mode_leaves_jobs_queued_for_run_jobs_which_takes_them_oldest_first(
    world: dict[str, Any], settings: Any
) -> None:
    settings.OPORA_JOBS_MODE = "worker"
    first, second = _enqueue(world), _enqueue(world)
    assert Job.objects.filter(status="queued").count() == 2
    assert services.run().pk == first.pk  # type: ignore[union-attr]
    call_command("run_jobs", "--once")
    second.refresh_from_db()
    assert second.status == "done"
    assert services.run() is None  # nothing left


def _silent(job: Job, *, attempts: int, seconds: int = 61) -> None:
    """Make ``job`` look like a running attempt whose worker died ``seconds`` ago."""
    Job.objects.filter(pk=job.pk).update(
        status="running",
        attempts=attempts,
        lease="dead-worker",
        heartbeat=timezone.now() - datetime.timedelta(seconds=seconds),
        attempt_log=[
            {"attempt": attempts, "started_at": timezone.now().isoformat(), "worker": "host, процесс 1"}
        ],
    )


def test_a_job_whose_worker_stopped_goes_back_to_the_queue_and_runs_again(
    world: dict[str, Any], settings: Any
) -> None:
    settings.OPORA_JOBS_MODE = "worker"
    job = _enqueue(world)
    _silent(job, attempts=1, seconds=30)
    assert services.recover_stale() == []  # 30 s of silence is not yet a dead worker
    _silent(job, attempts=1)
    assert services.recover_stale() == [job.pk]  # a minute is: detected well within two minutes
    job.refresh_from_db()
    assert job.status == "queued" and job.lease == ""
    assert "попытки 1 из 3" in job.message and "снова в очереди" in job.message
    assert job.attempt_log[0]["outcome"].startswith("прервана: обработчик перестал отвечать")
    call_command("run_jobs", "--once")
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 2)
    assert [n for n, _, _ in job.attempts_display] == [1, 2]
    actions = AuditEntry.objects.filter(object_id=str(job.pk)).values_list("action", flat=True)
    assert list(actions.order_by("pk")) == ["jobs.job.queued", "jobs.job.requeued", "jobs.job.done"]


def test_after_the_last_attempt_the_job_fails_saying_what_happened_and_what_to_do(
    world: dict[str, Any], settings: Any
) -> None:
    settings.OPORA_JOBS_MODE = "worker"
    job = _enqueue(world)
    _silent(job, attempts=3)
    assert services.recover_stale() == []
    job.refresh_from_db()
    assert job.status == "failed" and "во всех 3 попытках" in job.error
    assert "opora-jobs" in job.advice and job.finished_at is not None


def test_a_late_result_of_an_abandoned_attempt_is_discarded(world: dict[str, Any], settings: Any) -> None:
    """Two attempts never both write: the worker that was declared dead loses its lease."""
    settings.OPORA_JOBS_MODE = "worker"
    job = _enqueue(world)
    claimed = services._claim(job.pk)
    assert claimed is not None and claimed.lease
    Job.objects.filter(pk=job.pk).update(heartbeat=timezone.now() - datetime.timedelta(minutes=2))
    assert services.recover_stale() == [job.pk]
    services._finish(claimed, Job.Status.DONE, result=services.JobResult("x.txt", "text/plain", b"late"))
    job.refresh_from_db()
    assert job.status == "queued" and not job.result  # the late result did not land


def test_the_defaults_notice_a_dead_worker_within_two_minutes(settings: Any) -> None:
    # A heartbeat every 10 s; silence for 60 s means dead; workers look every second: < 120 s in the worst case.
    assert services.heartbeat_seconds() == 10 and services.stale_seconds() == 60
    assert services.stale_seconds() + services.heartbeat_seconds() + 1 < 120


@pytest.mark.django_db(transaction=True)
def test_thread_mode_retries_a_job_whose_process_died_when_its_page_is_looked_at(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any], settings: Any
) -> None:
    settings.OPORA_JOBS_MODE = "worker"  # queue it without starting…
    coordinator = user_with_role("coordinator", "M")
    job = _enqueue(world, by=coordinator)
    _silent(job, attempts=1)  # …as if the web process running its thread had died
    settings.OPORA_JOBS_MODE = "thread"
    settings.OPORA_JOBS_HEARTBEAT_SECONDS = 0.5
    client.force_login(coordinator)
    page = client.get(reverse("jobs:job", args=[job.pk])).content.decode()
    assert "снова в очереди" in page or "попытка 2 из 3" in page
    # The page polls every second; each poll may start the job again if its thread could not (a busy SQLite).
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        time.sleep(0.3)
        job.refresh_from_db()
        if job.finished:
            break
        client.get(reverse("jobs:job", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert job.status == "done" and job.attempts >= 2
    page = client.get(reverse("jobs:job", args=[job.pk])).content.decode()
    assert f"Попытки: {job.attempts}" in page and "прервана: обработчик перестал отвечать" in page


@pytest.mark.django_db(transaction=True)
def test_thread_mode_starts_the_job_after_the_commit(world: dict[str, Any], settings: Any) -> None:
    settings.OPORA_JOBS_MODE = "thread"
    job = _enqueue(world)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.finished:
            break
        time.sleep(0.05)
    assert job.status == "done" and _content(job) == "Привет, мир"


def test_the_job_page_polls_until_done_and_offers_the_file(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any], settings: Any
) -> None:
    settings.OPORA_JOBS_MODE = "worker"
    coordinator = user_with_role("coordinator", "M")
    job = _enqueue(world, by=coordinator)
    client.force_login(coordinator)
    page = client.get(reverse("jobs:job", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and "В очереди" in page
    services.run(job.pk)
    partial = client.get(reverse("jobs:job", args=[job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial and "Скачать: отчёт.txt" in partial
    response = client.get(reverse("jobs:download", args=[job.pk]))
    content = b"".join(response.streaming_content)
    assert response.status_code == 200 and content == "Привет, мир".encode()
    assert "filename*=utf-8''%D0%BE%D1%82%D1%87%D1%91%D1%82.txt" in response["Content-Disposition"]
    assert "Проверка" in client.get(reverse("jobs:list", args=[world["M"].pk])).content.decode()


@pytest.mark.parametrize(
    ("role", "scope", "status"),
    [
        ("coordinator", "M", 200),
        ("method_centre", "M", 200),
        ("region_viewer", "R", 200),
        ("coordinator", "M2", 404),
        ("school_team", "S1", 404),  # not theirs, and a school team does not see the municipality's jobs
        ("region_viewer", "R2", 404),
    ],
)
def test_who_sees_a_job(
    client: Client,
    world: dict[str, Any],
    user_with_role: Callable[..., Any],
    role: str,
    scope: str,
    status: int,
) -> None:
    job = _enqueue(world)
    client.force_login(user_with_role(role, scope))
    for url in (reverse("jobs:job", args=[job.pk]), reverse("jobs:download", args=[job.pk])):
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)  # read to the end: the test client then closes the file
        assert response.status_code == status
    listing = client.get(reverse("jobs:list", args=[world["M"].pk])).status_code
    assert listing == (200 if status == 200 else 404)


def test_a_school_team_sees_the_job_it_queued(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    team = user_with_role("school_team", "S1")
    job = _enqueue(world, by=team)
    client.force_login(team)
    assert client.get(reverse("jobs:job", args=[job.pk])).status_code == 200


def test_anonymous_users_are_sent_to_login(client: Client, world: dict[str, Any]) -> None:
    job = _enqueue(world)
    response = client.get(reverse("jobs:job", args=[job.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
