"""Pages of the staff app: a school's teachers and records, computed indicators with their sources, support
visits, partnerships, the best-practices bank. A refusal is 404 (portal.lib.access)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from opora import staff_indicators as core
from portal.accounts.permissions import has_perm
from portal.lib import stale
from portal.lib.access import get_for
from portal.lib.collation import naturally_ordered
from portal.schools.models import Municipality, School
from portal.staff import excel, services
from portal.staff.forms import (
    RECORD_FORMS,
    JointEventForm,
    PartnershipForm,
    PracticeReviewForm,
    PracticeSubmitForm,
    SupportVisitForm,
    TeacherForm,
    TrainingSiteForm,
    UploadForm,
)
from portal.staff.models import BestPractice, Partnership, SupportVisit, Teacher, TrainingSite

DENIED = "Нет доступа или объект не найден."


def _need(request: HttpRequest, perm: str, obj: Any) -> None:
    if not has_perm(request.user, perm, obj):
        raise Http404(DENIED)


def _year(request: HttpRequest, municipality: Municipality) -> int:
    """?year=…, else the latest open monitoring year of the municipality, else the current year."""
    raw = request.GET.get("year") or request.POST.get("year") or ""
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    from portal.monitoring.models import MonitoringPeriod

    period = (
        MonitoringPeriod.objects.filter(municipality=municipality, status=MonitoringPeriod.Status.OPEN)
        .order_by("-year")
        .first()
    )
    return period.year if period else timezone.localdate().year


def _wordings() -> dict[str, str]:
    from portal.monitoring.models import Indicator

    return dict(
        Indicator.objects.filter(
            indicator_set__code="order_2023_41", code__in={r.code for r in core.RULES}
        ).values_list("code", "school_wording")
    )


def _monitoring_base(period: Any) -> set[int] | None:
    """The monitoring period's target schools: municipal totals are taken over them, as on the dashboard."""
    from portal.monitoring.derive import program_school_ids

    return program_school_ids(period) if period is not None else None


def _display(v: core.SlotValue | None) -> str:
    if v is None:
        return "нет данных"
    if v.measure == "people":
        return f"{v.number:.1f} % ({v.numerator} из {v.denominator})".replace(".", ",")
    if v.measure == "school":
        return "да" if v.flag else "нет"
    return str(v.numerator)


def _rows(values: list[core.SlotValue], school: int | None) -> list[dict[str, Any]]:
    """One line per rule: the school's value (``school``) or the municipal total over ``values``."""
    wordings = _wordings()
    out = []
    for rule in core.RULES:
        items = [v for v in values if v.code == rule.code and v.subitem == rule.subitem]
        if school is not None:
            v = next((x for x in items if x.school == school), None)
            shown = _display(v)
        else:
            value, num, den = core.municipal_total(items)
            if value is None:
                shown = "нет данных"
            elif rule.measure in ("people", "school"):
                shown = f"{value:.1f} % ({num} из {den})".replace(".", ",")
            else:
                shown = str(num)
        out.append(
            {
                "rule": rule,
                "shown": shown,
                "wording": wordings.get(rule.code, ""),
                "anchor": f"{rule.code.replace('.', '')}-{rule.subitem or 'all'}",
            }
        )
    return out


# --------------------------------------------------------------------------------------------- school


@login_required
def school_staff(request: HttpRequest, school_pk: int) -> HttpResponse:
    """A school's teachers and its indicators computed from their records for a year."""
    school = get_for(request, School, "staff.view", pk=school_pk)
    year = _year(request, school.municipality)
    values = services.compute(school.municipality, year, schools=[school.pk])
    teachers = list(naturally_ordered(Teacher.objects.filter(school=school), "name"))
    context = {
        "school": school,
        "year": year,
        "teachers": teachers,
        "working": services.teacher_count(school, year),
        "rows": _rows(values, school.pk),
        "can_edit": has_perm(request.user, "staff.edit", school),
        "can_partner": has_perm(request.user, "partnerships.edit", school),
    }
    return render(request, "staff/school.html", context)


