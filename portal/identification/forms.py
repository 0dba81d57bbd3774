from __future__ import annotations

import json
from typing import Any

from django import forms

from opora.config import IdentificationConfig
from opora.errors import ConfigError
from portal.results.models import ReferenceDataset
from portal.schools.models import Municipality


class RunForm(forms.Form):
    year = forms.IntegerField(
        label="Год идентификации",
        min_value=2015,
        max_value=2035,
        help_text="Используются результаты этого года и предыдущих лет, указанных в параметрах.",
    )
    reference = forms.ModelChoiceField(
        label="На каких школах строить модель",
        queryset=ReferenceDataset.objects.none(),
        required=False,
        empty_label="Только школы муниципалитета (ненадёжно при малом числе школ)",
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reference"]
        field.queryset = ReferenceDataset.objects.filter(municipality=municipality).defer(
            "results_csv", "context_csv"
        )  # type: ignore[attr-defined]
        first = field.queryset.first()  # type: ignore[attr-defined]
        if first is not None:
            self.initial.setdefault("reference", first.pk)


class SettingsForm(forms.Form):
    config = forms.CharField(
        label="Параметры методики (JSON)",
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false"}),
        help_text="Пустой объект {} — значения по умолчанию (см. «Методика»). Неизвестный ключ будет назван в ошибке.",
    )

    def clean_config(self) -> dict[str, Any]:
        text = self.cleaned_data["config"]
        try:
            mapping = json.loads(text or "{}")
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                f"Это не JSON: строка {error.lineno}, позиция {error.colno}: {error.msg}."
            ) from None
        if not isinstance(mapping, dict):
            raise forms.ValidationError("Ожидался объект JSON в фигурных скобках.")
        try:
            IdentificationConfig.from_mapping(mapping)
        except ConfigError as error:
            raise forms.ValidationError(str(error)) from None
        return mapping


class RegionRunForm(forms.Form):
    year = forms.IntegerField(
        label="Год идентификации",
        min_value=2015,
        max_value=2035,
        help_text="Модель строится на всех школах всех муниципалитетов региона и применяется к каждому муниципалитету.",
    )
