from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.audit.models import AuditEntry
from portal.lib.access import get_for
from portal.schools.models import Municipality


@login_required
def log(request: HttpRequest, pk: int) -> HttpResponse:
    """The municipality's audit log, newest first (coordinator only)."""
    municipality = get_for(request, Municipality, "audit.view", pk=pk)
    entries = AuditEntry.objects.filter(municipality=municipality).select_related("school")
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "audit/log.html", {"municipality": municipality, "page": page})
