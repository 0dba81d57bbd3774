"""The base app's own page: the school data edit form (the dashboards live in portal.overview)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from portal.lib.access import get_for
from portal.schools import services
from portal.schools.forms import SchoolForm
from portal.schools.models import School


@login_required
def school_edit(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_for(request, School, "school.edit", pk=pk)
    form = SchoolForm(request.POST or None, instance=School.objects.get(pk=obj.pk))
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        services.update_school(obj, changes, by=request.user)
        messages.success(request, "Сведения о школе сохранены." if changes else "Изменений нет.")
        return redirect(obj)
    return render(request, "schools/school_edit.html", {"school": obj, "form": form})
