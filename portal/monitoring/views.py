"""Monitoring pages: periods, dashboard, school card and form, municipal form, submissions, Excel."""

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
from portal.lib.access import get_for
from portal.monitoring import derive, excel, services
from portal.monitoring.forms import OpenPeriodForm, ReviewForm, TotalsForm, UploadForm, ValuesForm
from portal.monitoring.models import DIRECTIONS, IndicatorValue, MonitoringPeriod, SchoolSubmission
from portal.monitoring.values import Slot, municipal_manual_slots
from portal.schools.models import Municipality, School


def _period(request: HttpRequest, pk: int, perm: str = "monitoring.view") -> MonitoringPeriod:
    period = get_object_or_404(
        MonitoringPeriod.objects.select_related("municipality", "indicator_set"), pk=pk
    )
    if not has_perm(request.user, perm, period.municipality):
        raise Http404("Нет доступа или объект не найден.")
    return period


def _school_in(request: HttpRequest, period: MonitoringPeriod, school_pk: int, perm: str) -> School:
    school = get_for(request, School, perm, pk=school_pk)
    if school.municipality_id != period.municipality_id:
        raise Http404("Школа не относится к муниципалитету периода.")
    return school


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
    return render(request, template, {"period": period, "row": row})


def _school_rows(period: MonitoringPeriod, school: School) -> list[dict[str, Any]]:
    data = derive.load(period)
    detail = derive.school_detail(period, school.pk)
    out = []
    for ind in data.indicators:
        if school.pk not in derive.target_ids(data, ind):
            continue
        for sub in ind.school_slots:
            if sub in School.LEVELS and sub not in school.education_levels:
                continue  # levels by school kind: no ООП СОО row for an ООШ
            slot = Slot(ind, sub, "school")
            v = detail.get((ind.pk, sub))
            out.append({"slot": slot, "value": v, "shown": _shown(slot, v)})
    return out


def _shown(slot: Slot, v: derive.Stored | None) -> str:
    from opora.indicators import fmt_num, fmt_pct

    if v is None:
        return "нет данных"
    if v.bool_value is not None:
        return "да" if v.bool_value else "нет"
    if v.origin == IndicatorValue.Origin.RESULTS:
        return "нет данных"
    if slot.kind == "people":
        return (
            f"{fmt_num(v.numerator, 0)} чел. ({fmt_pct(v.number)})"
            if v.number is not None
            else (f"{fmt_num(v.numerator, 0)} чел.")
        )
    if slot.kind == "pct" and v.number is not None:
        return fmt_pct(v.number)
    if slot.kind == "count" and v.number is not None:
        return fmt_num(v.number, 0)
    if v.status3:
        return slot.status_labels().get(v.status3, v.status3)
    return v.text or "нет данных"


@login_required
def school_card(request: HttpRequest, pk: int, school_pk: int) -> HttpResponse:
    """One school's indicators in the period, with the state of its form."""
    period = get_object_or_404(
        MonitoringPeriod.objects.select_related("municipality", "indicator_set"), pk=pk
    )
    school = _school_in(request, period, school_pk, "monitoring.view")
    submission = get_object_or_404(SchoolSubmission, period=period, school=school)
    context = {
        "period": period,
        "school": school,
        "submission": submission,
        "rows": _school_rows(period, school),
        "can_fill": period.is_open
        and submission.editable
        and has_perm(request.user, "monitoring.fill", school),
        "can_review": period.is_open and has_perm(request.user, "monitoring.edit", period.municipality),
        "can_view_municipality": has_perm(request.user, "monitoring.view", period.municipality),
    }
    return render(request, "monitoring/school_card.html", context)


def _form_parts(
    period: MonitoringPeriod, school: School, submission: SchoolSubmission, post: Any = None
) -> tuple[ValuesForm, TotalsForm, list[Slot]]:
    data = derive.load(period)
    detail = derive.school_detail(period, school.pk)
    slots = excel.slots_for_school(period, data.indicators, school.pk, data)
    initial = {
        f"{ind.code}|{sub}": {
            "bool_value": v.bool_value,
            "number": v.number,
            "numerator": v.numerator,
            "status3": v.status3,
            "text": v.text,
            "links": v.links,
        }
        for ind in data.indicators
        for sub in ind.school_slots
        if (v := detail.get((ind.pk, sub))) is not None
    }
    totals = TotalsForm(
        post,
        initial={"staff_total": submission.staff_total, "students_total": submission.students_total},
        prefix="totals",
    )
    denominators: dict[str, int | None] = {}
    if post is not None and totals.is_valid():
        denominators = {k: totals.cleaned_data[k] for k in ("staff_total", "students_total")}
    form = ValuesForm(slots, post, initial_values=initial, denominators=denominators)
    return form, totals, slots


