"""What the engine knows about its inputs: context variables with their direction and range, and risk factors.

The shipped catalogue of КИАСУО-like context variables carries each variable's direction (docs/methodology.md
R4): −1 means a larger value is less favourable (a larger share of students from low-income families), +1 a
larger value is more favourable. A variable outside the catalogue has no direction here and must be declared by
whoever uses it (config, command line or the settings form): the engine never guesses it (issue: a poverty share
taken as «higher = better» labelled the least poor schools as adverse).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "CONTEXT_CATALOGUE",
    "RISK_FACTORS",
    "RISK_INPUTS",
    "ContextVariable",
    "context_label",
    "known_direction",
]


@dataclass(frozen=True, slots=True)
class ContextVariable:
    """``direction``: −1, +1 or None (not known: must be declared); ``low``/``high``: plausible range."""

    code: str
    label: str
    direction: int | None
    low: float
    high: float
    unit: str = "%"


#: КИАСУО-like context variables (methodology-research §1.4; SEED-A §3, SEED-B Прил. 2).
CONTEXT_CATALOGUE: Final[dict[str, ContextVariable]] = {
    v.code: v
    for v in (
        ContextVariable("low_income_share", "Доля обучающихся из малообеспеченных семей", -1, 0.0, 100.0),
        ContextVariable("tzhs_share", "Доля обучающихся в трудной жизненной ситуации (ТЖС)", -1, 0.0, 100.0),
        ContextVariable("special_needs_share", "Доля обучающихся с ОВЗ", -1, 0.0, 100.0),
        ContextVariable(
            "registered_share", "Доля обучающихся, состоящих на учёте (ВШУ, ПДН, КДН, СОП)", -1, 0.0, 100.0
        ),
        ContextVariable(
            "parents_no_higher_edu_share",
            "Доля обучающихся, у которых родители без высшего образования",
            -1,
            0.0,
            100.0,
        ),
        ContextVariable("single_parent_share", "Доля обучающихся из неполных семей", -1, 0.0, 100.0),
        ContextVariable("non_native_share", "Доля детей-инофонов", -1, 0.0, 100.0),
        ContextVariable(
            "unemployed_parent_share", "Доля семей, где один или оба родителя безработные", -1, 0.0, 100.0
        ),
        ContextVariable("rural", "Сельская школа (1 — да, 0 — нет)", -1, 0.0, 1.0, unit=""),
        # School size cuts both ways (малокомплектность vs. crowding): its direction must be declared.
        ContextVariable("students", "Численность обучающихся", None, 0.0, 100_000.0, unit="чел."),
    )
}

#: Plausible range of a context variable outside the catalogue: a share of students, in percent.
DEFAULT_CONTEXT_RANGE: Final = (0.0, 100.0)


def known_direction(code: str) -> int | None:
    """The catalogue's direction of a context variable, or None when it must be declared."""
    item = CONTEXT_CATALOGUE.get(code)
    return item.direction if item else None


def context_label(code: str) -> str:
    """Russian name of a context variable; a variable outside the catalogue keeps its column name."""
    item = CONTEXT_CATALOGUE.get(code)
    return item.label if item else code


#: Risk-factor codes in the order of SEED-B Прил. 1–2 with their Russian labels (shown at the edge). The first
#: five are the municipal monitoring programme's factors (Прил. 1, стр. 95–107); «computers_lacking» is the
#: order's «отсутствие достаточного количества компьютерной техники» (Прил. 2), one of the three factors of its
#: risk-zone rule.
RISK_FACTORS: Final = {
    "staff_vacancies": "Дефицит педагогических кадров (наличие вакансий)",
    "internet_slow": "Низкий уровень Интернета",
    "low_categories": "Низкая доля педагогов с первой и высшей категориями",
    "low_training": "Низкая доля педагогов, прошедших повышение квалификации за 3 года",
    "equipment_gap": "Недостаточность материально-технического оснащения",
    "computers_lacking": "Недостаточно компьютерной техники",
}

#: The input column of each factor (RISK_SCHEMA).
RISK_INPUTS: Final = {
    "staff_vacancies": "staff_vacancies",
    "internet_slow": "internet_mbps",
    "low_categories": "share_category_first_highest",
    "low_training": "share_trained_3y",
    "equipment_gap": "equipment_complete",
    "computers_lacking": "computers_sufficient",
}

#: SEED-B Прил. 2: «в зоне риска по показателям: отсутствие устойчивого доступа в ИНТЕРНЕТ, отсутствие
#: достаточного количества компьютерной техники, дефицит педагогических кадров (не менее двух факторов)».
ORDER_RISK_ZONE_FACTORS: Final = ("internet_slow", "computers_lacking", "staff_vacancies")
