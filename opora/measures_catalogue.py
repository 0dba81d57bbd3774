"""Risk factors and the measures library of the «Конструктор ШППКО», shipped as YAML data.

``opora/data/risk_factors.yaml`` lists the «500+» (ФИОКО) risk factors named for the Minusinsk schools (SEED-B
Прил. 2) and the optional ones of the research (§2.2), with level wordings and, where municipal data allow, a
declarative ``data_rule``; it also lists the five municipal risk factors (SEED-B Прил. 1–2) with their thresholds.
``opora/data/measures.yaml`` is the library of measures a school program is assembled from: each measure is tagged
by risk factor, roadmap direction 1–6, Приложение 1 indicators, timing, responsible role and evidence document.

Loading validates the whole file and raises :class:`CatalogueError` with a Russian message naming the file, the code
and the field. Rule expressions are parsed by a tiny parser of our own (never ``eval``): comparisons ``<``, ``<=``,
``>``, ``>=``, ``==``, ``!=`` between an input name and a number, ``true``/``false`` or a parameter name, joined by
``and``/``or`` (``and`` binds tighter). Pure Python: PyYAML and the standard library only.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any, Final, Literal

import yaml

from opora.indicator_catalogue import CatalogueError

__all__ = [
    "DATA_DIR",
    "DIRECTIONS",
    "INDICATOR_ALIASES",
    "INDICATOR_CODES",
    "LEVELS",
    "MUNICIPAL_INPUTS",
    "TIMING_KINDS",
    "CatalogueError",
    "Comparison",
    "DataRule",
    "Measure",
    "MeasuresLibrary",
    "MunicipalFactor",
    "RiskFactor",
    "RuleExpr",
    "RuleSyntaxError",
    "Timing",
    "builtin_library",
    "evaluate_data_rule",
    "evaluate_municipal_factor",
    "load_measures",
    "load_municipal_factors",
    "load_risk_factors",
    "parse_rule",
]

DATA_DIR: Final = Path(__file__).resolve().parent / "data"
RISK_FACTORS_FILE: Final = DATA_DIR / "risk_factors.yaml"
MEASURES_FILE: Final = DATA_DIR / "measures.yaml"

#: Risk levels of the «500+» profile, in decreasing order.
LEVELS: Final = ("high", "medium", "low")
LEVEL_NAMES: Final = {"high": "высокий", "medium": "средний", "low": "низкий"}
#: The roadmap's six directions (SEED-B, 002 lines 1132-1162).
DIRECTIONS: Final = {
    1: "Обновление нормативно-правовой базы, программ повышения качества образования",
    2: "Обновление процедур и критериев идентификации ШНРО и школ в зоне риска",
    3: "Методическое сопровождение педагогических и управленческих кадров",
    4: "Совершенствование информационно-коммуникационной инфраструктуры",
    5: "Координация деятельности, профилактика рисков, сетевое взаимодействие",
    6: "Обновление мониторинговых систем",
}
TIMING_KINDS: Final = ("once", "monthly", "quarterly", "per_term", "yearly", "permanent")
#: The municipal inputs a data rule may read (SEED-B Прил. 1, typical risks).
MUNICIPAL_INPUTS: Final = (
    "staff_vacancies",
    "internet_mbps",
    "share_category_first_highest",
    "share_trained_3y",
    "equipment_complete",
)
#: Short codes of the unnumbered items of Приложение 1 (methodological support and identification blocks) and the
#: ids the indicator catalogue ``opora/data/indicators/order_2023_41.yaml`` gives them.
INDICATOR_ALIASES: Final = {
    "2.risk_assessment": "2.2",
    "2.diagnostics": "3.1",
    "2.iom_formed": "3.2",
    "2.iom_done": "3.3",
    "2.deficit_work": "3.4",
    "2.courses": "3.5",
    "2.practices": "3.6",
    "2.events": "3.7",
    "2.support": "3.8",
}
#: Every indicator code a measure may name: numbered items of Приложение 1 and the short codes above.
INDICATOR_CODES: Final = frozenset(
    [f"1.{i}" for i in range(1, 4)]
    + ["4.1", "4.2"]
    + [f"5.{i}" for i in range(1, 5)]
    + [f"6.{i}" for i in range(1, 5)]
    + [f"7.{i}" for i in range(1, 8)]
    + list(INDICATOR_ALIASES)
)

Level = Literal["high", "medium", "low"]
Scalar = float | bool


# --------------------------------------------------------------------------------------------------------------
# Rule expressions
# --------------------------------------------------------------------------------------------------------------


class RuleSyntaxError(ValueError):
    """A rule expression cannot be parsed; the message (Russian) quotes the expression and the position."""


_OPS: Final = ("<=", ">=", "==", "!=", "<", ">")
_TOKEN_RE: Final = re.compile(
    r"\s*(?:(?P<op><=|>=|==|!=|<|>)|(?P<num>-?\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<bad>\S))"
)


@dataclass(frozen=True)
class Comparison:
    """``name op value``: ``value`` is a literal (number or bool) or, when ``param`` is set, a parameter name."""

    name: str
    op: str
    value: Scalar | None = None
    param: str | None = None


@dataclass(frozen=True)
class RuleExpr:
    """Disjunction of conjunctions: ``any(all(c) for c in clauses)``."""

    text: str
    clauses: tuple[tuple[Comparison, ...], ...]

    @property
    def comparisons(self) -> tuple[Comparison, ...]:
        return tuple(c for clause in self.clauses for c in clause)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.name for c in self.comparisons))


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    pos = 0
    stripped = text.rstrip()
    while pos < len(stripped):
        match = _TOKEN_RE.match(stripped, pos)
        if match is None:  # pragma: no cover - the pattern always matches a non-space character
            break
        kind = match.lastgroup or "bad"
        value = match.group(kind)
        if kind == "bad":
            raise RuleSyntaxError(
                f"Недопустимый символ «{value}» в позиции {match.start(kind) + 1} выражения «{text}»."
            )
        out.append((kind, value, match.start(kind) + 1))
        pos = match.end()
    return out


def parse_rule(text: str) -> RuleExpr:
    """Parse ``a < 50 and b == false or c >= param``; raise :class:`RuleSyntaxError` on anything else.

    ``and`` binds tighter than ``or``; the result is a disjunction of conjunctions.

    >>> expr = parse_rule("equipment_complete == false and internet_mbps < 50 or staff_vacancies > 0")
    >>> [[(c.name, c.op, c.value) for c in clause] for clause in expr.clauses]
    [[('equipment_complete', '==', False), ('internet_mbps', '<', 50.0)], [('staff_vacancies', '>', 0.0)]]
    """
    if not isinstance(text, str) or not text.strip():
        raise RuleSyntaxError("Пустое выражение правила.")
    tokens = _tokens(text)
    clauses: list[tuple[Comparison, ...]] = []
    current: list[Comparison] = []
    i = 0
    while True:
        if i + 3 > len(tokens):
            where = tokens[i][2] if i < len(tokens) else len(text) + 1
            raise RuleSyntaxError(
                f"Выражение «{text}» оборвано в позиции {where}: ожидается сравнение «показатель оператор значение»."
            )
        (k1, name, p1), (k2, op, p2), (k3, rhs, p3) = tokens[i : i + 3]
        if k1 != "name" or name in ("and", "or", "true", "false"):
            raise RuleSyntaxError(
                f"В выражении «{text}» в позиции {p1} ожидается имя показателя, а не «{name}»."
            )
        if k2 != "op":
            raise RuleSyntaxError(
                f"В выражении «{text}» в позиции {p2} ожидается оператор сравнения ({', '.join(_OPS)}), а не «{op}»."
            )
        if k3 == "num":
            current.append(Comparison(name, op, value=float(rhs)))
        elif k3 == "name" and rhs in ("true", "false"):
            if op not in ("==", "!="):
                raise RuleSyntaxError(
                    f"В выражении «{text}» логическое значение «{rhs}» можно сравнивать только через == или !=."
                )
            current.append(Comparison(name, op, value=rhs == "true"))
        elif k3 == "name" and rhs not in ("and", "or"):
            current.append(Comparison(name, op, param=rhs))
        else:
            raise RuleSyntaxError(
                f"В выражении «{text}» в позиции {p3} ожидается число, true/false или имя параметра, а не «{rhs}»."
            )
        i += 3
        if i == len(tokens):
            clauses.append(tuple(current))
            return RuleExpr(text=text, clauses=tuple(clauses))
        kind, word, pos = tokens[i]
        if kind != "name" or word not in ("and", "or"):
            raise RuleSyntaxError(
                f"В выражении «{text}» в позиции {pos} ожидается «and» или «or», а не «{word}»."
            )
        if word == "or":
            clauses.append(tuple(current))
            current = []
        i += 1


def _fmt(value: Scalar) -> str:
    if isinstance(value, bool):
        return "да" if value else "нет"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _compare(left: Scalar, op: str, right: Scalar) -> bool:
    if isinstance(left, bool) != isinstance(right, bool):
        raise TypeError
    a, b = float(left), float(right)
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    if op == ">=":
        return a >= b
    if op == "==":
        return a == b
    return a != b


_OP_WORDS: Final = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠"}


# --------------------------------------------------------------------------------------------------------------
# Dataclasses
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataRule:
    """How a factor's level is computed from municipal inputs (a reconstruction, INFERRED; thresholds are params)."""

    inputs: tuple[str, ...]
    high_if: RuleExpr
    medium_if: RuleExpr | None
    params: Mapping[str, float]
    note: str


