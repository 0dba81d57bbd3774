"""Roadmap pages: the municipal roadmap with filters and lists, a school's roadmap, an entry, documents, digest.

Scope: a municipal role sees the municipality's roadmap and its schools' roadmaps; a school team sees its own
school's roadmap and the municipal roadmap of its municipality, read-only. Anything else is 404.
"""

from __future__ import annotations

import datetime
import mimetypes
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from opora import roadmap_tracking as tracking
from portal.accounts.permissions import has_perm, schools_visible_to
from portal.lib import stale
from portal.lib.access import get_for
from portal.roadmap import services
from portal.roadmap.forms import EntryUpdateForm
from portal.roadmap.models import Evidence, RoadmapEntry, RoadmapItem
from portal.schools.models import Municipality, School

NOT_FOUND = "Нет доступа или объект не найден."


def can_view_municipal(user: Any, municipality: Municipality) -> bool:
    """Municipal roles by scope; a school team for the municipality of its school (read-only)."""
    if has_perm(user, "roadmap.view", municipality):
        return True
    return schools_visible_to(user, "roadmap.view").filter(municipality=municipality).exists()


def _target(item: RoadmapItem) -> Municipality | School:
    return item.school if item.school is not None else item.municipality


def _can_view_item(user: Any, item: RoadmapItem) -> bool:
    if item.school is not None:
        return has_perm(user, "roadmap.view", item.school)
    return can_view_municipal(user, item.municipality)


def _entry(request: HttpRequest, pk: int, *, edit: bool = False) -> RoadmapEntry:
    entry = get_object_or_404(
        RoadmapEntry.objects.select_related("item", "item__school", "item__municipality"), pk=pk
    )
    allowed = (
        has_perm(request.user, "roadmap.edit", _target(entry.item))
        if edit
        else _can_view_item(request.user, entry.item)
    )
    if not allowed:
        raise Http404(NOT_FOUND)
    return entry


