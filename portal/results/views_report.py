"""Pages of a staged upload: reconciling a report's school names, confirming a replacement, marking a layout the
reader does not recognise (mapping presets), and the region's data page. Every page exists for a municipality
(coordinator) and for a region (regional coordinator); a staged file of another scope answers 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from opora.plural import ROW, SCHOOL, count
from opora.readers import read_results
from portal.lib.access import get_for
from portal.lib.uploads import data_import_problem
from portal.results import reconcile, services
from portal.results.models import ImportBatch, PendingImport
from portal.schools.models import Municipality, Region


class Scope:
    """The municipality or region a page works in, from the URL, with the permission checked (else 404)."""

    def __init__(self, request: HttpRequest, kind: str, pk: int) -> None:
        if kind == "m":
            self.municipality: Municipality | None = get_for(request, Municipality, "imports.run", pk=pk)
            self.region: Region = self.municipality.region
        elif kind == "r":
            self.region = get_for(request, Region, "imports.run", pk=pk)
            self.municipality = None
        else:
            raise Http404
        self.kind, self.pk = kind, pk

    @property
    def label(self) -> str:
        return str(self.municipality or self.region)

    def url(self, name: str, *args: Any) -> str:
        return reverse(f"results:{name}", args=[self.kind, self.pk, *args])

    @property
    def data_url(self) -> str:
        if self.municipality is not None:
            return reverse("results:data", args=[self.municipality.pk])
        return reverse("results:region_data", args=[self.region.pk])

    def pending(self, pid: int) -> PendingImport:
        return get_object_or_404(PendingImport, pk=pid, region=self.region, municipality=self.municipality)


def handle_results_upload(
    request: HttpRequest, scope: Scope, data: bytes, filename: str, defaults: dict[str, Any]
) -> HttpResponse | services.ImportReport | None:
    """A results file from the upload form: a report naming schools goes to reconciliation (or in at once when
    every name is known and nothing is replaced); anything else returns None for the ordinary import."""
    if data_import_problem(data, filename):
        return None  # the ordinary import refuses it with its message
    outcome = read_results(
        data,
        filename=filename,
        defaults=defaults,
        presets=reconcile.presets_for(scope.region, scope.municipality),
    )
    if outcome.layout != "report" and scope.municipality is not None:
        return None
    if outcome.layout != "report":
        return services._reject(
            None,
            ImportBatch.Kind.RESULTS,
            filename,
            services._sha(data),
            [
                f"Файл {filename}: на странице региона загружаются отчёты, где школы названы по строкам. Файл с "
                "кодами школ (шаблон, ФИС ОКО) загрузите на странице «Данные» муниципалитета."
            ],
            [],
            by=request.user,
            region=scope.region,
        )
    pending = reconcile.stage(
        region=scope.region,
        municipality=scope.municipality,
        kind=ImportBatch.Kind.RESULTS,
        data=data,
        filename=filename,
        defaults=defaults,
        by=request.user,
    )
    recognition = outcome.recognition
    if not outcome.ok:
        if recognition is not None and recognition.unrecognised and not recognition.sheets:
            messages.warning(
                request,
                "Таблица не распознана: отметьте строки заголовка и столбцы — один раз для такого файла.",
            )
            return redirect(scope.url("mapping", pending.pk))
        report = reconcile.refuse_early(
            pending, [str(e) for e in outcome.errors], [str(w) for w in outcome.warnings], by=request.user
        )
        pending.delete()
        return report
    analysis = reconcile.analyse(pending, outcome)
    if not analysis.questions and not analysis.open_municipalities and analysis.schools:
        plan = reconcile.preview(analysis, {})
        if not plan.touches_existing:
            report = reconcile.execute(analysis, {}, by=request.user, expected=None, replace=False)
            if report.ok and report.batch is not None:
                _done(request, filename, report, reconcile.summary(analysis, {}))
                return redirect(scope.data_url)
            return report
    return redirect(scope.url("pending", pending.pk))


def _done(request: HttpRequest, filename: str, report: services.ImportReport, lines: list[Any]) -> None:
    assert report.batch is not None
    plan = report.preview
    changed = (
        f" (добавлено: {count(plan.added, ROW)}, заменено: {count(plan.replaced, ROW)}, без изменений: "
        f"{count(plan.unchanged, ROW)})"
        if plan is not None
        else ""
    )
    messages.success(request, f"Файл «{filename}» загружен: {count(report.batch.rows, ROW)}{changed}.")
    for line in lines:
        if isinstance(line, str):
            messages.info(request, line)
    for w in report.warnings[:10]:
        messages.warning(request, w)
    if len(report.warnings) > 10:
        messages.warning(
            request, f"… и ещё предупреждений: {len(report.warnings) - 10} (в истории загрузок)."
        )


@login_required
def pending(request: HttpRequest, kind: str, pk: int, pid: int) -> HttpResponse:
    """A staged file: reconcile its names (a report) or confirm its replacement, then import; or cancel."""
    scope = Scope(request, kind, pk)
    staged = scope.pending(pid)
    if request.method == "POST" and request.POST.get("action") == "abandon":
        reconcile.abandon(staged, by=request.user)
        messages.info(request, f"Загрузка файла «{staged.filename}» отменена: ничего не записано.")
        return redirect(scope.data_url)
    if staged.kind != ImportBatch.Kind.RESULTS or staged.defaults.get("_replace_only"):
        return _confirm_replacement(request, scope, staged)
    outcome = reconcile.read(staged)
    if not outcome.ok:
        recognition = outcome.recognition
        if recognition is not None and recognition.unrecognised and not recognition.sheets:
            return redirect(scope.url("mapping", staged.pk))
        report = reconcile.refuse_early(staged, [str(e) for e in outcome.errors], [], by=request.user)
        staged.delete()
        return render(request, "results/pending_refused.html", {"scope": scope, "report": report})
    answers = {k: v for k, v in request.POST.items() if k.startswith(("muni-", "school-"))}
    analysis = reconcile.analyse(staged, outcome, answers)
    problems: list[str] = []
    if request.method == "POST":
        decisions, problems = reconcile.decide(analysis, request.POST)
        if not problems and request.POST.get("confirmed") == "1":
            report = reconcile.execute(
                analysis,
                decisions,
                by=request.user,
                expected=request.POST.get("expected") or None,
                replace=True,
            )
            if report.ok:
                _done(request, staged.filename, report, reconcile.summary(analysis, decisions))
                return redirect(scope.data_url)
            return render(request, "results/pending_refused.html", {"scope": scope, "report": report})
        if not problems and request.POST.get("action") == "check":
            plan = reconcile.preview(analysis, decisions)
            impact = [*reconcile.summary(analysis, decisions), *plan.impact()]
            return render(
                request,
                "includes/confirm.html",
                {
                    "title": f"Загрузить «{staged.filename}»?",
                    "lead": "Все школы файла сопоставлены. Проверьте, что изменится, и подтвердите загрузку.",
                    "impact": impact,
                    "warnings": [str(w) for w in outcome.warnings[:20]],
                    "action": scope.url("pending", staged.pk),
                    "fields": {**decisions, "expected": plan.fingerprint},
                    "confirm_label": "Загрузить",
                    "cancel_url": scope.url("pending", staged.pk),
                },
            )
        if request.POST.get("action") != "check":
            problems = []  # the municipality answers were given: now the schools
    for s in analysis.questions:
        s.answer = answers.get(s.field, "")
        for c, _, _ in s.candidates:
            c.answer_value = f"pk:{c.pk}"  # type: ignore[attr-defined]
    return render(
        request,
        "results/reconcile.html",
        {
            "scope": scope,
            "staged": staged,
            "analysis": analysis,
            "recognition": outcome.recognition.lines() if outcome.recognition else [],
            "warnings": [str(w) for w in outcome.warnings],
            "problems": problems,
            "answers": answers,
            "choices": _choices(scope),
            "silent": [s for s in analysis.schools if s.school is not None],
        },
    )


def _choices(scope: Scope) -> list[Any]:
    from portal.schools.models import School

    schools = School.objects.select_related("municipality")
    if scope.municipality is not None:
        return list(schools.filter(municipality=scope.municipality).order_by("short_name"))
    return list(
        schools.filter(municipality__region=scope.region).order_by("municipality__name", "short_name")
    )


def _confirm_replacement(request: HttpRequest, scope: Scope, staged: PendingImport) -> HttpResponse:
    """A coded file (template, ФИС ОКО, context, risk, official list) that replaces stored rows: preview, confirm."""
    assert scope.municipality is not None
    confirmed = request.method == "POST" and request.POST.get("confirmed") == "1"
    report = _import_staged(request, scope, staged, confirmed=confirmed)
    if report.ok:
        staged.delete()
        _done(request, staged.filename, report, [])
        return redirect(scope.data_url)
    if report.needs_confirmation and report.preview is not None:
        return render(
            request,
            "includes/confirm.html",
            {
                "title": f"Заменить данные файлом «{staged.filename}»?",
                "lead": "У школ из файла за эти годы уже есть загруженные данные. Заменяются только строки этих школ.",
                "impact": report.preview.impact(),
                "warnings": report.warnings[:20],
                "action": scope.url("pending", staged.pk),
                "fields": {"expected": report.preview.fingerprint},
                "confirm_label": "Заменить",
                "cancel_url": scope.data_url,
            },
        )
    staged.delete()
    return render(request, "results/pending_refused.html", {"scope": scope, "report": report})


def _import_staged(
    request: HttpRequest, scope: Scope, staged: PendingImport, *, confirmed: bool
) -> services.ImportReport:
    assert scope.municipality is not None
    defaults = {k: v for k, v in staged.defaults.items() if not k.startswith("_")}
    expected = request.POST.get("expected") or None if confirmed else None
    if staged.kind == ImportBatch.Kind.OFFICIAL:
        return services.import_official_list(
            scope.municipality,
            bytes(staged.data),
            filename=staged.filename,
            by=request.user,
            year=defaults.get("year"),
            confirm=not confirmed,
            expected=expected,
        )
    return services.import_file(
        scope.municipality,
        staged.kind,
        bytes(staged.data),
        filename=staged.filename,
        by=request.user,
        replace=confirmed,
        defaults=defaults,
        confirm=not confirmed,
        expected=expected,
    )


def stage_replacement(
    request: HttpRequest, scope: Scope, kind: str, data: bytes, filename: str, defaults: dict[str, Any]
) -> HttpResponse:
    """A coded file that would replace stored rows: keep it and ask (the confirmation page)."""
    staged = reconcile.stage(
        region=scope.region,
        municipality=scope.municipality,
        kind=kind,
        data=data,
        filename=filename,
        defaults={**defaults, "_replace_only": True},
        by=request.user,
    )
    return redirect(scope.url("pending", staged.pk))


@login_required
def region_data(request: HttpRequest, pk: int) -> HttpResponse:
    """The region's data page: a regional report for all its municipalities (regional coordinator)."""
    scope = Scope(request, "r", pk)
    from portal.results.forms import ReportUploadForm

    form = ReportUploadForm()
    report = None
    if request.method == "POST":
        form = ReportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            handled = handle_results_upload(request, scope, upload.read(), upload.name, form.defaults())
            if isinstance(handled, HttpResponse):
                return handled
            report = handled
    return render(
        request,
        "results/region_data.html",
        {
            "scope": scope,
            "region": scope.region,
            "form": form,
            "report": report,
            "pending_imports": PendingImport.objects.filter(region=scope.region, municipality=None).defer(
                "data"
            ),
            "batches": ImportBatch.objects.filter(region=scope.region, municipality=None).select_related(
                "uploaded_by"
            )[:30],
            "municipalities": count(
                scope.region.municipalities.count(), "муниципалитет", "муниципалитета", "муниципалитетов"
            ),
            "schools": count(sum(m.schools.count() for m in scope.region.municipalities.all()), SCHOOL),
        },
    )
