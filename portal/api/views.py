"""The coordinator's page of API tokens of a municipality: issue (the secret is shown once), list, revoke."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from portal.accounts.permissions import has_perm
from portal.api import services
from portal.api.forms import TokenForm
from portal.api.models import ApiToken
from portal.lib.access import get_for
from portal.schools.models import Municipality


@login_required
def tokens(request: HttpRequest, pk: int) -> HttpResponse:
    municipality = get_for(request, Municipality, "api.manage", pk=pk)
    issued = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        day = form.cleaned_data["expires_on"]
        expires = (
            timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time()))
            if day
            else None
        )
        try:
            issued = services.issue(
                name=form.cleaned_data["name"],
                municipality=municipality,
                permissions=form.cleaned_data["permissions"],
                expires_at=expires,
                by=request.user,
            )
        except services.TokenError as exc:
            form.add_error(None, str(exc))
        else:
            form = TokenForm()
    response = render(
        request,
        "api/tokens.html",
        {
            "municipality": municipality,
            "tokens": services.tokens_of(municipality),
            "form": form,
            "issued": issued,
            "schema_url": request.build_absolute_uri("/api/v1/openapi.json"),
        },
    )
    if issued is not None:
        response["Cache-Control"] = "no-store"  # the secret must not stay in any cache
    return response


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.select_related("municipality"), pk=pk)
    if token.municipality is None or not has_perm(request.user, "api.manage", token.municipality):
        raise Http404("Нет доступа или объект не найден.")
    services.revoke(token, by=request.user)
    messages.success(request, f"Токен «{token.name}» ({token.prefix}…) отозван.")
    return redirect("api:tokens", pk=token.municipality.pk)
