"""Identification pages: runs of a municipality, a run with its chart and table, one school's explanation."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from portal.accounts.permissions import has_perm
from portal.identification import charts, exports, impact, services, tables
from portal.identification.forms import RegionRunForm, RunForm
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
    latest = impact.latest_data_year(municipality)
    form = RunForm(request.POST or None, municipality=municipality, initial={"year": latest})
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
                messages.error(request, f"Расчёт не выполнен. {error}")
            else:
                messages.success(request, f"Расчёт выполнен: {run}.")
                return redirect(run)
    context = {
        "latest_year": latest,
        "municipality": municipality,
        "runs": IdentificationRun.objects.filter(municipality=municipality).select_related("created_by"),
        "form": form,
        "can_run": can_run,
    }
    return render(request, "identification/runs.html", context)


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
                "rank": -r if (r := _category_rank(o.categories)) else None,
                "differs": bool(official) and ours & {"low_results", "adverse_context", "at_risk"} != theirs,
            }
        )
    return rows


_PRIORITY = ("low_results", "adverse_context", "at_risk", "resilient", "above_expected")


def _category_rank(categories: list[str]) -> int | None:
    """Sorts schools with the weightiest categories first: ШНОР+ШНСУ, ШНОР, …; none last."""
    if not categories:
        return None
    return sum(1 << (len(_PRIORITY) - 1 - i) for i, c in enumerate(_PRIORITY) if c in categories)


RUN_COLUMNS = [
    tables.Column("school", "Школа", lambda r: r["o"].school.short_name),
    tables.Column("results", "Индекс результатов", lambda r: r["o"].results_index, numeric=True),
    tables.Column("context", "Индекс контекста", lambda r: r["o"].context_index, numeric=True),
    tables.Column("expected", "Ожидаемое", lambda r: r["o"].expected, numeric=True),
    tables.Column("residual", "Остаток", lambda r: r["o"].residual, numeric=True),
    tables.Column("std", "Станд. остаток", lambda r: r["o"].std_residual, numeric=True),
    tables.Column("ci", "ДИ среднего", lambda r: r["o"].ci_low, numeric=True),
    tables.Column(
        "categories", "Категории", lambda r: -rank if (rank := _category_rank(r["o"].categories)) else None
    ),
]


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_for(request, pk)
    rows = _rows(run)
    has_official = any(r["has_official"] for r in rows)
    columns = RUN_COLUMNS + (
        [
            tables.Column(
                "official",
                "Официальный список",
                lambda r: "; ".join(c["label"] for c in r["official"]) or None,
            )
        ]
        if has_official
        else []
    )
    rows, headers = tables.sort_table(request, rows, columns, default="school", anchor="outcomes")
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
    excluded = run.excluded or []
    context = {
        "run": run,
        "rows": rows,
        "headers": headers,
        "has_official": has_official,
        "differences": sum(1 for r in rows if r["differs"]),
        "chart": charts.scatter_svg(
            points, background=background, line=line, band=charts.band_from_model(model, xs)
        ),
        "legend": charts.LEGEND,
        "can_publish": has_perm(request.user, "identification.publish", run.municipality)
        and run.status == IdentificationRun.Status.FINISHED,
        "counts": {
            code: sum(1 for r in rows if code in r["o"].categories)
            for code in ("low_results", "adverse_context", "at_risk", "resilient", "above_expected")
        },
        "excluded": _excluded_rows(run, excluded),
        "models": _models(model),
    }
    return render(request, "identification/run.html", context)


def _excluded_rows(run: IdentificationRun, excluded: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The run's exclusions with school names and Russian stage names, the run's year first."""
    from opora.inputs import STAGE_LABELS

    names = dict(run.municipality.schools.values_list("code", "short_name"))
    rows = [
        {
            "year": e.get("year"),
            "school": names.get(e.get("school_id") or "", e.get("school_id") or "все школы"),
            "stage": STAGE_LABELS.get(e.get("stage") or "", "исключено"),
            "value": e.get("value") or "",
            "reason": e.get("reason") or "",
        }
        for e in excluded
    ]
    return sorted(rows, key=lambda r: (r["year"] != run.year, -(r["year"] or 0)))


