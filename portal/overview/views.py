"""Overview pages above the base apps: home redirect, region dashboard, municipality dashboard, school home.

They gather what the apps know (identification, monitoring, roadmap, programs); the base app ``portal.schools``
keeps only its own edit form (``portal.schools.edit_views``) and imports nothing above it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from portal.accounts.permissions import (
    has_perm,
    municipalities_visible_to,
    regions_visible_to,
    schools_visible_to,
)
from portal.identification.services import latest_published
from portal.lib.access import get_for
from portal.lib.collation import ordered_by_name
from portal.overview import region_dashboard, school_home
from portal.programs import approval
from portal.schools.models import Municipality, Region, School
from portal.schools.search import search_schools


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each user to the page of their widest scope."""
    regions = list(regions_visible_to(request.user)[:2])
    if len(regions) == 1:
        return redirect("schools:region", pk=regions[0].pk)
    municipalities = list(municipalities_visible_to(request.user)[:2])
    if len(municipalities) == 1:
        return redirect(municipalities[0])
    schools = list(schools_visible_to(request.user)[:2])
    if len(schools) == 1 and not municipalities:
        return redirect(schools[0])
    return render(
        request,
        "overview/home.html",
        {"municipalities": ordered_by_name(municipalities_visible_to(request.user).select_related("region"))},
    )


@login_required
def region(request: HttpRequest, pk: int) -> HttpResponse:
    """The regional dashboard: every municipality side by side, sortable, with a bar chart of one metric."""
    obj = get_for(request, Region, "region.view", pk=pk)
    rows, sort, desc = region_dashboard.sort_rows(
        region_dashboard.comparison(obj), request.GET.get("sort", "name")
    )
    metric = request.GET.get("chart", "low_results_share")
    if metric not in region_dashboard.CHART_METRICS:
        metric = "low_results_share"
    columns = [
        {
            "key": key,
            "label": label,
            "active": key == sort,
            "desc": desc,
            "query": urlencode({"sort": ("" if key != sort or desc else "-") + key, "chart": metric}),
        }
        for key, (label, _) in region_dashboard.SORTS.items()
    ]
    context = {
        "region": obj,
        "rows": rows,
        "columns": columns,
        "sort_query": urlencode({"sort": ("-" if desc else "") + sort}),
        "metric": metric,
        "metrics": [(key, title) for key, (title, _, _) in region_dashboard.CHART_METRICS.items()],
        "chart": region_dashboard.bar_chart_svg(rows, metric) if rows else "",
        "can_run": has_perm(request.user, "region.identification.run", obj),
        "overdue_scope": region_dashboard.overdue_scope_text(),
    }
    return render(request, "overview/region.html", context)


@login_required
def region_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The comparison of the region's municipalities as an Excel workbook (in the order chosen on the page)."""
    obj = get_for(request, Region, "region.view", pk=pk)
    rows, _, _ = region_dashboard.sort_rows(region_dashboard.comparison(obj), request.GET.get("sort", "name"))
    response = HttpResponse(
        region_dashboard.comparison_xlsx(obj, rows),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="region-{obj.code}-municipalities.xlsx"'
    return response


@login_required
def municipality(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_for(request, Municipality, "municipality.view", pk=pk)
    schools = School.objects.in_municipality(obj)
    query = request.GET.get("q", "").strip()
    schools = search_schools(schools, query)  # «лицей», «сош 2», a code — the same on SQLite and PostgreSQL
    run = latest_published(obj)
    outcomes = {o.school_id: o for o in run.outcomes.all()} if run else {}
    schools = list(schools)
    for s in schools:
        s.outcome = outcomes.get(s.pk)  # type: ignore[attr-defined]
    context = {
        "municipality": obj,
        "schools": schools,
        "run": run,
        "can_identify": has_perm(request.user, "identification.view", obj),
        "query": query,
        "total": School.objects.filter(municipality=obj).count(),
        "kinds": _kind_counts(obj),
        "waiting_programs": (
            approval.waiting_for_approval(obj) if has_perm(request.user, "programs.view", obj) else None
        ),
        "can_approve_programs": has_perm(request.user, "programs.approve", obj),
    }
    template = (
        "overview/_school_table.html" if request.headers.get("HX-Request") else "overview/municipality.html"
    )
    return render(request, template, context)


def _kind_counts(obj: Municipality) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for kind in School.objects.filter(municipality=obj).values_list("kind", flat=True):
        counts[kind] = counts.get(kind, 0) + 1
    return [(School.Kind(k).label, n) for k, n in sorted(counts.items(), key=lambda kv: -kv[1])]


@login_required
def school(request: HttpRequest, pk: int) -> HttpResponse:
    """The school's home page: its tasks (monitoring form, program, roadmap, recommendations), then its data."""
    obj = get_for(request, School, "school.view", pk=pk)
    user = request.user
    run = latest_published(obj.municipality)
    outcome = run.outcomes.filter(school=obj).first() if run else None
    today = timezone.localdate()
    year = school_home.recommendation_year(obj) if has_perm(user, "reports.view", obj) else None
    context = {
        "school": obj,
        "run": run,
        "outcome": outcome,
        "can_edit": has_perm(user, "school.edit", obj),
        "can_view_municipality": has_perm(user, "municipality.view", obj.municipality),
        "can_see_log": has_perm(user, "audit.view", obj.municipality),
        "monitoring": (
            school_home.monitoring_task(obj, user, today) if has_perm(user, "monitoring.view", obj) else None
        ),
        "can_monitoring": has_perm(user, "monitoring.view", obj),
        "programs": school_home.program_tasks(obj) if has_perm(user, "programs.view", obj) else None,
        "roadmap": school_home.roadmap_tasks(obj, today) if has_perm(user, "roadmap.view", obj) else None,
        "rec_year": year,
        "recommendations": school_home.recommendations(obj, year)[:3] if year is not None else None,
    }
    return render(request, "overview/school.html", context)
