"""Forms generated from the catalogue: one group of inputs per value slot (values.Slot)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms

from portal.monitoring.models import IndicatorSet
from portal.monitoring.values import InvalidValue, Slot, clean

_YES_NO = [("", "не заполнено"), ("yes", "да"), ("no", "нет")]


def field_base(slot: Slot) -> str:
    """Stable input name stem of a slot: ``v_3_8__kmc``."""
    return "v_" + slot.indicator.code.replace(".", "_") + (f"__{slot.subitem}" if slot.subitem else "")


class SlotGroup:
    """The bound inputs of one slot, for the template."""

    def __init__(self, form: ValuesForm, slot: Slot) -> None:
        self.slot = slot
        base = field_base(slot)
        self.fields = [form[name] for name in form.fields if name.startswith(base + "_")]
        self.errors = form.slot_errors.get(slot.key, [])

    @property
    def indicator(self) -> Any:
        return self.slot.indicator


class ValuesForm(forms.Form):
    """Inputs for a list of slots; ``cleaned_payloads`` maps slot keys to validated payloads."""

    def __init__(
        self,
        slots: list[Slot],
        *args: Any,
        initial_values: dict[str, dict[str, Any]] | None = None,
        denominators: dict[str, int | None] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.slots = slots
        self.denominators = denominators or {}
        self.slot_errors: dict[str, list[str]] = {}
        self.cleaned_payloads: dict[str, dict[str, Any]] = {}
        initial_values = initial_values or {}
        for slot in slots:
            base = field_base(slot)
            init = initial_values.get(slot.key, {})
            kind = slot.kind
            if kind == "bool":
                b = init.get("bool_value")
                self.fields[f"{base}_bool"] = forms.ChoiceField(
                    label="Ответ",
                    choices=_YES_NO,
                    required=False,
                    widget=forms.RadioSelect,
                    initial="" if b is None else ("yes" if b else "no"),
                )
                if slot.needs_links:
                    self.fields[f"{base}_links"] = forms.CharField(
                        label="Ссылки на документы",
                        required=False,
                        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "https://…"}),
                        help_text="По одной ссылке в строке; при ответе «да» нужна хотя бы одна.",
                        initial="\n".join(init.get("links") or []),
                    )
            elif kind == "people":
                who = (
                    "педагогов и руководителей" if slot.denominator_field == "staff_total" else "обучающихся"
                )
                self.fields[f"{base}_numerator"] = forms.CharField(
                    label=f"Число {who}",
                    required=False,
                    widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "input--short"}),
                    help_text="Процент посчитается по численности, указанной в начале анкеты.",
                    initial=_fmt(init.get("numerator")),
                )
            elif kind in ("pct", "count"):
                self.fields[f"{base}_number"] = forms.CharField(
                    label="Процент" if kind == "pct" else "Число",
                    required=False,
                    widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "input--short"}),
                    help_text="От 0 до 100, можно с запятой." if kind == "pct" else "Целое число.",
                    initial=_fmt(init.get("number")),
                )
            elif kind == "status3":
                self.fields[f"{base}_status3"] = forms.ChoiceField(
                    label="Уровень",
                    required=False,
                    widget=forms.RadioSelect,
                    choices=[("", "не заполнено"), *slot.status_labels().items()],
                    initial=init.get("status3") or "",
                )
                self.fields[f"{base}_links"] = forms.CharField(
                    label="Ссылки на документы",
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 2}),
                    initial="\n".join(init.get("links") or []),
                )
            self.fields[f"{base}_text"] = forms.CharField(
                label="Комментарий",
                required=False,
                max_length=2000,
                widget=forms.TextInput(attrs={"placeholder": "необязательно"}),
                initial=init.get("text") or "",
            )

    def raw_for(self, slot: Slot) -> dict[str, Any]:
        base = field_base(slot)
        data = self.cleaned_data
        raw: dict[str, Any] = {"text": data.get(f"{base}_text", "")}
        if f"{base}_bool" in data:
            raw["bool_value"] = {"yes": True, "no": False}.get(data[f"{base}_bool"])
        if f"{base}_links" in data:
            raw["links"] = data[f"{base}_links"].split()
        for part in ("numerator", "number"):
            value = (data.get(f"{base}_{part}") or "").strip()
            raw[part] = value or None
        if f"{base}_status3" in data:
            raw["status3"] = data[f"{base}_status3"]
        return raw

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for slot in self.slots:
            raw = self.raw_for(slot)
            try:
                self.cleaned_payloads[slot.key] = clean(
                    slot, raw, denominator=self.denominators.get(slot.denominator_field or "")
                )
            except InvalidValue as exc:
                self.slot_errors.setdefault(slot.key, []).append(str(exc))
        if self.slot_errors:
            raise forms.ValidationError(
                "Проверьте отмеченные показатели: %(n)s.",
                params={"n": ", ".join(k.split("|")[0] for k in self.slot_errors)},
            )
        return cleaned

    def raws(self) -> dict[str, dict[str, Any]]:
        return {slot.key: self.raw_for(slot) for slot in self.slots}

    def groups(self) -> list[SlotGroup]:
        return [SlotGroup(self, slot) for slot in self.slots]


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace(".", ",")


class TotalsForm(forms.Form):
    staff_total = forms.IntegerField(
        label="Численность педагогических и руководящих работников",
        min_value=1,
        required=False,
        help_text="Знаменатель всех долей педагогов в анкете; вводится один раз.",
    )
    students_total = forms.IntegerField(
        label="Численность обучающихся",
        min_value=1,
        required=False,
        help_text="Знаменатель всех долей обучающихся.",
    )


class OpenPeriodForm(forms.Form):
    indicator_set = forms.ModelChoiceField(
        label="Набор показателей", queryset=IndicatorSet.objects.all(), empty_label=None
    )
    year = forms.IntegerField(
        label="Год мониторинга", min_value=2020, max_value=2035, initial=lambda: datetime.date.today().year
    )
    deadline = forms.DateField(
        label="Срок сдачи анкет",
        required=False,
        input_formats=["%d.%m.%Y", "%Y-%m-%d"],
        help_text="ДД.ММ.ГГГГ",
        widget=forms.DateInput(attrs={"placeholder": "ДД.ММ.ГГГГ"}),
    )


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label="Комментарий для школы", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class UploadForm(forms.Form):
    file = forms.FileField(label="Файл Excel (.xlsx), заполненный по шаблону")


class IndicatorSetUploadForm(forms.Form):
    file = forms.FileField(label="Файл каталога показателей (YAML)")
