"""Pages of the registry «Документы программы» and of the schools' status history.

Who may do what: ``documents.view`` shows the registry of a municipality (coordinator, method centre, region) or
of a school (also its school team); ``documents.edit`` adds and changes documents of the authority and of every
school; a school team (``documents.submit``) adds and changes its own school's documents. Outside one's scope
every page answers 404.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from portal.accounts.permissions import has_perm, schools_visible_to
from portal.documents import services
from portal.documents.forms import DocumentForm, StatusForm, default_slots
from portal.documents.models import Kind, ProgramDocument, SchoolStatus, Status, StatusKind
from portal.lib import stale
from portal.lib.access import get_for
from portal.schools.models import Municipality, School

NOT_FOUND = "Нет доступа или объект не найден."


def _target(doc: ProgramDocument) -> Municipality | School:
    return doc.school if doc.school is not None else doc.municipality


def may_edit(user: Any, target: Municipality | School) -> bool:
    """The coordinator and the method centre edit everything in scope; a school team its own school's documents."""
    if has_perm(user, "documents.edit", target):
        return True
    return isinstance(target, School) and has_perm(user, "documents.submit", target)


def may_view(user: Any, doc: ProgramDocument) -> bool:
    """Everyone with the registry in scope; a school team also reads the municipality's own documents in force
    (the program's orders and regulations its answers and roadmap refer to), not drafts and not other schools'."""
    if has_perm(user, "documents.view", _target(doc)):
        return True
    return (
        doc.school_id is None
        and doc.status != Status.DRAFT
        and schools_visible_to(user, "documents.view").filter(municipality=doc.municipality_id).exists()
    )


def _document(request: HttpRequest, pk: int, *, edit: bool = False) -> ProgramDocument:
    doc = get_object_or_404(ProgramDocument.objects.select_related("municipality", "school"), pk=pk)
    allowed = may_edit(request.user, _target(doc)) if edit else may_view(request.user, doc)
    if not allowed:
        raise Http404(NOT_FOUND)
    return doc


def _entry_choices(municipality: Municipality, school: School | None) -> list[tuple[str, str]]:
    out = []
    for e in services.roadmap_entries(municipality, school):
        measure = e.item.measure if len(e.item.measure) <= 90 else e.item.measure[:87].rstrip() + "…"
        title = e.item.source_title or e.item.source
        short = title if len(title) <= 40 else title[:37].rstrip() + "…"
        out.append((str(e.pk), f"{short} · {e.item.code} ({e.year} г.): {measure}"))
    return out


def _form(
    request: HttpRequest,
    municipality: Municipality,
    school: School | None,
    *,
    doc: ProgramDocument | None = None,
    choose_school: bool = False,
) -> DocumentForm:
    level = None if choose_school else ("school" if school is not None else "municipal")
    schools = (
        [(str(s.pk), s.short_name) for s in School.objects.in_municipality(municipality)]
        if choose_school
        else None
    )
    initial: dict[str, Any] = DocumentForm.initial_for(doc) if doc is not None else {}
    if doc is None:
        kind = request.GET.get("kind", "")
        if kind in Kind.values:
            initial = {"kind": kind, "indicators": default_slots(kind, "school" if school else "municipal")}
    return DocumentForm(
        request.POST or None,
        request.FILES or None,
        slots=services.slot_choices(level),
        entries=_entry_choices(municipality, school),
        schools=schools,
        has_file=bool(doc is not None and doc.file),
        initial=initial,
    )


