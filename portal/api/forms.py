from __future__ import annotations

from django import forms

from portal.api.models import READ, WRITE


class TokenForm(forms.Form):
    name = forms.CharField(
        label="Название", max_length=100, help_text="Для какой системы выдан токен (например, «КИАСУО»)."
    )
    permissions = forms.MultipleChoiceField(
        label="Права",
        choices=[(READ, "чтение (расчёты, показатели, документы)"), (WRITE, "запись (загрузка данных)")],
        widget=forms.CheckboxSelectMultiple,
        initial=[READ],
    )
    expires_on = forms.DateField(
        label="Действует до (включительно)",
        required=False,
        input_formats=["%d.%m.%Y", "%Y-%m-%d"],
        help_text="ДД.ММ.ГГГГ; пусто — бессрочно (до отзыва).",
    )
