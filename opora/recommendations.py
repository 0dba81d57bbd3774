"""Targeted recommendations («адресные рекомендации»): rules over a school's (or the authority's) facts.

A rule is data (``opora/data/recommendations.yaml``, editable by the method centre): a trigger over named facts,
an optional stricter condition that makes the finding *significant*, an importance 1–3, a Russian text template
with the evidence numbers, and the measures of the library (``opora/data/measures.yaml``) it points to. Every
rule carries a hand-made example on which it fires and a near miss on which it does not; loading checks both, so
a rule edited into something that no longer does what its examples say is refused.

Facts are plain values computed at the edge (the portal reads identification runs, risk profiles, monitoring
values, dynamics and roadmap items); the core only evaluates. The fact vocabulary is :data:`FACTS`: a rule naming
an unknown fact is refused at load. Expressions use the tiny parser of :mod:`opora.measures_catalogue` (never
``eval``). A fact that is missing (None) makes a comparison on it false: no recommendation is made from data
that are not there.

>>> book = builtin_rules()
>>> found = recommend({"cat_low_results": True, "years_low_results": 2, "has_program": False}, book)
>>> [r.rule for r in found][:2]
['R01', 'R02']
"""

from __future__ import annotations

import functools
import math
import re
import string
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any, Final, Literal

import yaml

from opora.indicator_catalogue import CatalogueError
from opora.measures_catalogue import (
    LEVEL_NAMES,
    RuleExpr,
    RuleSyntaxError,
    builtin_library,
    load_risk_factors,
    parse_rule,
)

__all__ = [
    "FACTS",
    "FIELD_NAMES",
    "RULES_FILE",
    "SCOPE_NAMES",
    "Fact",
    "Recommendation",
    "RecommendationRule",
    "RuleBook",
    "build_rule",
    "builtin_rules",
    "evaluate",
    "format_fact",
    "load_rules",
    "recommend",
]

RULES_FILE: Final = Path(__file__).resolve().parent / "data" / "recommendations.yaml"

FactKind = Literal["bool", "number", "pct", "count", "pp", "level", "text"]
Scope = Literal["school", "authority"]
Value = float | bool | str | None


@dataclass(frozen=True, slots=True)
class Fact:
    """A named input of the rules: its Russian label (for the evidence), kind (for formatting) and scope."""

    label: str
    kind: FactKind
    scope: Scope = "school"


def _risk_facts() -> dict[str, Fact]:
    return {
        f"risk_{code}": Fact(f"Уровень риска «{factor.title}»", "level")
        for code, factor in load_risk_factors().items()
    }


