"""Reports: the municipality's list (each report made as a background job) and the school card with recommendations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.accounts.permissions import has_perm
from portal.identification.models import IdentificationRun
from portal.jobs import services as jobs
from portal.lib.access import get_for
from portal.monitoring.models import MonitoringPeriod
from portal.reports.document import DOCX_MIME, PDF_MIME, to_docx, to_html, to_pdf
from portal.reports.forms import ReportForm
from portal.reports.registry import REGISTRY, school_card
from portal.results.models import AssessmentResult
from portal.schools.models import Municipality, School


def _years(municipality: Municipality) -> list[int]:
    """Years with a published identification, a monitoring period or results, newest first."""
    years = set(
        IdentificationRun.objects.filter(municipality=municipality, status="published").values_list(
            "year", flat=True
        )
    )
    years |= set(MonitoringPeriod.objects.filter(municipality=municipality).values_list("year", flat=True))
    years |= set(
        AssessmentResult.objects.filter(school__municipality=municipality)
        .values_list("year", flat=True)
        .distinct()
    )
    return sorted(years, reverse=True) or [timezone.localdate().year]


def _default_year(municipality: Municipality, years: list[int]) -> int:
    """The year the forms start on: the latest with a published identification run, else the latest with data."""
    published = (
        IdentificationRun.objects.filter(municipality=municipality, status="published")
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    return published if published in years else years[0]


@login_required
def index(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = get_for(request, Municipality, "reports.view", pk=pk)
    years = _years(municipality)
    default = _default_year(municipality, years)
    reports = [
        {"type": r, "form": ReportForm(years=years, default=default, prefix=r.code)}
        for r in REGISTRY.values()
        if r.scope == "municipality"
    ]
    schools = School.objects.filter(municipality=municipality)
    return render(
        request,
        "reports/index.html",
        {
            "municipality": municipality,
            "reports": reports,
            "schools": schools,
            "year": default,
            "can_run": has_perm(request.user, "reports.run", municipality),
            "can_edit_rules": has_perm(request.user, "recommendations.edit", municipality),
        },
    )


@login_required
@require_POST
def start(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    municipality = get_for(request, Municipality, "reports.run", pk=pk)
    report = REGISTRY.get(code)
    if report is None or report.scope != "municipality":
        raise Http404("Нет такого отчёта.")
    form = ReportForm(request.POST, years=_years(municipality), prefix=code)
    if not form.is_valid():
        messages.error(request, "Выберите год и формат из списка.")
        return redirect("reports:index", pk=municipality.pk)
    year, fmt = form.cleaned_data["year"], form.cleaned_data["format"]
    job = jobs.enqueue(
        "reports.render",
        title=f"{report.title}, {year} г. ({fmt.upper()})",
        params={"report": code, "values": {"year": year}, "format": fmt},
        municipality=municipality,
        by=request.user,
    )
    return redirect(job)


@login_required
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a finished report (a job's file) on the program's public page, section «Отчётные документы»."""
    from django.core.exceptions import PermissionDenied

    from portal.jobs.models import Job
    from portal.public.models import Section
    from portal.public.services import PublicError, publish_generated

    job = get_object_or_404(Job.objects.select_related("municipality"), pk=pk, kind="reports.render")
    if not has_perm(request.user, "public.manage", job.municipality):
        raise Http404("Нет доступа или объект не найден.")
    if job.status != Job.Status.DONE or not job.result:
        raise PermissionDenied("Отчёт ещё не готов.")
    with job.result.open("rb") as f:
        content = f.read()
    params = job.params
    try:
        doc = publish_generated(
            job.municipality,
            None,
            Section.REPORTS,
            job.title,
            job.result_name,
            content,
            by=request.user,
            publish_now=True,
            key=f"reports:{params['report']}:{params['values'].get('year', '')}:{params['format']}",
        )
    except PublicError as exc:
        messages.error(request, str(exc))
        return redirect(job)
    messages.success(request, "Отчёт опубликован на публичной странице программы; снять его можно там же.")
    return redirect("public:document", pk=doc.pk)


@login_required
def card(request: HttpRequest, pk: int) -> HttpResponse:
    """The school's card: categories, the facts with sources, recommendations (significant, or all with ?all=1)."""
    school = get_for(request, School, "reports.view", pk=pk)
    years = _years(school.municipality)
    default = _default_year(school.municipality, years)
    try:
        year = int(request.GET.get("year", default))
    except ValueError:
        year = default
    show_all = request.GET.get("all") == "1"
    report, found = school_card(school, year, only_significant=not show_all)
    fmt = request.GET.get("format")
    if fmt in ("docx", "pdf"):
        content, mime = (to_docx(report), DOCX_MIME) if fmt == "docx" else (to_pdf(report), PDF_MIME)
        response = HttpResponse(content, content_type=mime)
        response["Content-Disposition"] = f'attachment; filename="school-card-{school.code}-{year}.{fmt}"'
        return response
    items = [
        {"r": r, "measures": list(zip(r.measures, r.measure_titles or ("",) * len(r.measures), strict=True))}
        for r in found
    ]
    return render(
        request,
        "reports/card.html",
        {
            "school": school,
            "year": year,
            "years": years,
            "show_all": show_all,
            "items": items,
            "preview": to_html(report, standalone=False),
        },
    )
