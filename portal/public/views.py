"""Staff pages (login): the coordinator and the method centre manage the documents of the authority and of its
schools; a school team manages drafts of its own school. Outside one's scope every page answers 404."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from portal.accounts.permissions import has_perm
from portal.lib.access import get_for
from portal.public import services
from portal.public.forms import AUTHORITY, DocumentForm
from portal.public.models import PublicDocument, Section, Status
from portal.schools.models import Municipality, School

NOT_FOUND = "Нет доступа или объект не найден."


def _target(doc: PublicDocument) -> Municipality | School:
    return doc.school if doc.school_id else doc.municipality  # type: ignore[return-value]


def may_manage(user: Any, target: Municipality | School) -> bool:
    return has_perm(user, "public.manage", target)


def may_submit(user: Any, target: Municipality | School) -> bool:
    """A school team works on its own school's documents only (never on the authority's)."""
    return isinstance(target, School) and has_perm(user, "public.submit", target)


def _rights(user: Any, doc: PublicDocument) -> dict[str, bool]:
    target = _target(doc)
    manage = may_manage(user, target)
    submit = may_submit(user, target)
    draft = doc.status == Status.DRAFT
    return {
        "can_view": manage or submit,
        "can_edit": (manage and doc.status != Status.WITHDRAWN) or (submit and draft),
        "can_publish": manage and doc.status != Status.PUBLISHED,
        "can_withdraw": manage and doc.status == Status.PUBLISHED,
        "can_delete": draft and (manage or submit),
    }


def _document(
    request: HttpRequest, pk: int, right: str = "can_view"
) -> tuple[PublicDocument, dict[str, bool]]:
    doc = get_object_or_404(PublicDocument.objects.select_related("municipality", "school"), pk=pk)
    rights = _rights(request.user, doc)
    if not rights[right]:
        raise Http404(NOT_FOUND)
    return doc, rights


def _max_mb() -> int:
    return int(settings.OPORA_UPLOAD_MAX_MB)


def _create(
    request: HttpRequest, form: DocumentForm, municipality: Municipality, school: School | None
) -> PublicDocument | None:
    data = form.cleaned_data
    if "owner" in data and data["owner"] != AUTHORITY:
        school = get_object_or_404(School, pk=data["owner"], municipality=municipality)
    try:
        return services.create_document(
            municipality,
            school,
            section=data["section"],
            title=data["title"],
            description=data["description"],
            document_date=data["document_date"],
            upload=data["file"],
            url=data["url"],
            by=request.user,
        )
    except services.PublicError as exc:
        form.add_error(None, str(exc))
        return None


def _list(documents: Any, request: HttpRequest) -> tuple[list[PublicDocument], str, str]:
    status, section = request.GET.get("status", ""), request.GET.get("section", "")
    if status in Status.values:
        documents = documents.filter(status=status)
    else:
        status = ""
    if section in Section.values:
        documents = documents.filter(section=section)
    else:
        section = ""
    return list(documents.order_by("status", "-created_at", "-pk")), status, section


@login_required
def municipal(request: HttpRequest, pk: int) -> HttpResponse:
    """The authority's and its schools' documents: list with filters, upload form."""
    municipality = get_for(request, Municipality, "public.manage", pk=pk)
    schools = list(School.objects.in_municipality(municipality))
    form = DocumentForm(request.POST or None, request.FILES or None, schools=schools, max_mb=_max_mb())
    if request.method == "POST" and form.is_valid():
        doc = _create(request, form, municipality, None)
        if doc is not None:
            messages.success(
                request, f"Документ «{doc.title}» сохранён как черновик. Опубликуйте его, когда он готов."
            )
            return redirect(doc)
    docs = PublicDocument.objects.filter(municipality=municipality).select_related("school")
    documents, status, section = _list(docs, request)
    context = {
        "municipality": municipality,
        "documents": documents,
        "form": form,
        "status": status,
        "section": section,
        "statuses": Status.choices,
        "sections": Section.choices,
    }
    return render(request, "public/staff_list.html", context)


@login_required
def school(request: HttpRequest, pk: int) -> HttpResponse:
    """One school's documents; the school team uploads drafts here, the coordinator publishes them."""
    obj = get_object_or_404(School.objects.select_related("municipality"), pk=pk)
    manage, submit = may_manage(request.user, obj), may_submit(request.user, obj)
    if not (manage or submit):
        raise Http404(NOT_FOUND)
    form = DocumentForm(request.POST or None, request.FILES or None, max_mb=_max_mb())
    if request.method == "POST" and form.is_valid():
        doc = _create(request, form, obj.municipality, obj)
        if doc is not None:
            note = "" if manage else " Координатор опубликует его на странице школы."
            messages.success(request, f"Документ «{doc.title}» сохранён как черновик.{note}")
            return redirect(doc)
    documents, status, section = _list(
        PublicDocument.objects.filter(school=obj).select_related("school"), request
    )
    context = {
        "municipality": obj.municipality,
        "school": obj,
        "documents": documents,
        "form": form,
        "can_manage": manage,
        "status": status,
        "section": section,
        "statuses": Status.choices,
        "sections": Section.choices,
    }
    return render(request, "public/staff_list.html", context)


