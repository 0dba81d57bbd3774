"""Recommendation rules as a methodist edits them: in Russian words, row by row, with their examples checked.

A rule's condition is a list of rows «показатель — сравнение — порог», joined by «и» / «или» («и» binds tighter,
as in the expression grammar of :mod:`opora.measures_catalogue`). This module turns a rule into such rows and back,
describes conditions in Russian («Лет подряд в категории ШНОР ≥ 2»), writes the placeholders of a text as the
facts' Russian names («{Лет подряд в категории ШНОР}») and back, checks a rule's example and near miss showing
what happened, and writes a rule book as YAML with Russian comments (the export for power users).

>>> from opora.measures_catalogue import parse_rule
>>> rows = conditions(parse_rule("cat_low_results == true and years_low_results >= n"), {"n": 2})
>>> [(r.join, r.fact, r.op, r.value) for r in rows]
[('and', 'cat_low_results', '==', True), ('and', 'years_low_results', '>=', 2.0)]
>>> expression(rows)
'cat_low_results == true and years_low_results >= 2'
>>> describe(rows)
'ШНОР по расчёту идентификации = да и лет подряд в категории ШНОР ≥ 2'
"""

from __future__ import annotations

import re
import string
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import yaml

from opora.measures_catalogue import LEVEL_NAMES, RuleExpr
from opora.recommendations import (
    FACTS,
    SCOPE_NAMES,
    RecommendationRule,
    RuleBook,
    Value,
    evaluate,
    format_fact,
    recommend,
)

__all__ = [
    "FACT_GROUPS",
    "KIND_NAMES",
    "LEVEL_VALUES",
    "OPERATORS",
    "Condition",
    "ExampleOutcome",
    "check_examples",
    "conditions",
    "describe",
    "dump_rules",
    "expression",
    "labels_to_placeholders",
    "next_code",
    "parse_value",
    "placeholders_to_labels",
    "rule_data",
    "short_label",
    "value_text",
]

#: Comparisons as a methodist reads them.
OPERATORS: Final = {
    ">=": "≥ не меньше",
    ">": "> больше",
    "<=": "≤ не больше",
    "<": "< меньше",
    "==": "= равно",
    "!=": "≠ не равно",
}
_SIGNS: Final = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠"}
#: Risk levels as the numbers rules compare (3 высокий, 2 средний, 1 низкий).
LEVEL_VALUES: Final = {"high": 3.0, "medium": 2.0, "low": 1.0}
KIND_NAMES: Final = {
    "bool": "да или нет",
    "number": "число",
    "pct": "процент",
    "count": "количество",
    "pp": "процентные пункты",
    "level": "уровень риска: 3 высокий, 2 средний, 1 низкий",
    "text": "текст: только для подстановки в текст рекомендации",
}

_SHORT: Final = {
    "cat_low_results": "ШНОР по расчёту идентификации",
    "cat_adverse_context": "ШНСУ по расчёту идентификации",
    "cat_at_risk": "в зоне риска снижения результатов",
    "cat_resilient": "резильентная школа",
}


def short_label(fact: str) -> str:
    """The fact's name inside a sentence: short for the categories, the label otherwise."""
    return _SHORT.get(fact, FACTS[fact].label if fact in FACTS else fact)


def _group(name: str) -> str:
    fact = FACTS[name]
    if fact.scope == "authority":
        return "Муниципалитет в целом"
    if name.startswith("cat_") or name in ("years_low_results", "std_residual", "results_index"):
        return "Идентификация"
    if name.startswith("risk_"):
        return "Рисковый профиль школы"
    if name in ("staff_vacancies", "internet_mbps", "share_category_first_highest", "share_trained_3y"):
        return "Данные о факторах риска"
    if name == "equipment_complete":
        return "Данные о факторах риска"
    if "dynamics" in name or name == "worst_change_pp":
        return "Динамика результатов"
    if name.startswith("overdue"):
        return "Дорожная карта"
    return "Мониторинг и программы"


def _groups() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name in FACTS:
        out.setdefault(_group(name), []).append(name)
    return out


#: The facts by group, in the order of :data:`opora.recommendations.FACTS` (the choice lists of a rule form).
FACT_GROUPS: Final = _groups()


