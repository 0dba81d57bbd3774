"""The methodology parameters as a Russian form: one field per parameter of opora.config, grouped in fieldsets,
each with its help and its default beside it (opora.params holds the names and help texts).

Compound parameters get small tables: the result statistics (use, direction), the context variables (use,
direction — required for a variable outside the КИАСУО catalogue —, plausible range, text → number) and the
plausible ranges of results. ``MethodologyForm.mapping`` is the configuration mapping the form describes; its
errors name the parameter in Russian.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms

from opora.catalogue import CONTEXT_CATALOGUE, RISK_FACTORS, context_label
from opora.config import DEFAULT_RESULT_RANGES, IdentificationConfig
from opora.errors import ConfigError
from opora.params import (
    CATEGORY_LABELS,
    GROUPS,
    PARAMS,
    PROCEDURE_LABELS,
    STATISTIC_LABELS,
    Param,
    display,
    result_range_label,
)

__all__ = ["MethodologyForm", "parse_decimal"]

_DEFAULTS = IdentificationConfig().to_mapping()
_CODE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
DIRECTIONS = [("", "— укажите —"), ("-1", "больше — неблагоприятнее"), ("1", "больше — благоприятнее")]
#: Compound parameters drawn as tables, not as one field each.
_TABLES = {
    "results.statistics",
    "context.variables",
    "data.result_ranges",
    "data.context_ranges",
    "data.context_text_values",
}
_BOUNDS = {
    "results.window_years": (1, 20),
    "results.min_participants": (1, 10**6),
    "results.min_components": (1, 100),
    "results.min_schools_per_cell": (2, 10**6),
    "context.min_variables": (1, 50),
    "regression.min_schools": (3, 10**7),
    "categories.risk_min_factors": (1, 6),
    "categories.vacancies_max": (0, 10**6),
    "categories.trend_min_years": (2, 20),
    "categories.stability_years": (1, 20),
    "categories.evaluation_years": (1, 20),
}


def parse_decimal(text: str) -> float:
    """«0,25», «0.25», «1 000,5» → float; raises ValueError."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace("−", "-").replace(",", ".")
    return float(cleaned)


def _shown(value: float) -> str:
    return f"{value:g}".replace(".", ",")


class DecimalField(forms.CharField):
    """A number typed with a decimal comma or point."""

    def __init__(
        self, *args: Any, minimum: float | None = None, maximum: float | None = None, **kw: Any
    ) -> None:
        self.minimum, self.maximum = minimum, maximum
        kw.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "class": "input--short"}))
        super().__init__(*args, **kw)

    def prepare_value(self, value: Any) -> Any:
        return _shown(value) if isinstance(value, int | float) and not isinstance(value, bool) else value

    def clean(self, value: Any) -> float | None:  # type: ignore[override]
        text = super().clean(value)
        if text in (None, ""):
            return None
        try:
            number = parse_decimal(str(text))
        except ValueError:
            raise forms.ValidationError(f"Введите число, например 0,25 (получено «{text}»).") from None
        if self.minimum is not None and number < self.minimum:
            raise forms.ValidationError(f"Не меньше {_shown(self.minimum)}.")
        if self.maximum is not None and number > self.maximum:
            raise forms.ValidationError(f"Не больше {_shown(self.maximum)}.")
        return number


@dataclass
class Group:
    """One fieldset: its title, its simple fields and which tables it draws."""

    code: str
    title: str
    fields: list[Any] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)


def _field_for(p: Param, value: Any) -> forms.Field:
    default = display(p.path, _DEFAULTS[p.section][p.key])
    help_text = " ".join(
        x for x in (p.help, f"По умолчанию: {default}" + ("" if default.endswith(".") else ".")) if x
    )
    label = f"{p.label}, {p.unit}" if p.unit else p.label
    kw: dict[str, Any] = {"label": label, "help_text": help_text, "required": False}
    kind = type(_DEFAULTS[p.section][p.key])
    if p.choices:
        return forms.ChoiceField(choices=list(p.choices.items()), **kw | {"required": True})
    if p.path == "results.procedures":
        return forms.MultipleChoiceField(
            choices=list(PROCEDURE_LABELS.items()), widget=forms.CheckboxSelectMultiple, **kw
        )
    if p.path == "categories.risk_factors":
        return forms.MultipleChoiceField(
            choices=list(RISK_FACTORS.items()), widget=forms.CheckboxSelectMultiple, **kw
        )
    if p.path == "categories.stable_categories":
        return forms.MultipleChoiceField(
            choices=list(CATEGORY_LABELS.items()), widget=forms.CheckboxSelectMultiple, **kw
        )
    if p.path in ("results.lower_is_better", "data.validity_column"):
        return forms.CharField(max_length=300, **kw)
    if kind is bool:
        return forms.BooleanField(**kw)
    if kind is int:
        lo, hi = _BOUNDS.get(p.path, (0, 10**6))
        return forms.IntegerField(
            min_value=lo, max_value=hi, widget=forms.NumberInput(attrs={"class": "input--short"}), **kw
        )
    return DecimalField(**kw)


