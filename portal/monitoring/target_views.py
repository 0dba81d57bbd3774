"""The period's target schools and the targets of its indicators (the coordinator sets those the documents do
not give). Both pages refuse a stale save (``portal.lib.stale``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from portal.accounts.permissions import has_perm
from portal.lib import stale
from portal.monitoring import services, targets
from portal.monitoring.models import TargetGroup
from portal.monitoring.views import _period
from portal.schools.models import School


@login_required
def target_schools(request: HttpRequest, pk: int) -> HttpResponse:
    """The period's target schools and where the list came from; the coordinator may set it by hand."""
    period = _period(request, pk, "monitoring.view")
    can_edit = period.is_open and has_perm(request.user, "monitoring.edit", period.municipality)
    refused: stale.StaleEdit | None = None
    posted: dict[str, set[int]] | None = None
    if request.method == "POST":
        if not can_edit:
            raise Http404("Нет доступа или объект не найден.")
        try:
            if request.POST.get("action") == "identification":
                n = services.targets_from_identification(period, by=request.user)
                messages.success(request, f"Список целевых школ взят из идентификации: {n}.")
                return redirect("monitoring:targets", period.pk)
            posted = {
                "shnor": {int(x) for x in request.POST.getlist("shnor")},
                "at_risk": {int(x) for x in request.POST.getlist("at_risk")},
            }
            services.set_target_schools(
                period,
                shnor=posted["shnor"],
                at_risk=posted["at_risk"],
                by=request.user,
                expected=stale.expected(request.POST),
            )
            messages.success(request, "Список целевых школ сохранён.")
            return redirect("monitoring:targets", period.pk)
        except stale.StaleEdit as exc:
            refused = exc
        except (services.MonitoringError, ValueError) as exc:
            messages.error(request, str(exc))
            return redirect("monitoring:targets", period.pk)
    rows = {t.school_id: t for t in period.target_schools.all()}
    items = []
    for s in School.objects.in_municipality(period.municipality):
        row = rows.get(s.pk)
        shnor = s.pk in posted["shnor"] if posted else bool(row and row.is_shnor)
        risk = s.pk in posted["at_risk"] if posted else bool(row and row.is_at_risk)
        items.append({"school": s, "target": row, "shnor": shnor, "at_risk": risk})
    context = {
        "period": period,
        "items": items,
        "can_edit": can_edit,
        "loaded_state": stale.seal(services.targets_state(period)),
        "stale": refused,
    }
    return render(request, "monitoring/targets.html", context, status=409 if refused else 200)


@login_required
def goals(request: HttpRequest, pk: int) -> HttpResponse:
    """Targets of every indicator for the year: the documents' (read-only, with their source and base) and the
    coordinator's for the others."""
    period = _period(request, pk, "monitoring.view")
    can_edit = period.is_open and has_perm(request.user, "monitoring.edit", period.municipality)
    rows = targets.goal_rows(period)
    refused: stale.StaleEdit | None = None
    errors: list[str] = []
    posted: dict[str, dict[str, Any]] = {}
    if request.method == "POST":
        if not can_edit:
            raise Http404("Нет доступа или объект не найден.")
        posted = {
            r.key: {
                "op": request.POST.get(f"{r.field}_op", ">="),
                "value": request.POST.get(f"{r.field}_value", ""),
                "base": request.POST.get(f"{r.field}_base", ""),
                "note": request.POST.get(f"{r.field}_note", ""),
            }
            for r in rows
            if r.settable
        }
        try:
            n = targets.save_goals(period, posted, by=request.user, expected=stale.expected(request.POST))
            messages.success(request, f"Цели {period.year} г. сохранены (изменений: {n}).")
            return redirect("monitoring:goals", period.pk)
        except stale.StaleEdit as exc:
            refused = exc
        except services.ValidationFailed as exc:
            errors = exc.errors
        except services.MonitoringError as exc:
            errors = [str(exc)]
    shown = []
    for r in rows:
        own = r.own
        entry = posted.get(r.key) or {
            "op": own.op if own else ">=",
            "value": ("yes" if own.bool_value else "no")
            if own is not None and own.bool_value is not None
            else (f"{own.value:g}".replace(".", ",") if own is not None and own.value is not None else ""),
            "base": own.base if own else "",
            "note": own.note if own else "",
        }
        shown.append({"row": r, "entry": entry})
    token = stale.expected(request.POST) if request.method == "POST" and refused is None else None
    context = {
        "period": period,
        "rows": shown,
        "can_edit": can_edit,
        "errors": errors,
        "ops": targets.GOAL_OPS,
        "bases": [("", "как у показателя"), *[(v, targets.BASE_LABELS[v]) for v in TargetGroup.values]],
        "base_labels": targets.BASE_LABELS,
        "loaded_state": token or stale.seal(targets.goals_state(period)),
        "stale": refused,
        "missing": sum(1 for r in rows if r.settable and r.own is None),
    }
    return render(request, "monitoring/goals.html", context, status=409 if refused else 200)
