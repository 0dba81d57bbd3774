"""Pages of one program: the five steps of the Конструктор, the way to approval, documents.

Each form of a step carries the snapshot it was loaded with (``portal.lib.stale``): a save made from a form loaded
before someone else's save is refused with the list of changes, and the form comes back with what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from opora import constructor
from portal.accounts.permissions import has_perm
from portal.lib import stale
from portal.programs import approval, charts, documents, edit_state, services
from portal.programs.forms import (
    GoalRowForm,
    MeasureRowForm,
    OwnMeasureForm,
    PrioritiesForm,
    ProgramNoteForm,
    ReturnForm,
)
from portal.programs.library import measures as region_measures
from portal.programs.models import Program, RiskFactor

STEPS = [
    (1, "Данные школы"),
    (2, "Приоритеты"),
    (3, "Меры"),
    (4, "Цели и показатели"),
    (5, "Проверка и утверждение"),
]
DENIED = "Нет доступа или объект не найден."
LOCKED = {
    Program.Status.SUBMITTED: "Программа ожидает утверждения: чтобы изменить её, верните её в работу (шаг 5).",
}
LOCKED_DEFAULT = "Программа утверждена: изменения возможны только в новой версии."


def _program(request: HttpRequest, pk: int, perm: str = "programs.view") -> Program:
    program = get_object_or_404(Program.objects.select_related("school", "school__municipality"), pk=pk)
    if not has_perm(request.user, perm, program.school):
        raise Http404(DENIED)
    return program


def _download(content: bytes, name: str, mime: str) -> HttpResponse:
    response = HttpResponse(content, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _seal(request: HttpRequest, refused: stale.StaleEdit | None, state: Callable[[], Any]) -> str:
    """The snapshot a form carries: the one it was loaded with when it comes back with errors (so that the next
    save is still checked against it); today's for a new form and after a refused stale save."""
    kept = stale.expected(request.POST) if request.method == "POST" and refused is None else None
    return kept or stale.seal(state())


# --------------------------------------------------------------------------------------------- steps


@login_required
def step(request: HttpRequest, pk: int, n: int) -> HttpResponse:
    """One step of the wizard; a POST saves the step (while the school works on it) and goes on."""
    if n not in dict(STEPS):
        raise Http404(DENIED)
    program = _program(request, pk)
    can_edit = has_perm(request.user, "programs.edit", program.school) and program.is_draft
    if request.method == "POST" and not can_edit:
        if not has_perm(request.user, "programs.edit", program.school):
            raise Http404(DENIED)
        messages.error(request, LOCKED.get(program.status, LOCKED_DEFAULT))
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


def _titles() -> dict[str, str]:
    return services.factor_titles()


def _step_data(request: HttpRequest, program: Program, can_edit: bool) -> dict[str, Any] | HttpResponse:
    snap = program.snapshot or {}
    ctx = documents.context(program)
    if request.method == "POST":
        return redirect("programs:step", program.pk, 2)
    return {
        "analysis": ctx["analysis"],
        "results_rows": ctx["results_rows"],
        "risk_rows": ctx["risk_rows"],
        "categories": [documents.CATEGORY_WORDS.get(c, c) for c in snap.get("categories", [])],
        "chart": charts.profile_chart(snap.get("profile", {}), _titles()),
    }


def _step_priorities(request: HttpRequest, program: Program, can_edit: bool) -> dict[str, Any] | HttpResponse:
    profile = (program.snapshot or {}).get("profile", {})
    factors = list(RiskFactor.objects.filter(enabled=True))
    if program.kind == Program.Kind.FAILURE:
        factors = [f for f in factors if f.code in constructor.FAILURE_FACTORS]
    labels = {"high": "высокий", "medium": "средний", "low": "низкий"}
    choices = [(f.code, f"{f.title} — {labels.get(profile.get(f.code, ''), 'не оценён')}") for f in factors]
    form = PrioritiesForm(request.POST or None, choices=choices, initial={"priorities": program.priorities})
    refused = None
    if request.method == "POST" and form.is_valid():
        try:
            services.set_priorities(
                program,
                form.cleaned_data["priorities"],
                by=request.user,
                expected=stale.expected(request.POST),
            )
        except stale.StaleEdit as exc:
            refused = exc
        except services.ProgramError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Приоритеты сохранены; Конструктор предложил меры.")
            return redirect("programs:step", program.pk, 3)
    order = [f.code for f in factors]
    return {
        "form": form,
        "stale": refused,
        "loaded_state": _seal(request, refused, lambda: edit_state.priorities_state(program)),
        "suggested": [
            c for c in constructor.default_priorities(profile, order, program.kind) if c in dict(choices)
        ],  # type: ignore[arg-type]
    }