@login_required
def document(request: HttpRequest, pk: int) -> HttpResponse:
    """A document's staff page: its state, the edit form and the publishing buttons."""
    doc, rights = _document(request, pk)
    initial = {
        "section": doc.section,
        "title": doc.title,
        "description": doc.description,
        "document_date": doc.document_date,
        "url": doc.url,
    }
    form = DocumentForm(
        request.POST or None, request.FILES or None, initial=initial, max_mb=_max_mb(), editing=True
    )
    if request.method == "POST":
        if not rights["can_edit"]:
            raise Http404(NOT_FOUND)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.update_document(
                    doc,
                    by=request.user,
                    section=data["section"],
                    title=data["title"],
                    description=data["description"],
                    document_date=data["document_date"],
                    upload=data["file"],
                    url=data["url"] if data["url"].strip() != doc.url else "",
                )
            except services.PublicError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Изменения сохранены.")
                return redirect(doc)
    context = {"doc": doc, "form": form, **rights}
    return render(request, "public/staff_document.html", context)


@login_required
def document_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored file for staff (any status); the public address serves published documents only."""
    doc, _rights = _document(request, pk)
    if not doc.is_file:
        return redirect(doc.url)
    response = serve_file(doc)
    response["Cache-Control"] = "private, no-store"
    return response


def serve_file(doc: PublicDocument) -> FileResponse:
    try:
        handle = doc.file.open("rb")
    except FileNotFoundError:
        raise Http404("Файл не найден в хранилище.") from None
    return FileResponse(handle, as_attachment=True, filename=doc.download_name, content_type=doc.content_type)


def _action(request: HttpRequest, pk: int, right: str, fn: Any, done: str, **kwargs: Any) -> HttpResponse:
    doc, _rights = _document(request, pk, right)
    try:
        fn(doc, by=request.user, **kwargs)
    except services.PublicError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done.format(title=doc.title))
    return redirect(doc)


@login_required
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(request, pk, "can_publish", services.publish, "Документ «{title}» опубликован.")


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    reason = request.POST.get("reason", "")[:500]
    return _action(
        request, pk, "can_withdraw", services.withdraw, "Документ «{title}» снят с публикации.", reason=reason
    )


@login_required
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    doc, _rights = _document(request, pk, "can_delete")
    back = doc.school.pk if doc.school_id else None
    municipality_pk = doc.municipality_id
    try:
        services.delete_draft(doc, by=request.user)
    except services.PublicError as exc:
        messages.error(request, str(exc))
        return redirect(doc)
    messages.success(request, "Черновик удалён.")
    if back is not None:
        return redirect("public:school", back)
    return redirect("public:municipal", municipality_pk)