def _models(model: dict[str, Any]) -> list[dict[str, Any]]:
    """The model of each evaluated year for the run page (year, schools, slope, R²)."""
    by_year = model.get("by_year") or {}
    return [
        {"year": int(y), "n": m.get("n"), "slope": m.get("slope"), "r2": m.get("r_squared")}
        for y, m in sorted(by_year.items(), key=lambda kv: int(kv[0]))
    ]


@login_required
@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publishing asks first: which schools change category against the published run, and warnings."""
    run = _run_for(request, pk, "identification.publish")
    if run.status != IdentificationRun.Status.FINISHED:
        messages.error(request, "Опубликовать можно только рассчитанный и ещё не опубликованный расчёт.")
        return redirect(run)
    if request.method == "POST" and request.POST.get("confirmed") == "1":
        try:
            services.publish_run(run, by=request.user)
        except services.IdentificationError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, "Расчёт опубликован: категории школ показаны на дашборде и в карточках школ."
            )
        return redirect(run)
    found = impact.publish_impact(run)
    return render(request, "includes/confirm.html", _publish_context(run, found))


def _publish_context(run: IdentificationRun, found: impact.PublishImpact) -> dict[str, Any]:
    from opora.plural import SCHOOL, count

    lines: list[Any] = []
    if found.current is not None:
        lines.append(
            f"Опубликованный сейчас расчёт № {found.current.pk} за {run.year} год уйдёт в архив; официальными станут "
            f"категории расчёта № {run.pk}."
        )
    else:
        lines.append(f"Расчёт № {run.pk} станет первым опубликованным расчётом за {run.year} год.")
    if found.changes:
        lines.append(
            {
                "text": f"Школ, у которых меняется категория{' по сравнению с опубликованным расчётом' if found.current else ''}: "
                f"{len(found.changes)}",
                "items": [f"{name}: {before} → {after}" for name, before, after in found.changes],
            }
        )
    else:
        lines.append("Ни у одной школы категория не меняется.")
    lines.append(f"Без изменений: {count(found.unchanged, SCHOOL)}.")
    lines.append(
        "Категории появятся на дашборде муниципалитета, в карточках школ и в отчётах; всё — в журнале."
    )
    return {
        "title": f"Опубликовать расчёт № {run.pk} ({run.year} год)?",
        "lead": f"Модель построена на: {run.fit_description}.",
        "impact": lines,
        "warnings": found.warnings,
        "action": reverse("identification:publish", args=[run.pk]),
        "fields": {},
        "confirm_label": "Опубликовать",
        "cancel_url": run.get_absolute_url(),
    }


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
        "risk_rule": _risk_rule(run.config or {}),
    }
    return render(request, "identification/school.html", context)


#: The heading of docs/methodology.md from which the text is for developers only (not shown on the page).
DEVELOPERS_HEADING = "## Для разработчиков"


def _risk_rule(config: dict[str, Any]) -> dict[str, Any] | None:
    """The run's risk-zone rule by factors (from its snapshot of the parameters), for the school page."""
    from opora.catalogue import RISK_FACTORS

    rules = config.get("categories") or {}
    codes = rules.get("risk_factors")
    if not codes:
        return None
    names = [RISK_FACTORS[c][0].lower() + RISK_FACTORS[c][1:] for c in codes if c in RISK_FACTORS]
    return {"codes": list(codes), "names": names, "min": rules.get("risk_min_factors", 2)}


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
    # The last part («Для разработчиков») maps the method to the code: it is for the repository, not the page.
    text = text.split(DEVELOPERS_HEADING, 1)[0]
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
    latest = impact.region_latest_data_year(region)
    form = RegionRunForm(request.POST or None, initial={"year": latest})
    if request.method == "POST":
        if not can_run:
            raise Http404
        if form.is_valid():
            try:
                region_run = services.start_region_identification(
                    region, form.cleaned_data["year"], by=request.user
                )
            except services.IdentificationError as error:
                messages.error(request, f"Расчёт не поставлен. {error}")
            else:
                messages.success(request, "Расчёт поставлен в очередь: ход работы — на странице расчёта.")
                return redirect(region_run)
    context = {
        "latest_year": latest,
        "region": region,
        "runs": RegionRun.objects.filter(region=region).select_related("created_by"),
        "form": form,
        "can_run": can_run,
        "config_saved": RegionIdentificationSettings.objects.filter(region=region)
        .exclude(config={})
        .exists(),
    }
    return render(request, "identification/region_runs.html", context)


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


