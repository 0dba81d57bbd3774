"""Identification pages: runs of a municipality, a run with its chart and table, one school's explanation."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from opora.config import IdentificationConfig
from portal.accounts.permissions import has_perm
from portal.identification import charts, exports, services
from portal.identification.forms import RegionRunForm, RunForm, SettingsForm
from portal.identification.models import (
    IdentificationRun,
    RegionIdentificationSettings,
    RegionRun,
    SchoolOutcome,
    category_label,
)
from portal.lib.access import get_for
from portal.results.models import OfficialListEntry
from portal.schools.models import Municipality, Region, School


def _run_for(request: HttpRequest, pk: int, perm: str = "identification.view") -> IdentificationRun:
    run = get_object_or_404(
        IdentificationRun.objects.select_related("municipality", "reference", "region_run"), pk=pk
    )
    if not has_perm(request.user, perm, run.municipality):
        raise Http404("Нет доступа или объект не найден.")
    return run


@login_required
def runs(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = get_for(request, Municipality, "identification.view", pk=pk)
    can_run = has_perm(request.user, "identification.run", municipality)
    form = RunForm(request.POST or None, municipality=municipality)
    if request.method == "POST":
        if not can_run:
            raise Http404
        if form.is_valid():
            try:
                run = services.run_identification(
                    municipality,
                    form.cleaned_data["year"],
                    by=request.user,
                    reference=form.cleaned_data["reference"],
                )
            except services.IdentificationError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, f"Расчёт выполнен: {run}.")
                return redirect(run)
    context = {
        "municipality": municipality,
        "runs": IdentificationRun.objects.filter(municipality=municipality).select_related("created_by"),
        "form": form,
        "can_run": can_run,
    }
    return render(request, "identification/runs.html", context)


@login_required
def settings_page(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = get_for(request, Municipality, "identification.run", pk=pk)
    return _edit_config(
        request,
        current=services.config_for(municipality),
        save=lambda mapping: services.save_config(municipality, mapping, by=request.user),
        saved="Параметры методики сохранены; они применяются к новым расчётам.",
        done=("identification:runs", pk),
        template="identification/settings.html",
        context={"municipality": municipality},
    )


def _edit_config(
    request: HttpRequest,
    *,
    current: IdentificationConfig,
    save: Callable[[dict[str, Any]], object],
    saved: str,
    done: tuple[str, int],
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """The methodology settings page of a municipality or a region: the saved parameters as JSON, validated and
    saved (then back to ``done``), beside the documented defaults."""

    def pretty(config: IdentificationConfig) -> str:
        return json.dumps(config.to_mapping(), ensure_ascii=False, indent=2)

    form = SettingsForm(request.POST or None, initial={"config": pretty(current)})
    if request.method == "POST" and form.is_valid():
        save(form.cleaned_data["config"])
        messages.success(request, saved)
        return redirect(done[0], pk=done[1])
    defaults = pretty(IdentificationConfig.from_mapping({}))
    return render(request, template, {**context, "form": form, "defaults": defaults})


def _official(run: IdentificationRun) -> dict[int, list[str]]:
    official: dict[int, list[str]] = {}
    for entry in OfficialListEntry.objects.filter(municipality=run.municipality, year=run.year):
        official.setdefault(entry.school_id, []).append(entry.category)
    return official


def _rows(run: IdentificationRun) -> list[dict[str, Any]]:
    official = _official(run)
    rows = []
    for o in run.outcomes.select_related("school"):
        ours, theirs = set(o.categories), set(official.get(o.school_id, []))
        rows.append(
            {
                "o": o,
                "official": [{"code": c, "label": category_label(c)} for c in sorted(theirs)],
                "has_official": bool(official),
                "differs": bool(official) and ours & {"low_results", "adverse_context", "at_risk"} != theirs,
            }
        )
    return rows


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_for(request, pk)
    rows = _rows(run)
    points = [
        charts.Point(
            r["o"].context_index,
            r["o"].results_index,
            r["o"].school.short_name,
            r["o"].categories,
            href=f"schools/{r['o'].school_id}/",
        )
        for r in rows
        if r["o"].context_index is not None and r["o"].results_index is not None
    ]
    model = run.model or {}
    # The schools the model was fitted on (a reference set or the whole region) are drawn behind the municipality's.
    background = (
        [tuple(p) for p in model.get("fit_points", [])] if run.reference_id or run.region_run_id else []
    )
    xs = [p.x for p in points] + [x for x, _ in background]
    line = (model["intercept"], model["slope"]) if "intercept" in model and "slope" in model else None
    context = {
        "run": run,
        "rows": rows,
        "has_official": any(r["has_official"] for r in rows),
        "differences": sum(1 for r in rows if r["differs"]),
        "chart": charts.scatter_svg(
            points, background=background, line=line, band=charts.band_from_model(model, xs)
        ),
        "can_publish": has_perm(request.user, "identification.publish", run.municipality)
        and run.status == IdentificationRun.Status.FINISHED,
        "counts": {
            code: sum(1 for r in rows if code in r["o"].categories)
            for code in ("low_results", "adverse_context", "at_risk", "resilient", "above_expected")
        },
    }
    return render(request, "identification/run.html", context)


@login_required
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_for(request, pk, "identification.publish")
    try:
        services.publish_run(run, by=request.user)
    except services.IdentificationError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, "Расчёт опубликован: категории школ показаны на дашборде и в карточках школ."
        )
    return redirect(run)


@login_required
def export(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_for(request, pk)
    response = HttpResponse(
        exports.run_xlsx(run, _rows(run)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="identification-{run.year}-{run.pk}.xlsx"'
    return response


@login_required
def school_detail(request: HttpRequest, pk: int, school_pk: int) -> HttpResponse:
    run = get_object_or_404(IdentificationRun.objects.select_related("municipality"), pk=pk)
    school = get_object_or_404(School, pk=school_pk, municipality=run.municipality)
    sees_run = has_perm(request.user, "identification.view", run.municipality)
    own_published = has_perm(request.user, "identification.view", school) and run.status in (
        IdentificationRun.Status.PUBLISHED,
        IdentificationRun.Status.ARCHIVED,
    )
    if not (sees_run or own_published):
        raise Http404("Нет доступа или объект не найден.")
    outcome = get_object_or_404(SchoolOutcome, run=run, school=school)
    official = _official(run).get(school.pk, [])
    context = {
        "run": run,
        "school": school,
        "o": outcome,
        "sees_run": sees_run,
        "official": [category_label(c) for c in official],
        "model": run.model or {},
    }
    return render(request, "identification/school.html", context)


def methodology(request: HttpRequest) -> HttpResponse:
    """docs/methodology.md rendered as a page: the formulas, defaults and sources behind every category."""
    import markdown
    from django.conf import settings as django_settings
    from django.utils.safestring import mark_safe

    path = django_settings.BASE_DIR / "docs" / "methodology.md"
    text = (
        path.read_text(encoding="utf-8")
        if path.exists()
        else "# Методика\n\nОписание методики пока не добавлено."
    )
    html = markdown.markdown(text, extensions=["tables", "fenced_code", "toc"])
    return render(request, "identification/methodology.html", {"html": mark_safe(html)})


# --- region-wide identification ---------------------------------------------------------------------------------


def _region_run_for(request: HttpRequest, pk: int, perm: str = "region.view") -> RegionRun:
    region_run = get_object_or_404(RegionRun.objects.select_related("region", "job", "created_by"), pk=pk)
    if not has_perm(request.user, perm, region_run.region):
        raise Http404("Нет доступа или объект не найден.")
    return region_run


@login_required
def region_runs(request: HttpRequest, pk: int) -> HttpResponse:
    """The region's region-wide runs and (for the regional coordinator) the form that starts one in the background."""
    region = get_for(request, Region, "region.view", pk=pk)
    can_run = has_perm(request.user, "region.identification.run", region)
    form = RegionRunForm(request.POST or None)
    if request.method == "POST":
        if not can_run:
            raise Http404
        if form.is_valid():
            try:
                region_run = services.start_region_identification(
                    region, form.cleaned_data["year"], by=request.user
                )
            except services.IdentificationError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, "Расчёт поставлен в очередь: ход работы — на странице расчёта.")
                return redirect(region_run)
    context = {
        "region": region,
        "runs": RegionRun.objects.filter(region=region).select_related("created_by"),
        "form": form,
        "can_run": can_run,
        "config_saved": RegionIdentificationSettings.objects.filter(region=region)
        .exclude(config={})
        .exists(),
    }
    return render(request, "identification/region_runs.html", context)


