"""The base app's own page: the school data edit form (the dashboards live in portal.overview)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from portal.lib import stale
from portal.lib.access import get_for
from portal.schools import services
from portal.schools.forms import SchoolForm
from portal.schools.models import School


@login_required
def school_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The school data form; a save made from a form loaded before someone else's save is refused (stale)."""
    obj = get_for(request, School, "school.edit", pk=pk)
    form = SchoolForm(request.POST or None, instance=School.objects.get(pk=obj.pk))
    refused: stale.StaleEdit | None = None
    if request.method == "POST" and form.is_valid():
        # Every field is sent: what the user did not touch is compared with the snapshot, not taken as a change.
        changes = {name: form.cleaned_data[name] for name in services.EDITABLE_SCHOOL_FIELDS}
        try:
            services.update_school(obj, changes, by=request.user, expected=stale.expected(request.POST))
        except stale.StaleEdit as exc:
            refused = exc
        else:
            saved = bool(form.changed_data)
            messages.success(request, "Сведения о школе сохранены." if saved else "Изменений нет.")
            return redirect(obj)
    # A form sent back with errors keeps the snapshot it was loaded with; a refused or new form gets today's.
    kept = stale.expected(request.POST) if request.method == "POST" and refused is None else None
    context = {
        "school": obj,
        "form": form,
        "stale": refused,
        "loaded_state": kept or stale.seal(services.school_state(School.objects.get(pk=obj.pk))),
    }
    return render(request, "schools/school_edit.html", context)
