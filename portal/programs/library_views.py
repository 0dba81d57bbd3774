"""Pages of the measures library: the region's library (read by everyone with programs.view), a measure's form
(the region's method centre). A method centre changes only the library of its own region (portal.programs.library).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from portal.accounts.permissions import has_perm
from portal.lib import stale
from portal.lib.access import get_for
from portal.programs import library as lib
from portal.programs.library_forms import MeasureForm
from portal.programs.models import RiskFactor
from portal.schools.models import Municipality


@login_required
def library(request: HttpRequest, pk: int) -> HttpResponse:
    """The measures of the municipality's region (its own copy or the shipped library), filtered by risk factor."""
    municipality = get_for(request, Municipality, "programs.view", pk=pk)
    region = municipality.region
    factor = request.GET.get("factor", "")
    # The library is small (≈ 100 measures): filter in Python (JSON containment is not portable to SQLite).
    items = [m for m in lib.measures(region).order_by("code") if not factor or factor in m.risk_factors]
    return render(
        request,
        "programs/library.html",
        {
            "municipality": municipality,
            "region": region,
            "own": lib.has_copy(region),
            "measures": items,
            "factors": RiskFactor.objects.all(),
            "factor": factor,
            "can_edit": has_perm(request.user, "measures.edit", municipality),
        },
    )


@login_required
def measure_edit(request: HttpRequest, pk: int, code: str = "") -> HttpResponse:
    """Change a measure of the region's library (or add one); a stale form is refused with what changed."""
    municipality = get_for(request, Municipality, "measures.edit", pk=pk)
    region = municipality.region
    measure = get_object_or_404(lib.measures(region), code=code) if code else None
    initial: dict[str, Any] | None = (
        None if measure else {"code": lib.next_code(region), "priority": 2, "is_active": True}
    )
    form = MeasureForm(request.POST or None, measure=measure, initial=initial)
    refused: stale.StaleEdit | None = None
    if request.method == "POST" and form.is_valid():
        try:
            saved = lib.save_measure(
                region,
                measure.code if measure else None,
                form.cleaned_data,
                by=request.user,
                expected=stale.expected(request.POST),
                municipality=municipality,
            )
        except stale.StaleEdit as exc:
            refused = exc
        except lib.LibraryError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"Мера {saved.code} сохранена в библиотеке региона «{region}»: её видят все муниципалитеты региона.",
            )
            return redirect("programs:library", municipality.pk)
    current = lib.measures(region).filter(code=measure.code).first() if measure else None
    return render(
        request,
        "programs/measure_form.html",
        {
            "municipality": municipality,
            "region": region,
            "own": lib.has_copy(region),
            "form": form,
            "measure": measure,
            "loaded_state": (
                loaded
                if (loaded := stale.expected(request.POST)) and request.method == "POST" and not refused
                else stale.seal(lib.form_state(current))
            ),  # the snapshot the form was loaded with while errors are corrected; fresh after a refusal
            "stale": refused,
        },
    )
