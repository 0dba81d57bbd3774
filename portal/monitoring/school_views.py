"""A school's pages of a monitoring period: its card (values with their sources) and its form.

Answers the records decide (ШППКО in the Конструктор, the registry, the public page, risk data) and values from
results or staff records are never typed: the card and the form show them read-only with their source and a link
to the record. A typed answer that disagrees with the records is shown as a warning to the school and the
coordinator. The form refuses a stale save (``portal.lib.stale``): what was typed comes back with the changes.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from opora.indicators import fmt_num, fmt_pct
from portal.accounts.permissions import has_perm
from portal.lib import stale
from portal.lib.access import get_for
from portal.monitoring import derive, excel, records, services
from portal.monitoring.forms import TotalsForm, ValuesForm
from portal.monitoring.models import DIRECTIONS, IndicatorValue, MonitoringPeriod, SchoolSubmission
from portal.monitoring.values import Slot
from portal.schools.models import School


def school_in(request: HttpRequest, period: MonitoringPeriod, school_pk: int, perm: str) -> School:
    school = get_for(request, School, perm, pk=school_pk)
    if school.municipality_id != period.municipality_id:
        raise Http404("Школа не относится к муниципалитету периода.")
    return school


def shown(slot: Slot, v: derive.Stored | None) -> str:
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


def school_rows(
    period: MonitoringPeriod, school: School, data: derive.PeriodData | None = None
) -> list[dict[str, Any]]:
    """The school's slots of the period with their values; a slot the records decide carries its answer."""
    data = data or derive.load(period)
    detail = derive.school_detail(period, school.pk)
    out = []
    for ind in data.indicators:
        if school.pk not in derive.target_ids(data, ind):
            continue
        for sub in ind.school_slots:
            if not ind.applies_to(sub, school.kind):
                continue
            slot = Slot(ind, sub, "school")
            v = detail.get((ind.pk, sub))
            out.append(
                {
                    "slot": slot,
                    "value": v,
                    "shown": shown(slot, v),
                    "answer": data.answers.get((ind.pk, sub, school.pk)),
                    "rule": ind.record_rule(sub, "school"),
                }
            )
    return out


def contradictions(data: derive.PeriodData, school_id: int) -> list[records.Contradiction]:
    return [c for c in data.contradictions if c.school_id == school_id]


@login_required
def school_card(request: HttpRequest, pk: int, school_pk: int) -> HttpResponse:
    """One school's indicators in the period, with the state of its form and where each value comes from."""
    period = get_object_or_404(
        MonitoringPeriod.objects.select_related("municipality", "indicator_set"), pk=pk
    )
    school = school_in(request, period, school_pk, "monitoring.view")
    submission = get_object_or_404(SchoolSubmission, period=period, school=school)
    data = derive.load(period)
    context = {
        "period": period,
        "school": school,
        "submission": submission,
        "rows": school_rows(period, school, data),
        "contradictions": contradictions(data, school.pk),
        "can_fill": period.is_open
        and submission.editable
        and has_perm(request.user, "monitoring.fill", school),
        "can_review": period.is_open and has_perm(request.user, "monitoring.edit", period.municipality),
        "can_view_municipality": has_perm(request.user, "monitoring.view", period.municipality),
        "can_documents": has_perm(request.user, "documents.view", school),
    }
    return render(request, "monitoring/school_card.html", context)


def _form_parts(
    period: MonitoringPeriod,
    school: School,
    submission: SchoolSubmission,
    data: derive.PeriodData,
    post: Any = None,
) -> tuple[ValuesForm, TotalsForm, list[Slot]]:
    detail = derive.typed_detail(period, school.pk)
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
    school = school_in(request, period, school_pk, "monitoring.fill")
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
    data = derive.load(period)
    form, totals, slots = _form_parts(period, school, submission, data, post)
    refused: stale.StaleEdit | None = None
    if post is not None and totals.is_valid() and form.is_valid():
        try:
            services.save_school_values(
                submission,
                form.raws(),
                slots,
                by=request.user,
                staff_total=totals.cleaned_data["staff_total"],
                students_total=totals.cleaned_data["students_total"],
                expected=stale.expected(request.POST),
            )
            if "submit" in request.POST:
                services.submit(submission, by=request.user)
                messages.success(request, "Анкета отправлена координатору на проверку.")
            else:
                messages.success(request, "Черновик анкеты сохранён.")
            return redirect(card)
        except stale.StaleEdit as exc:
            refused = exc
        except services.ValidationFailed as exc:
            for e in exc.errors:
                form.add_error(None, e)
        except services.MonitoringError as exc:
            form.add_error(None, str(exc))
    submission.refresh_from_db()
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
        "computed": _computed_rows(period, school, data),
        "contradictions": contradictions(data, school.pk),
        # after a refused stale save a fresh snapshot; after other errors the one the form was loaded with
        "loaded_state": (stale.expected(request.POST) if post is not None and refused is None else None)
        or stale.seal(services.school_form_state(submission)),
        "stale": refused,
        "can_documents": has_perm(request.user, "documents.view", school),
    }
    return render(request, "monitoring/school_form.html", context, status=409 if refused else 200)


def _computed_rows(period: MonitoringPeriod, school: School, data: derive.PeriodData) -> list[dict[str, Any]]:
    """The school's values no one types: records' answers, dynamics and staff records, risk-factor flags (2.2)."""
    rows = [
        r
        for r in school_rows(period, school, data)
        if r["answer"] is not None
        or (r["value"] is not None and r["value"].origin in ("results", "records", "system"))
    ]
    detail = derive.school_detail(period, school.pk)
    for ind in data.indicators:
        if ind.derivation != "share_of_schools_with_risk_factor":
            continue
        for sub in ind.municipal_slots:
            v = detail.get((ind.pk, sub))
            if v is not None:
                slot = Slot(ind, sub, "municipal")
                rows.append(
                    {
                        "slot": slot,
                        "value": v,
                        "shown": "фактор выявлен" if v.bool_value else "нет",
                        "answer": None,
                        "rule": None,
                    }
                )
    return rows


@login_required
@require_POST
def submit(request: HttpRequest, pk: int, school_pk: int) -> HttpResponse:
    period = get_object_or_404(MonitoringPeriod, pk=pk)
    school = school_in(request, period, school_pk, "monitoring.fill")
    submission = get_object_or_404(SchoolSubmission, period=period, school=school)
    try:
        services.submit(submission, by=request.user)
        messages.success(request, "Анкета отправлена координатору на проверку.")
    except services.MonitoringError as exc:
        messages.error(request, str(exc))
    return redirect("monitoring:school", period.pk, school.pk)


@login_required
def school_entry(request: HttpRequest, school_pk: int) -> HttpResponse:
    """From a school to its card in the latest period of its municipality (open periods first)."""
    school = get_for(request, School, "monitoring.view", pk=school_pk)
    periods = MonitoringPeriod.objects.filter(municipality_id=school.municipality_id).order_by("-year", "pk")
    period = periods.filter(status=MonitoringPeriod.Status.OPEN).first() or periods.first()
    if period is None:
        return render(request, "monitoring/no_period.html", {"school": school})
    return redirect("monitoring:school", period.pk, school.pk)
