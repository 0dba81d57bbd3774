"""Mapping a layout the reader does not recognise (a preview of the first rows, header rows and columns marked),
and the list and edit pages of the saved presets (municipal: coordinator; regional: regional coordinator)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from opora.readers.common import Grid, load_grids
from opora.readers.layout import column_letter, recognise
from portal.accounts.permissions import has_perm
from portal.lib import stale
from portal.results import presets
from portal.results.models import MappingPreset
from portal.results.views_report import Scope

PREVIEW_ROWS = 15
MAX_COLUMNS = 160


def _grid(data: bytes, filename: str, sheet: str | None) -> tuple[Grid | None, list[str]]:
    grids = load_grids(data, filename)
    if not isinstance(grids, list):
        return None, []
    names = [g.sheet or filename for g in grids]
    chosen = next((g for g in grids if (g.sheet or filename) == sheet), grids[0])
    return chosen, names


def _guess(grid: Grid) -> dict[str, Any]:
    """Starting values of the form: what recognition found, else the first row with two filled cells."""
    layout = recognise(grid)
    if not isinstance(layout, str):
        return {
            "header_first": grid.rows[layout.header_start][0],
            "header_last": grid.rows[layout.header_end][0],
            "school": layout.school,
            "municipality": layout.municipality,
            "mapping": layout.to_mapping(),
        }
    first = next((n for n, cells in grid.rows[:40] if sum(1 for c in cells if c) >= 2), grid.rows[0][0])
    return {
        "header_first": first,
        "header_last": first,
        "school": None,
        "municipality": None,
        "mapping": None,
    }


def _can_region(request: HttpRequest, scope: Scope) -> bool:
    return has_perm(request.user, "imports.run", scope.region)  # type: ignore[arg-type]


@login_required
def mapping(request: HttpRequest, kind: str, pk: int, pid: int) -> HttpResponse:
    scope = Scope(request, kind, pk)
    staged = scope.pending(pid)
    grid, sheets = _grid(
        bytes(staged.data), staged.filename, request.GET.get("sheet") or request.POST.get("sheet")
    )
    if grid is None:
        raise Http404("Файл не читается.")
    width = min(MAX_COLUMNS, max((len(c) for _, c in grid.rows[:60]), default=0))
    guess = _guess(grid)
    values: dict[str, Any] = dict(request.POST) if request.method == "POST" else {}
    problems: list[str] = []
    if request.method == "POST":
        data = {k: request.POST.get(k, "") for k in request.POST}
        try:
            start, end = presets.header_rows(data, grid)
            built = presets.mapping_from(data, width)
            region_wide = data.get("scope") == "region" and _can_region(request, scope)
            presets.create(
                region=scope.region,
                municipality=None if region_wide or scope.municipality is None else scope.municipality,
                name=data.get("name", ""),
                grid=grid,
                start=start,
                end=end,
                mapping=built,
                by=request.user,
            )
            messages.success(request, "Шаблон сопоставления сохранён: такие файлы будут распознаваться сами.")
            return redirect(scope.url("pending", staged.pk))
        except presets.MappingInvalid as invalid:
            problems = invalid.problems
        values = data
    header_first = int(values.get("header_first") or guess["header_first"])
    header_last = int(values.get("header_last") or guess["header_last"])
    header = [cells for n, cells in grid.rows if header_first <= n <= header_last]
    columns = presets.columns_of(header, guess["mapping"])[:width]
    if values:
        for c in columns:
            c.subject, c.metric = values.get(f"subject-{c.index}", ""), values.get(f"metric-{c.index}", "")
    preview = [
        (n, [(cells[p] if p < len(cells) else None) for p in range(width)])
        for n, cells in grid.rows[:PREVIEW_ROWS]
    ]
    return render(
        request,
        "results/mapping.html",
        {
            "scope": scope,
            "staged": staged,
            "sheets": sheets,
            "sheet": grid.sheet,
            "letters": [column_letter(p) for p in range(width)],
            "preview": preview,
            "columns": columns,
            "problems": problems,
            "values": values,
            "header_first": header_first,
            "header_last": header_last,
            "school": values.get("school", guess["school"]),
            "municipality": values.get("municipality", guess["municipality"]),
            "subjects": presets.SUBJECT_CHOICES,
            "metrics": presets.METRIC_CHOICES,
            "procedures": presets.PROCEDURE_CHOICES,
            "can_region": _can_region(request, scope),
        },
    )


def _editable(request: HttpRequest, scope: Scope, preset: MappingPreset) -> bool:
    if preset.municipality_id is None:
        return _can_region(request, scope)
    return scope.municipality is not None and preset.municipality_id == scope.municipality.pk


def _visible(scope: Scope, preset_id: int) -> MappingPreset:
    preset = get_object_or_404(MappingPreset, pk=preset_id, region=scope.region)
    if scope.municipality is None and preset.municipality_id is not None:
        raise Http404
    if scope.municipality is not None and preset.municipality_id not in (None, scope.municipality.pk):
        raise Http404
    return preset


@login_required
def preset_list(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    scope = Scope(request, kind, pk)
    rows = MappingPreset.objects.filter(region=scope.region, municipality=None)
    if scope.municipality is not None:
        rows = MappingPreset.objects.filter(region=scope.region, municipality=scope.municipality) | rows
    listed = [(p, _editable(request, scope, p)) for p in rows.order_by("name")]
    return render(request, "results/presets.html", {"scope": scope, "presets": listed})


@login_required
def preset_edit(request: HttpRequest, kind: str, pk: int, preset_id: int) -> HttpResponse:
    scope = Scope(request, kind, pk)
    preset = _visible(scope, preset_id)
    if not _editable(request, scope, preset):
        raise Http404
    problems: list[str] = []
    header = [list(r) for r in preset.header]
    width = max((len(r) for r in header), default=0)
    columns = presets.columns_of(header, preset.mapping)
    name = preset.name
    stale_error = None
    if request.method == "POST" and request.POST.get("action") == "delete":
        if request.POST.get("confirmed") != "1":
            return render(
                request,
                "includes/confirm.html",
                {
                    "title": f"Удалить шаблон «{preset.name}»?",
                    "impact": ["Файлы с таким заголовком снова нужно будет сопоставить вручную."],
                    "action": scope.url("preset", preset.pk),
                    "fields": {"action": "delete"},
                    "confirm_label": "Удалить",
                    "cancel_url": scope.url("preset", preset.pk),
                },
            )
        presets.delete(preset, by=request.user)
        messages.success(request, f"Шаблон «{preset.name}» удалён.")
        return redirect(scope.url("presets"))
    if request.method == "POST":
        data = {k: request.POST.get(k, "") for k in request.POST}
        name = data.get("name", "")
        for c in columns:
            c.subject, c.metric = data.get(f"subject-{c.index}", ""), data.get(f"metric-{c.index}", "")
        try:
            built = presets.mapping_from(data, width)
            presets.update(
                preset, name=name, mapping=built, expected=stale.expected(request.POST), by=request.user
            )
            messages.success(request, f"Шаблон «{name}» сохранён.")
            return redirect(scope.url("presets"))
        except presets.MappingInvalid as invalid:
            problems = invalid.problems
        except stale.StaleEdit as error:
            stale_error = error
            preset.refresh_from_db()
    return render(
        request,
        "results/preset_form.html",
        {
            "scope": scope,
            "preset": preset,
            "name": name,
            "columns": columns,
            "problems": problems,
            "school": request.POST.get("school", preset.mapping.get("school")),
            "municipality": request.POST.get("municipality", preset.mapping.get("municipality")),
            "procedure": request.POST.get("procedure", preset.mapping.get("procedure") or ""),
            "letters": [column_letter(p) for p in range(width)],
            "subjects": presets.SUBJECT_CHOICES,
            "metrics": presets.METRIC_CHOICES,
            "procedures": presets.PROCEDURE_CHOICES,
            "loaded_state": stale.seal(presets.form_state(preset)),
            "stale": stale_error,
        },
    )