@login_required
def school_indicator(request: HttpRequest, school_pk: int, code: str) -> HttpResponse:
    """The records one computed value of a school counted."""
    school = get_for(request, School, "staff.view", pk=school_pk)
    rule = core.rule_for(code, request.GET.get("subitem", ""))
    if rule is None:
        raise Http404("Нет такого показателя.")
    year = _year(request, school.municipality)
    values = services.compute(school.municipality, year, schools=[school.pk])
    v = next((x for x in values if x.code == rule.code and x.subitem == rule.subitem), None)
    sources = services.source_objects(v.sources if v else ())
    context = {
        "school": school,
        "year": year,
        "rule": rule,
        "shown": _display(v),
        "value": v,
        "sources": sources,
    }
    return render(request, "staff/school_indicator.html", context)


@login_required
def teacher_add(request: HttpRequest, school_pk: int) -> HttpResponse:
    school = get_for(request, School, "staff.edit", pk=school_pk)
    form = TeacherForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        teacher = form.save(commit=False)
        teacher.school = school
        try:
            services.save_object(teacher, by=request.user, action="staff.teacher")
        except services.StaffError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Педагог «{teacher}» добавлен.")
            return redirect(teacher)
    return render(request, "staff/form.html", {"form": form, "title": "Новый педагог", "school": school})


def _teacher(request: HttpRequest, pk: int, perm: str) -> Teacher:
    teacher = get_object_or_404(Teacher.objects.select_related("school__municipality"), pk=pk)
    _need(request, perm, teacher.school)
    return teacher


@login_required
def teacher(request: HttpRequest, pk: int) -> HttpResponse:
    t = _teacher(request, pk, "staff.view")
    context = {
        "teacher": t,
        "school": t.school,
        "diagnostics": t.diagnostics.all(),
        "routes": t.routes.all(),
        "courses": t.courses.all(),
        "practices": t.practices.select_related("partner"),
        "events": t.events.all(),
        "kinds": [(k, label) for k, (_f, label) in RECORD_FORMS.items()],
        "can_edit": has_perm(request.user, "staff.edit", t.school),
    }
    return render(request, "staff/teacher.html", context)