REGION_COLUMNS = [
    tables.Column("municipality", "Муниципалитет", lambda r: r["run"].municipality.name),
    tables.Column("schools", "Школ", lambda r: r["schools"], numeric=True),
    tables.Column("low_results", "ШНОР", lambda r: r["low_results"], numeric=True),
    tables.Column("adverse_context", "ШНСУ", lambda r: r["adverse_context"], numeric=True),
    tables.Column("at_risk", "Зона риска", lambda r: r["at_risk"], numeric=True),
    tables.Column("excluded", "Исключены", lambda r: r["excluded"], numeric=True),
    tables.Column("run", "Расчёт", lambda r: r["run"].pk, numeric=True),
    tables.Column("status", "Статус", lambda r: r["run"].get_status_display()),
]


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
    rows, headers = tables.sort_table(
        request, rows, REGION_COLUMNS, default="municipality", anchor="municipalities"
    )
    context = {
        "region_run": region_run,
        "rows": rows,
        "headers": headers,
        "totals": totals,
        "chart": chart,
        "finished": finished,
        "polling": region_run.status in (RegionRun.Status.QUEUED, RegionRun.Status.RUNNING),
        "can_publish": region_run.status == RegionRun.Status.FINISHED
        and has_perm(request.user, "region.identification.publish", region_run.region),
    }
    return render(request, "identification/region_run.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def region_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publishing in every municipality asks first: per municipality, which schools change category."""
    from opora.plural import SCHOOL, count

    region_run = _region_run_for(request, pk, "region.identification.publish")
    if region_run.status != RegionRun.Status.FINISHED:
        messages.error(request, "Опубликовать можно только рассчитанный и ещё не опубликованный расчёт.")
        return redirect(region_run)
    if request.method == "POST" and request.POST.get("confirmed") == "1":
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
    found = impact.region_publish_impact(region_run)
    changed = [(name, i) for name, i in found.municipalities if i.changes]
    lines: list[Any] = [
        f"Муниципалитетов, чьи расчёты станут официальными за {region_run.year} год: {len(found.municipalities)}; "
        "опубликованные ранее расчёты этих муниципалитетов за этот год уйдут в архив."
    ]
    for name, i in changed:
        lines.append(
            {
                "text": f"{name} — школ, у которых меняется категория: {len(i.changes)}",
                "items": [f"{school}: {before} → {after}" for school, before, after in i.changes[:50]]
                + ([f"… и ещё {count(len(i.changes) - 50, SCHOOL)}"] if len(i.changes) > 50 else []),
            }
        )
    unchanged_municipalities = len(found.municipalities) - len(changed)
    if unchanged_municipalities:
        lines.append(f"Муниципалитетов без изменений категорий: {unchanged_municipalities}.")
    return render(
        request,
        "includes/confirm.html",
        {
            "title": f"Опубликовать региональный расчёт № {region_run.pk} ({region_run.year} год)?",
            "lead": f"Модель построена на: {region_run.fit_description}.",
            "impact": lines,
            "warnings": found.warnings,
            "action": reverse("identification:region_publish", args=[region_run.pk]),
            "fields": {},
            "confirm_label": "Опубликовать во всех муниципалитетах",
            "cancel_url": region_run.get_absolute_url(),
        },
    )
