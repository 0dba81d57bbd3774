"""What each edit form of the wizard shows, as the snapshot ``portal.lib.stale`` compares on save (a save from a
form loaded before someone else's save is refused), and how the refusal names each value in Russian."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from portal.programs.models import Program, RiskFactor


def _factor_titles() -> dict[str, str]:
    return dict(RiskFactor.objects.values_list("code", "title"))


def _shown(value: Any) -> Any:
    return value.strftime("%d.%m.%Y") if isinstance(value, datetime.date) else value


def priorities_state(program: Program) -> dict[str, Any]:
    titles = _factor_titles()
    return {"priorities": [titles.get(c, c) for c in program.priorities]}


PRIORITY_LABELS = {"priorities": "приоритетные риски"}

#: Fields of a measure's row in step 3 and how the stale-save message names them.
MEASURE_ROW_FIELDS = {
    "title": "мероприятие",
    "responsible": "ответственный",
    "start": "начало",
    "end": "окончание",
}


def measures_state(program: Program) -> dict[str, Any]:
    return {
        f"{m.pk}.{name}": _shown(getattr(m, name))
        for m in program.measures.all()
        for name in MEASURE_ROW_FIELDS
    }


def measures_labels(program: Program) -> Callable[[str], str]:
    titles = {str(m.pk): m.title for m in program.measures.all()}

    def label(key: str) -> str:
        pk, _, name = key.partition(".")
        title = titles.get(pk)
        where = f"мера «{_brief(title)}»" if title else "мера, которой теперь нет в программе"
        return f"{where} — {MEASURE_ROW_FIELDS.get(name, name)}"

    return label


GOAL_LABELS = {
    "text": "цель",
    "tasks": "задачи",
    "indicator": "показатель",
    "unit": "единица",
    "baseline": "базовое значение",
    "target": "целевое значение",
}


def goals_state(program: Program) -> dict[str, Any]:
    state: dict[str, Any] = {
        f"{g.pk}.{name}": getattr(g, name) for g in program.goals.all() for name in GOAL_LABELS
    }
    state["director"], state["analysis_note"] = program.director, program.analysis_note
    return state


def goals_labels(program: Program) -> Callable[[str], str]:
    texts = {str(g.pk): g.text for g in program.goals.all()}
    fixed = {"director": "руководитель программы", "analysis_note": "выводы команды по анализу"}

    def label(key: str) -> str:
        if key in fixed:
            return fixed[key]
        pk, _, name = key.partition(".")
        text = texts.get(pk)
        where = f"цель «{_brief(text)}»" if text else "цель, которой теперь нет в программе"
        return f"{where} — {GOAL_LABELS.get(name, name)}"

    return label


def _brief(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
