"""Russian labels for the core's codes (subjects, procedures, statistics, context variables) in templates."""

from __future__ import annotations

from typing import Any

from django import template

from opora.readers.tables import CONTEXT_VARIABLES
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
    names = CONTEXT_VARIABLES.get(code or "")
    if not names:
        return code or "—"
    label = names[0]
    # Abbreviations (ТЖС, ОВЗ) stay upper case; other names start with a capital letter.
    return label.upper() if len(label) <= 4 else label[0].upper() + label[1:]


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