def _int(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None


def _rows(entries: list[RoadmapEntry], day: datetime.date) -> list[dict[str, Any]]:
    rows = []
    for e in entries:
        due = e.due
        status = tracking.effective_status(e.status, due, day)
        rows.append(
            {
                "entry": e,
                "status": status,
                "status_label": tracking.STATUS_LABELS[status],
                "next_due": tracking.next_due(due, day),
                "last_due": max(due) if due else None,
            }
        )
    return rows


def _direction(value: str | None) -> tuple[str, int] | None:
    """A direction filter is «<roadmap>:<number>»: the 2022–2023 sections and the 2023–2025 directions share
    numbers, so a number alone would mix them."""
    source, _, number = (value or "").rpartition(":")
    n = _int(number)
    return (source, n) if source and n is not None else None


def _scope(
    entries: list[RoadmapEntry], filters: dict[str, Any], *, municipal: bool, schools: bool
) -> tracking.OverdueScope:
    """The active filters as the scope of «просрочено» (shown beside the counts)."""
    titles = {e.item.source: e.item.source_title or e.item.source for e in entries}
    source = filters["source"]
    direction = filters["direction_pair"]
    if direction is not None:
        source = direction[0]
    direction_title = next(
        (
            e.item.direction_title
            for e in entries
            if direction and e.item.source == direction[0] and e.item.direction == direction[1]
        ),
        "",
    )
    return tracking.OverdueScope(
        municipal=municipal,
        schools=schools,
        sources=(source,) if source else (),
        source_titles=(titles.get(source, source),) if source else (),
        year=filters["year"],
        direction=direction[1] if direction else None,
        direction_title=direction_title,
    )


def _filters(request: HttpRequest) -> dict[str, Any]:
    status = request.GET.get("status", "")
    return {
        "direction": request.GET.get("direction", ""),
        "direction_pair": _direction(request.GET.get("direction")),
        "year": _int(request.GET.get("year")),
        "status": status if status in tracking.STATUSES else "",
        "source": request.GET.get("source", ""),
    }


def _directions(entries: list[RoadmapEntry]) -> list[dict[str, Any]]:
    """Directions grouped by roadmap, each with its own numbers and titles."""
    groups: dict[str, dict[str, Any]] = {}
    for e in entries:
        item = e.item
        group = groups.setdefault(item.source, {"title": item.source_title or item.source, "options": {}})
        label = f"{item.direction}. {item.direction_title}" if item.direction_title else f"{item.direction}"
        group["options"][f"{item.source}:{item.direction}"] = label
    return [
        {
            "title": g["title"],
            "options": sorted(g["options"].items(), key=lambda kv: int(kv[0].rpartition(":")[2])),
        }
        for g in groups.values()
    ]


def _list_context(
    request: HttpRequest, entries: list[RoadmapEntry], *, municipal: bool = True, schools: bool = True
) -> dict[str, Any]:
    """Rows, counts and lists of the roadmap page: every number follows the active filters, which are written out
    beside them (``scope_text``); «просрочено» is ``portal.roadmap.overdue`` — the same rule as everywhere."""
    from portal.roadmap import overdue as overdue_rule

    day = services.today()
    filters = _filters(request)
    scope = _scope(entries, filters, municipal=municipal, schools=schools)
    chosen = overdue_rule.in_scope(entries, scope)
    rows = [r for r in _rows(chosen, day) if not filters["status"] or r["status"] == filters["status"]]
    lists = services.buckets(chosen, day)
    by_key = {str(e.pk): e for e in chosen}
    late = overdue_rule.overdue(None, scope, day, among=chosen)  # type: ignore[arg-type]
    return {
        "rows": rows,
        "total": len(entries),
        "in_scope": len(chosen),
        "filters": filters,
        "scope_text": late.scope_text,
        "today": day,
        "soon_days": services.soon_days(),
        "overdue": late.flagged,
        "due_soon": [(f, by_key[f.entry.key]) for f in lists.due_soon],
        "recently_done": [(f, by_key[f.entry.key]) for f in lists.recently_done],
        "counts": [(tracking.STATUS_LABELS[k], k, v) for k, v in lists.counts.items()],
        "directions": _directions(entries),
        "years": sorted({e.year for e in entries}),
        "sources": sorted({(e.item.source, e.item.source_title) for e in entries}),
        "statuses": [(k, tracking.STATUS_LABELS[k]) for k in tracking.STATUSES],
    }


@login_required
def municipal(request: HttpRequest, pk: int) -> HttpResponse:
    """The municipal roadmap: status counts, overdue and due-soon lists, the filtered table."""
    municipality = get_object_or_404(Municipality, pk=pk)
    if not can_view_municipal(request.user, municipality):
        raise Http404(NOT_FOUND)
    full = has_perm(request.user, "roadmap.view", municipality)
    # By default the page counts what the municipality page and the region dashboard count: the municipal roadmap
    # and the schools' roadmaps (a school team sees the municipal one only, and is told so).
    scope = request.GET.get("scope", "all") if full else "municipal"
    scope = scope if scope in ("municipal", "schools", "all") else "all"
    schools = School.objects.filter(municipality=municipality) if scope != "municipal" else None
    entries = list(services.entries_for(municipality, schools=schools, municipal=scope != "schools"))
    context = {
        "municipality": municipality,
        "scope": scope,
        "full": full,
        "can_edit": has_perm(request.user, "roadmap.edit", municipality),
        **_list_context(request, entries, municipal=scope != "schools", schools=scope != "municipal"),
    }
    template = "roadmap/_table.html" if request.headers.get("HX-Request") else "roadmap/municipal.html"
    return render(request, template, context)


@login_required
def school(request: HttpRequest, pk: int) -> HttpResponse:
    """A school's roadmap (items put there by ``services.upsert_school_items``)."""
    obj = get_for(request, School, "roadmap.view", pk=pk)
    entries = list(services.entries_for(obj.municipality, schools=[obj], municipal=False))
    context = {
        "school": obj,
        "municipality": obj.municipality,
        "can_edit": has_perm(request.user, "roadmap.edit", obj),
        **_list_context(request, entries, municipal=False, schools=True),
    }
    template = "roadmap/_table.html" if request.headers.get("HX-Request") else "roadmap/school.html"
    return render(request, template, context)


@login_required
def entry(request: HttpRequest, pk: int) -> HttpResponse:
    """One year of one item: planned result, due dates, status, documents, history; the editor changes them."""
    obj = _entry(request, pk)
    can_edit = has_perm(request.user, "roadmap.edit", _target(obj.item))
    max_mb = int(settings.OPORA_UPLOAD_MAX_MB)
    form = EntryUpdateForm(
        request.POST or None,
        request.FILES or None,
        initial={"status": obj.status, "done_on": obj.done_on},
        max_mb=max_mb,
    )
    refused: stale.StaleEdit | None = None
    if request.method == "POST":
        if not can_edit:
            raise Http404(NOT_FOUND)
        if form.is_valid():
            data = form.cleaned_data
            try:
                done = services.update_entry(
                    obj,
                    by=request.user,
                    status=data["status"],
                    comment=data["comment"],
                    done_on=data["done_on"],
                    upload=data["file"],
                    file_title=data["file_title"],
                    link=data["link"],
                    link_title=data["link_title"],
                    expected=stale.expected(request.POST),
                )
            except stale.StaleEdit as exc:
                refused = exc
                obj.refresh_from_db()
            except services.RoadmapError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, " ".join(done) if done else "Изменений нет.")
                return redirect(obj)
    day = services.today()
    status = tracking.effective_status(obj.status, obj.due, day)
    context = {
        "entry": obj,
        "item": obj.item,
        "status": status,
        "status_label": tracking.STATUS_LABELS[status],
        "overdue_since": tracking.overdue_since(obj.status, obj.due, day),
        "next_due": tracking.next_due(obj.due, day),
        "other_years": obj.item.entries.exclude(pk=obj.pk).order_by("year"),
        "evidence": obj.evidence.select_related("added_by"),
        "comments": obj.comments.all(),
        "form": form,
        "can_edit": can_edit,
        "max_mb": max_mb,
        "registry": obj.registry_documents.all(),
        "loaded_state": (
            stale.expected(request.POST) if request.method == "POST" and refused is None else None
        )
        or stale.seal(services.entry_state(obj)),
        "stale": refused,
    }
    return render(request, "roadmap/entry.html", context, status=409 if refused else 200)


