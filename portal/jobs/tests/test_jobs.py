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
    crashed = _enqueue(world, "tests.crashes")
    assert (
        crashed.status == "failed"
        and crashed.error == "Внутренняя ошибка при выполнении задачи (ZeroDivisionError)."
    )
    assert "job" in caplog.text and "ZeroDivisionError" in caplog.text  # logged for the administrator


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


def test_a_job_whose_worker_stopped_is_marked_failed(world: dict[str, Any], settings: Any) -> None:
    settings.OPORA_JOBS_MODE = "worker"
    job = _enqueue(world)
    Job.objects.filter(pk=job.pk).update(
        status="running", heartbeat=timezone.now() - datetime.timedelta(minutes=31)
    )
    assert services.fail_stale(minutes=30) == 1
    job.refresh_from_db()
    assert job.status == "failed" and "не отвечал более 30 мин" in job.error


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