@dataclass(frozen=True)
class RiskFactor:
    code: str
    title: str
    description: str
    levels: Mapping[str, str]
    source: str
    optional: bool
    municipal_factors: tuple[str, ...] = ()
    data_rule: DataRule | None = None


@dataclass(frozen=True)
class MunicipalFactor:
    """One of the five municipal risk factors (SEED-B Прил. 1–2): it holds when ``risk_if`` is true."""

    code: str
    title: str
    input: str
    risk_if: RuleExpr
    params: Mapping[str, float]
    threshold_text: str
    source: str


@dataclass(frozen=True)
class Timing:
    kind: str
    months: tuple[int, ...] | None
    duration_months: int | None


@dataclass(frozen=True)
class Measure:
    code: str
    title: str
    description: str
    risk_factors: tuple[str, ...]
    directions: tuple[int, ...]
    indicators: tuple[str, ...]
    responsible_role: str
    timing: Timing
    expected_result: str
    evidence: str
    levels: tuple[str, ...]
    priority: int


@dataclass(frozen=True)
class MeasuresLibrary:
    risk_factors: Mapping[str, RiskFactor]
    municipal_factors: Mapping[str, MunicipalFactor]
    measures: tuple[Measure, ...]
    _by_code: Mapping[str, Measure] = field(default_factory=dict, repr=False, compare=False)

    def measure(self, code: str) -> Measure:
        by_code = self._by_code or {m.code: m for m in self.measures}
        return by_code[code]

    def for_factor(self, code: str, level: str | None = None) -> tuple[Measure, ...]:
        """Measures addressing a factor (and proposed at ``level``), by priority then code."""
        found = [m for m in self.measures if code in m.risk_factors and (level is None or level in m.levels)]
        return tuple(sorted(found, key=lambda m: (m.priority, m.code)))

    def for_direction(self, direction: int) -> tuple[Measure, ...]:
        return tuple(m for m in self.measures if direction in m.directions)