# ------------------------------------------------------------------------------------------------- conditions


@dataclass(frozen=True, slots=True)
class Condition:
    """One row of a condition: ``join`` links it to the row before («and» / «or»; ignored for the first row)."""

    join: Literal["and", "or"]
    fact: str
    op: str
    value: float | bool


def conditions(expr: RuleExpr | None, params: Mapping[str, float] | None = None) -> list[Condition]:
    """The rows of an expression, a named threshold replaced by its value."""
    if expr is None:
        return []
    rows: list[Condition] = []
    for i, clause in enumerate(expr.clauses):
        for j, comp in enumerate(clause):
            value = (params or {}).get(comp.param, 0.0) if comp.param is not None else comp.value
            join: Literal["and", "or"] = "or" if i > 0 and j == 0 else "and"
            if value is None:
                value = 0.0
            rows.append(
                Condition(join, comp.name, comp.op, value if isinstance(value, bool) else float(value))
            )
    return rows


def _literal(value: float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def expression(rows: Sequence[Condition]) -> str:
    """The expression text of rows (thresholds as numbers); empty for no rows."""
    parts: list[str] = []
    for i, row in enumerate(rows):
        if i:
            parts.append(row.join)
        parts.append(f"{row.fact} {row.op} {_literal(row.value)}")
    return " ".join(parts)


def value_text(fact: str, value: Value) -> str:
    """A threshold or an example value in Russian: «да», «высокий», «2», «−1,5»."""
    if value is None:
        return ""
    kind = FACTS[fact].kind if fact in FACTS else "number"
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, str):
        return value
    if kind == "level":
        words = {v: LEVEL_NAMES[k] for k, v in LEVEL_VALUES.items()}
        return words.get(float(value), _number(value))
    return _number(value)


def _number(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text.replace(".", ",").replace("-", "−")


def describe(rows: Sequence[Condition] | RuleExpr, params: Mapping[str, float] | None = None) -> str:
    """A condition in Russian words: «ШНОР по расчёту идентификации = да и лет подряд в категории ШНОР ≥ 2»."""
    if isinstance(rows, RuleExpr):
        rows = conditions(rows, params)
    parts: list[str] = []
    for i, row in enumerate(rows):
        label = short_label(row.fact)
        if i:
            parts.append("и" if row.join == "and" else "или")
            label = label if label[1:2].isupper() else label[:1].lower() + label[1:]  # «ШНОР…» stays
        else:
            label = label[:1].upper() + label[1:]
        parts.append(f"{label} {_SIGNS[row.op]} {value_text(row.fact, row.value)}")
    return " ".join(parts)


_YES: Final = {"да", "true", "истина", "1"}
_NO: Final = {"нет", "false", "ложь", "0"}


def parse_value(fact: str, text: str) -> float | bool | None:
    """A value typed for ``fact`` («да», «высокий», «−1,5», «95 %»); None when empty; ``ValueError`` (Russian)
    when it does not fit the fact."""
    raw = " ".join(str(text).split()).strip()
    if not raw:
        return None
    info = FACTS[fact]
    low = raw.lower()
    if info.kind == "bool":
        if low in _YES:
            return True
        if low in _NO:
            return False
        raise ValueError(f"«{info.label}»: ожидается «да» или «нет», а не «{raw}».")
    if info.kind == "text":
        raise ValueError(f"«{info.label}» — текст, его нельзя сравнивать.")
    if info.kind == "level":
        for code, number in LEVEL_VALUES.items():
            if low == LEVEL_NAMES[code]:
                return number
    cleaned = low.replace("\u2212", "-").replace(",", ".").replace("%", "").replace("п.п.", "").strip()
    cleaned = cleaned.replace(" ", "").replace("\u00a0", "")
    try:
        number = float(cleaned)
    except ValueError:
        expected = "«высокий», «средний», «низкий» или число 1–3" if info.kind == "level" else "число"
        raise ValueError(f"«{info.label}»: ожидается {expected}, а не «{raw}».") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"«{info.label}»: ожидается число, а не «{raw}».")
    return number


# ------------------------------------------------------------------------------------------------- placeholders

