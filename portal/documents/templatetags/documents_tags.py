"""Template tags other pages use to show the schools' status history (the school card, the identification run).

``{% load documents_tags %}{% status_history school %}`` — one school's history by year (a card section);
``{% status_history_table municipality %}`` — every school with a history, by year, beside an official list.
"""

from __future__ import annotations

from typing import Any

from django import template

from portal.documents import services
from portal.schools.models import Municipality, School

register = template.Library()


@register.inclusion_tag("documents/_history.html")
def status_history(school: School) -> dict[str, Any]:
    return {"items": services.history([school]).get(school.pk, [])}


@register.inclusion_tag("documents/_history_table.html")
def status_history_table(municipality: Municipality, highlight_year: int | None = None) -> dict[str, Any]:
    schools = list(School.objects.in_municipality(municipality))
    history = services.history(schools)
    years = sorted({s.year for items in history.values() for s in items})
    rows = [
        {"school": s, "cells": [[x for x in history.get(s.pk, []) if x.year == y] for y in years]}
        for s in schools
        if history.get(s.pk)
    ]
    return {"municipality": municipality, "years": years, "rows": rows, "highlight": highlight_year}
