"""The form of one recommendation rule: fields, rows of conditions and of examples, and the rule they make.

Conditions are rows «связка — показатель — сравнение — значение» posted as ``t-<i>-…`` (when the rule fires) and
``s-<i>-…`` (when a finding is significant); examples are rows «показатель — значение в примере — значение в
близком примере» posted as ``e-<i>-…``. Facts are chosen from lists with their Russian names; the text's
placeholders are written as names in braces. Nothing here is saved: ``portal.reports.services.save_rule`` saves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms

from opora.recommendations import FACTS, RecommendationRule, Value
from opora.rule_editing import (
    FACT_GROUPS,
    KIND_NAMES,
    LEVEL_VALUES,
    OPERATORS,
    Condition,
    conditions,
    expression,
    labels_to_placeholders,
    parse_value,
    placeholders_to_labels,
    value_text,
)

MAX_ROWS = 40
SCOPES = [("school", "Школа"), ("authority", "Муниципалитет в целом (управление образования)")]
IMPORTANCES = [(1, "высокая"), (2, "средняя"), (3, "низкая")]
JOINS = [("and", "и"), ("or", "или")]
BOOL_CHOICES = [("true", "да"), ("false", "нет")]
LEVEL_CHOICES = [("3", "высокий"), ("2", "средний"), ("1", "низкий")]


def choices_for(kind: str) -> list[tuple[str, str]]:
    """The values a condition on a fact of ``kind`` chooses from (empty: a number is typed)."""
    return BOOL_CHOICES if kind == "bool" else LEVEL_CHOICES if kind == "level" else []


class RuleForm(forms.Form):
    title = forms.CharField(label="Название", max_length=300)
    scope = forms.ChoiceField(
        label="Для кого",
        choices=SCOPES,
        help_text="Правило для школы читает данные школы; правило для муниципалитета — данные муниципалитета.",
    )
    importance = forms.TypedChoiceField(
        label="Важность",
        coerce=int,
        choices=IMPORTANCES,
        help_text="Рекомендации упорядочены по важности: сначала высокая.",
    )
    text = forms.CharField(
        label="Текст рекомендации",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=(
            "Значения показателей вставляются по названию в фигурных скобках, например {Лет подряд в категории "
            "ШНОР}: выберите показатель в списке под полем и нажмите «Вставить». Нет данных — в тексте будет "
            "«нет данных»."
        ),
    )
    measures = forms.MultipleChoiceField(
        label="Меры из библиотеки",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Меры библиотеки региона, на которые указывает рекомендация.",
    )
    evidence = forms.MultipleChoiceField(
        label="Обоснование: какие показатели привести",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Если ничего не выбрано, приводятся показатели из условий правила.",
    )
    comment = forms.CharField(
        label="Что изменено (для журнала)",
        required=False,
        max_length=200,
        help_text="Необязательно: без описания журнал перечислит изменённые поля.",
    )

    def __init__(self, *args: Any, measures: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["measures"].choices = [(c, f"{c}. {t}") for c, t in measures]  # type: ignore[attr-defined]
        self.fields["evidence"].choices = [(n, f.label) for n, f in FACTS.items()]  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(rule: RecommendationRule) -> dict[str, Any]:
        return {
            "title": rule.title,
            "scope": rule.scope,
            "importance": rule.importance,
            "text": placeholders_to_labels(rule.text),
            "measures": list(rule.measures),
            "evidence": list(rule.evidence),
        }


# ---------------------------------------------------------------------------------------------- rows


@dataclass
class Row:
    """One condition row as the form shows it (what was typed is kept, with its error)."""

    index: int
    join: str = "and"
    fact: str = ""
    op: str = ">="
    value: str = ""
    choice: str = ""
    error: str = ""

    @property
    def kind(self) -> str:
        return FACTS[self.fact].kind if self.fact in FACTS else "number"

    @property
    def choices(self) -> list[tuple[str, str]]:
        return choices_for(self.kind)


@dataclass
class ExampleRow:
    index: int
    fact: str = ""
    fires: str = ""
    near: str = ""
    error: str = ""

    @property
    def hint(self) -> str:
        return KIND_NAMES[FACTS[self.fact].kind] if self.fact in FACTS else ""


def rows_of(rule_rows: list[Condition]) -> list[Row]:
    """Form rows of a rule's condition."""
    out = []
    for i, c in enumerate(rule_rows):
        kind = FACTS[c.fact].kind if c.fact in FACTS else "number"
        choice = ""
        if kind == "bool":
            choice = "true" if c.value is True else "false"
        elif kind == "level":
            choice = str(int(float(c.value)))
        out.append(Row(i, c.join, c.fact, c.op, "" if choice else value_text(c.fact, c.value), choice))
    return out