_PLACEHOLDER: Final = re.compile(r"\{([^{}]+)\}")
_BY_LABEL: Final = {f.label.casefold(): name for name, f in FACTS.items()}


def placeholders_to_labels(text: str) -> str:
    """A stored template as the form shows it: ``{std_residual}`` → ``{Стандартизованный остаток (…)}``."""
    return _PLACEHOLDER.sub(
        lambda m: "{" + FACTS[m.group(1)].label + "}" if m.group(1) in FACTS else m.group(0), text
    )


def labels_to_placeholders(text: str) -> tuple[str, list[str]]:
    """The form's text back as a template, and the placeholders that name no fact (to refuse them)."""
    unknown: list[str] = []

    def swap(match: re.Match[str]) -> str:
        inner = " ".join(match.group(1).split())
        if inner in FACTS:
            return "{" + inner + "}"
        name = _BY_LABEL.get(inner.casefold())
        if name is None:
            unknown.append(inner)
            return match.group(0)
        return "{" + name + "}"

    return _PLACEHOLDER.sub(swap, text), unknown


# ------------------------------------------------------------------------------------------------- examples


@dataclass(frozen=True, slots=True)
class ExampleOutcome:
    """How a rule behaved on one of its examples."""

    kind: Literal["fires", "near_miss"]
    facts: Mapping[str, Value]
    fired: bool
    significant: bool
    conditions: tuple[str, ...]
    text: str

    @property
    def expected(self) -> bool:
        return self.kind == "fires"

    @property
    def ok(self) -> bool:
        return self.fired == self.expected

    @property
    def title(self) -> str:
        return (
            "Пример, на котором правило должно срабатывать"
            if self.expected
            else ("Близкий пример, на котором правило не должно срабатывать")
        )

    @property
    def verdict(self) -> str:
        if self.fired:
            where = "значимая находка" if self.significant else "находка не значимая, видна по «показать все»"
            said = f"правило срабатывает ({where})"
        else:
            said = "правило не срабатывает"
        return said + (" — как и должно" if self.ok else " — а должно наоборот")

    @property
    def values(self) -> list[tuple[str, str]]:
        """The example's facts as (label, value) in Russian."""
        return [(FACTS[n].label, format_fact(n, v)) for n, v in self.facts.items() if n in FACTS]


def check_examples(rule: RecommendationRule) -> tuple[ExampleOutcome, ExampleOutcome]:
    """The rule on its example and on its near miss: fired or not, the conditions in words, the text it gives."""
    book = RuleBook((rule,))
    out: list[ExampleOutcome] = []
    for kind, facts in (("fires", rule.example.fires), ("near_miss", rule.example.near_miss)):
        fired, described = evaluate(rule.trigger, facts, rule.params)
        found = recommend(facts, book, scope=rule.scope, only_significant=False)
        significant = bool(found and found[0].significant)
        if rule.significant_if is not None:
            _ok, more = evaluate(rule.significant_if, facts, rule.params)
            described += [c for c in more if c not in described]
        out.append(
            ExampleOutcome(
                kind,  # type: ignore[arg-type]
                facts,
                fired,
                significant,
                tuple(described),
                found[0].text if found else "",
            )
        )
    return out[0], out[1]


# ------------------------------------------------------------------------------------------------- YAML


def next_code(codes: Iterable[str]) -> str:
    """The next free rule code: R36 after R35 (R100 after R99)."""
    numbers = [int(c[1:]) for c in codes if re.fullmatch(r"R\d{2,3}", c)]
    return f"R{(max(numbers, default=0) + 1):02d}"


