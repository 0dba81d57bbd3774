from __future__ import annotations

from typing import Any

from django import forms


class ReportForm(forms.Form):
    """Year and format of a municipality report; the years offered are those with data."""

    year = forms.TypedChoiceField(label="Год", coerce=int)
    format = forms.ChoiceField(
        label="Формат", choices=[("docx", "DOCX (Word)"), ("pdf", "PDF")], initial="docx"
    )

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, f"{y} г.") for y in years]
        if years:
            self.fields["year"].initial = years[0]


class RulesForm(forms.Form):
    text = forms.CharField(
        label="Правила (YAML)",
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false", "class": "code"}),
        help_text=(
            "Формат описан в начале файла. Для каждого правила нужны пример, на котором оно срабатывает (fires), "
            "и близкий пример, на котором не срабатывает (near_miss): правила проверяются целиком перед сохранением."
        ),
    )
    comment = forms.CharField(label="Что изменено", max_length=300)