def condition_rows(rule: RecommendationRule | None, which: str) -> list[Row]:
    if rule is None:
        return []
    expr = rule.trigger if which == "trigger" else rule.significant_if
    return rows_of(conditions(expr, rule.params))


def example_rows(rule: RecommendationRule | None) -> list[ExampleRow]:
    if rule is None:
        return []
    fires, near = rule.example.fires, rule.example.near_miss
    names = list(dict.fromkeys([*fires, *near]))
    return [
        ExampleRow(i, n, value_text(n, fires.get(n)), value_text(n, near.get(n))) for i, n in enumerate(names)
    ]


def _get(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key, "")
    return str(value).strip() if value is not None else ""


def read_conditions(data: Mapping[str, Any], prefix: str) -> tuple[list[Row], list[Condition]]:
    """The posted rows of a condition: rows as typed (errors attached) and the conditions when all are valid."""
    rows: list[Row] = []
    result: list[Condition] = []
    for i in range(MAX_ROWS):
        fact = _get(data, f"{prefix}-{i}-fact")
        if f"{prefix}-{i}-fact" not in data:
            continue
        row = Row(
            len(rows),
            _get(data, f"{prefix}-{i}-join") or "and",
            fact,
            _get(data, f"{prefix}-{i}-op") or ">=",
            _get(data, f"{prefix}-{i}-value"),
            _get(data, f"{prefix}-{i}-choice"),
        )
        if not fact:
            if row.value:
                row.error = "Выберите показатель."
                rows.append(row)
            continue
        rows.append(row)
        info = FACTS.get(fact)
        if info is None or info.kind == "text":
            row.error = "Выберите показатель из списка."
            continue
        if row.join not in ("and", "or"):
            row.join = "and"
        if row.op not in OPERATORS:
            row.error = "Выберите сравнение из списка."
            continue
        if info.kind == "bool" and row.op not in ("==", "!="):
            row.error = "«Да / нет» сравнивается только через «равно» или «не равно»."
            continue
        typed = {"true": "да", "false": "нет"}.get(row.choice, row.choice) if row.choices else row.value
        try:
            value = parse_value(fact, typed)
        except ValueError as exc:
            row.error = str(exc)
            continue
        if value is None:
            row.error = "Укажите значение."
            continue
        if info.kind == "level" and value not in LEVEL_VALUES.values():
            row.error = "Уровень риска — высокий, средний или низкий."
            continue
        result.append(Condition(row.join if result else "and", fact, row.op, value))  # type: ignore[arg-type]
    return rows, result if all(not r.error for r in rows) else []


def read_examples(data: Mapping[str, Any]) -> tuple[list[ExampleRow], dict[str, Value], dict[str, Value]]:
    """The posted example rows and the two examples (fact → value) when every typed value fits its fact."""
    rows: list[ExampleRow] = []
    fires: dict[str, Value] = {}
    near: dict[str, Value] = {}
    for i in range(MAX_ROWS):
        if f"e-{i}-fact" not in data:
            continue
        row = ExampleRow(
            len(rows), _get(data, f"e-{i}-fact"), _get(data, f"e-{i}-fires"), _get(data, f"e-{i}-near")
        )
        if not row.fact:
            if row.fires or row.near:
                row.error = "Выберите показатель."
                rows.append(row)
            continue
        rows.append(row)
        if row.fact not in FACTS:
            row.error = "Выберите показатель из списка."
            continue
        if row.fact in fires or row.fact in near:
            row.error = "Этот показатель уже есть в примерах выше."
            continue
        try:
            a = _example_value(row.fact, row.fires)
            b = _example_value(row.fact, row.near)
        except ValueError as exc:
            row.error = str(exc)
            continue
        if a is not None:
            fires[row.fact] = a
        if b is not None:
            near[row.fact] = b
    return rows, fires, near