# --------------------------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------------------------


def _eval_expr(
    expr: RuleExpr, inputs: Mapping[str, Scalar | None], params: Mapping[str, float]
) -> tuple[bool, list[str]]:
    """Value of ``expr`` and the Russian description of each comparison it evaluated."""
    described: list[str] = []
    result = False
    for clause in expr.clauses:
        ok = True
        for comp in clause:
            left = inputs[comp.name]
            assert left is not None
            right: Scalar
            if comp.param is not None:
                right = params[comp.param]
            else:
                assert comp.value is not None
                right = comp.value
            try:
                holds = _compare(left, comp.op, right)
            except TypeError:
                raise CatalogueError(
                    f"Показатель «{comp.name}» = {left!r} нельзя сравнить со значением {right!r} "
                    f"(правило «{expr.text}»)."
                ) from None
            thr = f"{_fmt(right)}" + (f" (параметр {comp.param})" if comp.param else "")
            text = (
                f"{comp.name} = {_fmt(left)}, условие «{_OP_WORDS[comp.op]} {thr}» "
                f"{'выполнено' if holds else 'не выполнено'}"
            )
            if text not in described:
                described.append(text)
            ok = ok and holds
        result = result or ok
    return result, described


def _missing(names: Sequence[str], inputs: Mapping[str, Scalar | None]) -> list[str]:
    missing: list[str] = []
    for name in names:
        value = inputs.get(name)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            missing.append(name)
    return missing