#: The facts rules may read. Levels of the «500+» risk factors are ``risk_<code>``: 3 высокий, 2 средний, 1 низкий.
FACTS: Final[dict[str, Fact]] = {
    # identification (the latest published run)
    "cat_low_results": Fact("Школа с низкими результатами обучения (ШНОР) по расчёту идентификации", "bool"),
    "cat_adverse_context": Fact("Школа в неблагоприятных социальных условиях (ШНСУ)", "bool"),
    "cat_at_risk": Fact("Школа в зоне риска снижения образовательных результатов", "bool"),
    "cat_resilient": Fact("Резильентная школа (результаты выше ожидаемых в трудных условиях)", "bool"),
    "years_low_results": Fact("Лет подряд в категории ШНОР", "count"),
    "std_residual": Fact("Стандартизованный остаток (результат относительно ожидаемого)", "number"),
    "results_index": Fact("Индекс образовательных результатов", "number"),
    # risk profile
    **_risk_facts(),
    "risk_high_count": Fact("Факторов риска высокого уровня", "count"),
    "risk_high_list": Fact("Факторы риска высокого уровня", "text"),
    # municipal risk inputs (SEED-B Прил. 1)
    "staff_vacancies": Fact("Вакансий педагогов", "count"),
    "internet_mbps": Fact("Скорость Интернета, Мбит/с", "number"),
    "share_category_first_highest": Fact("Доля педагогов с первой и высшей категориями", "pct"),
    "share_trained_3y": Fact("Доля педагогов, прошедших повышение квалификации за 3 года", "pct"),
    "equipment_complete": Fact("Все предметы обеспечены оборудованием по ООП", "bool"),
    # monitoring
    "form_submitted": Fact("Анкета мониторинга отправлена", "bool"),
    "has_program": Fact("Есть школьная программа повышения качества образования (ШППКО)", "bool"),
    "has_failure_program": Fact("Есть программа профилактики учебной неуспешности", "bool"),
    "share_teachers_diagnosed": Fact("Доля педагогов, прошедших профессиональную диагностику", "pct"),
    "share_teachers_iom": Fact("Доля педагогов с индивидуальным образовательным маршрутом", "pct"),
    "has_mentoring": Fact("В школе действует наставничество", "bool"),
    "has_partnership": Fact("Есть договор о сетевом взаимодействии со школой-лидером", "bool"),
    "indicators_not_met": Fact("Показателей мониторинга с ответом школы «нет»", "count"),
    "indicators_not_met_list": Fact("Показатели с ответом «нет»", "text"),
    # dynamics of results (methodology M1)
    "negative_dynamics_count": Fact("Процедур и предметов со снижением результата", "count"),
    "negative_dynamics_list": Fact("Снижение результатов", "text"),
    "worst_change_pp": Fact("Наибольшее снижение результата", "pp"),
    "positive_dynamics_count": Fact("Процедур и предметов с положительной динамикой", "count"),
    # roadmap
    "overdue_items": Fact("Просроченных мероприятий дорожной карты", "count"),
    "overdue_list": Fact("Просроченные мероприятия", "text"),
    # authority (municipality) facts
    "shnor_count": Fact("Школ в списке ШНОР", "count", "authority"),
    "shnor_without_program": Fact("ШНОР без утверждённой ШППКО", "count", "authority"),
    "shnor_stable_count": Fact("Школ в категории ШНОР два года подряд и более", "count", "authority"),
    "forms_not_submitted": Fact("Школ, не отправивших анкету мониторинга", "count", "authority"),
    "municipal_not_met": Fact("Муниципальных показателей ниже цели года", "count", "authority"),
    "municipal_not_met_list": Fact("Муниципальные показатели ниже цели", "text", "authority"),
    "municipal_overdue": Fact("Просроченных мероприятий муниципальной дорожной карты", "count", "authority"),
    "share_shnor_visited": Fact(
        "Доля ШНОР, в которых прошли методические (управленческие) десанты", "pct", "authority"
    ),
    "share_shnor_positive_dynamics": Fact(
        "Доля ШНОР с положительной динамикой результатов", "pct", "authority"
    ),
    "risk_data_missing": Fact("Школ без данных о факторах риска", "count", "authority"),
}


@dataclass(frozen=True, slots=True)
class Example:
    fires: Mapping[str, Value]
    near_miss: Mapping[str, Value]


@dataclass(frozen=True, slots=True)
class RecommendationRule:
    """One rule: ``trigger`` finds the problem, ``significant_if`` (optional) marks it significant."""

    code: str
    title: str
    scope: Scope
    trigger: RuleExpr
    significant_if: RuleExpr | None
    importance: int
    text: str
    measures: tuple[str, ...]
    evidence: tuple[str, ...]
    params: Mapping[str, float]
    example: Example
    source: str = ""


@dataclass(frozen=True, slots=True)
class RuleBook:
    """The rules in force; ``measure_titles`` names the measures of the library the rules were checked against."""

    rules: tuple[RecommendationRule, ...]
    path: str = ""
    measure_titles: Mapping[str, str] = field(default_factory=dict)

    def rule(self, code: str) -> RecommendationRule:
        for r in self.rules:
            if r.code == code:
                return r
        raise KeyError(code)


@dataclass(frozen=True, slots=True)
class Recommendation:
    """A recommendation made for one school (or the authority), with its evidence and the rule's conditions."""

    rule: str
    title: str
    importance: int
    significant: bool
    text: str
    evidence: tuple[tuple[str, str], ...]
    measures: tuple[str, ...]
    conditions: tuple[str, ...] = field(default=())
    #: Titles of ``measures`` in the library of the rule book (empty when the book names none).
    measure_titles: tuple[str, ...] = field(default=())

    @property
    def importance_label(self) -> str:
        return {1: "высокая", 2: "средняя", 3: "низкая"}[self.importance]


# --------------------------------------------------------------------------------------------------------------
# Formatting and evaluation
# --------------------------------------------------------------------------------------------------------------


def _num(value: float, digits: int = 1) -> str:
    text = f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",").replace("-", "−")