def rule_data(rule: RecommendationRule) -> dict[str, Any]:
    """A rule as the mapping of the rules file (the inverse of loading it)."""
    data: dict[str, Any] = {"code": rule.code, "title": rule.title}
    if rule.scope != "school":
        data["scope"] = rule.scope
    data["trigger"] = rule.trigger.text
    if rule.significant_if is not None:
        data["significant_if"] = rule.significant_if.text
    if rule.params:
        data["params"] = {k: _plain(v) for k, v in rule.params.items()}
    data["importance"] = rule.importance
    data["text"] = rule.text
    data["measures"] = list(rule.measures)
    if rule.evidence:
        data["evidence"] = list(rule.evidence)
    data["example"] = {
        "fires": {k: _plain(v) for k, v in rule.example.fires.items()},
        "near_miss": {k: _plain(v) for k, v in rule.example.near_miss.items()},
    }
    if rule.source:
        data["source"] = rule.source
    return data


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class _Dumper(yaml.SafeDumper):
    """Long texts as folded blocks, short lists and mappings on one line."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if len(value) > 80 and "\n" not in value and not value.startswith(" ") and not value.endswith(" "):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=">")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)


def _header() -> str:
    lines = [
        "# Правила адресных рекомендаций (Опора): выгрузка для опытных пользователей.",
        "# Правила удобнее править в формах на странице «Правила рекомендаций»; этот файл можно изменить и загрузить",
        "# обратно там же. Файл проверяется целиком: при любой ошибке ничего не сохраняется.",
        "#",
        "# Поля правила:",
        "#   code            код правила (R01, R02, …); не меняйте его: на код ссылаются отчёты;",
        "#   title           название;",
        "#   scope           для кого: school — школа (по умолчанию), authority — муниципалитет в целом;",
        "#   trigger         условие срабатывания: «показатель сравнение значение», условия соединяются and (и)",
        "#                   и or (или), and связывает сильнее; сравнения: < <= > >= == !=; да/нет — true/false;",
        "#                   уровень риска — число: 3 высокий, 2 средний, 1 низкий; нет данных — условие не выполнено;",
        "#   significant_if  условие значимости (необязательно): по умолчанию показываются только значимые находки;",
        "#   params          именованные пороги, на которые ссылаются условия (необязательно);",
        "#   importance      важность: 1 высокая, 2 средняя, 3 низкая;",
        "#   text            текст рекомендации; {показатель} заменяется значением («12,5 %», «нет данных»);",
        "#   measures        коды мер из библиотеки мер региона;",
        "#   evidence        показатели, которые приводятся в обосновании;",
        "#   example         fires — пример, на котором правило срабатывает; near_miss — близкий пример, на котором",
        "#                   не срабатывает (оба проверяются при загрузке).",
        "# Результаты ВПР никогда не используются для оценки отдельных учителей: правила не читают данные учителей.",
        "#",
        "# Показатели (имя в правилах — что означает — вид значения):",
    ]
    for scope, title in (("school", "школа"), ("authority", "муниципалитет в целом")):
        lines.append(f"#   Уровень «{title}»:")
        for name, fact in FACTS.items():
            if fact.scope == scope:
                lines.append(f"#     {name} — {fact.label} — {KIND_NAMES[fact.kind]}")
    return "\n".join(lines) + "\n\n"


def dump_rules(rules: Sequence[Mapping[str, Any]]) -> str:
    """The rules file for the mappings ``rules`` (school rules first, then the authority's), with Russian
    comments: what each field means and the list of facts. Loading the text gives the same rules back."""
    body: list[str] = []
    for scope in ("school", "authority"):
        chosen = [dict(r) for r in rules if r.get("scope", "school") == scope]
        if not chosen:
            continue
        body.append(f"  # ------------------------------------------------ {SCOPE_NAMES[scope]}\n")
        for raw in chosen:
            chunk = yaml.dump(
                [raw], Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=110, default_flow_style=None
            )
            body.append("".join("  " + line if line.strip() else line for line in chunk.splitlines(True)))
            body.append("\n")
    return _header() + "rules:\n" + "".join(body).rstrip("\n") + "\n"


def used_facts(rule: RecommendationRule) -> list[str]:
    """Facts a rule reads (conditions, text, evidence, examples), in the order a reader meets them."""
    names: list[str] = [*rule.trigger.names, *(rule.significant_if.names if rule.significant_if else ())]
    names += [f for _, f, _, _ in string.Formatter().parse(rule.text) if f]
    names += [*rule.evidence, *rule.example.fires, *rule.example.near_miss]
    return [n for n in dict.fromkeys(names) if n in FACTS]


def facts_of(scope: str, *, comparable: bool = False) -> Collection[str]:
    """Facts of a scope («school» / «authority»); ``comparable`` leaves the text facts out."""
    return [n for n, f in FACTS.items() if f.scope == scope and not (comparable and f.kind == "text")]