@login_required
def region_settings(request: HttpRequest, pk: int) -> HttpResponse:
    region = get_for(request, Region, "region.identification.run", pk=pk)
    return _edit_config(
        request,
        current=services.region_config(region),
        save=lambda mapping: services.save_region_config(region, mapping, by=request.user),
        saved="Параметры региональной методики сохранены; они применяются к новым расчётам.",
        done=("identification:region_runs", pk),
        template="identification/region_settings.html",
        context={"region": region},
    )


def _region_rows(region_run: RegionRun) -> list[dict[str, Any]]:
    """Per municipality of a region run: its run and the counts of its schools' categories (two queries)."""
    runs = list(
        region_run.runs.select_related("municipality").order_by("municipality__name", "municipality_id")
    )
    counts: dict[int, dict[str, int]] = {
        r.pk: {"schools": 0, "low_results": 0, "adverse_context": 0, "at_risk": 0, "excluded": 0}
        for r in runs
    }
    for run_id, categories, excluded in SchoolOutcome.objects.filter(run__region_run=region_run).values_list(
        "run_id", "categories", "excluded_reason"
    ):
        c = counts[run_id]
        c["schools"] += 1
        c["excluded"] += bool(excluded)
        for code in ("low_results", "adverse_context", "at_risk"):
            c[code] += code in (categories or [])
    return [{"run": r, **counts[r.pk]} for r in runs]