@login_required
def evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """Download an uploaded document: only through this view, only for users who may see the entry."""
    obj = get_object_or_404(Evidence.objects.select_related("entry__item__school"), pk=pk)
    if not obj.file or not _can_view_item(request.user, obj.entry.item):
        raise Http404(NOT_FOUND)
    try:
        handle = obj.file.open("rb")
    except FileNotFoundError:
        raise Http404("Файл не найден в хранилище.") from None
    content_type = mimetypes.guess_type(obj.original_name)[0] or "application/octet-stream"
    response = FileResponse(
        handle, as_attachment=True, filename=obj.original_name or "document", content_type=content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def evidence_remove(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_object_or_404(Evidence.objects.select_related("entry__item__school", "entry__item"), pk=pk)
    if not has_perm(request.user, "roadmap.edit", _target(obj.entry.item)):
        raise Http404(NOT_FOUND)
    entry_obj = obj.entry
    services.remove_evidence(obj, by=request.user)
    messages.success(request, "Документ удалён.")
    return redirect(entry_obj)


@login_required
def digest(request: HttpRequest, pk: int) -> HttpResponse:
    """The coordinator's digest: overdue, due soon, recently done — as copyable text or a .txt download."""
    municipality = get_for(request, Municipality, "roadmap.view", pk=pk)
    schools = School.objects.filter(municipality=municipality)
    entries = list(services.entries_for(municipality, schools=schools, municipal=True))
    link = request.build_absolute_uri(reverse("roadmap:municipal", args=[municipality.pk]))
    text = services.digest(municipality, entries, link=link)
    if request.GET.get("format") == "txt":
        response = HttpResponse(text, content_type="text/plain; charset=utf-8")
        filename = f"roadmap-digest-{municipality.code}-{services.today().isoformat()}.txt"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return render(request, "roadmap/digest.html", {"municipality": municipality, "text": text})
