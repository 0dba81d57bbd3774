"""Pages: the school's programs and risk profile, the five-step wizard, documents, the measures library."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from opora import constructor
from portal.accounts.permissions import has_perm
from portal.lib.access import get_for
from portal.programs import charts, documents, services
from portal.programs.forms import (
    GoalRowForm,
    MeasureForm,
    MeasureRowForm,
    NewProgramForm,
    OwnMeasureForm,
    PrioritiesForm,
    ProgramNoteForm,
    RiskLevelForm,
    UploadForm,
)
from portal.programs.models import Measure, Program, RiskFactor, RiskProfile
from portal.schools.models import Municipality, School

STEPS = [
    (1, "Данные школы"),
    (2, "Приоритеты"),
    (3, "Меры"),
    (4, "Цели и показатели"),
    (5, "Проверка и документы"),
]
DENIED = "Нет доступа или объект не найден."


def _program(request: HttpRequest, pk: int, perm: str = "programs.view") -> Program:
    program = get_object_or_404(Program.objects.select_related("school", "school__municipality"), pk=pk)
    if not has_perm(request.user, perm, program.school):
        raise Http404(DENIED)
    return program


def _download(content: bytes, name: str, mime: str) -> HttpResponse:
    response = HttpResponse(content, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --------------------------------------------------------------------------------------------- school pages


@login_required
def school_programs(request: HttpRequest, school_pk: int) -> HttpResponse:
    """The school's programs (all versions) and risk profiles; the team starts a new program here."""
    school = get_for(request, School, "programs.view", pk=school_pk)
    can_edit = has_perm(request.user, "programs.edit", school)
    profiles = list(RiskProfile.objects.filter(school=school).order_by("-year"))
    form = NewProgramForm(request.POST or None, years=[p.year for p in profiles])
    if request.method == "POST":
        if not can_edit:
            raise Http404(DENIED)
        if form.is_valid():
            try:
                program = services.create_program(
                    school,
                    form.cleaned_data["kind"],
                    by=request.user,
                    profile_year=form.cleaned_data["profile_year"],
                )
            except services.ProgramError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Создан черновик: {program.label}.")
                return redirect("programs:step", program.pk, 1)
    latest = profiles[0] if profiles else None
    return render(
        request,
        "programs/school_programs.html",
        {
            "school": school,
            "programs": Program.objects.filter(school=school).order_by("kind", "-version"),
            "profiles": profiles,
            "latest": latest,
            "chart": charts.profile_chart(latest.as_dict(), _titles()) if latest else "",
            "form": form,
            "can_edit": can_edit,
            "can_edit_risk": has_perm(request.user, "risk.edit", school),
        },
    )


def _titles() -> dict[str, str]:
    return services.factor_titles()


@login_required
def risk_profile(request: HttpRequest, school_pk: int, year: int) -> HttpResponse:
    """The profile of one year: level, source, reason per factor; the school enters or overrides levels."""
    school = get_for(request, School, "programs.view", pk=school_pk)
    if not 2000 <= year <= 2100:
        raise Http404(DENIED)
    can_edit = has_perm(request.user, "risk.edit", school)
    profile = RiskProfile.objects.filter(school=school, year=year).first()
    levels = {lv.factor_id: lv for lv in profile.levels.all()} if profile else {}
    factors = list(RiskFactor.objects.filter(enabled=True))
    rules = services.rule_words()
    rows = []
    for f in factors:
        lv = levels.get(f.pk)
        initial = {"level": lv.level if lv else "", "comment": lv.comment if lv else ""}
        rows.append(
            {
                "factor": f,
                "lv": lv,
                "rule": rules.get(f.code, ""),
                "form": RiskLevelForm(request.POST or None, prefix=f.code, initial=initial),
            }
        )
    error = ""
    if request.method == "POST":
        if not can_edit:
            raise Http404(DENIED)
        if "compute" in request.POST:
            services.compute_profile(school, year, by=request.user)
            messages.success(request, "Уровни рассчитаны по муниципальным данным (где есть правило расчёта).")
            return redirect("programs:risk_profile", school.pk, year)
        if all(r["form"].is_valid() for r in rows):
            changes = {}
            for r in rows:
                level, comment = r["form"].cleaned_data["level"], r["form"].cleaned_data["comment"]
                lv = r["lv"]
                if (lv.level if lv else "") != level or (lv.comment if lv else "") != comment:
                    changes[r["factor"].code] = (level, comment)
            try:
                services.set_levels(school, year, changes, by=request.user)
            except services.ProgramError as exc:
                error = str(exc)
            else:
                messages.success(request, "Рисковый профиль сохранён." if changes else "Изменений нет.")
                return redirect("programs:risk_profile", school.pk, year)
    profile_dict = profile.as_dict() if profile else {}
    return render(
        request,
        "programs/risk_profile.html",
        {
            "school": school,
            "year": year,
            "rows": rows,
            "error": error,
            "can_edit": can_edit,
            "chart": charts.profile_chart(profile_dict, _titles()) if profile_dict else "",
            "inputs": services.input_facts(school, year),
        },
    )


