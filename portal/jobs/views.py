"""Job pages: progress (polled by htmx), the result download, the municipality's recent jobs."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from portal.accounts.permissions import has_perm
from portal.jobs import services
from portal.jobs.models import Job
from portal.lib.access import get_for
from portal.schools.models import Municipality


def _job(request: HttpRequest, pk: int) -> Job:
    """The job, for the user who queued it or anyone who sees its municipality; otherwise 404."""
    job = get_object_or_404(Job.objects.select_related("municipality"), pk=pk)
    if job.created_by_id != request.user.pk and not has_perm(
        request.user, "municipality.view", job.municipality
    ):
        raise Http404("Нет доступа или объект не найден.")
    return job


@login_required
def job(request: HttpRequest, pk: int) -> HttpResponse:
    item = _job(request, pk)
    if services.mode() == "thread":
        services.kick_thread_jobs(item)  # a job whose process died is retried from here
        item.refresh_from_db()
    template = "jobs/_status.html" if request.headers.get("HX-Request") else "jobs/job.html"
    # A finished report can be put on the public page by those who publish there.
    can_publish = item.kind == "reports.render" and has_perm(request.user, "public.manage", item.municipality)
    return render(request, template, {"job": item, "can_publish": can_publish})


@login_required
def download(request: HttpRequest, pk: int) -> FileResponse:
    item = _job(request, pk)
    if item.status != Job.Status.DONE or not item.result:
        raise Http404("У задачи нет готового файла.")
    return FileResponse(
        item.result.open("rb"),
        as_attachment=True,
        filename=item.result_name,
        content_type=item.result_mime or "application/octet-stream",
    )


@login_required
def municipality_jobs(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = get_for(request, Municipality, "municipality.view", pk=pk)
    services.kick_thread_jobs()
    jobs = Job.objects.filter(municipality=municipality).select_related("created_by")[:50]
    return render(request, "jobs/list.html", {"municipality": municipality, "jobs": jobs})
