from __future__ import annotations

from typing import Any

from django import forms

from portal.results.models import ReferenceDataset
from portal.schools.models import Municipality


class RunForm(forms.Form):
    year = forms.IntegerField(
        label="Год идентификации",
        min_value=2015,
        max_value=2035,
        help_text="По умолчанию — последний год, за который загружены результаты. В индекс входят результаты этого "
        "года и предыдущих лет окна (по умолчанию 4 года, как в приказе), категории проверяются на устойчивость "
        "по трём годам.",
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


class RegionRunForm(forms.Form):
    year = forms.IntegerField(
        label="Год идентификации",
        min_value=2015,
        max_value=2035,
        help_text="По умолчанию — последний год, за который в регионе загружены результаты. Модель строится на всех "
        "школах всех муниципалитетов региона и применяется к каждому муниципалитету.",
    )
