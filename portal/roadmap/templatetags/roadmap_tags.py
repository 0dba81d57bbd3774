"""``{% roadmap_block municipality %}``: the compact roadmap block of the municipality page."""

from __future__ import annotations

from typing import Any

from django import template

from portal.accounts.permissions import has_perm
from portal.roadmap import overdue, services
from portal.schools.models import Municipality, School

register = template.Library()


@register.inclusion_tag("roadmap/_block.html", takes_context=True)
def roadmap_block(context: dict[str, Any], municipality: Municipality) -> dict[str, Any]:
    """Counts and the five most urgent overdue and due-soon entries (municipal and schools' roadmaps)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not has_perm(user, "roadmap.view", municipality):
        return {"show": False}
    schools = School.objects.filter(municipality=municipality)
    entries = list(services.entries_for(municipality, schools=schools, municipal=True))
    lists = services.buckets(entries)
    by_key = {str(e.pk): e for e in entries}
    late = overdue.overdue(municipality, overdue.DEFAULT, among=entries)
    return {
        "show": True,
        "municipality": municipality,
        "total": len(entries),
        "counts": lists.counts,
        "overdue": late.flagged[:5],
        "overdue_total": late.count,
        "scope_text": late.scope_text,
        "due_soon": [(f, by_key[f.entry.key]) for f in lists.due_soon[:5]],
        "due_soon_total": len(lists.due_soon),
        "soon_days": services.soon_days(),
    }