def format_fact(name: str, value: Value) -> str:
    """A fact's value as Russian text: «да», «12,5 %», «−4,0 п.п.», «высокий»; «нет данных» when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "нет данных"
    kind = FACTS[name].kind if name in FACTS else "number"
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, str):
        return value
    if kind == "pct":
        return f"{_num(value)}\u00a0%"  # a no-break space: the number and its unit never part
    if kind == "pp":
        sign = "+" if value > 0 else ""
        return f"{sign}{_num(value)}\u00a0п.п."
    if kind == "count":
        return _num(value, 0)
    if kind == "level":
        return LEVEL_NAMES.get({3: "high", 2: "medium", 1: "low"}.get(int(value), ""), _num(value, 0))
    return _num(value, 2)


_OP_WORDS: Final = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠"}
#: A value ending with a full stop («п.п.») before the template's own full stop.
_DOUBLE_DOT: Final = re.compile(r"(?<!\.)\.\.(?!\.)")


def evaluate(
    expr: RuleExpr, facts: Mapping[str, Value], params: Mapping[str, float] | None = None
) -> tuple[bool, list[str]]:
    """Whether ``expr`` holds on ``facts`` and the Russian description of each comparison.

    A comparison on a missing fact (None) is false and says «нет данных»; a bool compares only with true/false.
    """
    described: list[str] = []
    result = False
    for clause in expr.clauses:
        ok = True
        for comp in clause:
            left = facts.get(comp.name)
            right = params[comp.param] if comp.param is not None and params else comp.value
            label = FACTS[comp.name].label if comp.name in FACTS else comp.name
            kind = FACTS[comp.name].kind if comp.name in FACTS else "number"
            shown_right = (
                format_fact(comp.name, right)
                if isinstance(right, bool) or kind == "level"
                else _num(float(right or 0), 2)
            )
            if left is None or isinstance(left, str) or (isinstance(left, float) and math.isnan(left)):
                holds = False
                text = f"{label}: нет данных"
            else:
                holds = _compare(left, comp.op, right)
                verdict = "выполнено" if holds else "не выполнено"
                text = f"{label}: {format_fact(comp.name, left)} — условие «{_OP_WORDS[comp.op]} {shown_right}» {verdict}"
            if text not in described:
                described.append(text)
            ok = ok and holds
        result = result or ok
    return result, described


def _compare(left: float | bool, op: str, right: float | bool | None) -> bool:
    if right is None or isinstance(left, bool) != isinstance(right, bool):
        return False
    a, b = float(left), float(right)
    return {
        "<": a < b,
        "<=": a <= b,
        ">": a > b,
        ">=": a >= b,
        "==": a == b,
        "!=": a != b,
    }[op]


#: «школ(ы)», «фактора(ов)»: an ending guessed in brackets instead of a number after its noun (issue #17).
_GUESSED_PLURAL: Final = re.compile(r"\w+\((?:ы|и|а|я|ов|ев|ей|ий|ых|их)\)")


class _Facts(dict[str, str]):
    """Template values: every fact formatted; a placeholder of a missing fact reads «нет данных»."""

    def __missing__(self, key: str) -> str:
        return "нет данных"


def recommend(
    facts: Mapping[str, Value],
    book: RuleBook,
    *,
    scope: Scope = "school",
    only_significant: bool = True,
) -> list[Recommendation]:
    """The recommendations the rules make on ``facts``, most important first.

    Ordered by importance (1 first), then significant before not, then by rule code. With ``only_significant``
    (the default view) a finding whose rule has a ``significant_if`` that does not hold is left out.
    """
    values = _Facts({name: format_fact(name, value) for name, value in facts.items()})
    out: list[Recommendation] = []
    for rule in book.rules:
        if rule.scope != scope:
            continue
        fired, conditions = evaluate(rule.trigger, facts, rule.params)
        if not fired:
            continue
        significant = True
        if rule.significant_if is not None:
            significant, more = evaluate(rule.significant_if, facts, rule.params)
            conditions += [c for c in more if c not in conditions]
        if only_significant and not significant:
            continue
        out.append(
            Recommendation(
                rule=rule.code,
                title=rule.title,
                importance=rule.importance,
                significant=significant,
                text=_DOUBLE_DOT.sub(".", string.Formatter().vformat(rule.text, (), values).strip()),
                evidence=tuple(
                    (FACTS[name].label, format_fact(name, facts.get(name))) for name in rule.evidence
                ),
                measures=rule.measures,
                conditions=tuple(conditions),
                measure_titles=tuple(book.measure_titles.get(m, "") for m in rule.measures),
            )
        )
    out.sort(key=lambda r: (r.importance, not r.significant, r.rule))
    return out


# --------------------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------------------

_CODE_RE: Final = re.compile(r"^R\d{2,3}$")
_KEYS: Final = frozenset(
    {
        "code",
        "title",
        "scope",
        "trigger",
        "significant_if",
        "importance",
        "text",
        "measures",
        "evidence",
        "params",
        "example",
        "source",
    }
)
#: What each field of a rule is called for its reader (error messages name both).
FIELD_NAMES: Final = {
    "code": "код",
    "title": "название",
    "scope": "для кого",
    "trigger": "условие срабатывания",
    "significant_if": "условие значимости",
    "importance": "важность",
    "text": "текст рекомендации",
    "measures": "меры",
    "evidence": "обоснование",
    "params": "пороги",
    "example": "примеры",
    "example.fires": "пример, на котором правило срабатывает",
    "example.near_miss": "близкий пример, на котором правило не срабатывает",
    "source": "источник",
}
SCOPE_NAMES: Final = {"school": "школа", "authority": "муниципалитет в целом"}


class _Where:
    """The start of an error message: «Файл правила.yaml: правило «R01»» or, for a form, «Правило «R01»»."""

    def __init__(self, file: str | None) -> None:
        self.file = file

    def error(self, code: str | None, fld: str, message: str) -> CatalogueError:
        rule = f"правило «{code}»" if code else "правило (без кода)"
        start = f"Файл {self.file}: {rule}" if self.file else rule[:1].upper() + rule[1:]
        named = f"поле «{fld}» ({FIELD_NAMES[fld]})" if fld in FIELD_NAMES else f"поле «{fld}»"
        return CatalogueError(f"{start}, {named}: {message}")


def _expr(where: _Where, code: str, fld: str, raw: Any, params: Mapping[str, float]) -> RuleExpr:
    try:
        expr = parse_rule(raw)
    except RuleSyntaxError as exc:
        raise where.error(code, fld, str(exc)) from None
    for comp in expr.comparisons:
        if comp.name not in FACTS:
            raise where.error(code, fld, f"неизвестный показатель «{comp.name}»")
        if FACTS[comp.name].kind == "text":
            raise where.error(code, fld, f"«{FACTS[comp.name].label}» — текст, его нельзя сравнивать")
        if comp.param is not None and comp.param not in params:
            raise where.error(code, fld, f"порог «{comp.param}» не задан в params")
    return expr


def _facts(where: _Where, code: str, fld: str, raw: Any) -> dict[str, Value]:
    if not isinstance(raw, Mapping) or not raw:
        raise where.error(code, fld, "нужен непустой словарь показателей")
    unknown = [k for k in raw if k not in FACTS]
    if unknown:
        raise where.error(code, fld, f"неизвестные показатели: {', '.join(map(str, unknown))}")
    return {
        str(k): (float(v) if isinstance(v, int) and not isinstance(v, bool) else v) for k, v in raw.items()
    }


def _build(where: _Where, raw: Any, seen: set[str], measures: frozenset[str] | None) -> RecommendationRule:
    """A rule from its raw mapping, every field checked except that its examples behave (see :func:`_rule`)."""
    if not isinstance(raw, Mapping):
        raise where.error(None, "—", "ожидается словарь")
    code = str(raw.get("code", ""))
    if not _CODE_RE.match(code):
        raise where.error(code or None, "code", "код вида R01")
    if code in seen:
        raise where.error(code, "code", "код повторяется")
    seen.add(code)
    extra = sorted(set(raw) - _KEYS)
    if extra:
        raise where.error(code, extra[0], "неизвестное поле")
    for required in ("title", "trigger", "text", "importance", "example"):
        if raw.get(required) in (None, ""):
            raise where.error(code, required, "обязательное поле")
    scope = raw.get("scope", "school")
    if scope not in ("school", "authority"):
        raise where.error(code, "scope", "school (школа) или authority (муниципалитет в целом)")
    importance = raw["importance"]
    if importance not in (1, 2, 3) or isinstance(importance, bool):
        raise where.error(code, "importance", "1 (высокая), 2 (средняя) или 3 (низкая)")
    params_raw = raw.get("params") or {}
    if not isinstance(params_raw, Mapping) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in params_raw.values()
    ):
        raise where.error(code, "params", "словарь «имя: число»")
    params = {str(k): float(v) for k, v in params_raw.items()}
    trigger = _expr(where, code, "trigger", raw["trigger"], params)
    significant = (
        _expr(where, code, "significant_if", raw["significant_if"], params)
        if raw.get("significant_if")
        else None
    )
    text = str(raw["text"]).strip()
    try:
        names = [f for _, f, _, _ in string.Formatter().parse(text) if f]
    except ValueError as exc:
        raise where.error(code, "text", f"ошибка в шаблоне: {exc}") from None
    bad = [n for n in names if n not in FACTS]
    if bad:
        raise where.error(code, "text", f"в шаблоне неизвестные показатели: {', '.join(bad)}")
    if guessed := _GUESSED_PLURAL.search(text):
        raise where.error(
            code,
            "text",
            f"«{guessed.group(0)}»: окончание в скобках читается как ошибка. Поставьте число после слова, "
            "например «Школ, не отправивших анкету: {…}».",
        )
    rule_measures = tuple(str(m) for m in raw.get("measures") or [])
    unknown = [m for m in rule_measures if measures is not None and m not in measures]
    if unknown:
        raise where.error(code, "measures", f"нет в библиотеке мер: {', '.join(unknown)}")
    evidence = tuple(str(e) for e in raw.get("evidence") or [])
    bad = [e for e in evidence if e not in FACTS]
    if bad:
        raise where.error(code, "evidence", f"неизвестные показатели: {', '.join(bad)}")
    for name in (*trigger.names, *(significant.names if significant else ()), *evidence):
        if FACTS[name].scope != scope:
            raise where.error(
                code,
                "scope",
                f"показатель «{FACTS[name].label}» относится к уровню «{SCOPE_NAMES[FACTS[name].scope]}», "
                f"а правило — к уровню «{SCOPE_NAMES[scope]}»",
            )
    ex = raw["example"]
    if not isinstance(ex, Mapping) or set(ex) != {"fires", "near_miss"}:
        raise where.error(code, "example", "нужны fires (правило срабатывает) и near_miss (не срабатывает)")
    example = Example(
        _facts(where, code, "example.fires", ex["fires"]),
        _facts(where, code, "example.near_miss", ex["near_miss"]),
    )
    return RecommendationRule(
        code=code,
        title=str(raw["title"]).strip(),
        scope=scope,
        trigger=trigger,
        significant_if=significant,
        importance=int(importance),
        text=text,
        measures=rule_measures,
        evidence=evidence,
        params=params,
        example=example,
        source=str(raw.get("source") or ""),
    )


def _rule(where: _Where, raw: Any, seen: set[str], measures: frozenset[str] | None) -> RecommendationRule:
    rule = _build(where, raw, seen, measures)
    if not evaluate(rule.trigger, rule.example.fires, rule.params)[0]:
        raise where.error(rule.code, "example.fires", "на этом примере правило не срабатывает")
    if evaluate(rule.trigger, rule.example.near_miss, rule.params)[0]:
        raise where.error(rule.code, "example.near_miss", "на этом примере правило срабатывает, а не должно")
    return rule


def build_rule(
    raw: Mapping[str, Any], *, measures: Collection[str] | None = None, check_examples: bool = True
) -> RecommendationRule:
    """One rule from its fields (a form's data), checked as :func:`load_rules` checks it; errors start with
    «Правило «R01», поле …». With ``check_examples=False`` its examples are not required to behave (a form shows
    how they behave instead)."""
    known = frozenset(measures) if measures is not None else None
    where = _Where(None)
    return _rule(where, raw, set(), known) if check_examples else _build(where, raw, set(), known)


def load_rules(
    path: str | PathLike[str] | None = None,
    *,
    text: str | None = None,
    name: str = "правила.yaml",
    measures: Collection[str] | Mapping[str, str] | None = None,
    check_measures: bool = True,
) -> RuleBook:
    """Load and validate a rules file (or its ``text``, called ``name`` in messages); raise :class:`CatalogueError`
    naming the rule and the field.

    ``measures`` is the library the rules point to: its codes, or codes and titles (the book then names the
    measures of its recommendations); the shipped library by default. ``check_measures=False`` reads rules saved
    earlier without refusing a measure the library no longer has (its title is then empty).
    """
    where = Path(path) if path is not None else (Path(name) if text is not None else RULES_FILE)
    try:
        data = yaml.safe_load(text if text is not None else where.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError(f"Файл {where.name}: не удалось прочитать YAML: {exc}") from None
    if not isinstance(data, Mapping) or not isinstance(data.get("rules"), list):
        raise CatalogueError(f"Файл {where.name}: нужен список «rules».")
    if measures is None:
        titles = {m.code: m.title for m in builtin_library().measures}
    elif isinstance(measures, Mapping):
        titles = {str(k): str(v) for k, v in measures.items()}
    else:
        titles = {str(m): "" for m in measures}
    known = frozenset(titles) if check_measures else None
    seen: set[str] = set()
    context = _Where(where.name)
    rules = tuple(_rule(context, raw, seen, known) for raw in data["rules"])
    return RuleBook(rules, str(where), {k: v for k, v in titles.items() if v})


@functools.cache
def builtin_rules() -> RuleBook:
    """The rules shipped with Опора (``opora/data/recommendations.yaml``), read and checked once."""
    return load_rules(RULES_FILE)
