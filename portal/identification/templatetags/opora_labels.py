"""Russian labels for the core's codes (subjects, procedures, statistics, context variables) in templates."""

from __future__ import annotations

from typing import Any

from django import template

from opora.readers.vocab import SUBJECTS

register = template.Library()

PROCEDURES = {"vpr": "ВПР", "oge": "ОГЭ", "ege": "ЕГЭ", "kdr": "КДР"}
STATISTICS = {
    "mean_pct": "средний % выполнения",
    "low_share": "доля низких результатов («2», недостаточный и пониженный уровни)",
    "high_share": "доля высоких результатов («4» и «5», повышенный уровень)",
    "mean_mark": "средняя отметка",
    "mean_score": "средний балл",
    "share": "доля, %",
}


@register.filter
def subject_label(code: str | None) -> str:
    names = SUBJECTS.get(code or "")
    return names[0].capitalize() if names else (code or "—")


@register.filter
def procedure_label(code: str | None) -> str:
    return PROCEDURES.get(code or "", code or "—")


@register.filter
def statistic_label(code: str | None) -> str:
    return STATISTICS.get(code or "", code or "—")


@register.filter
def context_label(code: str | None) -> str:
    """The Russian name of a context variable (the core's catalogue; a column outside it keeps its name)."""
    from opora.catalogue import context_label as label

    return label(code) if code else "—"


RULES = {
    "context_quantile": "нижний квантиль индекса контекста",
    "results_quantile_or_residual": "нижний квантиль индекса результатов или остаток ниже ожидаемого",
    "results_quantile_and_residual": "нижний квантиль индекса результатов и остаток ниже ожидаемого",
    "results_quantile": "нижний квантиль индекса результатов",
    "residual_below": "остаток ниже ожидаемого",
    "adverse_and_residual_nonnegative": "неблагоприятный контекст и результаты не ниже ожидаемых",
    "residual_above": "остаток выше ожидаемого",
    "stability": "устойчивость по годам",
    "risk_factors": "факторы риска",
    "negative_trend": "снижение результатов",
}


@register.filter
def rule_label(code: str | None) -> str:
    """A rule's Russian name (the core's code stays in the stored reason, never on the page)."""
    return RULES.get(code or "", "правило методики")


@register.filter
def fired(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in reasons if r.get("fired", True)]


@register.filter
def not_fired(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in reasons if not r.get("fired", True)]


@register.filter
def yes_no(value: Any) -> Any:
    if value is True:
        return "да"
    if value is False:
        return "нет"
    return "нет данных" if value is None else value


@register.filter
def results_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for c in components if c.get("procedure")]


@register.filter
def context_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for c in components if not c.get("procedure")]


_FACTOR_WORDS = {
    "equipment_gap": ("все предметы оснащены по ООП", "не все предметы оснащены по ООП"),
    "computers_lacking": ("компьютерной техники достаточно", "компьютерной техники недостаточно"),
}
_UNITS = {"internet_slow": " Мбит/с", "low_categories": " %", "low_training": " %"}


@register.filter
def factor_value(flag: dict[str, Any]) -> str:
    """A risk input as the school gave it: «20 Мбит/с», «вакансий: 1», «компьютерной техники недостаточно»."""
    value, code = flag.get("value"), flag.get("code", "")
    if value is None:
        return "нет данных"
    if isinstance(value, bool):
        yes, no = _FACTOR_WORDS.get(code, ("да", "нет"))
        return yes if value else no
    number = float(value)
    text = (str(int(number)) if number.is_integer() else f"{number:.1f}").replace(".", ",")
    return f"вакансий: {text}" if code == "staff_vacancies" else text + _UNITS.get(code, "")
