"""Forms of the registry: a document (requisites, file or link, scope, status, what it evidences) and a status."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms

from portal.documents.models import DEFAULT_SLOTS, Kind, ProgramDocument, Status, StatusKind
from portal.documents.services import SlotChoice

_DATE = {
    "input_formats": ["%d.%m.%Y", "%Y-%m-%d"],
    "widget": forms.DateInput(
        attrs={"placeholder": "ДД.ММ.ГГГГ", "class": "input--short"}, format="%d.%m.%Y"
    ),
}


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label="Вид документа", choices=Kind.choices)
    title = forms.CharField(label="Название", max_length=500)
    number = forms.CharField(
        label="Номер", max_length=60, required=False, help_text="Как в документе; пусто — без номера."
    )
    date = forms.DateField(label="Дата", required=False, help_text="ДД.ММ.ГГГГ", **_DATE)  # type: ignore[arg-type]
    issuer = forms.CharField(
        label="Кто издал",
        max_length=300,
        required=False,
        help_text="Например: Управление образования администрации города.",
    )
    status = forms.ChoiceField(label="Статус", choices=Status.choices, initial=Status.ACTIVE)
    repealed_on = forms.DateField(
        label="Утратил силу с",
        required=False,
        help_text="Только для статуса «утратил силу».",
        **_DATE,  # type: ignore[arg-type]
    )
    school = forms.ChoiceField(
        label="Чей документ",
        required=False,
        help_text="Документ органа управления образованием или одной школы.",
    )
    file = forms.FileField(
        label="Файл",
        required=False,
        help_text="PDF, DOCX, XLSX, DOC или XLS. Можно вместо файла дать ссылку.",
    )
    remove_file = forms.BooleanField(label="Удалить загруженный файл", required=False)
    url = forms.URLField(label="Ссылка", required=False, max_length=1000, assume_scheme="https")
    is_public = forms.BooleanField(label="Показывать на публичной странице программы", required=False)
    indicators = forms.MultipleChoiceField(
        label="Подтверждает показатели мониторинга",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Ответ «да» в этих показателях будет выводиться из реестра (со ссылкой на документ).",
    )
    entries = forms.MultipleChoiceField(
        label="Подтверждает пункты дорожной карты",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(
        label="Примечание", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self,
        *args: Any,
        slots: list[SlotChoice],
        entries: list[tuple[str, str]],
        schools: list[tuple[str, str]] | None,
        has_file: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        both = len({c.level for c in slots}) > 1
        self.fields["indicators"].choices = [
            (
                c.value,
                (("Документ школы — " if c.level == "school" else "Документ УО — ") if both else "")
                + c.label,
            )
            for c in slots
        ]
        self.fields["entries"].choices = entries
        self.slot_levels = {c.value: c.level for c in slots}
        if schools is None:
            del self.fields["school"]
        else:
            self.fields["school"].choices = [("", "Орган управления образованием"), *schools]
        if not has_file:
            del self.fields["remove_file"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        level = "school" if data.get("school") else "municipal"
        wrong = [s for s in data.get("indicators", []) if self.slot_levels.get(s) != level]
        if wrong and "school" in self.fields:
            self.add_error(
                "indicators",
                "Показатели "
                + ", ".join(wrong)
                + (
                    " относятся к школе, а документ — органа управления."
                    if level == "municipal"
                    else " относятся к органу управления, а документ — школы."
                ),
            )
        return data

    @staticmethod
    def initial_for(doc: ProgramDocument) -> dict[str, Any]:
        return {
            "kind": doc.kind,
            "title": doc.title,
            "number": doc.number,
            "date": doc.date,
            "issuer": doc.issuer,
            "status": doc.status,
            "repealed_on": doc.repealed_on,
            "school": str(doc.school_id or ""),
            "url": doc.url,
            "is_public": doc.is_public,
            "indicators": list(doc.indicators or []),
            "entries": [str(pk) for pk in doc.roadmap_entries.values_list("pk", flat=True)] if doc.pk else [],
            "description": doc.description,
        }


def default_slots(kind: str, level: str) -> list[str]:
    return list(DEFAULT_SLOTS.get(level, {}).get(kind, ()))


class StatusForm(forms.Form):
    school = forms.ChoiceField(label="Школа")
    year = forms.IntegerField(
        label="Год", min_value=1990, max_value=2100, initial=lambda: datetime.date.today().year
    )
    kind = forms.ChoiceField(label="Статус", choices=StatusKind.choices)
    document = forms.ChoiceField(label="Документ-основание", required=False)
    source = forms.CharField(
        label="Основание (цитата из документа)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    note = forms.CharField(label="Примечание", required=False, max_length=500)

    def __init__(
        self, *args: Any, schools: list[tuple[str, str]], documents: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = schools
        self.fields["document"].choices = [("", "—"), *documents]