def _initial(p: Param, value: Any) -> Any:
    if p.path == "results.lower_is_better":
        return ", ".join(value)
    if isinstance(value, list):
        return list(value)
    return value


def _texts(mapping: dict[str, float]) -> str:
    return "\n".join(f"{k} = {_shown(v)}" for k, v in mapping.items())


def _parse_texts(text: str, label: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, number = line.rpartition("=")
        if not sep or not key.strip():
            raise forms.ValidationError(
                f"{label}, строка {n}: ожидается «текст = число», получено «{line.strip()}»."
            )
        try:
            out[key.strip()] = parse_decimal(number)
        except ValueError:
            raise forms.ValidationError(
                f"{label}, строка {n}: после «=» нужно число, получено «{number.strip()}»."
            ) from None
    return out


class MethodologyForm(forms.Form):
    """Every identification parameter; ``variables``: context variables present in the data (shown as rows)."""

    EXTRA_VARIABLES = 2

    def __init__(
        self, data: Any = None, *, current: IdentificationConfig, variables: Iterable[str] = (), **kw: Any
    ) -> None:
        super().__init__(data, **kw)
        mapping = current.to_mapping()
        self.current = mapping
        for p in PARAMS:
            if p.path in _TABLES:
                continue
            name = p.path.replace(".", "__")
            self.fields[name] = _field_for(p, mapping[p.section][p.key])
            self.initial[name] = _initial(p, mapping[p.section][p.key])
        self._statistics(mapping)
        self._variables(mapping, variables)
        self._ranges(mapping)

    # --- compound parameters -------------------------------------------------------------------------------------

    def _statistics(self, mapping: dict[str, Any]) -> None:
        used = mapping["results"]["statistics"]
        defaults = dict(_DEFAULTS["results"]["statistics"])
        self.statistic_rows = []
        for code, label in STATISTIC_LABELS.items():
            sign = used.get(code, defaults.get(code, 1))
            self.fields[f"stat__{code}__use"] = forms.BooleanField(required=False, label=label)
            self.fields[f"stat__{code}__sign"] = forms.ChoiceField(
                choices=[("1", "больше — лучше"), ("-1", "больше — хуже")], label=f"{label}: направление"
            )
            self.initial[f"stat__{code}__use"] = code in used
            self.initial[f"stat__{code}__sign"] = str(sign)
            self.statistic_rows.append(
                {
                    "label": label,
                    "use": f"stat__{code}__use",
                    "sign": f"stat__{code}__sign",
                    "default": ("да" if code in defaults else "нет")
                    + (
                        f", {'больше — лучше' if defaults[code] > 0 else 'больше — хуже'}"
                        if code in defaults
                        else ""
                    ),
                }
            )

    def _variables(self, mapping: dict[str, Any], present: Iterable[str]) -> None:
        configured = mapping["context"]["variables"]
        ranges = mapping["data"]["context_ranges"]
        texts = mapping["data"]["context_text_values"]
        default_vars = _DEFAULTS["context"]["variables"]
        codes = list(CONTEXT_CATALOGUE)
        codes += sorted(c for c in set(present) | set(configured) | set(texts) if c not in codes)
        self.variable_rows = []
        for code in codes:
            self._variable_row(
                code, configured, ranges, texts, default_vars, custom=code not in CONTEXT_CATALOGUE
            )
        self.new_variable_rows = []
        for i in range(self.EXTRA_VARIABLES):
            prefix = f"newvar__{i}"
            self.fields[f"{prefix}__code"] = forms.CharField(
                required=False, max_length=63, label="Столбец новой переменной"
            )
            self.fields[f"{prefix}__dir"] = forms.ChoiceField(
                choices=DIRECTIONS, required=False, label="Направление"
            )
            self.new_variable_rows.append({"code": f"{prefix}__code", "dir": f"{prefix}__dir"})

    def _variable_row(
        self,
        code: str,
        configured: dict[str, int],
        ranges: dict[str, list[float]],
        texts: dict[str, dict[str, float]],
        default_vars: dict[str, int],
        *,
        custom: bool,
    ) -> None:
        prefix = f"var__{code}"
        item = CONTEXT_CATALOGUE.get(code)
        label = context_label(code)
        self.fields[f"{prefix}__use"] = forms.BooleanField(required=False, label=label)
        self.fields[f"{prefix}__dir"] = forms.ChoiceField(
            choices=DIRECTIONS, required=False, label="Направление"
        )
        low, high = (item.low, item.high) if item else (0.0, 100.0)
        self.fields[f"{prefix}__lo"] = DecimalField(required=False, label="от")
        self.fields[f"{prefix}__hi"] = DecimalField(required=False, label="до")
        self.fields[f"{prefix}__lo"].widget.attrs["placeholder"] = _shown(low)
        self.fields[f"{prefix}__hi"].widget.attrs["placeholder"] = _shown(high)
        self.fields[f"{prefix}__texts"] = forms.CharField(
            required=False, label="Текст → число", widget=forms.Textarea(attrs={"rows": 2, "cols": 18})
        )
        direction = configured.get(code, item.direction if item and item.direction else None)
        lo, hi = ranges.get(code, [None, None])
        self.initial |= {
            f"{prefix}__use": code in configured,
            f"{prefix}__dir": "" if direction is None else str(direction),
            f"{prefix}__lo": lo,
            f"{prefix}__hi": hi,
            f"{prefix}__texts": _texts(texts.get(code, {})),
        }
        catalogue_dir = {-1: "больше — неблагоприятнее", 1: "больше — благоприятнее"}.get(
            item.direction if item and item.direction else 0, "не известно — укажите"
        )
        self.variable_rows.append(
            {
                "code": code,
                "label": label,
                "custom": custom,
                "use": f"{prefix}__use",
                "dir": f"{prefix}__dir",
                "lo": f"{prefix}__lo",
                "hi": f"{prefix}__hi",
                "texts": f"{prefix}__texts",
                "default": ("в модели" if code in default_vars else "не в модели") + f"; {catalogue_dir}",
                "range": "от {} до {}".format(*map(_shown, (item.low, item.high))) if item else "от 0 до 100",
            }
        )

    def _ranges(self, mapping: dict[str, Any]) -> None:
        current = mapping["data"]["result_ranges"]
        defaults = {k: (lo, hi) for k, lo, hi in DEFAULT_RESULT_RANGES}
        keys = list(defaults) + sorted(k for k in current if k not in defaults)
        self.range_rows = []
        for i, key in enumerate([*keys, ""]):
            prefix = f"range__{i}"
            self.fields[f"{prefix}__key"] = forms.CharField(required=False, max_length=120, label="Столбец")
            self.fields[f"{prefix}__lo"] = DecimalField(required=False, label="от")
            self.fields[f"{prefix}__hi"] = DecimalField(required=False, label="до")
            lo, hi = current.get(key, [None, None]) if key else (None, None)
            self.initial |= {f"{prefix}__key": key, f"{prefix}__lo": lo, f"{prefix}__hi": hi}
            fixed = key in defaults
            self.range_rows.append(
                {
                    "key": f"{prefix}__key",
                    "lo": f"{prefix}__lo",
                    "hi": f"{prefix}__hi",
                    "label": result_range_label(key) if key else "",
                    "fixed": fixed,
                    "default": "от {} до {}".format(*map(_shown, defaults[key])) if fixed else "нет",
                }
            )

    # --- layout ----------------------------------------------------------------------------------------------------

    @property
    def groups(self) -> list[Group]:
        out = {code: Group(code, title) for code, title in GROUPS.items()}
        for p in PARAMS:
            if p.path in _TABLES:
                table = {
                    "results.statistics": "statistics",
                    "context.variables": "variables",
                    "data.result_ranges": "result_ranges",
                }.get(p.path)
                if table:
                    out[p.group].tables.append(table)
                continue
            out[p.group].fields.append(self[p.path.replace(".", "__")])
        return list(out.values())

    def row_fields(self, rows: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
        return [{**r, **{k: self[r[k]] for k in keys}} for r in rows]

    @property
    def statistics_table(self) -> list[dict[str, Any]]:
        return self.row_fields(self.statistic_rows, "use", "sign")

    @property
    def variables_table(self) -> list[dict[str, Any]]:
        return self.row_fields(self.variable_rows, "use", "dir", "lo", "hi", "texts")

    @property
    def new_variables_table(self) -> list[dict[str, Any]]:
        return self.row_fields(self.new_variable_rows, "code", "dir")

    @property
    def ranges_table(self) -> list[dict[str, Any]]:
        return self.row_fields(self.range_rows, "key", "lo", "hi")

    # --- cleaning --------------------------------------------------------------------------------------------------

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        try:
            self.mapping = self._mapping(data)
            IdentificationConfig.from_mapping(self.mapping)
        except forms.ValidationError:
            raise
        except ConfigError as error:
            raise forms.ValidationError(russian_config_error(str(error))) from None
        return data

    def _mapping(self, data: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {s: {} for s in _DEFAULTS}
        for p in PARAMS:
            if p.path in _TABLES:
                continue
            value = data.get(p.path.replace(".", "__"))
            default = _DEFAULTS[p.section][p.key]
            if p.path == "results.lower_is_better":
                value = [v.strip() for v in (value or "").split(",") if v.strip()]
            elif p.path == "data.validity_column":
                value = (value or "").strip()
            elif p.path == "regression.within_variance":
                pass  # None = estimated
            elif isinstance(default, list):
                value = list(value or [])
            elif value is None:
                raise forms.ValidationError(
                    f"«{p.label}»: укажите значение (по умолчанию — {display(p.path, default)})."
                )
            out[p.section][p.key] = value
        out["results"]["statistics"] = {
            code: int(data[f"stat__{code}__sign"])
            for code in STATISTIC_LABELS
            if data.get(f"stat__{code}__use")
        }
        if not out["results"]["statistics"]:
            raise forms.ValidationError("«Показатели результатов»: отметьте хотя бы один показатель.")
        variables: dict[str, int] = {}
        ranges: dict[str, list[float]] = {}
        texts: dict[str, dict[str, float]] = {}
        no_direction = []
        for row in self.variable_rows:
            code, prefix = row["code"], f"var__{row['code']}"
            lo, hi = data.get(f"{prefix}__lo"), data.get(f"{prefix}__hi")
            if (lo is None) != (hi is None):
                raise forms.ValidationError(f"«{row['label']}»: укажите обе границы диапазона или ни одной.")
            if lo is not None:
                ranges[code] = [lo, hi]
            if data.get(f"{prefix}__texts"):
                texts[code] = _parse_texts(data[f"{prefix}__texts"], f"«{row['label']}», текст → число")
            if data.get(f"{prefix}__use"):
                if not data.get(f"{prefix}__dir"):
                    no_direction.append(row["label"])
                else:
                    variables[code] = int(data[f"{prefix}__dir"])
        for i in range(self.EXTRA_VARIABLES):
            code = (data.get(f"newvar__{i}__code") or "").strip()
            if not code:
                continue
            if not _CODE.match(code):
                raise forms.ValidationError(
                    f"Новая переменная «{code}»: имя столбца — латинские буквы, цифры и «_», как в файле контекста."
                )
            if not data.get(f"newvar__{i}__dir"):
                no_direction.append(code)
            else:
                variables[code] = int(data[f"newvar__{i}__dir"])
        if no_direction:
            raise forms.ValidationError(
                "Не указано направление переменных контекста: "
                + ", ".join(f"«{v}»" for v in no_direction)
                + ". Для каждой выберите «больше — неблагоприятнее» или «больше — благоприятнее»: иначе расчёт "
                "мог бы принять бедность за благополучие."
            )
        if not variables:
            raise forms.ValidationError("«Переменные контекста»: отметьте хотя бы одну переменную.")
        out["context"]["variables"] = variables
        out["data"]["context_ranges"] = ranges
        out["data"]["context_text_values"] = texts
        result_ranges: dict[str, list[float]] = {}
        for i, _ in enumerate(self.range_rows):
            key = (data.get(f"range__{i}__key") or "").strip()
            lo, hi = data.get(f"range__{i}__lo"), data.get(f"range__{i}__hi")
            if lo is None and hi is None:
                continue  # an empty row: no check of that column
            if not key or lo is None or hi is None:
                raise forms.ValidationError(
                    "«Допустимые значения результатов»: у строки нужны столбец и обе границы"
                    + (f" («{key}»)." if key else ".")
                )
            result_ranges[key] = [lo, hi]
        out["data"]["result_ranges"] = result_ranges
        return out


_KEY = re.compile(r"«([a-z_]+)\.([a-z_]+)(?:\.([^»]+))?»")


def russian_config_error(message: str) -> str:
    """A ConfigError's message with the parameter's Russian name instead of its key."""
    labels = {p.path: p.label for p in PARAMS}

    def name(match: re.Match[str]) -> str:
        path = f"{match.group(1)}.{match.group(2)}"
        label = labels.get(path)
        return f"«{label}»" if label else match.group(0)

    return _KEY.sub(name, message)