def _values(form: DocumentForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {name: data.get(name) for name in services.FIELDS}


@login_required
def municipal(request: HttpRequest, pk: int) -> HttpResponse:
    """The registry of a municipality: its own documents and its schools', with filters."""
    municipality = get_for(request, Municipality, "documents.view", pk=pk)
    qs = ProgramDocument.objects.filter(municipality=municipality).select_related("school")
    kind, status, scope = (
        request.GET.get("kind", ""),
        request.GET.get("status", ""),
        request.GET.get("scope", ""),
    )
    if kind in Kind.values:
        qs = qs.filter(kind=kind)
    if status in Status.values:
        qs = qs.filter(status=status)
    if scope == "authority":
        qs = qs.filter(school__isnull=True)
    elif scope == "schools":
        qs = qs.filter(school__isnull=False)
    context = {
        "municipality": municipality,
        "documents": list(qs),
        "filters": {"kind": kind, "status": status, "scope": scope},
        "kinds": Kind.choices,
        "statuses": Status.choices,
        "can_edit": has_perm(request.user, "documents.edit", municipality),
        "can_statuses": has_perm(request.user, "documents.view", municipality),
    }
    return render(request, "documents/list.html", context)


@login_required
def school(request: HttpRequest, pk: int) -> HttpResponse:
    """A school's documents in the registry (its local acts, its programme documents)."""
    obj = get_for(request, School, "documents.view", pk=pk)
    documents = list(ProgramDocument.objects.filter(school=obj))
    context = {
        "municipality": obj.municipality,
        "school": obj,
        "documents": documents,
        "can_edit": may_edit(request.user, obj),
        "history": services.history([obj]).get(obj.pk, []),
    }
    return render(request, "documents/school.html", context)


def _create(request: HttpRequest, municipality: Municipality, school: School | None) -> HttpResponse:
    choose = school is None and has_perm(request.user, "documents.edit", municipality)
    form = _form(request, municipality, school, choose_school=choose)
    if request.method == "POST" and form.is_valid():
        chosen_school = school
        if choose and form.cleaned_data.get("school"):
            chosen_school = get_object_or_404(
                School, pk=form.cleaned_data["school"], municipality=municipality
            )
        doc = ProgramDocument(municipality=municipality, school=chosen_school)
        try:
            doc = services.save_document(
                doc,
                _values(form),
                by=request.user,
                indicators=form.cleaned_data["indicators"],
                entries=[int(e) for e in form.cleaned_data["entries"]],
                upload=form.cleaned_data.get("file"),
            )
        except services.DocumentError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Документ «{doc.requisites}» добавлен в реестр.")
            return redirect(doc)
    context = {"municipality": municipality, "school": school, "form": form, "doc": None}
    return render(request, "documents/edit.html", context)


@login_required
def create_municipal(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = get_for(request, Municipality, "documents.edit", pk=pk)
    return _create(request, municipality, None)


@login_required
def create_school(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_object_or_404(School.objects.select_related("municipality"), pk=pk)
    if not may_edit(request.user, obj):
        raise Http404(NOT_FOUND)
    return _create(request, obj.municipality, obj)


@login_required
def document(request: HttpRequest, pk: int) -> HttpResponse:
    """A document: requisites, file or link, the answers it decides, the roadmap entries it evidences."""
    doc = _document(request, pk)
    entries = list(
        doc.roadmap_entries.select_related("item").order_by("item__source", "item__position", "year")
    )
    context = {
        "doc": doc,
        "municipality": doc.municipality,
        "slots": [(s, services.slot_label(s)) for s in doc.indicators or []],
        "entries": entries,
        "statuses": list(doc.statuses.select_related("school")),
        "can_edit": may_edit(request.user, _target(doc)),
        "public_url": _public_url(doc),
    }
    return render(request, "documents/document.html", context)


def _public_url(doc: ProgramDocument) -> str:
    if not doc.is_public or doc.status == Status.DRAFT:
        return ""
    if doc.school_id:
        return reverse("public:school_page", args=[doc.municipality.code, doc.school.code])  # type: ignore[union-attr]
    return reverse("public:authority", args=[doc.municipality.code])


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a document; a save from a form loaded before someone else's change is refused (nothing is lost)."""
    doc = _document(request, pk, edit=True)
    form = _form(request, doc.municipality, doc.school, doc=doc)
    refused: stale.StaleEdit | None = None
    if request.method == "POST" and form.is_valid():
        try:
            doc = services.save_document(
                doc,
                _values(form),
                by=request.user,
                indicators=form.cleaned_data["indicators"],
                entries=[int(e) for e in form.cleaned_data["entries"]],
                upload=form.cleaned_data.get("file"),
                remove_file=bool(form.cleaned_data.get("remove_file")),
                expected=stale.expected(request.POST),
            )
        except stale.StaleEdit as exc:
            refused = exc
        except services.DocumentError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Документ «{doc.requisites}» сохранён.")
            return redirect(doc)
    doc.refresh_from_db()
    context = {
        "municipality": doc.municipality,
        "school": doc.school,
        "form": form,
        "doc": doc,
        "loaded_state": stale.seal(services.form_state(doc)),
        "stale": refused,
    }
    return render(request, "documents/edit.html", context, status=409 if refused else 200)


@login_required
def document_file(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _document(request, pk)
    if not doc.file:
        raise Http404(NOT_FOUND)
    return _serve(doc)


def _serve(doc: ProgramDocument) -> FileResponse:
    content_type = mimetypes.guess_type(doc.original_name or doc.file.name)[0] or "application/octet-stream"
    return FileResponse(
        doc.file.open("rb"),
        as_attachment=True,
        filename=doc.original_name or "document",
        content_type=content_type,
    )


@login_required
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a document from the registry, after a page listing what it decides (confirmation)."""
    doc = _document(request, pk, edit=True)
    if request.method == "POST" and request.POST.get("confirmed") == "1":
        requisites = doc.requisites
        back = (
            reverse("documents:school", args=[doc.school_id])
            if doc.school_id
            else reverse("documents:municipal", args=[doc.municipality_id])
        )
        services.delete_document(doc, by=request.user)
        messages.success(request, f"Документ «{requisites}» удалён из реестра.")
        return redirect(back)
    impact = services.impact(doc)
    context = {
        "title": f"Удалить «{doc.requisites}» из реестра?",
        "lead": "Документ и его файл будут удалены; запись об удалении останется в журнале изменений.",
        "impact": impact or ["Документ не подтверждает ни показателей, ни пунктов дорожной карты."],
        "warnings": ["Ответы мониторинга, которые выводились из этого документа, изменятся."]
        if doc.indicators
        else [],
        "action": reverse("documents:delete", args=[doc.pk]),
        "fields": {},
        "confirm_label": "Удалить документ",
        "cancel_url": doc.get_absolute_url(),
    }
    return render(request, "includes/confirm.html", context)


# ------------------------------------------------------------------------------------------------ status history


@login_required
def statuses(request: HttpRequest, pk: int) -> HttpResponse:
    """Every school's history of statuses (ФИОКО lists, «500+», classifications) by year; the editor adds lines."""
    municipality = get_for(request, Municipality, "documents.view", pk=pk)
    can_edit = has_perm(request.user, "documents.edit", municipality)
    schools = list(School.objects.in_municipality(municipality))
    documents = list(ProgramDocument.objects.filter(municipality=municipality, school__isnull=True))
    form = StatusForm(
        request.POST or None,
        schools=[(str(s.pk), s.short_name) for s in schools],
        documents=[(str(d.pk), d.requisites) for d in documents],
    )
    if request.method == "POST":
        if not can_edit:
            raise Http404(NOT_FOUND)
        if form.is_valid():
            data = form.cleaned_data
            target = next(s for s in schools if str(s.pk) == data["school"])
            doc = next((d for d in documents if str(d.pk) == data.get("document")), None)
            try:
                services.add_status(
                    target,
                    data["year"],
                    data["kind"],
                    by=request.user,
                    document=doc,
                    source=data["source"],
                    note=data["note"],
                )
            except services.DocumentError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    f"Статус «{StatusKind(data['kind']).label}» ({data['year']} г.) записан: {target}.",
                )
                return redirect("documents:statuses", municipality.pk)
    history = services.history(schools)
    years = sorted({s.year for items in history.values() for s in items})
    rows = [
        {"school": s, "cells": [[x for x in history.get(s.pk, []) if x.year == y] for y in years]}
        for s in schools
        if history.get(s.pk)
    ]
    context = {
        "municipality": municipality,
        "years": years,
        "rows": rows,
        "others": [s for s in schools if not history.get(s.pk)],
        "form": form,
        "can_edit": can_edit,
    }
    return render(request, "documents/statuses.html", context)


@login_required
@require_POST
def status_delete(request: HttpRequest, pk: int) -> HttpResponse:
    status = get_object_or_404(SchoolStatus.objects.select_related("school", "school__municipality"), pk=pk)
    municipality = status.school.municipality
    if not has_perm(request.user, "documents.edit", municipality):
        raise Http404(NOT_FOUND)
    services.delete_status(status, by=request.user)
    messages.success(request, f"Запись «{status}» удалена.")
    return redirect("documents:statuses", municipality.pk)
