"""Forms of roadmap tracking: one form changes an entry's status, adds a comment, a document file and a link."""

from __future__ import annotations

from typing import Any

from django import forms

from portal.lib.uploads import DOCUMENT_EXTENSIONS
from portal.roadmap.models import Status

ACCEPT = ",".join(f".{e}" for e in DOCUMENT_EXTENSIONS)


class EntryUpdateForm(forms.Form):
    status = forms.ChoiceField(label="Статус", choices=Status.choices)
    done_on = forms.DateField(
        label="Дата выполнения",
        required=False,
        input_formats=["%d.%m.%Y", "%Y-%m-%d"],
        help_text="ДД.ММ.ГГГГ; если пусто — сегодня.",
        widget=forms.DateInput(attrs={"placeholder": "ДД.ММ.ГГГГ"}, format="%d.%m.%Y"),
    )
    comment = forms.CharField(
        label="Комментарий", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    file = forms.FileField(
        label="Документ (файл)",
        required=False,
        help_text="PDF, DOCX, XLSX, DOC, XLS, JPG или PNG.",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    file_title = forms.CharField(label="Название документа", required=False, max_length=300)
    link = forms.CharField(
        label="Ссылка на документ",
        required=False,
        max_length=1000,
        widget=forms.URLInput(attrs={"placeholder": "https://…"}),
    )
    link_title = forms.CharField(label="Название ссылки", required=False, max_length=300)

    def __init__(self, *args: Any, max_mb: int = 20, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = f"PDF, DOCX, XLSX, DOC, XLS, JPG или PNG, не больше {max_mb} МБ."