@login_required
def teacher_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The teacher's record; a save from a form loaded before someone else's save is refused (stale)."""
    t = _teacher(request, pk, "staff.edit")
    form = TeacherForm(request.POST or None, instance=t)
    refused: stale.StaleEdit | None = None
    if request.method == "POST" and form.is_valid():
        try:
            services.save_teacher(form.instance, by=request.user, expected=stale.expected(request.POST))
        except stale.StaleEdit as exc:
            refused = exc
        except services.StaffError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Сведения о педагоге сохранены.")
            return redirect(t)
    kept = stale.expected(request.POST) if request.method == "POST" and refused is None else None
    current = Teacher.objects.get(pk=t.pk)
    context = {
        "form": form,
        "title": f"Педагог: {current}",
        "school": t.school,
        "stale": refused,
        "loaded_state": kept or stale.seal(services.teacher_state(current)),
    }
    return render(request, "staff/form.html", context)


@login_required
def record_add(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """A diagnostic, ИОМ, course, practice or event of a teacher."""
    t = _teacher(request, pk, "staff.edit")
    if kind not in RECORD_FORMS:
        raise Http404("Нет такого вида записи.")
    form_class, label = RECORD_FORMS[kind]
    extra = {"teacher": t} if kind in ("route", "practice") else {}
    form = form_class(request.POST or None, **extra)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        obj.teacher = t
        try:
            services.save_object(obj, by=request.user, action=f"staff.{kind}")
        except services.StaffError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Запись «{label}» добавлена: {obj}.")
            return redirect(t)
    return render(
        request, "staff/form.html", {"form": form, "title": f"{label}: {t}", "school": t.school, "back": t}
    )


@login_required
@require_POST
def record_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    model = services.MODELS_BY_PREFIX.get(kind)
    if model is None or kind in ("visit", "partnership"):
        raise Http404("Нет такого вида записи.")
    obj = get_object_or_404(model.objects.select_related("teacher__school"), pk=pk)  # type: ignore[attr-defined]
    _need(request, "staff.edit", obj.teacher.school)
    services.delete_object(obj, by=request.user, action=f"staff.{kind}")
    messages.success(request, f"Запись «{obj}» удалена.")
    return redirect(obj.teacher)


@login_required
def import_teachers(request: HttpRequest, school_pk: int) -> HttpResponse:
    """Bulk entry from the template: the file is checked whole and written at once, or not at all."""
    school = get_for(request, School, "staff.edit", pk=school_pk)
    form = UploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = excel.import_file(school, upload.read(), filename=upload.name, by=request.user)
        except excel.ImportFailed as exc:
            errors = exc.errors
        else:
            messages.success(
                request,
                f"Файл «{upload.name}» загружен: педагогов добавлено {report.teachers_created}, "
                f"обновлено {report.teachers_updated}, курсов добавлено {report.courses_created}.",
            )
            return redirect("staff:school", school.pk)
    return render(request, "staff/import.html", {"school": school, "form": form, "errors": errors})


@login_required
def import_template(request: HttpRequest, school_pk: int) -> HttpResponse:
    school = get_for(request, School, "staff.edit", pk=school_pk)
    response = HttpResponse(excel.template(school), content_type=excel.XLSX)
    response["Content-Disposition"] = f'attachment; filename="teachers-{school.code}.xlsx"'
    return response


# --------------------------------------------------------------------------------------------- municipality


@login_required
def municipal(request: HttpRequest, pk: int) -> HttpResponse:
    """Municipal totals of the computed indicators and per-school numbers (no names: region viewers see it)."""
    municipality = get_for(request, Municipality, "staff.aggregate", pk=pk)
    year = _year(request, municipality)
    values = services.compute(municipality, year)
    schools = list(School.objects.in_municipality(municipality))
    from portal.monitoring.models import MonitoringPeriod

    period = MonitoringPeriod.objects.filter(
        municipality=municipality, year=year, indicator_set__code="order_2023_41"
    ).first()
    base = _monitoring_base(period)
    context = {
        "municipality": municipality,
        "year": year,
        "rows": _rows([v for v in values if base is None or v.school in base], None),
        "base": base,
        "schools": schools,
        "period": period,
        "can_names": has_perm(request.user, "staff.view", municipality),
        "can_feed": period is not None
        and period.is_open
        and has_perm(request.user, "monitoring.edit", municipality),
        "can_risk": has_perm(request.user, "imports.run", municipality),
        "can_support": has_perm(request.user, "support.edit", municipality),
    }
    return render(request, "staff/municipal.html", context)


@login_required
def municipal_indicator(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """One computed indicator school by school; the records behind each value for those who may see names."""
    municipality = get_for(request, Municipality, "staff.aggregate", pk=pk)
    rule = core.rule_for(code, request.GET.get("subitem", ""))
    if rule is None:
        raise Http404("Нет такого показателя.")
    year = _year(request, municipality)
    values = [
        v for v in services.compute(municipality, year) if v.code == rule.code and v.subitem == rule.subitem
    ]
    names = {s.pk: s for s in School.objects.filter(municipality=municipality)}
    may_see = {pk for pk, s in names.items() if has_perm(request.user, "staff.view", s)}
    lines = [
        {
            "school": names[v.school],
            "shown": _display(v),
            "sources": services.source_objects(v.sources) if v.school in may_see else None,
        }
        for v in values
        if v.school in names
    ]
    from portal.monitoring.models import MonitoringPeriod

    base = _monitoring_base(
        MonitoringPeriod.objects.filter(
            municipality=municipality, year=year, indicator_set__code="order_2023_41"
        ).first()
    )
    total, num, den = core.municipal_total([v for v in values if base is None or v.school in base])
    context = {
        "base": base,
        "municipality": municipality,
        "year": year,
        "rule": rule,
        "lines": lines,
        "total": total,
        "num": num,
        "den": den,
    }
    return render(request, "staff/municipal_indicator.html", context)


@login_required
@require_POST
def feed(request: HttpRequest, pk: int) -> HttpResponse:
    """Write the computed school values into the open monitoring period of the year."""
    from portal.monitoring.models import MonitoringPeriod
    from portal.monitoring.services import MonitoringError

    municipality = get_for(request, Municipality, "monitoring.edit", pk=pk)
    year = _year(request, municipality)
    period = MonitoringPeriod.objects.filter(
        municipality=municipality, year=year, indicator_set__code="order_2023_41"
    ).first()
    if period is None:
        messages.error(request, f"Периода мониторинга {year} г. нет.")
    else:
        try:
            report = services.feed_monitoring(period, by=request.user)
        except MonitoringError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                f"Значения переданы в мониторинг {year} г.: записано {report.written}, "
                f"заменено введённых школами {report.replaced_typed}, удалено устаревших {report.removed}.",
            )
    return redirect(f"{_url('staff:municipal', municipality.pk)}?year={year}")


@login_required
@require_POST
def risk(request: HttpRequest, pk: int) -> HttpResponse:
    """Fill the risk-factor inputs (category and training shares) of the year from the records."""
    municipality = get_for(request, Municipality, "imports.run", pk=pk)
    year = _year(request, municipality)
    try:
        report = services.derive_risk_inputs(
            municipality, year, by=request.user, overwrite=request.POST.get("overwrite") == "1"
        )
    except services.StaffError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"Факторы риска {year} г.: строк создано {report.created}, обновлено {report.updated}; "
            f"значений из загруженных файлов сохранено без изменений: {report.kept_from_file}.",
        )
    return redirect(f"{_url('staff:municipal', municipality.pk)}?year={year}")


def _url(name: str, *args: Any) -> str:
    from django.urls import reverse

    return reverse(name, args=args)


@login_required
def support(request: HttpRequest, pk: int) -> HttpResponse:
    """Support visits to the municipality's schools; the method centre and the coordinator record them."""
    municipality = get_for(request, Municipality, "staff.aggregate", pk=pk)
    can_edit = has_perm(request.user, "support.edit", municipality)
    form = SupportVisitForm(request.POST or None, municipality=municipality)
    if request.method == "POST":
        _need(request, "support.edit", municipality)
        if form.is_valid():
            visit = form.save(commit=False)
            visit.created_by = request.user
            try:
                services.save_object(visit, by=request.user, action="staff.support_visit")
            except services.StaffError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Записано: {visit}.")
                return redirect("staff:support", municipality.pk)
    visits = SupportVisit.objects.filter(school__municipality=municipality).select_related(
        "school", "provider_school"
    )
    return render(
        request,
        "staff/support.html",
        {
            "municipality": municipality,
            "visits": visits,
            "form": form,
            "can_edit": can_edit,
            # «Команда» names people: shown to those who may see the municipality's staff, not to region viewers.
            "can_names": has_perm(request.user, "staff.view", municipality),
        },
    )


