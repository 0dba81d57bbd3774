"""Public pages of the program (no login): the authority's page, each school's page, document addresses, feeds.

Only ``published`` documents exist here: drafts and withdrawn documents answer 404 everywhere. The pages show no
personal data: no names of teachers, of users who uploaded or published, not even practice authors. Each page
reads a fixed, small number of queries whatever the number of documents and schools.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from portal.identification.models import SHORT_LABELS, SchoolOutcome
from portal.identification.services import latest_published
from portal.public.models import SECTION_HINTS, PublicDocument, Section
from portal.public.views import serve_file
from portal.schools.models import Municipality, School

#: Categories that put a school into the program (order of the УО's list).
PROGRAM_CATEGORIES = ("low_results", "adverse_context", "at_risk")
FEED_SIZE = 50


def _municipality(code: str) -> Municipality:
    return get_object_or_404(Municipality.objects.select_related("region"), code=code)


def _sections(documents: list[PublicDocument], registry: list[Any] | None = None) -> list[dict[str, Any]]:
    """The page's sections; the registry's public documents (orders, regulations) go to «Нормативные документы»."""
    by_section: dict[str, list[PublicDocument]] = {s: [] for s in Section.values}
    for d in documents:
        by_section[d.section].append(d)
    registry = registry or []
    return [
        {
            "code": code,
            "label": label,
            "hint": SECTION_HINTS[Section(code)],
            "documents": by_section[code],
            "registry": registry if code == Section.REGULATIONS else [],
            "count": len(by_section[code]) + (len(registry) if code == Section.REGULATIONS else 0),
        }
        for code, label in Section.choices
    ]


def _registry(municipality: Municipality, school: School | None = None) -> list[Any]:
    """Documents of the registry «Документы программы» marked public (not drafts), newest first."""
    from portal.documents.services import public_documents

    return public_documents(municipality, school)


def _program_outcomes(municipality: Municipality) -> tuple[Any, list[SchoolOutcome]]:
    run = latest_published(municipality)
    if run is None:
        return None, []
    outcomes = (
        SchoolOutcome.objects.filter(run=run)
        .select_related("school")
        .order_by("school__sort_key", "school__short_name")
    )
    return run, [o for o in outcomes if any(c in PROGRAM_CATEGORIES for c in o.categories)]


def _labels(categories: list[str]) -> list[dict[str, str]]:
    return [{"code": c, "short": SHORT_LABELS.get(c, c)} for c in PROGRAM_CATEGORIES if c in categories]


def _practices(municipality: Municipality) -> list[dict[str, Any]]:
    """The bank's published practices; ``authors`` is dropped: the public page names no people."""
    from portal.staff.services import published_practices

    return [{k: v for k, v in p.items() if k != "authors"} for p in published_practices(municipality)]


def authority(request: HttpRequest, code: str) -> HttpResponse:
    """The program's specialised page of the authority: sections, schools in the program, best practices."""
    municipality = _municipality(code)
    documents = list(
        PublicDocument.objects.published().filter(municipality=municipality).select_related("school")
    )
    own = [d for d in documents if d.school_id is None]
    per_school = Counter(d.school_id for d in documents if d.school_id is not None)
    run, outcomes = _program_outcomes(municipality)
    in_program = {o.school_id for o in outcomes}
    schools = [
        {"school": o.school, "labels": _labels(o.categories), "documents": per_school[o.school_id]}
        for o in outcomes
    ]
    others = {
        d.school.pk: d.school for d in documents if d.school is not None and d.school_id not in in_program
    }
    other_schools = [
        {"school": s, "labels": [], "documents": per_school[s.pk]}
        for s in sorted(others.values(), key=lambda s: (s.sort_key, s.short_name))
    ]
    registry = _registry(municipality)
    context = {
        "municipality": municipality,
        "sections": _sections(own, registry),
        "count": len(own) + len(registry),
        "schools": schools,
        "other_schools": other_schools,
        "run": run,
        "practices": _practices(municipality),
        "latest": max((d.published_at for d in documents if d.published_at), default=None),
    }
    return render(request, "public/authority.html", context)


def school(request: HttpRequest, code: str, school_code: str) -> HttpResponse:
    """A school's page of the program: its published documents by section and its status in the program."""
    obj = get_object_or_404(
        School.objects.select_related("municipality", "municipality__region"),
        municipality__code=code,
        code=school_code,
    )
    documents = list(PublicDocument.objects.published().filter(school=obj))
    run = latest_published(obj.municipality)
    outcome = SchoolOutcome.objects.filter(run=run, school=obj).first() if run is not None else None
    registry = _registry(obj.municipality, obj)
    context = {
        "municipality": obj.municipality,
        "school": obj,
        "sections": _sections(documents, registry),
        "count": len(documents) + len(registry),
        "run": run,
        "labels": _labels(outcome.categories) if outcome is not None else [],
    }
    return render(request, "public/school.html", context)


def document_file(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The stable address of a published document: the file (Russian file name) or a redirect to the link."""
    doc = get_object_or_404(PublicDocument.objects.published(), municipality__code=code, pk=pk)
    if not doc.is_file:
        return HttpResponseRedirect(doc.url)
    return serve_file(doc)


class DocumentsFeed(Feed):  # type: ignore[type-arg]
    """Atom feed of newly published documents of the authority and its schools (newest first)."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, code: str) -> Municipality:  # type: ignore[override]
        return _municipality(code)

    def title(self, obj: Municipality) -> str:
        return f"{obj.authority_name or obj.name}: новые документы программы поддержки школ"

    def subtitle(self, obj: Municipality) -> str:
        return (
            "Документы специализированной страницы программы поддержки школ с низкими результатами обучения."
        )

    description = subtitle

    def link(self, obj: Municipality) -> str:
        return reverse("public:authority", args=[obj.code])

    def author_name(self, obj: Municipality) -> str:
        return obj.authority_name or obj.name

    def items(self, obj: Municipality) -> list[PublicDocument]:
        q = (
            PublicDocument.objects.published()
            .filter(municipality=obj)
            .select_related("municipality", "school")
        )
        return list(q.order_by("-published_at", "-pk")[:FEED_SIZE])

    def item_title(self, item: PublicDocument) -> str:
        return f"{item.school.short_name}: {item.title}" if item.school is not None else item.title

    def item_description(self, item: PublicDocument) -> str:
        parts = [item.get_section_display()]
        if item.document_date:
            parts.append(f"документ от {item.document_date:%d.%m.%Y}")
        text = ", ".join(parts) + "."
        return f"{text} {item.description}" if item.description else text

    def item_link(self, item: PublicDocument) -> str:
        return item.public_url()

    def item_pubdate(self, item: PublicDocument) -> Any:
        return item.published_at

    def item_updateddate(self, item: PublicDocument) -> Any:
        return item.published_at

    def item_categories(self, item: PublicDocument) -> list[str]:
        return [str(item.get_section_display())]


class DocumentsRssFeed(DocumentsFeed):
    feed_type = Rss201rev2Feed


def registry_file(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The file (or link) of a registry document marked public; anything else is 404."""
    from portal.documents.models import ProgramDocument, Status
    from portal.documents.views import _serve

    municipality = _municipality(code)
    doc = get_object_or_404(
        ProgramDocument.objects.exclude(status=Status.DRAFT), pk=pk, municipality=municipality, is_public=True
    )
    if doc.file:
        return _serve(doc)
    if doc.url:
        return HttpResponseRedirect(doc.url)
    raise Http404("У документа нет файла и ссылки.")