@login_required
def school_form(request: HttpRequest, pk: int, school_pk: int) -> HttpResponse:
    """The school's form generated from the catalogue: a fieldset per direction; save, or save and submit."""
    period = get_object_or_404(
        MonitoringPeriod.objects.select_related("municipality", "indicator_set"), pk=pk
    )
    school = _school_in(request, period, school_pk, "monitoring.fill")
    submission = get_object_or_404(SchoolSubmission, period=period, school=school)
    card = reverse("monitoring:school", args=[period.pk, school.pk])
    if not period.is_open or not submission.editable:
        messages.warning(
            request,
            f"Период {period.year} г. закрыт: анкета доступна только для просмотра."
            if not period.is_open
            else f"Анкета {submission.get_status_display().lower()}: "
            "изменить её можно после возврата на доработку.",
        )
        return redirect(card)
    post = request.POST if request.method == "POST" else None
    form, totals, slots = _form_parts(period, school, submission, post)
    if post is not None and totals.is_valid() and form.is_valid():
        try:
            services.save_school_values(
                submission,
                form.raws(),
                slots,
                by=request.user,
                staff_total=totals.cleaned_data["staff_total"],
                students_total=totals.cleaned_data["students_total"],
            )
            if "submit" in request.POST:
                services.submit(submission, by=request.user)
                messages.success(request, "Анкета отправлена координатору на проверку.")
            else:
                messages.success(request, "Черновик анкеты сохранён.")
            return redirect(card)
        except services.ValidationFailed as exc:
            for e in exc.errors:
                form.add_error(None, e)
        except services.MonitoringError as exc:
            form.add_error(None, str(exc))
    groups = form.groups()
    fieldsets = []
    for number, label in DIRECTIONS.items():
        items = [g for g in groups if g.indicator.direction == number]
        if items:
            fieldsets.append({"number": number, "label": label, "groups": items})
    context = {
        "period": period,
        "school": school,
        "submission": submission,
        "form": form,
        "totals": totals,
        "fieldsets": fieldsets,
        "computed": _computed_rows(period, school),
    }
    return render(request, "monitoring/school_form.html", context)


def _computed_rows(period: MonitoringPeriod, school: School) -> list[dict[str, Any]]:
    """The school's values no one types: dynamics and teacher records on its slots, risk-factor flags (2.2)."""
    rows = [
        r
        for r in _school_rows(period, school)
        if r["value"] is not None and r["value"].origin in ("results", "records")
    ]
    detail = derive.school_detail(period, school.pk)
    for ind in period.indicator_set.indicators.filter(derivation="share_of_schools_with_risk_factor"):
        for sub in ind.municipal_slots:
            v = detail.get((ind.pk, sub))
            if v is not None:
                slot = Slot(ind, sub, "municipal")
                rows.append({"slot": slot, "value": v, "shown": "фактор выявлен" if v.bool_value else "нет"})
    return rows


@login_required
@require_POST
def submit(request: HttpRequest, pk: int, school_pk: int) -> HttpResponse:
    period = get_object_or_404(MonitoringPeriod, pk=pk)
    school = _school_in(request, period, school_pk, "monitoring.fill")
    submission = get_object_or_404(SchoolSubmission, period=period, school=school)
    try:
        services.submit(submission, by=request.user)
        messages.success(request, "Анкета отправлена координатору на проверку.")
    except services.MonitoringError as exc:
        messages.error(request, str(exc))
    return redirect("monitoring:school", period.pk, school.pk)


@login_required
def submissions(request: HttpRequest, pk: int) -> HttpResponse:
    """Every school's form in the period (links to the cards), with accept / return for those who review."""
    period = _period(request, pk, "monitoring.view")
    items = period.submissions.select_related("school").order_by("school__sort_key", "school__short_name")
    targets = {t.school_id: t for t in period.target_schools.all()}
    rows = [{"submission": s, "target": targets.get(s.school_id)} for s in items]
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
    slots = municipal_manual_slots(data.indicators)
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
    if request.method == "POST" and form.is_valid():
        try:
            n = services.save_municipal_values(period, form.raws(), slots, by=request.user)
            messages.success(request, f"Муниципальные значения сохранены (изменений: {n}).")
            return redirect(period)
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
    return render(
        request,
        "monitoring/municipal_form.html",
        {"period": period, "form": form, "fieldsets": [f for f in fieldsets if f["groups"]]},
    )


@login_required
def targets(request: HttpRequest, pk: int) -> HttpResponse:
    """The period's target schools and where the list came from; the coordinator may set it by hand."""
    period = _period(request, pk, "monitoring.view")
    can_edit = period.is_open and has_perm(request.user, "monitoring.edit", period.municipality)
    if request.method == "POST":
        if not can_edit:
            raise Http404("Нет доступа или объект не найден.")
        try:
            if request.POST.get("action") == "identification":
                n = services.targets_from_identification(period, by=request.user)
                messages.success(request, f"Список целевых школ взят из идентификации: {n}.")
            else:
                services.set_target_schools(
                    period,
                    shnor=[int(x) for x in request.POST.getlist("shnor")],
                    at_risk=[int(x) for x in request.POST.getlist("at_risk")],
                    by=request.user,
                )
                messages.success(request, "Список целевых школ сохранён.")
        except (services.MonitoringError, ValueError) as exc:
            messages.error(request, str(exc))
        return redirect("monitoring:targets", period.pk)
    rows = {t.school_id: t for t in period.target_schools.all()}
    schools = School.objects.in_municipality(period.municipality)
    items = [{"school": s, "target": rows.get(s.pk)} for s in schools]
    return render(
        request, "monitoring/targets.html", {"period": period, "items": items, "can_edit": can_edit}
    )


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close and lock the period (coordinator only: monitoring.edit and municipality.edit)."""
    period = _period(request, pk, "monitoring.edit")
    if not has_perm(request.user, "municipality.edit", period.municipality):
        raise Http404("Нет доступа или объект не найден.")
    try:
        services.close_period(period, by=request.user)
        messages.success(request, f"Период {period.year} г. закрыт; значения зафиксированы.")
    except services.MonitoringError as exc:
        messages.error(request, str(exc))
    return redirect(period)


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


@login_required
def school_entry(request: HttpRequest, school_pk: int) -> HttpResponse:
    """From a school to its card in the latest period of its municipality (open periods first)."""
    school = get_for(request, School, "monitoring.view", pk=school_pk)
    periods = MonitoringPeriod.objects.filter(municipality_id=school.municipality_id).order_by("-year", "pk")
    period = periods.filter(status=MonitoringPeriod.Status.OPEN).first() or periods.first()
    if period is None:
        return render(request, "monitoring/no_period.html", {"school": school})
    return redirect("monitoring:school", period.pk, school.pk)