@login_required
def partnerships(request: HttpRequest, pk: int) -> HttpResponse:
    """All agreements of the municipality; the coordinator adds inter-municipal and inter-agency ones here."""
    municipality = get_for(request, Municipality, "staff.aggregate", pk=pk)
    can_edit = has_perm(request.user, "partnerships.edit", municipality)
    form = PartnershipForm(request.POST or None, municipal=True)
    if request.method == "POST":
        _need(request, "partnerships.edit", municipality)
        if form.is_valid():
            obj = form.save(commit=False)
            obj.municipality = municipality
            try:
                services.save_object(obj, by=request.user, action="staff.partnership")
            except services.StaffError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Соглашение «{obj}» добавлено.")
                return redirect("staff:partnerships", municipality.pk)
    items = (
        Partnership.objects.filter(municipality=municipality)
        .select_related("school")
        .prefetch_related("events")
    )
    return render(
        request,
        "staff/partnerships.html",
        {"municipality": municipality, "items": items, "form": form, "can_edit": can_edit, "school": None},
    )


@login_required
def school_partnerships(request: HttpRequest, school_pk: int) -> HttpResponse:
    school = get_for(request, School, "staff.view", pk=school_pk)
    can_edit = has_perm(request.user, "partnerships.edit", school)
    form = PartnershipForm(request.POST or None)
    if request.method == "POST":
        _need(request, "partnerships.edit", school)
        if form.is_valid():
            obj = form.save(commit=False)
            obj.municipality, obj.school = school.municipality, school
            try:
                services.save_object(obj, by=request.user, action="staff.partnership")
            except services.StaffError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Договор «{obj}» добавлен.")
                return redirect("staff:school_partnerships", school.pk)
    items = Partnership.objects.filter(school=school).prefetch_related("events")
    return render(
        request,
        "staff/partnerships.html",
        {
            "municipality": school.municipality,
            "items": items,
            "form": form,
            "can_edit": can_edit,
            "school": school,
        },
    )


