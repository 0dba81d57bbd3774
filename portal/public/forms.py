"""Forms of the staff pages: one form uploads or edits a document (file or link)."""

from __future__ import annotations

from typing import Any

from django import forms

from portal.public.models import PUBLIC_EXTENSIONS, Section
from portal.schools.models import School

ACCEPT = ",".join(f".{e}" for e in PUBLIC_EXTENSIONS)
AUTHORITY = ""


class DocumentForm(forms.Form):
    owner = forms.ChoiceField(label="Чей документ", required=False)
    section = forms.ChoiceField(label="Раздел", choices=Section.choices)
    title = forms.CharField(label="Название", max_length=300)
    document_date = forms.DateField(
        label="Дата документа",
        required=False,
        input_formats=["%d.%m.%Y", "%Y-%m-%d"],
        help_text="ДД.ММ.ГГГГ",
        widget=forms.DateInput(attrs={"placeholder": "ДД.ММ.ГГГГ"}, format="%d.%m.%Y"),
        error_messages={"invalid": "Дата — в виде ДД.ММ.ГГГГ, например 26.01.2023."},
    )
    description = forms.CharField(
        label="Краткое описание", required=False, max_length=3000, widget=forms.Textarea(attrs={"rows": 3})
    )
    file = forms.FileField(
        label="Файл документа",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )
    url = forms.CharField(
        label="Или ссылка на документ",
        required=False,
        max_length=1000,
        widget=forms.URLInput(attrs={"placeholder": "https://…"}),
    )

    def __init__(
        self,
        *args: Any,
        schools: list[School] | None = None,
        max_mb: int = 20,
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if schools is None:
            del self.fields["owner"]
        else:
            choices = [(AUTHORITY, "Орган управления образованием")]
            choices += [(str(s.pk), s.short_name) for s in schools]
            self.fields["owner"].choices = choices
        replace = " Новый файл или ссылка заменят текущие." if editing else ""
        self.fields["file"].help_text = f"PDF, DOCX, XLSX, DOC или XLS, не больше {max_mb} МБ.{replace}"
