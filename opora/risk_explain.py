"""Risk-profile levels in Russian sentences, with the numbers: what the data say and which threshold decided.

A factor's level is computed by its ``data_rule`` (``opora/data/risk_factors.yaml``: comparisons ``input OP value``
joined by ``and``/``or``, thresholds named in ``params``; parsed by :func:`opora.measures_catalogue.parse_rule`).
This module reads the same parsed rule and says it in words a school director reads without training:

>>> from opora.measures_catalogue import builtin_library
>>> rule = builtin_library().risk_factors["low_equipment"].data_rule
>>> explain(rule, {"equipment_complete": False, "internet_mbps": 20.0}).text
'Высокий уровень: не все учебные предметы обеспечены оборудованием по ООП; скорость Интернета 20 Мбит/с — ниже порога 50 Мбит/с.'
>>> describe_rule(rule)
'Высокий уровень — если не все учебные предметы обеспечены оборудованием по ООП и скорость Интернета ниже 50 Мбит/с; средний — если не все учебные предметы обеспечены оборудованием по ООП или скорость Интернета ниже 50 Мбит/с; иначе низкий.'

Never an expression, a variable or a parameter name: every input the grammar may read has its Russian words in
:data:`INPUTS` (a test checks that every input of the catalogue has them). The level :func:`explain` gives is the
level :func:`opora.measures_catalogue.evaluate_data_rule` gives (tested on random data): the words follow the rule,
never a copy of it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from opora.measures_catalogue import MUNICIPAL_INPUTS, Comparison, DataRule, RuleExpr

__all__ = ["INPUTS", "LEVEL_WORDS", "Explanation", "InputWords", "describe_rule", "explain", "input_fact"]

LEVEL_WORDS: Final = {"high": "высокий", "medium": "средний", "low": "низкий"}


@dataclass(frozen=True)
class InputWords:
    """How one input of the rules is said.

    ``subject`` names the quantity in a condition («скорость Интернета ниже 50 Мбит/с»); ``fact`` says its value
    (``{value}`` is replaced); a ``flag`` input has the two sentences ``yes``/``no`` instead. ``count`` inputs are
    compared with «больше/меньше», measured ones with «выше/ниже».
    """

    subject: str
    kind: Literal["measure", "count", "flag"]
    fact: str = ""
    unit: str = ""
    yes: str = ""
    no: str = ""


#: The Russian words of every input a data rule may read (``opora.measures_catalogue.MUNICIPAL_INPUTS``).
INPUTS: Final[Mapping[str, InputWords]] = {
    "staff_vacancies": InputWords("число вакансий педагогов", "count", fact="вакансий: {value}"),
    "internet_mbps": InputWords(
        "скорость Интернета", "measure", fact="скорость Интернета {value}", unit="Мбит/с"
    ),
    "share_category_first_highest": InputWords(
        "доля педагогов с первой и высшей категориями",
        "measure",
        fact="доля педагогов с первой и высшей категориями {value}",
        unit="%",
    ),
    "share_trained_3y": InputWords(
        "доля педагогов, прошедших повышение квалификации за 3 года,",
        "measure",
        fact="доля педагогов, прошедших повышение квалификации за 3 года, {value}",
        unit="%",
    ),
    "equipment_complete": InputWords(
        "обеспеченность учебных предметов оборудованием по ООП",
        "flag",
        yes="все учебные предметы обеспечены оборудованием по ООП",
        no="не все учебные предметы обеспечены оборудованием по ООП",
    ),
}
assert set(INPUTS) == set(MUNICIPAL_INPUTS), "every input of the rule grammar needs its Russian words"

#: Relation words: (the condition holds, for measured quantities / for counts).
_RELATION: Final = {
    "<": ("ниже", "меньше"),
    "<=": ("не выше", "не больше"),
    ">": ("выше", "больше"),
    ">=": ("не ниже", "не меньше"),
    "==": ("равна", "равно"),
    "!=": ("не равна", "не равно"),
}
_NEGATION: Final = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}


def _number(value: float) -> str:
    """20.0 → «20», 72.55 → «72,6», −1 → «−1»."""
    text = f"{abs(value):.1f}".rstrip("0").rstrip(".").replace(".", ",")
    return ("−" + text) if value < 0 and text != "0" else text


def _with_unit(value: float, unit: str) -> str:
    return f"{_number(value)} {unit}" if unit else _number(value)


def input_fact(name: str, value: float | bool | None) -> str:
    """The value of one input as a phrase: «скорость Интернета 20 Мбит/с», «вакансий: 0», «не все … по ООП»."""
    words = INPUTS[name]
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return f"{words.subject.rstrip(',')}: нет данных"
    if words.kind == "flag":
        return words.yes if bool(value) else words.no
    return words.fact.format(value=_with_unit(float(value), words.unit))


def _threshold(comp: Comparison, params: Mapping[str, float]) -> float | bool:
    if comp.param is not None:
        return params[comp.param]
    assert comp.value is not None
    return comp.value


def _flag_sentence(words: InputWords, op: str, value: bool) -> str:
    wanted = value if op == "==" else not value
    return words.yes if wanted else words.no


def _condition(comp: Comparison, params: Mapping[str, float]) -> str:
    """A comparison of the rule as a condition: «скорость Интернета ниже 50 Мбит/с»."""
    words = INPUTS[comp.name]
    limit = _threshold(comp, params)
    if words.kind == "flag" or isinstance(limit, bool):
        return _flag_sentence(words, comp.op, bool(limit))
    relation = _RELATION[comp.op][words.kind == "count"]
    return f"{words.subject} {relation} {_with_unit(float(limit), words.unit)}"


def _holds(left: float, op: str, right: float) -> bool:
    return {
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
        "==": left == right,
        "!=": left != right,
    }[op]


def _observed(comp: Comparison, value: float | bool, params: Mapping[str, float]) -> tuple[bool, str]:
    """Whether the comparison holds for ``value``, and the fact with its relation to the threshold:
    «скорость Интернета 20 Мбит/с — ниже порога 50 Мбит/с», «вакансий: 0»."""
    words = INPUTS[comp.name]
    limit = _threshold(comp, params)
    if words.kind == "flag" or isinstance(limit, bool) or isinstance(value, bool):
        holds = _holds(float(bool(value)), comp.op, float(bool(limit)))
        return holds, input_fact(comp.name, value)
    holds = _holds(float(value), comp.op, float(limit))
    if not holds and words.kind == "count" and comp.op in (">", ">=") and float(value) <= 0:
        return holds, input_fact(comp.name, value)  # «вакансий: 0» says it all
    op = comp.op if holds else _NEGATION[comp.op]
    relation = _RELATION[op][words.kind == "count"]
    return holds, f"{input_fact(comp.name, value)} — {relation} порога {_with_unit(float(limit), words.unit)}"


def _clause_words(clause: Sequence[Comparison], params: Mapping[str, float]) -> str:
    return " и ".join(_condition(c, params) for c in clause)


def _expr_words(expr: RuleExpr, params: Mapping[str, float]) -> str:
    return " или ".join(_clause_words(clause, params) for clause in expr.clauses)


def describe_rule(rule: DataRule, params: Mapping[str, float] | None = None) -> str:
    """The rule in words: when the level is high, when medium, otherwise low (with the thresholds in force)."""
    merged = {**rule.params, **(params or {})}
    text = f"Высокий уровень — если {_expr_words(rule.high_if, merged)}"
    if rule.medium_if is not None:
        text += f"; средний — если {_expr_words(rule.medium_if, merged)}; иначе низкий."
    else:
        text += "; иначе низкий."
    return text


@dataclass(frozen=True)
class Explanation:
    """The level a rule gives (``None`` when data are missing) and the Russian sentence that explains it."""

    level: str | None
    text: str


def _missing(rule: DataRule, inputs: Mapping[str, float | bool | None]) -> list[str]:
    out = []
    for name in rule.inputs:
        value = inputs.get(name)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            out.append(name)
    return out


def _satisfied(
    expr: RuleExpr, inputs: Mapping[str, float | bool], params: Mapping[str, float]
) -> tuple[tuple[Comparison, ...], list[str]] | None:
    """The first clause of ``expr`` that holds and its facts (the reasons), or None when none holds."""
    for clause in expr.clauses:
        observed = [_observed(c, inputs[c.name], params) for c in clause]
        if all(holds for holds, _ in observed):
            return clause, list(dict.fromkeys(text for _, text in observed))
    return None


def _other_facts(
    rule: DataRule, inputs: Mapping[str, float | bool], named: Sequence[Comparison]
) -> list[str]:
    said = {c.name for c in named}
    return [input_fact(name, inputs[name]) for name in rule.inputs if name not in said]


def explain(
    rule: DataRule,
    inputs: Mapping[str, float | bool | None],
    params: Mapping[str, float] | None = None,
) -> Explanation:
    """The level of ``rule`` for the school's ``inputs`` and why, in one Russian paragraph.

    >>> from opora.measures_catalogue import builtin_library
    >>> rule = builtin_library().risk_factors["teacher_shortage"].data_rule
    >>> explain(rule, {"staff_vacancies": 0}).text
    'Низкий уровень: вакансий: 0.'
    >>> explain(rule, {"staff_vacancies": 1}).text
    'Средний уровень: вакансий: 1 — больше порога 0. Высокий уровень — если число вакансий педагогов не меньше 2.'
    >>> explain(rule, {}).text
    'Уровень не определён: нет данных — число вакансий педагогов.'
    """
    merged = {**rule.params, **(params or {})}
    missing = _missing(rule, inputs)
    if missing:
        names = ", ".join(INPUTS[name].subject.rstrip(",") for name in missing)
        return Explanation(None, f"Уровень не определён: нет данных — {names}.")
    known: dict[str, float | bool] = {name: v for name in rule.inputs if (v := inputs[name]) is not None}
    found = _satisfied(rule.high_if, known, merged)
    if found is not None:
        clause, reasons = found
        return Explanation(
            "high", f"Высокий уровень: {'; '.join(reasons + _other_facts(rule, known, clause))}."
        )
    found = _satisfied(rule.medium_if, known, merged) if rule.medium_if is not None else None
    if found is not None:
        clause, reasons = found
        return Explanation(
            "medium",
            f"Средний уровень: {'; '.join(reasons + _other_facts(rule, known, clause))}. "
            f"Высокий уровень — если {_expr_words(rule.high_if, merged)}.",
        )
    # Low: no condition holds; say where each input stands against the weakest condition's thresholds.
    weakest = rule.medium_if if rule.medium_if is not None else rule.high_if
    comparisons = list(dict.fromkeys(weakest.comparisons))
    facts = list(dict.fromkeys(_observed(c, known[c.name], merged)[1] for c in comparisons))
    facts += _other_facts(rule, known, comparisons)
    return Explanation("low", f"Низкий уровень: {'; '.join(facts)}.")
