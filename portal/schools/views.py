"""Pages of the school registry: home redirect, region, municipality dashboard, school card and edit."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from portal.accounts.permissions import (
    has_perm,
    municipalities_visible_to,
    regions_visible_to,
    schools_visible_to,
)
from portal.audit.models import AuditEntry
from portal.identification.services import latest_published
from portal.lib.access import get_for
from portal.lib.collation import ordered_by_name
from portal.schools import region_dashboard, services
from portal.schools.forms import SchoolForm
from portal.schools.models import Municipality, Region, School


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
        "schools/home.html",
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
    return render(request, "schools/region.html", context)


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
    if query:
        schools = schools.filter(short_name__icontains=query) | schools.filter(name__icontains=query)
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
    }
    template = (
        "schools/_school_table.html" if request.headers.get("HX-Request") else "schools/municipality.html"
    )
    return render(request, template, context)


def _kind_counts(obj: Municipality) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for kind in School.objects.filter(municipality=obj).values_list("kind", flat=True):
        counts[kind] = counts.get(kind, 0) + 1
    return [(School.Kind(k).label, n) for k, n in sorted(counts.items(), key=lambda kv: -kv[1])]


@login_required
def school(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_for(request, School, "school.view", pk=pk)
    run = latest_published(obj.municipality)
    outcome = run.outcomes.filter(school=obj).first() if run else None
    can_see_log = has_perm(request.user, "audit.view", obj.municipality) or has_perm(
        request.user, "school.edit", obj
    )
    context = {
        "school": obj,
        "run": run,
        "outcome": outcome,
        "can_edit": has_perm(request.user, "school.edit", obj),
        "can_view_municipality": has_perm(request.user, "municipality.view", obj.municipality),
        "history": AuditEntry.objects.filter(school=obj)[:10] if can_see_log else None,
    }
    return render(request, "schools/school.html", context)


@login_required
def school_edit(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_for(request, School, "school.edit", pk=pk)
    form = SchoolForm(request.POST or None, instance=School.objects.get(pk=obj.pk))
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        services.update_school(obj, changes, by=request.user)
        messages.success(request, "Сведения о школе сохранены." if changes else "Изменений нет.")
        return redirect(obj)
    return render(request, "schools/school_edit.html", {"school": obj, "form": form})
