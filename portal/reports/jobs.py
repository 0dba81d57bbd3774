"""The background job that renders a report of the registry (for a whole municipality: minutes, with progress)."""

from __future__ import annotations

from portal.jobs.models import Job
from portal.jobs.services import JobResult, Progress, register
from portal.reports.registry import REGISTRY


@register("reports.render")
def render_report(job: Job, progress: Progress) -> JobResult:
    report = REGISTRY[job.params["report"]]
    progress(1, "Сбор данных…")
    name, mime, content = report.render(
        job.municipality, job.params["values"], job.params["format"], progress
    )
    return JobResult(name, mime, content, f"Документ «{report.title}» сформирован.")