@login_required
def region_run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    region_run = _region_run_for(request, pk)
    finished = region_run.status in (RegionRun.Status.FINISHED, RegionRun.Status.PUBLISHED)
    rows = _region_rows(region_run) if finished else []
    chart = ""
    if finished:
        model = region_run.model or {}
        background = [tuple(p) for p in model.get("fit_points", [])]
        line = (model["intercept"], model["slope"]) if "intercept" in model and "slope" in model else None
        chart = charts.scatter_svg(
            [],
            background=background,
            line=line,
            band=charts.band_from_model(model, [x for x, _ in background]),
            title="Школы региона: результаты и социальный контекст",
        )
    totals = {
        key: sum(r[key] for r in rows)
        for key in ("schools", "low_results", "adverse_context", "at_risk", "excluded")
    }
    context = {
        "region_run": region_run,
        "rows": rows,
        "totals": totals,
        "chart": chart,
        "finished": finished,
        "polling": region_run.status in (RegionRun.Status.QUEUED, RegionRun.Status.RUNNING),
        "can_publish": region_run.status == RegionRun.Status.FINISHED
        and has_perm(request.user, "region.identification.publish", region_run.region),
    }
    return render(request, "identification/region_run.html", context)


@login_required
@require_POST
def region_publish(request: HttpRequest, pk: int) -> HttpResponse:
    region_run = _region_run_for(request, pk, "region.identification.publish")
    try:
        services.publish_region_run(region_run, by=request.user)
    except services.IdentificationError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            "Расчёт опубликован во всех муниципалитетах региона: категории школ показаны на их дашбордах.",
        )
    return redirect(region_run)
