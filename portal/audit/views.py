"""The audit log of a municipality (coordinator) and of a region (regional coordinator): filters, pages, export."""

from __future__ import annotations

import csv
import datetime
import io
import json
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from opora.safe_export import csv_rows, workbook_bytes
from portal.audit.models import AuditEntry, verb_label
from portal.audit.services import record
from portal.lib.access import get_for
from portal.schools.models import Municipality, Region

PAGE_SIZE = 50
#: An export holds at most this many entries (the newest); the page says so when the filter matches more.
EXPORT_LIMIT = 100_000
DATE_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]


class LogFilter(forms.Form):
    date_from = forms.DateField(label="С даты", required=False, input_formats=DATE_FORMATS)
    date_to = forms.DateField(label="По дату", required=False, input_formats=DATE_FORMATS)
    action = forms.ChoiceField(label="Действие", required=False)
    user = forms.CharField(label="Пользователь", required=False, max_length=150)
    object_type = forms.ChoiceField(label="Тип объекта", required=False)

    def __init__(self, data: Any, entries: QuerySet[AuditEntry]) -> None:
        super().__init__(data)
        verbs = sorted(
            {a.rsplit(".", 1)[-1] for a in entries.order_by().values_list("action", flat=True).distinct()}
        )
        choices = sorted(((v, verb_label(v)) for v in verbs), key=lambda c: c[1])
        self.fields["action"].choices = [("", "все"), *choices]
        type_ids = set(
            entries.exclude(content_type=None).order_by().values_list("content_type", flat=True).distinct()
        )
        types = [(str(ct.pk), _type_label(ct)) for ct in ContentType.objects.filter(pk__in=type_ids)]
        self.fields["object_type"].choices = [("", "все"), *sorted(types, key=lambda t: t[1])]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError("Дата «с» позже даты «по».")
        return data

    def apply(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        if not self.is_bound:
            return entries
        if not self.is_valid():
            return entries.none()  # a wrong filter shows its error, not the whole log
        data = self.cleaned_data
        tz = timezone.get_current_timezone()
        if data.get("date_from"):
            entries = entries.filter(
                at__gte=datetime.datetime.combine(data["date_from"], datetime.time(), tz)
            )
        if data.get("date_to"):
            end = data["date_to"] + datetime.timedelta(days=1)
            entries = entries.filter(at__lt=datetime.datetime.combine(end, datetime.time(), tz))
        if data.get("action"):
            entries = entries.filter(Q(action__endswith=f".{data['action']}") | Q(action=data["action"]))
        if data.get("user"):
            entries = entries.filter(actor_repr__icontains=data["user"].strip())
        if data.get("object_type"):
            entries = entries.filter(content_type_id=int(data["object_type"]))
        return entries


def _type_label(ct: ContentType) -> str:
    model = ct.model_class()
    return str(model._meta.verbose_name) if model is not None else ct.model


def _scoped(scope: Municipality | Region) -> QuerySet[AuditEntry]:
    if isinstance(scope, Region):
        condition = Q(region=scope) | Q(municipality__region=scope) | Q(school__municipality__region=scope)
    else:  # the municipality's own entries and those of what its whole region shares (libraries)
        condition = Q(municipality=scope) | Q(region_wide=True, region_id=scope.region_id)
    return AuditEntry.objects.filter(condition).select_related("school", "municipality", "content_type")


#: Russian names of the keys of ``AuditEntry.data`` (an unknown key is shown as it is stored).
DATA_LABELS = {
    "accepted": "принято",
    "address": "адрес",
    "attempt": "попытка",
    "code": "код",
    "comment": "комментарий",
    "copied_from": "скопировано из",
    "courses": "курсов",
    "created": "создано",
    "data_version": "версия данных",
    "error": "ошибка",
    "errors": "ошибки",
    "file": "файл",
    "fit": "выборка модели",
    "format": "формат",
    "kept_from_file": "оставлено из файла",
    "kind": "вид",
    "municipalities": "муниципалитетов",
    "params": "параметры",
    "password_set": "пароль задан",
    "reason": "причина",
    "region_run": "расчёт по региону №",
    "removed": "удалено",
    "replace": "с заменой",
    "replaced": "заменено",
    "replaced_typed": "заменено введённых",
    "rows": "строк",
    "rules": "правил",
    "run": "расчёт №",
    "schools": "школ",
    "seed": "зерно генератора",
    "teachers": "педагогов",
    "token": "токен",
    "token_name": "название токена",
    "updated": "обновлено",
    "worker": "обработчик",
    "written": "записано",
    "year": "год",
    "years": "годы",
}


def _details_text(data: Any) -> str:
    """``AuditEntry.data`` as «год: 2023; файл: results.csv» (yes/no for flags, lists joined)."""
    if not data:
        return ""
    if not isinstance(data, dict):
        return json.dumps(data, ensure_ascii=False)

    def text(value: Any) -> str:
        if isinstance(value, bool):
            return "да" if value else "нет"
        if isinstance(value, list):
            return ", ".join(text(v) for v in value)
        if isinstance(value, dict):
            return json.dumps(value, ensure_ascii=False)
        return str(value)

    return "; ".join(f"{DATA_LABELS.get(k, k)}: {text(v)}" for k, v in data.items())


def _changes_text(entry: AuditEntry) -> str:
    return "; ".join(
        f"{field}: «{old if old is not None else ''}» → «{new if new is not None else ''}»"
        for field, old, new in entry.labelled_changes()
    )


EXPORT_HEADER = [
    "Когда",
    "Кто",
    "Источник",
    "Действие",
    "Тип объекта",
    "Объект",
    "Муниципалитет",
    "Школа",
    "Изменения",
    "Подробности",
]


def _export_rows(entries: QuerySet[AuditEntry]) -> list[list[str]]:
    rows = []
    for e in entries[:EXPORT_LIMIT]:
        rows.append(
            [
                timezone.localtime(e.at).strftime("%d.%m.%Y %H:%M:%S"),
                e.actor_repr,
                e.get_source_display(),
                e.action_label,
                _type_label(e.content_type) if e.content_type else "",
                e.object_repr,
                str(e.municipality) if e.municipality else "",
                str(e.school) if e.school else "",
                _changes_text(e),
                _details_text(e.data),
            ]
        )
    return rows


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(EXPORT_HEADER)
    writer.writerows(csv_rows(rows))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 with Cyrillic correctly


def _xlsx(rows: list[list[str]], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Журнал"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True)
    sheet.append(EXPORT_HEADER)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for letter, width in zip("ABCDEFGHIJ", (19, 24, 16, 30, 22, 40, 24, 30, 60, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A3"
    return workbook_bytes(book)


def _render_log(request: HttpRequest, scope: Municipality | Region, export_url: str) -> HttpResponse:
    entries = _scoped(scope)
    form = LogFilter(request.GET or None, entries)
    filtered = form.apply(entries)
    page = Paginator(filtered, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "scope": scope,
        "municipality": scope if isinstance(scope, Municipality) else None,
        "region": scope if isinstance(scope, Region) else None,
        "page": page,
        "form": form,
        "query": query.urlencode(),
        "export_url": export_url,
        "export_limit": EXPORT_LIMIT,
    }
    return render(request, "audit/log.html", context)


def _export(request: HttpRequest, scope: Municipality | Region, fmt: str, slug: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404("Неизвестный формат.")
    entries = _scoped(scope)
    form = LogFilter(request.GET or None, entries)
    if form.is_bound and not form.is_valid():
        return HttpResponse(
            "Фильтр задан неверно: " + "; ".join(str(e) for errs in form.errors.values() for e in errs),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    rows = _export_rows(form.apply(entries))
    today = timezone.localdate()
    title = f"Журнал изменений: {scope} (выгружено {today:%d.%m.%Y}, записей: {len(rows)})"
    record(scope, "audit.log.exported", by=request.user, data={"format": fmt, "rows": len(rows)})
    name = f"audit-{slug}-{today.isoformat()}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(_csv(rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            _xlsx(rows, title),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def log(request: HttpRequest, pk: int) -> HttpResponse:
    """The municipality's audit log, newest first (coordinator; regional coordinator of its region)."""
    municipality = get_for(request, Municipality, "audit.view", pk=pk)
    return _render_log(request, municipality, "audit:export")


@login_required
def export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    municipality = get_for(request, Municipality, "audit.view", pk=pk)
    return _export(request, municipality, fmt, f"m{municipality.pk}")


@login_required
def region_log(request: HttpRequest, pk: int) -> HttpResponse:
    """The region's audit log: every municipality and school of the region and the region itself."""
    region = get_for(request, Region, "audit.view", pk=pk)
    return _render_log(request, region, "audit:region_export")


@login_required
def region_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    region = get_for(request, Region, "audit.view", pk=pk)
    return _export(request, region, fmt, f"r{region.code}")