def evaluate_data_rule(
    rule: DataRule,
    inputs: Mapping[str, float | bool | None],
    params: Mapping[str, float] | None = None,
) -> tuple[str | None, str]:
    """The level («high», «medium», «low») a rule gives, or None when an input is missing, and why (Russian).

    ``params`` override the rule's default thresholds (every threshold is a named parameter).

    >>> rule = DataRule(inputs=("internet_mbps",), high_if=parse_rule("internet_mbps < 10"),
    ...                 medium_if=parse_rule("internet_mbps < limit"), params={"limit": 50.0}, note="")
    >>> evaluate_data_rule(rule, {"internet_mbps": 49.9})[0], evaluate_data_rule(rule, {"internet_mbps": 50})[0]
    ('medium', 'low')
    >>> evaluate_data_rule(rule, {})
    (None, 'Уровень не определён: нет данных по показателям internet_mbps.')
    """
    merged = {**rule.params, **(params or {})}
    missing = _missing(rule.inputs, inputs)
    if missing:
        return None, "Уровень не определён: нет данных по показателям " + ", ".join(missing) + "."
    clean: dict[str, Scalar] = {name: value for name in rule.inputs if (value := inputs[name]) is not None}
    high, high_text = _eval_expr(rule.high_if, clean, merged)
    if high:
        return (
            "high",
            f"Уровень риска высокий: выполнено условие «{rule.high_if.text}» ({'; '.join(high_text)}).",
        )
    if rule.medium_if is not None:
        medium, medium_text = _eval_expr(rule.medium_if, clean, merged)
        if medium:
            return (
                "medium",
                f"Уровень риска средний: выполнено условие «{rule.medium_if.text}» ({'; '.join(medium_text)}); "
                f"условие высокого уровня не выполнено ({'; '.join(high_text)}).",
            )
        high_text += [t for t in medium_text if t not in high_text]
    return (
        "low",
        f"Уровень риска низкий: условия высокого и среднего уровней не выполнены ({'; '.join(high_text)}).",
    )


def evaluate_municipal_factor(
    factor: MunicipalFactor,
    inputs: Mapping[str, float | bool | None],
    params: Mapping[str, float] | None = None,
) -> tuple[bool | None, str]:
    """Whether a municipal risk factor holds (None when the input is missing), and why (Russian)."""
    merged = {**factor.params, **(params or {})}
    if _missing([factor.input], inputs):
        return None, f"Фактор «{factor.title}» не оценён: нет данных по показателю {factor.input}."
    value = inputs[factor.input]
    assert value is not None
    holds, text = _eval_expr(factor.risk_if, {factor.input: value}, merged)
    verdict = "выявлен" if holds else "не выявлен"
    return holds, f"Фактор «{factor.title}» {verdict}: {'; '.join(text)}."


