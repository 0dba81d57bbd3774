from __future__ import annotations

from typing import Any

from django import forms


class ReportForm(forms.Form):
    """Year and format of a municipality report; the years offered are those with data, the latest year with a
    published identification run first chosen."""

    year = forms.TypedChoiceField(label="Год", coerce=int)
    format = forms.ChoiceField(
        label="Формат", choices=[("docx", "DOCX (Word)"), ("pdf", "PDF")], initial="docx"
    )

    def __init__(self, *args: Any, years: list[int], default: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, f"{y} г.") for y in years]
        if years:
            self.fields["year"].initial = default if default in years else years[0]
