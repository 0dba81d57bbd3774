"""The data model of an indicator catalogue: buckets, targets, record rules, subitems, indicators, sets.

``opora.indicator_catalogue`` reads these from YAML and validates them; this module only describes them (and
answers the small questions every reader asks: which bucket holds a value, is a target met, which record rule
decides a school's answer, which levels of education a kind of school teaches).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

__all__ = [
    "EDUCATION_LEVELS",
    "RECORD_MODES",
    "RECORD_SOURCES",
    "SCHOOL_KIND_LEVELS",
    "TARGET_MEASURES",
    "Block",
    "Bucket",
    "BucketScheme",
    "CatalogueError",
    "Indicator",
    "IndicatorSet",
    "RecordRule",
    "Subitem",
    "Target",
    "levels_of_kind",
]


class CatalogueError(ValueError):
    """A catalogue file is malformed; the message (Russian) names the file, the item and the field."""


# --------------------------------------------------------------------------------------------- buckets


@dataclass(frozen=True)
class Bucket:
    """An interval of a percent; ``None`` bounds are unbounded; each bound is closed (included) or open.

    The source prints ranges such as «6 – 10%», «11 – 15%», «более 30%»: «6 – 10%» is ``[5, 10]`` (5 is not
    «менее 5%»), «11 – 15%» is ``(10, 15]`` and «более 30%» is ``(30, +∞)`` — so 30,8 % (4 schools of 13) is
    «более 30%», never «26 – 30%».

    >>> Bucket("26_30", "26 – 30%", 25, 30, lower_closed=False, upper_closed=True).contains(30.0)
    True
    >>> Bucket("gt30", "более 30%", 30, None, lower_closed=False).contains(100 * 4 / 13)
    True
    """

    code: str
    label: str
    lower: float | None
    upper: float | None
    lower_closed: bool = True
    upper_closed: bool = False

    def contains(self, value: float) -> bool:
        above = self.lower is None or value > self.lower or (self.lower_closed and value == self.lower)
        below = self.upper is None or value < self.upper or (self.upper_closed and value == self.upper)
        return above and below

    @property
    def interval(self) -> str:
        """The bounds in interval notation, with a decimal comma: «(25; 30]», «(−∞; 5)»."""

        def num(v: float) -> str:
            return f"{v:g}".replace(".", ",")

        low = "(−∞" if self.lower is None else ("[" if self.lower_closed else "(") + num(self.lower)
        high = "+∞)" if self.upper is None else num(self.upper) + ("]" if self.upper_closed else ")")
        return f"{low}; {high}"


@dataclass(frozen=True)
class BucketScheme:
    """Ordered buckets covering the whole real line without gaps or overlaps (checked on load)."""

    name: str
    label: str
    buckets: tuple[Bucket, ...]

    def bucket_for(self, value: float) -> Bucket:
        """The one bucket holding ``value`` (the bounds are exactly as the source prints them)."""
        if math.isnan(value):
            raise ValueError(f"шкала «{self.name}»: значение не число (NaN)")
        for bucket in self.buckets:
            if bucket.contains(value):
                return bucket
        raise ValueError(f"шкала «{self.name}» не покрывает значение {value}")  # unreachable after validation


# --------------------------------------------------------------------------------------------- targets

#: What a target is compared with: the indicator's value, or the share of base schools with any «да» / person.
TARGET_MEASURES: Final[Mapping[str, str]] = {
    "value": "значение показателя",
    "share_of_schools_with_any": "доля школ, где есть хотя бы один участник (ответ «да»)",
}
_OP_WORDS: Final = {">=": "не менее", ">": "более", "<=": "не более", "<": "менее", "==": "ровно"}


@dataclass(frozen=True)
class Target:
    """A yearly target such as «не менее 50 % ШНРО» (``op=">="``, ``value=50``, ``base="shnor"``).

    ``base``: the schools the target counts (``shnor``, ``program_schools``, ``at_risk``, ``all_schools``);
    ``None`` means the indicator's own target group. ``measure``: see :data:`TARGET_MEASURES`. ``document``: the
    short name of the document that sets it («Приложение 1», «дорожная карта 2023–2025»); ``source``: the quotation
    with its line.
    """

    year: int
    op: str
    value: float | bool
    unit: str | None = None
    source: str | None = None
    note: str | None = None
    base: str | None = None
    measure: str = "value"
    document: str | None = None

    def is_met(self, value: float | bool | None) -> bool | None:
        """Whether ``value`` meets the target; ``None`` when there is no value yet."""
        if value is None:
            return None
        if isinstance(self.value, bool) or isinstance(value, bool):
            # A yes/no target is compared only with a yes/no value; mixing kinds has no answer.
            both_bool = isinstance(self.value, bool) and isinstance(value, bool)
            return (value == self.value) if both_bool else None
        return {
            ">=": value >= self.value,
            ">": value > self.value,
            "<=": value <= self.value,
            "<": value < self.value,
            "==": value == self.value,
        }[self.op]

    @property
    def shown(self) -> str:
        """«не менее 50 %», «да».

        >>> Target(2024, ">=", 50.0, "%").shown, Target(2022, "==", True).shown
        ('не менее 50 %', 'да')
        """
        if isinstance(self.value, bool):
            return "да" if self.value else "нет"
        number = f"{self.value:g}".replace(".", ",")
        suffix = " %" if self.unit == "%" else ""
        return f"{_OP_WORDS[self.op]} {number}{suffix}"


# --------------------------------------------------------------------------------------------- record rules

#: Records of the system that decide a school's (or the authority's) answer, with what each one means.
RECORD_SOURCES: Final[Mapping[str, str]] = {
    "shppko_approved": "утверждённая (или опубликованная) ШППКО в Конструкторе, срок которой включает год",
    "shppko_built": "ШППКО, созданная в Конструкторе (любая версия, любой статус), срок которой включает год",
    "failure_program_approved": (
        "утверждённая (или опубликованная) программа профилактики учебной неуспешности в Конструкторе, "
        "срок которой включает год"
    ),
    "registry": (
        "документ реестра «Документы программы», действовавший в этом году и отмеченный как подтверждающий "
        "показатель"
    ),
    "public_page": (
        "документы, опубликованные на специализированной странице программы (разделы «Программы», "
        "«Дорожные карты», «Нормативные документы»)"
    ),
    "public_reports": "аналитические материалы, опубликованные на странице программы (раздел «Отчётные документы»)",
    "risk_data": "данные о факторах риска школы за год (вакансии, скорость Интернета, оснащение) загружены",
}
#: ``decides``: the records give «да» or «нет» (the answer is never typed); ``yes_only``: a record proves «да»,
#: without one the answer is typed.
RECORD_MODES: Final = ("decides", "yes_only")


@dataclass(frozen=True)
class RecordRule:
    """Which records decide an answer: any of ``sources`` gives «да»; ``mode`` says what their absence means."""

    sources: tuple[str, ...]
    mode: str = "decides"

    @property
    def decides(self) -> bool:
        return self.mode == "decides"

    @property
    def text(self) -> str:
        """The rule as a Russian sentence (for the form, the card and docs/catalogue-notes.md)."""
        found = "; или ".join(RECORD_SOURCES[s] for s in self.sources)
        absent = "иначе «нет»" if self.decides else "иначе ответ вводит школа"
        return f"«Да», если есть: {found}; {absent}."


# --------------------------------------------------------------------------------------------- education levels

#: Levels of general education (ООП НОО, ООО, СОО) an indicator may be split by (7.7).
EDUCATION_LEVELS: Final[Mapping[str, str]] = {"noo": "НОО", "ooo": "ООО", "soo": "СОО"}
#: The levels each kind of school teaches: an ООШ has no СОО; an evening (open, shift) school teaches ООО and
#: СОО only. Kinds are the codes of ``portal.schools.models.School.Kind``.
SCHOOL_KIND_LEVELS: Final[Mapping[str, tuple[str, ...]]] = {
    "sosh": ("noo", "ooo", "soo"),
    "oosh": ("noo", "ooo"),
    "evening": ("ooo", "soo"),
    "gymnasium": ("noo", "ooo", "soo"),
    "lyceum": ("noo", "ooo", "soo"),
    "other": ("noo", "ooo", "soo"),
}


def levels_of_kind(kind: str) -> tuple[str, ...]:
    """The levels a kind of school teaches (an unknown kind: all three).

    >>> levels_of_kind("oosh"), levels_of_kind("evening")
    (('noo', 'ooo'), ('ooo', 'soo'))
    """
    return SCHOOL_KIND_LEVELS.get(kind, tuple(EDUCATION_LEVELS))


# --------------------------------------------------------------------------------------------- items


@dataclass(frozen=True)
class Subitem:
    """A part of an indicator that has its own value (a course registry, a risk factor, a subject…)."""

    code: str
    label: str
    levels: tuple[str, ...]
    municipal_wording: str | None = None
    school_wording: str | None = None
    targets: Mapping[int, tuple[Target, ...]] = field(default_factory=dict)
    note: str | None = None
    #: level ("school"/"municipal") → the records that decide the value (overrides the indicator's)
    records: Mapping[str, RecordRule] = field(default_factory=dict)
    #: a level of education (EDUCATION_LEVELS): only schools teaching it have this value (7.7)
    education_level: str | None = None


@dataclass(frozen=True)
class Block:
    """A heading of the source document, with its number as printed and its roadmap direction (1–6)."""

    code: str
    source_number: str | None
    title: str
    direction: int
    source_lines: tuple[str, ...]


@dataclass(frozen=True)
class Indicator:
    """One monitoring indicator at the municipal and (optionally) the school level."""

    id: str
    source_number: str | None
    block: str | None
    direction: int
    municipal_wording: str | None
    municipal_type: str | None
    school_wording: str | None
    school_type: str | None
    derivation: str | None
    target_group: str | None
    source_lines: tuple[str, ...]
    municipal_indicator_text: str | None = None
    school_indicator_text: str | None = None
    bucket_scheme: str | None = None
    school_bucket_scheme: str | None = None
    status_labels: Mapping[str, str] = field(default_factory=dict)
    subitems: tuple[Subitem, ...] = ()
    targets: Mapping[int, tuple[Target, ...]] = field(default_factory=dict)
    note: str | None = None
    records: Mapping[str, RecordRule] = field(default_factory=dict)

    def subitem(self, code: str) -> Subitem:
        for sub in self.subitems:
            if sub.code == code:
                return sub
        raise KeyError(code)

    def all_targets(self) -> dict[tuple[str | None, int], tuple[Target, ...]]:
        """Targets of the indicator (key ``(None, year)``) and of its subitems (key ``(code, year)``)."""
        out: dict[tuple[str | None, int], tuple[Target, ...]] = {
            (None, y): t for y, t in self.targets.items()
        }
        for sub in self.subitems:
            out.update({(sub.code, y): t for y, t in sub.targets.items()})
        return out

    def record_rule(self, subitem: str | None, level: str) -> RecordRule | None:
        """The records that decide the value of a slot at ``level`` (the subitem's rule, else the indicator's)."""
        if subitem:
            rule = self.subitem(subitem).records.get(level)
            if rule is not None:
                return rule
        return self.records.get(level)


@dataclass(frozen=True)
class IndicatorSet:
    """A validated catalogue: set metadata, bucket schemes, blocks and indicators in source order."""

    code: str
    title: str
    source: str
    source_file: str | None
    buckets: Mapping[str, BucketScheme]
    blocks: Mapping[str, Block]
    indicators: tuple[Indicator, ...]

    def get(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def ids(self) -> list[str]:
        return [ind.id for ind in self.indicators]
