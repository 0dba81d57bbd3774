"""Pages: the school's programs and risk profile, the municipality's programs (the pages of one program — the
wizard, approval, documents — are in ``portal.programs.wizard``; the measures library in ``library_views``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from portal.accounts.permissions import has_perm
from portal.lib import stale
from portal.lib.access import get_for
from portal.programs import approval, charts, risk, services
from portal.programs.forms import (
    NewProgramForm,
    RiskLevelForm,
    UploadForm,
)
from portal.programs.models import Program, RiskFactor, RiskProfile
from portal.schools.models import Municipality, School

DENIED = "Нет доступа или объект не найден."


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
    form = NewProgramForm(request.POST or None, years=[p.year for p in profiles], today=timezone.localdate())
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
                    year_from=form.cleaned_data["year_from"],
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
    rules = risk.rule_words()
    rows = []
    for f in RiskFactor.objects.filter(enabled=True):
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
    refused: stale.StaleEdit | None = None
    if request.method == "POST":
        if not can_edit:
            raise Http404(DENIED)
        if "compute" in request.POST:
            risk.compute_profile(school, year, by=request.user)
            messages.success(request, "Уровни рассчитаны по муниципальным данным (где есть правило расчёта).")
            return redirect("programs:risk_profile", school.pk, year)
        if all(r["form"].is_valid() for r in rows):
            # Every factor is sent: the service compares the form's snapshot before writing what differs.
            changes = {}
            for r in rows:
                level, comment = r["form"].cleaned_data["level"], r["form"].cleaned_data["comment"]
                lv = r["lv"]
                if (lv.level if lv else "") != level or (lv.comment if lv else "") != comment:
                    changes[r["factor"].code] = (level, comment)
            try:
                risk.set_levels(school, year, changes, by=request.user, expected=stale.expected(request.POST))
            except stale.StaleEdit as exc:
                refused = exc
            except services.ProgramError as exc:
                error = str(exc)
            else:
                messages.success(request, "Рисковый профиль сохранён." if changes else "Изменений нет.")
                return redirect("programs:risk_profile", school.pk, year)
    kept = stale.expected(request.POST) if request.method == "POST" and refused is None else None
    profile_dict = profile.as_dict() if profile else {}
    return render(
        request,
        "programs/risk_profile.html",
        {
            "school": school,
            "year": year,
            "rows": rows,
            "error": error,
            "stale": refused,
            "loaded_state": kept or stale.seal(risk.profile_state(school, year)),
            "can_edit": can_edit,
            "chart": charts.profile_chart(profile_dict, _titles()) if profile_dict else "",
            "inputs": risk.input_facts(school, year),
        },
    )


@login_required
def risk_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload levels for the municipality's schools from Excel (whole-file validation, one transaction)."""
    municipality = get_for(request, Municipality, "risk.edit", pk=pk)
    if request.GET.get("template"):
        return _download(
            risk.import_template(),
            "riskovyj-profil-shablon.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    form = UploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = risk.import_profiles(municipality, upload.read(), filename=upload.name, by=request.user)
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
            "waiting": approval.waiting_for_approval(municipality),
            "can_approve": has_perm(request.user, "programs.approve", municipality),
            "can_import": has_perm(request.user, "risk.edit", municipality),
        },
    )
