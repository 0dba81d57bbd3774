"""The form of a measure of the region's library: Russian names for factors, directions, levels and timing."""

from __future__ import annotations

from typing import Any

from django import forms

from opora.measures_catalogue import DIRECTIONS
from portal.programs.models import Level, Measure, RiskFactor

PRIORITIES = [(1, "1 — предлагается первой"), (2, "2 — обычный"), (3, "3 — дополнительная")]


class MeasureForm(forms.Form):
    code = forms.RegexField(
        label="Код",
        max_length=20,
        regex=r"^[A-Za-z][A-Za-z0-9_-]*$",
        error_messages={
            "invalid": "Код — латинская буква, затем латинские буквы, цифры, «-» или «_» (например M91)."
        },
        help_text="Код меры в программах и рекомендациях; после сохранения не меняется.",
    )
    title = forms.CharField(label="Название", max_length=400)
    description = forms.CharField(label="Содержание", widget=forms.Textarea(attrs={"rows": 4}))
    risk_factors = forms.MultipleChoiceField(
        label="Факторы риска, которые мера снижает",
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Выберите хотя бы один фактор риска."},
    )
    directions = forms.TypedMultipleChoiceField(
        label="Направления дорожной карты",
        coerce=int,
        choices=[(i, f"{i}. {title}") for i, title in DIRECTIONS.items()],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Выберите хотя бы одно направление."},
    )
    levels = forms.MultipleChoiceField(
        label="Предлагается при уровнях риска",
        choices=Level.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Выберите хотя бы один уровень риска."},
    )
    priority = forms.TypedChoiceField(label="Приоритет", coerce=int, choices=PRIORITIES, initial=2)
    responsible_role = forms.CharField(label="Ответственный (должность)", max_length=200)
    timing_kind = forms.ChoiceField(label="Периодичность", choices=Measure.TIMING_KINDS)
    expected_result = forms.CharField(label="Ожидаемый результат", widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.CharField(
        label="Документ, подтверждающий результат", widget=forms.Textarea(attrs={"rows": 2})
    )
    is_active = forms.BooleanField(
        label="Предлагается Конструктором",
        required=False,
        help_text="Снимите отметку, чтобы Конструктор перестал предлагать меру (в принятых программах она останется).",
    )

    def __init__(self, *args: Any, measure: Measure | None = None, **kwargs: Any) -> None:
        if measure is not None and not kwargs.get("initial"):
            kwargs["initial"] = {name: getattr(measure, name) for name in self.base_fields}
        super().__init__(*args, **kwargs)
        self.fields["risk_factors"].choices = list(RiskFactor.objects.values_list("code", "title"))  # type: ignore[attr-defined]
        if measure is not None:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = ""