# --------------------------------------------------------------------------------------------------------------
# Loading and validation
# --------------------------------------------------------------------------------------------------------------


class _Ctx:
    """Builds Russian error messages naming the file, the item and the field."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def error(self, code: str | None, fld: str, message: str) -> CatalogueError:
        where = f"«{code}»" if code else "(без кода)"
        return CatalogueError(f"Файл {self.path.name}: элемент {where}, поле «{fld}»: {message}")

    def text(self, item: Mapping[str, Any], code: str | None, fld: str, *, required: bool = True) -> str:
        value = item.get(fld)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            raise self.error(code, fld, "ожидается непустая строка.")
        return " ".join(value.split())

    def params(self, item: Mapping[str, Any], code: str | None) -> dict[str, float]:
        raw = item.get("params") or {}
        if not isinstance(raw, Mapping):
            raise self.error(code, "params", "ожидается словарь «имя параметра: число».")
        out: dict[str, float] = {}
        for key, value in raw.items():
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise self.error(code, "params", f"параметр «{key}» должен быть числом, а не {value!r}.")
            out[str(key)] = float(value)
        return out

    def expr(
        self,
        item: Mapping[str, Any],
        code: str | None,
        fld: str,
        inputs: Sequence[str],
        params: Mapping[str, float],
    ) -> RuleExpr:
        text = item.get(fld)
        if not isinstance(text, str):
            raise self.error(code, fld, "ожидается выражение правила (строка).")
        try:
            expr = parse_rule(text)
        except RuleSyntaxError as exc:
            raise self.error(code, fld, str(exc)) from None
        for comp in expr.comparisons:
            if comp.name not in inputs:
                raise self.error(code, fld, f"показатель «{comp.name}» не указан во входных данных правила.")
            if comp.param is not None and comp.param not in params:
                raise self.error(code, fld, f"параметр «{comp.param}» не задан в «params».")
        return expr


def _read(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except OSError as exc:
        raise CatalogueError(f"Файл {path.name} не прочитан: {exc}.") from None
    except yaml.YAMLError as exc:
        raise CatalogueError(f"Файл {path.name} не является корректным YAML: {exc}.") from None


def _items(data: Any, path: Path, key: str) -> list[Mapping[str, Any]]:
    if not isinstance(data, Mapping) or not isinstance(data.get(key), list):
        raise CatalogueError(f"Файл {path.name}: нет списка «{key}» на верхнем уровне.")
    items: list[Mapping[str, Any]] = data[key]
    for number, item in enumerate(items, start=1):
        if not isinstance(item, Mapping):
            raise CatalogueError(f"Файл {path.name}: элемент № {number} списка «{key}» должен быть словарём.")
    return items


def _code(ctx: _Ctx, item: Mapping[str, Any], seen: set[str]) -> str:
    code = item.get("code")
    if not isinstance(code, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", code):
        raise ctx.error(None, "code", f"ожидается код из латинских букв, цифр и «_», а не {code!r}.")
    if code in seen:
        raise ctx.error(code, "code", "код повторяется.")
    seen.add(code)
    return code


def _data_rule(ctx: _Ctx, raw: Any, code: str) -> DataRule | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise ctx.error(
            code, "data_rule", "ожидается словарь с полями inputs, high_if, medium_if, params, note."
        )
    inputs = raw.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        raise ctx.error(code, "data_rule.inputs", "ожидается непустой список показателей.")
    for name in inputs:
        if name not in MUNICIPAL_INPUTS:
            raise ctx.error(
                code,
                "data_rule.inputs",
                f"неизвестный показатель «{name}»; допустимы: {', '.join(MUNICIPAL_INPUTS)}.",
            )
    params = ctx.params(raw, code)
    high = ctx.expr(raw, code, "high_if", inputs, params)
    medium = ctx.expr(raw, code, "medium_if", inputs, params) if raw.get("medium_if") is not None else None
    note = ctx.text(raw, code, "note")
    return DataRule(inputs=tuple(inputs), high_if=high, medium_if=medium, params=params, note=note)


def load_municipal_factors(path: str | PathLike[str] | None = None) -> dict[str, MunicipalFactor]:
    """The five municipal risk factors of ``risk_factors.yaml`` (key ``municipal_factors``), by code."""
    file = Path(path) if path is not None else RISK_FACTORS_FILE
    ctx = _Ctx(file)
    out: dict[str, MunicipalFactor] = {}
    for item in _items(_read(file), file, "municipal_factors"):
        code = _code(ctx, item, set(out))
        inp = item.get("input")
        if inp not in MUNICIPAL_INPUTS:
            raise ctx.error(
                code, "input", f"неизвестный показатель {inp!r}; допустимы: {', '.join(MUNICIPAL_INPUTS)}."
            )
        params = ctx.params(item, code)
        out[code] = MunicipalFactor(
            code=code,
            title=ctx.text(item, code, "title"),
            input=str(inp),
            risk_if=ctx.expr(item, code, "risk_if", [str(inp)], params),
            params=params,
            threshold_text=ctx.text(item, code, "threshold_text"),
            source=ctx.text(item, code, "source"),
        )
    return out


def load_risk_factors(path: str | PathLike[str] | None = None) -> dict[str, RiskFactor]:
    """The risk-factor catalogue (key ``risk_factors``), by code, validated."""
    file = Path(path) if path is not None else RISK_FACTORS_FILE
    data = _read(file)
    ctx = _Ctx(file)
    municipal_codes: set[str] = set()
    if isinstance(data, Mapping) and data.get("municipal_factors") is not None:
        municipal_codes = set(load_municipal_factors(file))
    out: dict[str, RiskFactor] = {}
    for item in _items(data, file, "risk_factors"):
        code = _code(ctx, item, set(out))
        levels = item.get("levels")
        if not isinstance(levels, Mapping):
            raise ctx.error(code, "levels", "ожидается словарь с ключами high, medium, low.")
        unknown = [key for key in levels if key not in LEVELS]
        if unknown or set(levels) != set(LEVELS):
            raise ctx.error(
                code,
                "levels",
                f"нужны ровно уровни high, medium, low; получено: {', '.join(map(str, levels))}.",
            )
        level_texts = {lvl: ctx.text(levels, code, lvl) for lvl in LEVELS}
        optional = item.get("optional", False)
        if not isinstance(optional, bool):
            raise ctx.error(code, "optional", "ожидается true или false.")
        linked = item.get("municipal_factors") or []
        if not isinstance(linked, list) or any(c not in municipal_codes for c in linked):
            raise ctx.error(code, "municipal_factors", f"неизвестный муниципальный фактор в {linked!r}.")
        out[code] = RiskFactor(
            code=code,
            title=ctx.text(item, code, "title"),
            description=ctx.text(item, code, "description"),
            levels=level_texts,
            source=ctx.text(item, code, "source"),
            optional=optional,
            municipal_factors=tuple(linked),
            data_rule=_data_rule(ctx, item.get("data_rule"), code),
        )
    return out


def _int_list(ctx: _Ctx, code: str, fld: str, raw: Any, low: int, high: int) -> tuple[int, ...]:
    if not isinstance(raw, list):
        raise ctx.error(code, fld, "ожидается список чисел.")
    for value in raw:
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ctx.error(code, fld, f"значение {value!r} вне диапазона {low}–{high}.")
    return tuple(raw)


def _timing(ctx: _Ctx, code: str, raw: Any) -> Timing:
    if not isinstance(raw, Mapping):
        raise ctx.error(code, "timing", "ожидается словарь с полями kind, months, duration_months.")
    kind = raw.get("kind")
    if kind not in TIMING_KINDS:
        raise ctx.error(
            code, "timing.kind", f"неизвестный вид {kind!r}; допустимы: {', '.join(TIMING_KINDS)}."
        )
    months = raw.get("months")
    month_tuple = None if months is None else _int_list(ctx, code, "timing.months", months, 1, 12)
    duration = raw.get("duration_months")
    if duration is not None and (not isinstance(duration, int) or isinstance(duration, bool) or duration < 1):
        raise ctx.error(
            code, "timing.duration_months", f"ожидается целое число ≥ 1 или null, а не {duration!r}."
        )
    return Timing(kind=str(kind), months=month_tuple, duration_months=duration)


def load_measures(
    path: str | PathLike[str] | None = None,
    risk_factors: Mapping[str, RiskFactor] | None = None,
) -> tuple[Measure, ...]:
    """The measures library (key ``measures``), validated against ``risk_factors`` (the built-in ones by default)."""
    file = Path(path) if path is not None else MEASURES_FILE
    factors = risk_factors if risk_factors is not None else load_risk_factors()
    ctx = _Ctx(file)
    seen: set[str] = set()
    out: list[Measure] = []
    for item in _items(_read(file), file, "measures"):
        code = _code(ctx, item, seen)
        rf = item.get("risk_factors")
        if not isinstance(rf, list) or not rf:
            raise ctx.error(code, "risk_factors", "ожидается непустой список кодов факторов риска.")
        for factor in rf:
            if factor not in factors:
                raise ctx.error(code, "risk_factors", f"неизвестный фактор риска «{factor}».")
        directions = _int_list(ctx, code, "directions", item.get("directions"), 1, 6)
        if not directions:
            raise ctx.error(code, "directions", "нужно хотя бы одно направление 1–6.")
        indicators = item.get("indicators") or []
        if not isinstance(indicators, list):
            raise ctx.error(code, "indicators", "ожидается список кодов показателей.")
        for ind in indicators:
            if str(ind) not in INDICATOR_CODES:
                raise ctx.error(code, "indicators", f"неизвестный показатель Приложения 1 «{ind}».")
        levels = item.get("levels")
        if not isinstance(levels, list) or not levels:
            raise ctx.error(code, "levels", "ожидается непустой список уровней (high, medium, low).")
        for lvl in levels:
            if lvl not in LEVELS:
                raise ctx.error(code, "levels", f"неизвестный уровень {lvl!r}; допустимы: high, medium, low.")
        priority = item.get("priority")
        if priority not in (1, 2, 3) or isinstance(priority, bool):
            raise ctx.error(code, "priority", f"ожидается 1, 2 или 3, а не {priority!r}.")
        assert isinstance(priority, int)
        out.append(
            Measure(
                code=code,
                title=ctx.text(item, code, "title"),
                description=ctx.text(item, code, "description"),
                risk_factors=tuple(rf),
                directions=directions,
                indicators=tuple(str(i) for i in indicators),
                responsible_role=ctx.text(item, code, "responsible_role"),
                timing=_timing(ctx, code, item.get("timing")),
                expected_result=ctx.text(item, code, "expected_result"),
                evidence=ctx.text(item, code, "evidence"),
                levels=tuple(levels),
                priority=priority,
            )
        )
    return tuple(out)


@functools.cache
def builtin_library() -> MeasuresLibrary:
    """The shipped catalogues: risk factors, municipal factors and measures, cross-validated (read once)."""
    factors = load_risk_factors()
    measures = load_measures(risk_factors=factors)
    return MeasuresLibrary(
        risk_factors=factors,
        municipal_factors=load_municipal_factors(),
        measures=measures,
        _by_code={m.code: m for m in measures},
    )