@login_required
def joint_event_add(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = get_object_or_404(Partnership.objects.select_related("school", "municipality"), pk=pk)
    _need(request, "partnerships.edit", partnership.school or partnership.municipality)
    form = JointEventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        obj.partnership = partnership
        services.save_object(obj, by=request.user, action="staff.joint_event")
        messages.success(request, f"Совместное мероприятие «{obj}» добавлено.")
        if partnership.school:
            return redirect("staff:school_partnerships", partnership.school.pk)
        return redirect("staff:partnerships", partnership.municipality.pk)
    return render(
        request,
        "staff/form.html",
        {"form": form, "title": f"Совместное мероприятие: {partnership}", "school": partnership.school},
    )


# --------------------------------------------------------------------------------------------- practices


@login_required
def practices(request: HttpRequest, pk: int) -> HttpResponse:
    """The bank: the method centre reviews submitted practices; стажировочные площадки of leader schools."""
    municipality = get_for(request, Municipality, "staff.aggregate", pk=pk)
    can_review = has_perm(request.user, "practices.review", municipality)
    site_form = TrainingSiteForm(request.POST or None, municipality=municipality)
    if request.method == "POST":
        _need(request, "practices.review", municipality)
        if site_form.is_valid():
            services.save_object(site_form.save(commit=False), by=request.user, action="staff.training_site")
            messages.success(request, "Стажировочная площадка добавлена.")
            return redirect("staff:practices", municipality.pk)
    qs = BestPractice.objects.filter(school__municipality=municipality).select_related("school")
    if not can_review:
        qs = qs.filter(status=BestPractice.Status.PUBLISHED)
    items = list(qs)
    for p in items:
        # Authors are teachers: named to those who may see the school's teachers, to others only when the
        # practice is marked «имена авторов можно показывать открыто».
        p.show_authors = p.authors_public or has_perm(request.user, "staff.view", p.school)  # type: ignore[attr-defined]
    sites = TrainingSite.objects.filter(school__municipality=municipality).select_related("school")
    return render(
        request,
        "staff/practices.html",
        {
            "municipality": municipality,
            "items": items,
            "sites": sites,
            "can_review": can_review,
            "review_form": PracticeReviewForm(auto_id=False),
            "site_form": site_form,
        },
    )


@login_required
def practice_add(request: HttpRequest, school_pk: int) -> HttpResponse:
    school = get_for(request, School, "staff.edit", pk=school_pk)
    form = PracticeSubmitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        obj.school = school
        services.save_object(obj, by=request.user, action="staff.practice")
        messages.success(request, f"Практика «{obj}» отправлена в методический центр.")
        return redirect("staff:school", school.pk)
    return render(
        request,
        "staff/form.html",
        {"form": form, "title": "Практика в банк лучших практик", "school": school},
    )


@login_required
@require_POST
def practice_review(request: HttpRequest, pk: int) -> HttpResponse:
    practice = get_object_or_404(BestPractice.objects.select_related("school__municipality"), pk=pk)
    _need(request, "practices.review", practice.school.municipality)
    form = PracticeReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Выберите решение по практике.")
    else:
        try:
            services.review_practice(
                practice,
                status=form.cleaned_data["status"],
                comment=form.cleaned_data["comment"],
                for_atlas=form.cleaned_data["for_atlas"],
                by=request.user,
            )
            messages.success(request, f"Практика «{practice}»: {practice.get_status_display().lower()}.")
        except services.StaffError as exc:
            messages.error(request, str(exc))
    return redirect("staff:practices", practice.school.municipality.pk)
