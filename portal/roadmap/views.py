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


def _filtered(
    request: HttpRequest, rows: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    direction = _int(request.GET.get("direction"))
    year = _int(request.GET.get("year"))
    status = request.GET.get("status", "")
    status = status if status in tracking.STATUSES else ""
    source = request.GET.get("source", "")
    out = [
        r
        for r in rows
        if (direction is None or r["entry"].item.direction == direction)
        and (year is None or r["entry"].year == year)
        and (not status or r["status"] == status)
        and (not source or r["entry"].item.source == source)
    ]
    return out, {"direction": direction, "year": year, "status": status, "source": source}


def _list_context(request: HttpRequest, entries: list[RoadmapEntry]) -> dict[str, Any]:
    day = services.today()
    rows = _rows(entries, day)
    shown, filters = _filtered(request, rows)
    lists = services.buckets(entries, day)
    by_key = {str(e.pk): e for e in entries}
    return {
        "rows": shown,
        "total": len(rows),
        "filters": filters,
        "today": day,
        "soon_days": services.soon_days(),
        "overdue": [(f, by_key[f.entry.key]) for f in lists.overdue],
        "due_soon": [(f, by_key[f.entry.key]) for f in lists.due_soon],
        "recently_done": [(f, by_key[f.entry.key]) for f in lists.recently_done],
        "counts": [(tracking.STATUS_LABELS[k], k, v) for k, v in lists.counts.items()],
        "directions": sorted({(e.item.direction, e.item.direction_title) for e in entries}),
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
    scope = request.GET.get("scope", "municipal") if full else "municipal"
    scope = scope if scope in ("municipal", "schools", "all") else "municipal"
    schools = School.objects.filter(municipality=municipality) if scope != "municipal" else None
    entries = list(services.entries_for(municipality, schools=schools, municipal=scope != "schools"))
    context = {
        "municipality": municipality,
        "scope": scope,
        "full": full,
        "can_edit": has_perm(request.user, "roadmap.edit", municipality),
        **_list_context(request, entries),
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
        **_list_context(request, entries),
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
                )
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
    }
    return render(request, "roadmap/entry.html", context)


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