def _measure_rows(program: Program, data: Any = None) -> list[dict[str, Any]]:
    titles = _titles()
    return [
        {
            "row": m,
            # A row the submitted data do not carry (just added) shows its stored values.
            "form": MeasureRowForm.for_row(m, data if data and f"m{m.pk}-title" in data else None),
            "factors": (
                ", ".join(titles.get(f, f) for f in m.factor_codes)
                if len(m.factor_codes) <= 3
                else f"все факторы профиля ({len(m.factor_codes)})"
            ),
        }
        for m in program.measures.all()
    ]


def _measures_context(
    program: Program,
    can_edit: bool,
    data: Any = None,
    error: str = "",
    *,
    refused: stale.StaleEdit | None = None,
    loaded_state: str = "",
) -> dict[str, Any]:
    used = set(program.measures.values_list("code", flat=True))
    return {
        "program": program,
        "rows": _measure_rows(program, data),
        "library": region_measures(program.school.municipality.region_id)
        .filter(is_active=True)
        .exclude(code__in=used)
        .order_by("code"),
        "own_form": OwnMeasureForm(),
        "can_edit": can_edit,
        "error": error,
        "stale": refused,
        # The table (with this field) is swapped whole by htmx when a measure is added: the snapshot follows.
        "loaded_state": loaded_state or stale.seal(edit_state.measures_state(program)),
    }


def _step_measures(request: HttpRequest, program: Program, can_edit: bool) -> dict[str, Any] | HttpResponse:
    if request.method != "POST":
        return _measures_context(program, can_edit)
    ctx = _measures_context(program, can_edit, request.POST)
    forms = [r["form"] for r in ctx["rows"]]
    if not all(f.is_valid() for f in forms):
        ctx["error"] = "Исправьте ошибки в строках мер."
        ctx["loaded_state"] = _seal(request, None, lambda: edit_state.measures_state(program))
        return ctx
    rows = {r["row"].pk: r["form"].cleaned_data for r in ctx["rows"]}
    delete = [pk for pk, data in rows.items() if data.get("delete")]
    try:
        services.update_measures(
            program, rows, by=request.user, delete=delete, expected=stale.expected(request.POST)
        )
    except stale.StaleEdit as exc:
        return _measures_context(program, can_edit, request.POST, refused=exc)
    messages.success(request, "Меры сохранены.")
    return redirect("programs:step", program.pk, 4)