def _example_value(fact: str, typed: str) -> Value:
    if FACTS[fact].kind == "text":
        return " ".join(typed.split()) or None
    return parse_value(fact, typed)


@dataclass
class Editor:
    """Everything the rule page shows: the form, the rows, errors and the rule they make (when valid)."""

    form: RuleForm
    trigger: list[Row]
    significance: list[Row]
    examples: list[ExampleRow]
    errors: list[str] = field(default_factory=list)
    raw: dict[str, Any] | None = None


def from_post(data: Mapping[str, Any], measures: list[tuple[str, str]]) -> Editor:
    """Read a posted rule form; ``raw`` is the rule's mapping (for ``build_rule``) when nothing is wrong."""
    form = RuleForm(data, measures=measures)
    trigger_rows, trigger = read_conditions(data, "t")
    sig_rows, significance = read_conditions(data, "s")
    example_rows_, fires, near = read_examples(data)
    editor = Editor(form, trigger_rows, sig_rows, example_rows_)
    valid = form.is_valid()
    if (
        any(r.error for r in trigger_rows)
        or any(r.error for r in sig_rows)
        or any(r.error for r in example_rows_)
    ):
        editor.errors.append("Исправьте строки, отмеченные ниже.")
        valid = False
    if not trigger and not any(r.error for r in trigger_rows):
        editor.errors.append("Добавьте хотя бы одно условие, при котором правило срабатывает.")
        valid = False
    if not fires and not any(r.error for r in example_rows_):
        editor.errors.append(
            "Заполните пример: значения показателей, при которых правило должно срабатывать."
        )
        valid = False
    if not near and not any(r.error for r in example_rows_):
        editor.errors.append(
            "Заполните близкий пример: значения, при которых правило срабатывать не должно (например, на шаг "
            "от порога)."
        )
        valid = False
    if not valid:
        return editor
    data_ = form.cleaned_data
    text, unknown = labels_to_placeholders(data_["text"])
    if unknown:
        form.add_error(
            "text",
            "В тексте неизвестные показатели: "
            + ", ".join(f"{{{u}}}" for u in unknown)
            + ". Вставьте показатель из списка под полем.",
        )
        return editor
    evidence = list(data_["evidence"]) or [c.fact for c in (*trigger, *significance)]
    raw: dict[str, Any] = {
        "title": data_["title"].strip(),
        "scope": data_["scope"],
        "trigger": expression(trigger),
        "importance": data_["importance"],
        "text": " ".join(text.split()),
        "measures": list(data_["measures"]),
        "evidence": list(dict.fromkeys(evidence)),
        "example": {"fires": fires, "near_miss": near},
    }
    if significance:
        raw["significant_if"] = expression(significance)
    editor.raw = raw
    return editor


def from_rule(rule: RecommendationRule | None, measures: list[tuple[str, str]]) -> Editor:
    """The form of a saved rule (``None``: an empty form for a new rule)."""
    initial = RuleForm.initial_for(rule) if rule else {"scope": "school", "importance": 2}
    return Editor(
        RuleForm(initial=initial, measures=measures),
        condition_rows(rule, "trigger"),
        condition_rows(rule, "significant_if"),
        example_rows(rule),
    )


def fact_options(comparable: bool) -> list[dict[str, Any]]:
    """The facts of the choice lists by group: name, Russian label, kind and scope (for the page's script)."""
    return [
        {
            "group": group,
            "scope": FACTS[names[0]].scope,
            "facts": [
                {"name": n, "label": FACTS[n].label, "kind": FACTS[n].kind}
                for n in names
                if not (comparable and FACTS[n].kind == "text")
            ],
        }
        for group, names in FACT_GROUPS.items()
    ]


def padded(rows: list[Any], make: Any, extra: int) -> list[Any]:
    """The rows and ``extra`` blank ones after them (indexes continue), so a new condition can be typed in."""
    return [*rows, *(make(len(rows) + i) for i in range(extra))]