@login_required
def risk_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload levels for the municipality's schools from Excel (whole-file validation, one transaction)."""
    municipality = get_for(request, Municipality, "risk.edit", pk=pk)
    if request.GET.get("template"):
        return _download(
            services.import_template(),
            "riskovyj-profil-shablon.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    form = UploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = services.import_profiles(municipality, upload.read(), filename=upload.name, by=request.user)
        if report.ok:
            messages.success(
                request, f"Загружено уровней: {report.levels}, профилей школ: {report.profiles}."
            )
            return redirect("programs:risk_import", municipality.pk)
    return render(
        request, "programs/risk_import.html", {"municipality": municipality, "form": form, "report": report}
    )


@login_required
def municipal(request: HttpRequest, pk: int) -> HttpResponse:
    """Every school of the municipality: its latest risk profile (high risks) and its programs by status."""
    municipality = get_for(request, Municipality, "programs.view", pk=pk)
    schools = list(School.objects.in_municipality(municipality))
    programs: dict[int, list[Program]] = {}
    for p in Program.objects.filter(school__municipality=municipality).order_by("kind", "-version"):
        programs.setdefault(p.school_id, []).append(p)
    profiles: dict[int, RiskProfile] = {}
    for prof in RiskProfile.objects.filter(school__municipality=municipality).prefetch_related(
        "levels__factor"
    ):
        if prof.school_id not in profiles or prof.year > profiles[prof.school_id].year:
            profiles[prof.school_id] = prof
    rows = []
    for school in schools:
        prof = profiles.get(school.pk)
        high = [lv.factor.title for lv in prof.levels.all() if lv.level == "high"] if prof else []
        rows.append(
            {"school": school, "profile": prof, "high": high, "programs": programs.get(school.pk, [])}
        )
    return render(
        request,
        "programs/municipal.html",
        {
            "municipality": municipality,
            "rows": rows,
            "can_import": has_perm(request.user, "risk.edit", municipality),
        },
    )


# --------------------------------------------------------------------------------------------- wizard


@login_required
def step(request: HttpRequest, pk: int, n: int) -> HttpResponse:
    """One step of the wizard; a POST saves the step (drafts only) and goes on to the next one."""
    if n not in dict(STEPS):
        raise Http404(DENIED)
    program = _program(request, pk)
    can_edit = has_perm(request.user, "programs.edit", program.school) and program.is_draft
    if request.method == "POST" and not can_edit:
        if not has_perm(request.user, "programs.edit", program.school):
            raise Http404(DENIED)
        messages.error(request, "Программа утверждена: изменения возможны только в новой версии.")
        return redirect("programs:step", program.pk, 5)
    handler = {1: _step_data, 2: _step_priorities, 3: _step_measures, 4: _step_goals, 5: _step_check}[n]
    result = handler(request, program, can_edit)
    if isinstance(result, HttpResponse):
        return result
    context = {
        "program": program,
        "school": program.school,
        "steps": STEPS,
        "n": n,
        "can_edit": can_edit,
        **result,
    }
    return render(request, f"programs/step{n}.html", context)


def _step_data(request: HttpRequest, program: Program, can_edit: bool) -> dict[str, Any] | HttpResponse:
    snap = program.snapshot or {}
    profile = snap.get("profile", {})
    titles = _titles()
    ctx = documents.context(program)
    if request.method == "POST":
        return redirect("programs:step", program.pk, 2)
    return {
        "analysis": ctx["analysis"],
        "results_rows": ctx["results_rows"],
        "risk_rows": ctx["risk_rows"],
        "categories": [documents.CATEGORY_WORDS.get(c, c) for c in snap.get("categories", [])],
        "chart": charts.profile_chart(profile, titles),
    }


def _step_priorities(request: HttpRequest, program: Program, can_edit: bool) -> dict[str, Any] | HttpResponse:
    profile = (program.snapshot or {}).get("profile", {})
    factors = list(RiskFactor.objects.filter(enabled=True))
    if program.kind == Program.Kind.FAILURE:
        factors = [f for f in factors if f.code in constructor.FAILURE_FACTORS]
    labels = {"high": "высокий", "medium": "средний", "low": "низкий"}
    choices = [(f.code, f"{f.title} — {labels.get(profile.get(f.code, ''), 'не оценён')}") for f in factors]
    form = PrioritiesForm(request.POST or None, choices=choices, initial={"priorities": program.priorities})
    if request.method == "POST" and form.is_valid():
        try:
            services.set_priorities(program, form.cleaned_data["priorities"], by=request.user)
        except services.ProgramError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Приоритеты сохранены; Конструктор предложил меры.")
            return redirect("programs:step", program.pk, 3)
    order = [f.code for f in factors]
    return {
        "form": form,
        "suggested": [
            c for c in constructor.default_priorities(profile, order, program.kind) if c in dict(choices)
        ],  # type: ignore[arg-type]
    }


def _measure_rows(program: Program, data: Any = None) -> list[dict[str, Any]]:
    titles = _titles()
    return [
        {
            "row": m,
            "form": MeasureRowForm.for_row(m, data),
            "factors": (
                ", ".join(titles.get(f, f) for f in m.factor_codes)
                if len(m.factor_codes) <= 3
                else f"все факторы профиля ({len(m.factor_codes)})"
            ),
        }
        for m in program.measures.all()
    ]


def _measures_context(program: Program, can_edit: bool, data: Any = None, error: str = "") -> dict[str, Any]:
    used = set(program.measures.values_list("code", flat=True))
    return {
        "program": program,
        "rows": _measure_rows(program, data),
        "library": Measure.objects.filter(is_active=True).exclude(code__in=used).order_by("code"),
        "own_form": OwnMeasureForm(),
        "can_edit": can_edit,
        "error": error,
    }


def _step_measures(request: HttpRequest, program: Program, can_edit: bool) -> dict[str, Any] | HttpResponse:
    if request.method == "POST":
        ctx = _measures_context(program, can_edit, request.POST)
        forms = [r["form"] for r in ctx["rows"]]
        if all(f.is_valid() for f in forms):
            rows = {r["row"].pk: r["form"].cleaned_data for r in ctx["rows"]}
            delete = [pk for pk, data in rows.items() if data.get("delete")]
            services.update_measures(program, rows, by=request.user, delete=delete)
            messages.success(request, "Меры сохранены.")
            return redirect("programs:step", program.pk, 4)
        ctx["error"] = "Исправьте ошибки в строках мер."
        return ctx
    return _measures_context(program, can_edit)


@login_required
@require_POST
def add_measure(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: add a library measure or the team's own; answers with the refreshed measures table."""
    program = _program(request, pk, "programs.edit")
    if not program.is_draft:
        messages.error(request, "Программа утверждена: изменения возможны только в новой версии.")
        return redirect("programs:step", program.pk, 5)
    error = ""
    try:
        if request.POST.get("what", "library") == "library":
            services.add_measure(program, by=request.user, code=request.POST["code"])
        else:
            own = OwnMeasureForm(request.POST)
            if own.is_valid():
                services.add_measure(program, by=request.user, own=own.cleaned_data)
            else:
                error = "Своя мера: " + "; ".join(e for errs in own.errors.values() for e in errs)
    except services.ProgramError as exc:
        error = str(exc)
    if request.headers.get("HX-Request"):
        return render(request, "programs/_measures.html", _measures_context(program, True, error=error))
    if error:
        messages.error(request, error)
    return redirect("programs:step", program.pk, 3)


def _step_goals(request: HttpRequest, program: Program, can_edit: bool) -> dict[str, Any] | HttpResponse:
    data = request.POST if request.method == "POST" else None
    goals = list(program.goals.all())
    titles = _titles()
    rows = [
        {"goal": g, "form": GoalRowForm.for_goal(g, data), "factor": titles.get(g.factor_code, "")}
        for g in goals
    ]
    note = ProgramNoteForm(
        data, initial={"director": program.director, "analysis_note": program.analysis_note}
    )
    if data is not None and all(r["form"].is_valid() for r in rows) and note.is_valid():
        services.update_goals(
            program,
            {r["goal"].pk: r["form"].cleaned_data for r in rows},
            by=request.user,
            analysis_note=note.cleaned_data["analysis_note"],
            director=note.cleaned_data["director"],
        )
        messages.success(request, "Цели и показатели сохранены.")
        return redirect("programs:step", program.pk, 5)
    return {"rows": rows, "note": note}


def _step_check(request: HttpRequest, program: Program, can_edit: bool) -> dict[str, Any] | HttpResponse:
    items = services.check(program)
    return {
        "items": items,
        "passed": constructor.check_passed(items),
        "can_approve": has_perm(request.user, "programs.approve", program.school),
        "can_new_version": has_perm(request.user, "programs.edit", program.school) and not program.is_draft,
        "measures_count": program.measures.count(),
    }


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    program = _program(request, pk, "programs.approve")
    action = request.POST.get("action", "approve")
    try:
        if action == "publish":
            services.publish(program, by=request.user)
            messages.success(request, "Программа опубликована.")
        else:
            services.approve(program, by=request.user)
            messages.success(request, "Программа утверждена.")
    except services.QualityCheckFailed as exc:
        messages.error(request, "Утвердить нельзя: программа не прошла проверку качества.")
        for problem in exc.problems:
            messages.error(request, problem)
    except services.ProgramError as exc:
        messages.error(request, str(exc))
    return redirect("programs:step", program.pk, 5)


@login_required
@require_POST
def new_version(request: HttpRequest, pk: int) -> HttpResponse:
    program = _program(request, pk, "programs.edit")
    try:
        copy = services.new_version(program, by=request.user)
    except services.ProgramError as exc:
        messages.error(request, str(exc))
        return redirect("programs:step", program.pk, 5)
    messages.success(request, f"Создана версия {copy.version} (черновик).")
    return redirect("programs:step", copy.pk, 1)


@login_required
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    program = _program(request, pk)
    return render(
        request,
        "programs/preview.html",
        {"program": program, "school": program.school, "document": documents.render_html(program)},
    )


@login_required
def download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    program = _program(request, pk)
    if fmt == "docx":
        return _download(
            documents.cached(program, "docx"), documents.filename(program, "docx"), documents.DOCX
        )
    if fmt == "pdf":
        return _download(documents.cached(program, "pdf"), documents.filename(program, "pdf"), documents.PDF)
    raise Http404(DENIED)


# --------------------------------------------------------------------------------------------- library


@login_required
def library(request: HttpRequest, pk: int) -> HttpResponse:
    """The measures library (read for everyone with programs.view; the method centre edits)."""
    municipality = get_for(request, Municipality, "programs.view", pk=pk)
    factor = request.GET.get("factor", "")
    # The library is small (≈ 100 measures): filter in Python (JSON containment is not portable to SQLite).
    items = [m for m in Measure.objects.order_by("code") if not factor or factor in m.risk_factors]
    return render(
        request,
        "programs/library.html",
        {
            "municipality": municipality,
            "measures": items,
            "factors": RiskFactor.objects.all(),
            "factor": factor,
            "titles": _titles(),
            "can_edit": has_perm(request.user, "measures.edit", municipality),
        },
    )


@login_required
def measure_edit(request: HttpRequest, pk: int, code: str = "") -> HttpResponse:
    municipality = get_for(request, Municipality, "measures.edit", pk=pk)
    obj = get_object_or_404(Measure, code=code) if code else Measure()
    form = MeasureForm(request.POST or None, instance=Measure.objects.get(pk=obj.pk) if obj.pk else None)
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "code" or not obj.pk}
        try:
            saved = services.save_measure(obj, values, by=request.user)
        except services.ProgramError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Мера {saved.code} сохранена.")
            return redirect("programs:library", municipality.pk)
    return render(
        request, "programs/measure_form.html", {"municipality": municipality, "form": form, "measure": obj}
    )
