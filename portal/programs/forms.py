"""Forms of the wizard, the risk profile and the import (Russian labels and errors); the library's form is in
``library_forms``."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms

from portal.programs.models import Goal, Level, Program, ProgramMeasure, RiskFactor


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class NewProgramForm(forms.Form):
    kind = forms.ChoiceField(label="Вид программы", choices=Program.Kind.choices)
    profile_year = forms.TypedChoiceField(label="Рисковый профиль", coerce=int, choices=[])
    year_from = forms.TypedChoiceField(
        label="Срок программы",
        coerce=int,
        choices=[],
        required=False,
        empty_value=None,
        help_text="Три года, как у программ 2023–2025 гг.; по умолчанию — с текущего года. Ответы мониторинга "
        "года засчитывают программу, в срок которой он входит.",
    )

    def __init__(self, *args: Any, years: list[int], today: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["profile_year"].choices = [(y, f"{y} г.") for y in years]  # type: ignore[attr-defined]
        start = today.year
        first = min([2023, *years])
        self.fields["year_from"].choices = [  # type: ignore[attr-defined]
            (y, f"{y}–{y + 2} гг.") for y in range(first, start + 2)
        ]
        self.fields["year_from"].initial = start
        self.start = start

    def clean_year_from(self) -> int:
        value = self.cleaned_data.get("year_from")
        return self.start if value is None else int(value)


class PrioritiesForm(forms.Form):
    priorities = forms.MultipleChoiceField(
        label="Приоритетные риски", widget=forms.CheckboxSelectMultiple, choices=[], required=True,
        error_messages={"required": "Выберите хотя бы один приоритетный риск."},
    )  # fmt: skip

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["priorities"].choices = choices  # type: ignore[attr-defined]


class MeasureRowForm(forms.Form):
    title = forms.CharField(label="Мероприятие", max_length=400, widget=forms.Textarea(attrs={"rows": 2}))
    # A textarea, not a one-line input: «заместитель директора по учебно-воспитательной работе, руководители
    # ШМО» is read whole, never cut at the field's edge.
    responsible = forms.CharField(
        label="Ответственный", max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    start = forms.DateField(label="Начало", required=False, widget=DateInput())
    end = forms.DateField(label="Окончание", required=False, widget=DateInput())
    delete = forms.BooleanField(label="Удалить", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "Срок окончания раньше срока начала.")
        return data

    @classmethod
    def for_row(cls, row: ProgramMeasure, data: Any = None) -> MeasureRowForm:
        initial = {"title": row.title, "responsible": row.responsible, "start": row.start, "end": row.end}
        return cls(data, prefix=f"m{row.pk}", initial=initial)


class OwnMeasureForm(forms.Form):
    title = forms.CharField(label="Название своей меры", max_length=400)
    factor = forms.ChoiceField(label="Фактор риска", required=False, choices=[])
    responsible = forms.CharField(label="Ответственный", max_length=200, required=False)
    start = forms.DateField(label="Начало", required=False, widget=DateInput())
    end = forms.DateField(label="Окончание", required=False, widget=DateInput())
    expected_result = forms.CharField(label="Ожидаемый результат", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Rendered inside the measures form: no HTML «required», or the browser would block saving the other rows.
        super().__init__(*args, prefix="own", use_required_attribute=False, **kwargs)
        factors = RiskFactor.objects.filter(enabled=True).values_list("code", "title")
        self.fields["factor"].choices = [("", "—"), *factors]  # type: ignore[attr-defined]


class GoalRowForm(forms.Form):
    text = forms.CharField(label="Цель", widget=forms.Textarea(attrs={"rows": 2}))
    tasks = forms.CharField(
        label="Задачи (по одной в строке)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    indicator = forms.CharField(label="Показатель", max_length=300)
    unit = forms.CharField(label="Единица", max_length=20, required=False)
    baseline = forms.FloatField(label="Базовое значение", required=False, localize=True)
    target = forms.FloatField(label="Целевое значение", required=False, localize=True)

    @classmethod
    def for_goal(cls, goal: Goal, data: Any = None) -> GoalRowForm:
        initial = {k: getattr(goal, k) for k in ("text", "tasks", "indicator", "unit", "baseline", "target")}
        return cls(data, prefix=f"g{goal.pk}", initial=initial)


class ProgramNoteForm(forms.Form):
    director = forms.CharField(
        label="Руководитель программы (должность, ФИО)", max_length=200, required=False
    )
    analysis_note = forms.CharField(
        label="Выводы команды по анализу (войдут в раздел 2)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


LEVEL_CHOICES = [("", "не оценён"), *Level.choices]


class RiskLevelForm(forms.Form):
    level = forms.ChoiceField(label="Уровень", choices=LEVEL_CHOICES, required=False)
    comment = forms.CharField(label="Обоснование изменения", required=False, max_length=1000)


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label="Что школе нужно исправить",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Напишите, что школе нужно исправить."},
    )


class UploadForm(forms.Form):
    file = forms.FileField(label="Файл Excel (.xlsx)")
