"""Monitoring pages: periods, dashboard, «как получено», municipal form, submissions, closing, Excel.

A school's card and form are in ``school_views``; target schools and targets in ``target_views``.
"""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from portal.accounts.permissions import has_perm
from portal.lib import stale
from portal.lib.access import get_for
from portal.monitoring import derive, excel, services
from portal.monitoring.forms import OpenPeriodForm, ReviewForm, UploadForm, ValuesForm
from portal.monitoring.models import DIRECTIONS, IndicatorValue, MonitoringPeriod, SchoolSubmission
from portal.monitoring.values import Slot, municipal_manual_slots
from portal.schools.models import Municipality


def _period(request: HttpRequest, pk: int, perm: str = "monitoring.view") -> MonitoringPeriod:
    period = get_object_or_404(
        MonitoringPeriod.objects.select_related("municipality", "indicator_set"), pk=pk
    )
    if not has_perm(request.user, perm, period.municipality):
        raise Http404("Нет доступа или объект не найден.")
    return period


def _download(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=excel.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def periods(request: HttpRequest, pk: int) -> HttpResponse:
    """The municipality's monitoring years; the coordinator opens a new one here."""
    municipality = get_for(request, Municipality, "monitoring.view", pk=pk)
    can_edit = has_perm(request.user, "monitoring.edit", municipality)
    form = OpenPeriodForm(request.POST or None)
    if request.method == "POST":
        if not can_edit:
            raise Http404("Нет доступа или объект не найден.")
        if form.is_valid():
            try:
                period = services.open_period(
                    municipality,
                    form.cleaned_data["indicator_set"],
                    form.cleaned_data["year"],
                    deadline=form.cleaned_data["deadline"],
                    by=request.user,
                )
            except services.MonitoringError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Период мониторинга {period.year} г. открыт.")
                return redirect(period)
    items = list(
        MonitoringPeriod.objects.filter(municipality=municipality)
        .select_related("indicator_set")
        .order_by("-year", "indicator_set__code")
    )
    return render(
        request,
        "monitoring/periods.html",
        {"municipality": municipality, "periods": items, "form": form, "can_edit": can_edit},
    )


@login_required
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """Per indicator: the value, the target for the year, the status, the derivation and the trend."""
    period = _period(request, pk)
    category = request.GET.get("category", "")
    category = category if category in derive.CATEGORIES else ""
    try:
        direction: int | None = int(request.GET.get("direction", ""))
    except ValueError:
        direction = None
    if direction not in DIRECTIONS:
        direction = None
    all_rows, summary = derive.cached_rows(period, category=category)
    selected = [r for r in all_rows if direction is None or r.indicator.direction == direction]
    rows = derive.with_trends(period, [copy.copy(r) for r in selected], category=category)
    # One reverse() for all rows: a {% url %} per row costs more than the rest of the row.
    explain = reverse("monitoring:explain", args=[period.pk, "__code__"])
    for row in rows:
        row.spark = derive.sparkline(row.trend)  # type: ignore[attr-defined]
        row.explain_url = (  # type: ignore[attr-defined]
            f"{explain.replace('__code__', row.indicator.code)}?subitem={row.subitem}&category={category}"
        )
    if request.GET.get("format") == "xlsx":
        return _download(
            excel.export_dashboard(period, rows, category=category),
            f"monitoring-{period.year}-{period.municipality.code}.xlsx",
        )
    can_lock = has_perm(request.user, "monitoring.edit", period.municipality) and has_perm(
        request.user, "municipality.edit", period.municipality
    )
    counts = {s: 0 for s in derive.STATUS_LABELS}
    for row in rows:
        counts[row.status] += 1
    context = {
        "period": period,
        "rows": rows,
        "category": category,
        "direction": direction,
        "categories": derive.CATEGORIES,
        "directions": DIRECTIONS,
        "status_counts": [(derive.STATUS_LABELS[k], k, v) for k, v in counts.items()],
        "submission_counts": [(SchoolSubmission.Status(k).label, v) for k, v in summary.submissions.items()],
        "targets": summary.targets,
        "school_count": summary.schools,
        "contradictions": summary.contradictions,
        "can_edit": has_perm(request.user, "monitoring.edit", period.municipality),
        "can_close": period.is_open and can_lock,
        "can_reopen": not period.is_open and can_lock,
        "other_periods": MonitoringPeriod.objects.filter(municipality=period.municipality)
        .exclude(pk=period.pk)
        .order_by("-year"),
    }
    template = (
        "monitoring/_dashboard_table.html"
        if request.headers.get("HX-Request")
        else "monitoring/dashboard.html"
    )
    return render(request, template, context)


@login_required
def explain(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """How one municipal value was obtained, school by school (the dashboard loads it on demand)."""
    period = _period(request, pk)
    category = request.GET.get("category", "")
    data = derive.load(period)
    indicator = next((i for i in data.indicators if i.code == code), None)
    subitem = request.GET.get("subitem", "")
    if indicator is None or subitem not in indicator.municipal_slots:
        raise Http404("Нет такого показателя.")
    row = derive.derive_row(data, indicator, subitem, category if category in derive.CATEGORIES else "")
    template = "monitoring/_sources.html" if request.headers.get("HX-Request") else "monitoring/explain.html"
    context = {"period": period, "row": row, "chain": _chain(data, row)}
    return render(request, template, context)


def _chain(data: derive.PeriodData, row: derive.Row) -> dict[str, dict[str, Any]]:
    """Per school (core key): how its value was obtained — the records' answer with the documents, or the staff
    records behind it — so that «как получено» goes down to the record."""
    out: dict[str, dict[str, Any]] = {}
    slots = [row.subitem] if row.subitem in row.indicator.school_slots else row.indicator.school_slots
    for sub in slots:
        column = data.school_values.get((row.indicator.pk, sub), {})
        for school_id, v in column.items():
            entry = out.setdefault(str(school_id), {"answers": [], "origin": v[6], "records_url": ""})
            answer = data.answers.get((row.indicator.pk, sub, school_id))
            if answer is not None:
                entry["answers"].append(answer)
            elif v[6] == IndicatorValue.Origin.RECORDS:
                entry["records_url"] = (
                    reverse("staff:school_indicator", args=[school_id, row.indicator.code])
                    + f"?subitem={sub}"
                )
            elif v[6] == IndicatorValue.Origin.RESULTS:
                entry["origin"] = "results"
    return out


@login_required
def submissions(request: HttpRequest, pk: int) -> HttpResponse:
    """Every school's form in the period (links to the cards), with accept / return for those who review."""
    period = _period(request, pk, "monitoring.view")
    items = period.submissions.select_related("school").order_by("school__sort_key", "school__short_name")
    targets = {t.school_id: t for t in period.target_schools.all()}
    data = derive.load(period)
    disagree: dict[int | None, list[Any]] = {}
    for c in data.contradictions:
        disagree.setdefault(c.school_id, []).append(c)
    rows = [
        {"submission": s, "target": targets.get(s.school_id), "contradictions": disagree.get(s.school_id, [])}
        for s in items
    ]
    can_review = period.is_open and has_perm(request.user, "monitoring.edit", period.municipality)
    context = {"period": period, "rows": rows, "form": ReviewForm(), "can_review": can_review}
    return render(request, "monitoring/submissions.html", context)


@login_required
@require_POST
def review(request: HttpRequest, pk: int, school_pk: int) -> HttpResponse:
    period = _period(request, pk, "monitoring.edit")
    submission = get_object_or_404(SchoolSubmission, period=period, school_id=school_pk)
    form = ReviewForm(request.POST)
    form.is_valid()
    accept = request.POST.get("action") == "accept"
    try:
        services.review(
            submission, accept=accept, comment=form.cleaned_data.get("comment", ""), by=request.user
        )
        messages.success(
            request, f"Анкета «{submission.school}» {'принята' if accept else 'возвращена на доработку'}."
        )
    except services.MonitoringError as exc:
        messages.error(request, str(exc))
    return redirect("monitoring:submissions", period.pk)


@login_required
def municipal_form(request: HttpRequest, pk: int) -> HttpResponse:
    """The coordinator's values of municipal-only indicators (derived ones are never typed)."""
    period = _period(request, pk, "monitoring.edit")
    if not period.is_open:
        messages.warning(request, f"Период {period.year} г. закрыт: значения не меняются.")
        return redirect(period)
    data = derive.load(period)
    derived = {
        (ind.pk, sub): data.answers[(ind.pk, sub, None)]
        for ind in data.indicators
        for sub in ind.municipal_slots
        if (ind.pk, sub, None) in data.answers
    }
    slots = [s for s in municipal_manual_slots(data.indicators) if (s.indicator.pk, s.subitem) not in derived]
    initial = {
        f"{ind.code}|{sub}": {
            "bool_value": v.bool_value,
            "number": v.number,
            "status3": v.status3,
            "text": v.text,
            "links": v.links,
        }
        for ind in data.indicators
        for sub in ind.municipal_slots
        if (v := data.municipal.get((ind.pk, sub))) is not None
    }
    form = ValuesForm(slots, request.POST or None, initial_values=initial)
    refused: stale.StaleEdit | None = None
    if request.method == "POST" and form.is_valid():
        try:
            n = services.save_municipal_values(
                period, form.raws(), slots, by=request.user, expected=stale.expected(request.POST)
            )
            messages.success(request, f"Муниципальные значения сохранены (изменений: {n}).")
            return redirect(period)
        except stale.StaleEdit as exc:
            refused = exc
        except services.ValidationFailed as exc:
            for e in exc.errors:
                form.add_error(None, e)
        except services.MonitoringError as exc:
            form.add_error(None, str(exc))
    groups = form.groups()
    fieldsets = [
        {"number": n, "label": label, "groups": [g for g in groups if g.indicator.direction == n]}
        for n, label in DIRECTIONS.items()
    ]
    token = stale.expected(request.POST) if request.method == "POST" and refused is None else None
    context = {
        "period": period,
        "form": form,
        "fieldsets": [f for f in fieldsets if f["groups"]],
        "derived": [
            {"slot": Slot(ind, sub, "municipal"), "answer": derived[(ind.pk, sub)]}
            for ind in data.indicators
            for sub in ind.municipal_slots
            if (ind.pk, sub) in derived
        ],
        "loaded_state": token or stale.seal(services.municipal_form_state(period)),
        "stale": refused,
        "can_documents": has_perm(request.user, "documents.edit", period.municipality),
    }
    return render(request, "monitoring/municipal_form.html", context, status=409 if refused else 200)


@login_required
def close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close and lock the period (coordinator only: monitoring.edit and municipality.edit), after a page that
    lists the impact — forms not sent, forms not reviewed, answers written from the records — and asks to confirm.
    """
    period = _period(request, pk, "monitoring.edit")
    if not has_perm(request.user, "municipality.edit", period.municipality):
        raise Http404("Нет доступа или объект не найден.")
    if not period.is_open:
        messages.info(request, f"Период {period.year} г. уже закрыт.")
        return redirect(period)
    if request.method == "POST" and request.POST.get("confirmed") == "1":
        try:
            services.close_period(period, by=request.user)
            messages.success(request, f"Период {period.year} г. закрыт; значения зафиксированы.")
        except services.MonitoringError as exc:
            messages.error(request, str(exc))
        return redirect(period)
    impact = services.close_impact(period)
    context = {
        "title": f"Закрыть период мониторинга {period.year} г.?",
        "lead": f"{period.municipality}: {period.indicator_set.title[:120]}",
        "impact": impact.lines,
        "warnings": impact.warnings,
        "action": reverse("monitoring:close", args=[period.pk]),
        "fields": {},
        "confirm_label": "Закрыть период",
        "cancel_url": period.get_absolute_url(),
    }
    return render(request, "includes/confirm.html", context)


@login_required
@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a closed period again, with a reason (coordinator only, like closing)."""
    period = _period(request, pk, "monitoring.edit")
    if not has_perm(request.user, "municipality.edit", period.municipality):
        raise Http404("Нет доступа или объект не найден.")
    try:
        services.reopen_period(period, reason=request.POST.get("reason", ""), by=request.user)
        messages.success(request, f"Период {period.year} г. снова открыт; причина записана в журнал.")
    except services.MonitoringError as exc:
        messages.error(request, str(exc))
    return redirect(period)


@login_required
@require_POST
def refresh(request: HttpRequest, pk: int) -> HttpResponse:
    """Recompute the values computed from stored data: dynamics (results) and risk factors (risk data)."""
    period = _period(request, pk, "monitoring.edit")
    try:
        n = services.refresh_computed(period, by=request.user)
        messages.success(
            request,
            f"Пересчитаны значения из загруженных данных — динамика и факторы риска (значений: {n}).",
        )
    except services.MonitoringError as exc:
        messages.error(request, str(exc))
    return redirect(period)


@login_required
def excel_template(request: HttpRequest, pk: int) -> HttpResponse:
    period = _period(request, pk, "monitoring.edit")
    return _download(
        excel.template(period), f"monitoring-template-{period.year}-{period.municipality.code}.xlsx"
    )


@login_required
def excel_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Bulk entry: the filled template is validated whole, then written at once or not at all."""
    period = _period(request, pk, "monitoring.edit")
    form = UploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            n = excel.import_values(period, upload.read(), filename=upload.name, by=request.user)
            messages.success(request, f"Файл «{upload.name}» загружен: изменений {n}.")
            return redirect(period)
        except services.ValidationFailed as exc:
            errors = exc.errors
        except services.MonitoringError as exc:
            errors = [str(exc)]
    return render(request, "monitoring/upload.html", {"period": period, "form": form, "errors": errors})
