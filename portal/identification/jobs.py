"""The background job of a region-wide identification (hundreds of schools: seconds to minutes, with progress)."""

from __future__ import annotations

from opora.plural import MUNICIPALITY, SCHOOL, count
from portal.identification import services
from portal.identification.models import RegionRun
from portal.jobs.models import Job
from portal.jobs.services import JobError, JobResult, Progress, register


@register("identification.region")
def run_region(job: Job, progress: Progress) -> JobResult:
    region_run = (
        RegionRun.objects.select_related("region", "created_by").filter(pk=job.params["region_run"]).first()
    )
    if region_run is None:
        raise JobError(
            "Региональный расчёт удалён до начала задачи.",
            advice="Запустите расчёт по региону снова на странице «Идентификация по региону».",
        )
    if region_run.status == RegionRun.Status.FINISHED:
        # A second attempt after the first one had saved everything (its worker died just after): keep it.
        return JobResult(message="Расчёт уже был выполнен предыдущей попыткой.")
    try:
        services.run_region_identification(
            region_run.region,
            region_run.year,
            by=region_run.created_by,
            progress=progress,
            region_run=region_run,
        )
    except services.IdentificationError as error:
        raise JobError(str(error)) from error
    except Exception:
        RegionRun.objects.filter(pk=region_run.pk).update(
            status=RegionRun.Status.FAILED,
            error="внутренняя ошибка программы при расчёте. Данные не изменены; повторите расчёт, а если ошибка "
            "повторится — сообщите администратору номер расчёта.",
        )
        raise
    return JobResult(
        message=f"Расчёт выполнен: {count(region_run.n_municipalities, MUNICIPALITY)}, "
        f"{count(region_run.n_schools, SCHOOL)}."
    )
