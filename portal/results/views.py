"""The data page of a municipality: uploads with whole-file validation, templates, what is stored."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from opora.plural import ROW, count
from opora.readers import templates as file_templates
from portal.lib.access import get_for
from portal.results import services, views_report
from portal.results.forms import ReferenceForm, UploadForm
from portal.results.models import (
    AssessmentResult,
    ContextValue,
    ImportBatch,
    PendingImport,
    ReferenceDataset,
    RiskInput,
)
from portal.schools.models import Municipality


@login_required
def data(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = get_for(request, Municipality, "imports.run", pk=pk)
    form = UploadForm()
    reference_form = ReferenceForm()
    report = None
    if request.method == "POST" and request.POST.get("action") == "reference":
        reference_form = ReferenceForm(request.POST, request.FILES)
        if reference_form.is_valid():
            r, c = reference_form.cleaned_data["results_file"], reference_form.cleaned_data["context_file"]
            report = services.import_reference(
                municipality,
                name=reference_form.cleaned_data["name"],
                results=(r.name, r.read()),
                context=(c.name, c.read()),
                by=request.user,
            )
            if report.ok and report.batch is not None:
                messages.success(request, f"Региональный набор загружен: {count(report.batch.rows, ROW)}.")
                return redirect("results:data", pk=pk)
    elif request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            kind = form.cleaned_data["kind"]
            content = upload.read()
            scope = views_report.Scope(request, "m", pk)
            if kind == ImportBatch.Kind.RESULTS:
                handled = views_report.handle_results_upload(
                    request, scope, content, upload.name, form.defaults()
                )
                if isinstance(handled, HttpResponse):
                    return handled
                report = handled
            if report is None and kind == ImportBatch.Kind.OFFICIAL:
                report = services.import_official_list(
                    municipality,
                    content,
                    filename=upload.name,
                    by=request.user,
                    year=form.cleaned_data.get("year"),
                    confirm=True,
                )
            elif report is None:
                report = services.import_file(
                    municipality,
                    kind,
                    content,
                    filename=upload.name,
                    by=request.user,
                    defaults=form.defaults(),
                    confirm=True,
                )
            if report.needs_confirmation:
                return views_report.stage_replacement(
                    request, scope, kind, content, upload.name, form.defaults()
                )
            if report.ok:
                views_report._done(request, upload.name, report, [])
                return redirect("results:data", pk=pk)
    context = {
        "municipality": municipality,
        "form": form,
        "reference_form": reference_form,
        "report": report,
        "batches": ImportBatch.objects.filter(
            Q(municipality=municipality) | Q(region=municipality.region, municipality=None)
        ).select_related("uploaded_by")[:30],
        "pending_imports": PendingImport.objects.filter(municipality=municipality).defer("data"),
        "presets_url": reverse("results:presets", args=["m", municipality.pk]),
        "results_summary": AssessmentResult.objects.filter(school__municipality=municipality)
        .values("year", "procedure")
        .annotate(rows=Count("id"), schools=Count("school", distinct=True))
        .order_by("-year", "procedure"),
        "context_summary": ContextValue.objects.filter(school__municipality=municipality)
        .values("year")
        .annotate(schools=Count("school", distinct=True), values=Count("id"))
        .order_by("-year"),
        "risk_summary": RiskInput.objects.filter(school__municipality=municipality)
        .values("year")
        .annotate(schools=Count("school", distinct=True))
        .order_by("-year"),
        "references": ReferenceDataset.objects.filter(municipality=municipality).defer(
            "results_csv", "context_csv"
        ),
    }
    return render(request, "results/data.html", context, status=200)


TEMPLATES = {
    "results": ("shablon-rezultaty.xlsx", file_templates.results_template_xlsx),
    "context": ("shablon-kontekst.xlsx", lambda: file_templates.context_template_xlsx(None)),
    "risk": ("shablon-faktory-riska.xlsx", file_templates.risk_template_xlsx),
    "students": ("shablon-rezultaty-obuchayushchihsya.csv", file_templates.students_template_csv),
}


@login_required
def template(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    get_for(request, Municipality, "imports.run", pk=pk)
    if kind not in TEMPLATES:
        raise Http404("Нет такого шаблона.")
    filename, build = TEMPLATES[kind]
    content_type = (
        "text/csv; charset=utf-8"
        if filename.endswith(".csv")
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(build(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