@login_required
@require_POST
def add_measure(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: add a library measure or the team's own; answers with the refreshed measures table."""
    program = _program(request, pk, "programs.edit")
    if not program.is_draft:
        messages.error(request, LOCKED.get(program.status, LOCKED_DEFAULT))
        return redirect("programs:step", program.pk, 5)
    error = ""
    refused: stale.StaleEdit | None = None
    expected = stale.expected(request.POST)
    try:
        if request.POST.get("what", "library") == "library":
            services.add_measure(program, by=request.user, code=request.POST["code"], expected=expected)
        else:
            own = OwnMeasureForm(request.POST)
            if own.is_valid():
                services.add_measure(program, by=request.user, own=own.cleaned_data, expected=expected)
            else:
                error = "Своя мера: " + "; ".join(e for errs in own.errors.values() for e in errs)
    except stale.StaleEdit as exc:
        refused = exc
    except services.ProgramError as exc:
        error = str(exc)
    if request.headers.get("HX-Request"):
        # The rows keep what was typed in them. The snapshot is today's once the rows were checked unchanged (the
        # measure was added) or found changed (refused); after another error, nothing was checked: keep the old one.
        kept = expected if error else None
        context = _measures_context(
            program, True, request.POST, error=error, refused=refused, loaded_state=kept or ""
        )
        return render(request, "programs/_measures.html", context)
    if error or refused:
        messages.error(request, error or (refused.message if refused else ""))
    return redirect("programs:step", program.pk, 3)


def _step_goals(request: HttpRequest, program: Program, can_edit: bool) -> dict[str, Any] | HttpResponse:
    data = request.POST if request.method == "POST" else None
    titles = _titles()
    rows = [
        {"goal": g, "form": GoalRowForm.for_goal(g, data), "factor": titles.get(g.factor_code, "")}
        for g in program.goals.all()
    ]
    note = ProgramNoteForm(
        data, initial={"director": program.director, "analysis_note": program.analysis_note}
    )
    refused = None
    if data is not None and all(r["form"].is_valid() for r in rows) and note.is_valid():
        try:
            services.update_goals(
                program,
                {r["goal"].pk: r["form"].cleaned_data for r in rows},
                by=request.user,
                analysis_note=note.cleaned_data["analysis_note"],
                director=note.cleaned_data["director"],
                expected=stale.expected(request.POST),
            )
        except stale.StaleEdit as exc:
            refused = exc
        else:
            messages.success(request, "Цели и показатели сохранены.")
            return redirect("programs:step", program.pk, 5)
    return {
        "rows": rows,
        "note": note,
        "stale": refused,
        "loaded_state": _seal(request, refused, lambda: edit_state.goals_state(program)),
    }


def _step_check(request: HttpRequest, program: Program, can_edit: bool) -> dict[str, Any] | HttpResponse:
    items = services.check(program)
    school = program.school
    can_decide = has_perm(request.user, "programs.approve", school)
    may_edit = has_perm(request.user, "programs.edit", school)
    return {
        "items": items,
        "passed": constructor.check_passed(items),
        "can_submit": may_edit and program.is_draft,
        "can_withdraw": may_edit and program.is_submitted,
        "can_decide": can_decide and program.is_submitted,
        "can_publish": can_decide and program.status == Program.Status.APPROVED,
        "can_new_version": may_edit and program.is_approved,
        "return_form": ReturnForm(),
        "measures_count": program.measures.count(),
    }


# --------------------------------------------------------------------------------------------- approval


def _check_failed(request: HttpRequest, verb: str, exc: services.QualityCheckFailed) -> None:
    messages.error(request, f"{verb} нельзя: программа не прошла проверку качества.")
    for problem in exc.problems:
        messages.error(request, problem)


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    """The school sends the program for approval (only after the quality check passes)."""
    program = _program(request, pk, "programs.edit")
    try:
        approval.submit(program, by=request.user)
    except services.QualityCheckFailed as exc:
        _check_failed(request, "Отправить на утверждение", exc)
    except services.ProgramError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Программа отправлена на утверждение. Координатор увидит её в списке.")
    return redirect("programs:step", program.pk, 5)


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """The school takes back a program waiting for approval to change it."""
    program = _program(request, pk, "programs.edit")
    try:
        approval.withdraw(program, by=request.user)
    except services.ProgramError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Программа возвращена в работу: её можно изменить и отправить снова.")
    return redirect("programs:step", program.pk, 5)


@login_required
@require_POST
def return_program(request: HttpRequest, pk: int) -> HttpResponse:
    """The coordinator returns the program to the school with a comment."""
    program = _program(request, pk, "programs.approve")
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Напишите, что школе нужно исправить: без комментария программу не вернуть.")
        return redirect("programs:step", program.pk, 5)
    try:
        approval.return_program(program, form.cleaned_data["comment"], by=request.user)
    except services.ProgramError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Программа возвращена школе «{program.school}» на доработку.")
    return redirect("programs:step", program.pk, 5)


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve (after a confirmation page that says what changes: the school's roadmap) or publish."""
    program = _program(request, pk, "programs.approve")
    action = request.POST.get("action", "approve")
    back = reverse("programs:step", args=[program.pk, 5])
    ready = program.is_submitted and constructor.check_passed(services.check(program))
    if action == "approve" and ready and request.POST.get("confirmed") != "1":
        return render(
            request,
            "includes/confirm.html",
            {
                "title": f"Утвердить программу: {program.school}",
                "lead": program.label,
                "impact": approval.approval_impact(program),
                "action": reverse("programs:approve", args=[program.pk]),
                "fields": {"action": "approve"},
                "confirm_label": "Утвердить программу",
                "cancel_url": back,
            },
        )
    try:
        if action == "publish":
            approval.publish(program, by=request.user)
            messages.success(request, "Программа опубликована.")
        else:
            approval.approve(program, by=request.user)
            messages.success(request, "Программа утверждена; её меры внесены в дорожную карту школы.")
    except services.QualityCheckFailed as exc:
        _check_failed(request, "Утвердить", exc)
    except services.ProgramError as exc:
        messages.error(request, str(exc))
    return redirect(back)


@login_required
@require_POST
def new_version(request: HttpRequest, pk: int) -> HttpResponse:
    program = _program(request, pk, "programs.edit")
    try:
        copy = approval.new_version(program, by=request.user)
    except services.ProgramError as exc:
        messages.error(request, str(exc))
        return redirect("programs:step", program.pk, 5)
    messages.success(request, f"Создана версия {copy.version} (черновик).")
    return redirect("programs:step", copy.pk, 1)


# --------------------------------------------------------------------------------------------- documents


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
