"""The program's roadmaps («дорожные карты»), shipped as YAML data and loaded into frozen dataclasses.

``opora/data/roadmaps/*.yaml`` transcribe the two roadmaps of the founding documents: 2022–2023 (SEED-A,
``000_…``) and 2023–2025 (SEED-B, ``002_…``), and the stages and mechanisms of the 2020–2022 program (000 §7–§8),
tracked the same way. Each item is a measure with its yearly planned results, the
responsible executors (as printed, plus our role codes), the deadline as printed and a normalised
:class:`Schedule`, the evidence documents, the Приложение 1 indicators it feeds and the seed lines it was read
from. How the broken PDF table was reconstructed is told in ``docs/roadmap-notes.md``.

Loading validates the whole file and raises :class:`CatalogueError` with a Russian message naming the file, the
item code and the field. Pure Python: PyYAML and the standard library only.

Due dates (:meth:`Schedule.due_dates`), for a calendar year ``Y``:

* ``yearly`` — 31 December of ``Y`` (a result planned for year ``Y`` is due by the end of that year);
* ``permanent`` («постоянно») — 31 December of ``Y``: ongoing work is checked once a year, at the year's end;
* ``monthly`` («ежемесячно») — the last day of each month of ``Y`` (of the listed ``months`` only, if given);
* ``school_year`` («в течение учебного года») — 31 May of ``Y``: the school year ``Y-1/Y`` ends in May;
* ``period`` (e.g. «ноябрь – декабрь») — the last day of the last listed month, in ``Y``;
* ``date`` — the date itself if it falls in ``Y``, otherwise nothing.

>>> Schedule(kind="period", months=(11, 12)).due_dates(2024)
[datetime.date(2024, 12, 31)]
>>> Schedule(kind="school_year").due_dates(2024)
[datetime.date(2024, 5, 31)]
>>> [d.day for d in Schedule(kind="monthly").due_dates(2024)][:3]
[31, 29, 31]
"""

from __future__ import annotations

import calendar
import datetime
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

import yaml

from opora.indicator_catalogue import CatalogueError

__all__ = [
    "ROADMAPS_DIR",
    "ROLE_CODES",
    "SCHEDULE_KINDS",
    "CatalogueError",
    "Direction",
    "Roadmap",
    "RoadmapItem",
    "Schedule",
    "builtin_roadmaps",
    "load_roadmap",
]

ROADMAPS_DIR: Final = Path(__file__).resolve().parent / "data" / "roadmaps"

#: Normalised schedule kinds (see the module docstring for their due dates).
SCHEDULE_KINDS: Final = ("permanent", "monthly", "school_year", "period", "date", "yearly")

#: Role codes an executor is mapped to (glossary: coordinator, method_centre, school team).
ROLE_CODES: Final = ("coordinator", "method_centre", "school_team")

#: Last day of the school year (31 May), used by the ``school_year`` kind.
SCHOOL_YEAR_END: Final = (5, 31)


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class Direction:
    """A direction (section) of a roadmap: its number and title as printed in the source."""

    number: int
    title: str
    table_title: str | None = None


@dataclass(frozen=True)
class Schedule:
    """Normalised deadline of a roadmap item: a kind, optional months (1–12) and an optional fixed date."""

    kind: str
    months: tuple[int, ...] | None = None
    date: datetime.date | None = None

    def due_dates(self, year: int) -> list[datetime.date]:
        """Due date(s) of the item in calendar year ``year``, ascending (rules in the module docstring).

        >>> Schedule(kind="date", date=datetime.date(2022, 2, 18)).due_dates(2023)
        []
        >>> Schedule(kind="monthly", months=(9, 10)).due_dates(2023)
        [datetime.date(2023, 9, 30), datetime.date(2023, 10, 31)]
        """
        if self.kind in ("yearly", "permanent"):
            return [datetime.date(year, 12, 31)]
        if self.kind == "school_year":
            return [datetime.date(year, *SCHOOL_YEAR_END)]
        if self.kind == "monthly":
            months = self.months if self.months else tuple(range(1, 13))
            return sorted(_month_end(year, m) for m in months)
        if self.kind == "period":
            if not self.months:
                raise ValueError("period schedule without months")
            return [_month_end(year, self.months[-1])]
        if self.kind == "date":
            if self.date is None:
                raise ValueError("date schedule without a date")
            return [self.date] if self.date.year == year else []
        raise ValueError(f"unknown schedule kind {self.kind!r}")

    def overdue_dates(self, year: int, today: datetime.date) -> list[datetime.date]:
        """The due dates of ``year`` that are already past on ``today`` (strictly before it).

        >>> Schedule(kind="period", months=(11, 12)).overdue_dates(2024, datetime.date(2025, 1, 1))
        [datetime.date(2024, 12, 31)]
        """
        return [d for d in self.due_dates(year) if d < today]


@dataclass(frozen=True)
class RoadmapItem:
    """One measure of a roadmap with its yearly results, executors, schedule and evidence."""

    code: str
    direction: int
    measure: str
    results: Mapping[int, str] = field(hash=False)
    responsible: tuple[str, ...]
    responsible_roles: tuple[str, ...]
    deadline: str | None
    schedule: Schedule
    evidence: tuple[str, ...]
    indicators: tuple[str, ...]
    source_lines: tuple[int, int]
    source_number: str | None = None
    group: str | None = None
    results_note: str | None = None
    indicators_note: str | None = None
    responsible_roles_note: str | None = None
    note: str | None = None

    @property
    def result_years(self) -> tuple[int, ...]:
        """The years for which the source plans a result, ascending."""
        return tuple(sorted(self.results))

    def due_dates(self, year: int) -> list[datetime.date]:
        """Due dates in ``year``; empty when the item plans no result for that year."""
        return self.schedule.due_dates(year) if year in self.results else []


@dataclass(frozen=True)
class Roadmap:
    """A whole roadmap: identity, source document, years, directions and items (in source order)."""

    code: str
    title: str
    source: Mapping[str, str | None] = field(hash=False)
    years: tuple[int, ...]
    directions: tuple[Direction, ...]
    items: tuple[RoadmapItem, ...]

    def item(self, code: str) -> RoadmapItem:
        """The item with this code; ``KeyError`` if there is none."""
        for it in self.items:
            if it.code == code:
                return it
        raise KeyError(code)

    def items_of(self, direction: int) -> tuple[RoadmapItem, ...]:
        """The items of one direction, in source order."""
        return tuple(it for it in self.items if it.direction == direction)


class _Reader:
    """Field readers that raise :class:`CatalogueError` naming the file, the item and the field."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, fieldname: str, problem: str) -> CatalogueError:
        return CatalogueError(f"{self.path.name}: {where}, поле «{fieldname}»: {problem}")

    def text(self, data: Mapping[str, Any], key: str, where: str, *, optional: bool = False) -> str | None:
        value = data.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, key, "ожидается непустая строка")
        return " ".join(value.split())

    def required_text(self, data: Mapping[str, Any], key: str, where: str) -> str:
        value = self.text(data, key, where)
        assert value is not None
        return value

    def texts(self, data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if value is None:
            value = []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(where, key, "ожидается список непустых строк")
        return tuple(" ".join(v.split()) for v in value)

    def integer(self, value: Any, where: str, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(where, key, f"ожидается целое число, получено {value!r}")
        return value


def _parse_schedule(reader: _Reader, raw: Any, where: str) -> Schedule:
    if not isinstance(raw, Mapping):
        raise reader.fail(where, "schedule", "ожидается словарь {kind, months, date}")
    kind = raw.get("kind")
    if kind not in SCHEDULE_KINDS:
        raise reader.fail(
            where, "schedule.kind", f"неизвестный вид срока {kind!r}; допустимы: {', '.join(SCHEDULE_KINDS)}"
        )
    months_raw = raw.get("months")
    months: tuple[int, ...] | None = None
    if months_raw is not None:
        if not isinstance(months_raw, list) or not months_raw:
            raise reader.fail(where, "schedule.months", "ожидается непустой список месяцев или null")
        months = tuple(reader.integer(m, where, "schedule.months") for m in months_raw)
        if any(not 1 <= m <= 12 for m in months):
            raise reader.fail(where, "schedule.months", f"месяц вне диапазона 1–12: {list(months)}")
    date_raw = raw.get("date")
    date: datetime.date | None = None
    if date_raw is not None:
        if isinstance(date_raw, datetime.date):
            date = date_raw
        else:
            try:
                date = datetime.date.fromisoformat(str(date_raw))
            except ValueError as exc:
                raise reader.fail(
                    where, "schedule.date", f"ожидается дата ГГГГ-ММ-ДД, получено {date_raw!r}"
                ) from exc
    if kind == "period" and months is None:
        raise reader.fail(where, "schedule.months", "для вида «period» нужны месяцы")
    if kind == "date" and date is None:
        raise reader.fail(where, "schedule.date", "для вида «date» нужна дата")
    return Schedule(kind=kind, months=months, date=date)


def _parse_item(
    reader: _Reader, raw: Any, index: int, years: tuple[int, ...], directions: set[int]
) -> RoadmapItem:
    if not isinstance(raw, Mapping):
        raise reader.fail(f"пункт №{index + 1}", "items", "ожидается словарь")
    code_raw = raw.get("code")
    if not isinstance(code_raw, str) or not code_raw.strip():
        raise reader.fail(f"пункт №{index + 1}", "code", "ожидается непустая строка")
    code = code_raw.strip()
    where = f"пункт «{code}»"
    direction = reader.integer(raw.get("direction"), where, "direction")
    if direction not in directions:
        raise reader.fail(
            where, "direction", f"направление {direction} нет в списке направлений {sorted(directions)}"
        )
    results_raw = raw.get("results")
    if not isinstance(results_raw, Mapping) or not results_raw:
        raise reader.fail(where, "results", "ожидается непустой словарь год → результат")
    results: dict[int, str] = {}
    for key, value in results_raw.items():
        try:
            year = int(key)
        except (TypeError, ValueError) as exc:
            raise reader.fail(where, "results", f"год {key!r} не число") from exc
        if year not in years:
            raise reader.fail(where, "results", f"год {year} вне лет дорожной карты {list(years)}")
        if value is None and raw.get("results_note"):
            results[year] = ""  # the source states no result for the year; results_note says so
            continue
        if not isinstance(value, str) or not value.strip():
            raise reader.fail(
                where,
                f"results.{year}",
                "ожидается непустая строка (null — только с пояснением results_note)",
            )
        results[year] = " ".join(value.split())
    roles = reader.texts(raw, "responsible_roles", where)
    unknown = [r for r in roles if r not in ROLE_CODES]
    if unknown:
        raise reader.fail(
            where, "responsible_roles", f"неизвестные роли {unknown}; допустимы: {list(ROLE_CODES)}"
        )
    lines_raw = raw.get("source_lines")
    if not isinstance(lines_raw, list) or len(lines_raw) != 2:
        raise reader.fail(where, "source_lines", "ожидается [первая строка, последняя строка]")
    first, last = (reader.integer(n, where, "source_lines") for n in lines_raw)
    if first > last:
        raise reader.fail(where, "source_lines", f"первая строка {first} больше последней {last}")
    source_number = raw.get("source_number")
    return RoadmapItem(
        code=code,
        direction=direction,
        measure=reader.required_text(raw, "measure", where),
        results=MappingProxyType(results),
        responsible=reader.texts(raw, "responsible", where),
        responsible_roles=roles,
        deadline=reader.text(raw, "deadline", where, optional=True),
        schedule=_parse_schedule(reader, raw.get("schedule"), where),
        evidence=reader.texts(raw, "evidence", where),
        indicators=reader.texts(raw, "indicators", where),
        source_lines=(first, last),
        source_number=None if source_number is None else str(source_number),
        group=reader.text(raw, "group", where, optional=True),
        results_note=reader.text(raw, "results_note", where, optional=True),
        indicators_note=reader.text(raw, "indicators_note", where, optional=True),
        responsible_roles_note=reader.text(raw, "responsible_roles_note", where, optional=True),
        note=reader.text(raw, "note", where, optional=True),
    )


def load_roadmap(path: str | PathLike[str]) -> Roadmap:
    """Load and validate one roadmap file; raise :class:`CatalogueError` (Russian message) if it is malformed."""
    file = Path(path)
    reader = _Reader(file)
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{file.name}: файл не читается как YAML: {exc}") from exc
    if not isinstance(data, Mapping):
        raise CatalogueError(f"{file.name}: ожидается словарь с ключами roadmap, directions, items")
    head = data.get("roadmap")
    if not isinstance(head, Mapping):
        raise reader.fail("заголовок", "roadmap", "ожидается словарь")
    years_raw = head.get("years")
    if not isinstance(years_raw, list) or not years_raw:
        raise reader.fail("заголовок", "roadmap.years", "ожидается непустой список лет")
    years = tuple(reader.integer(y, "заголовок", "roadmap.years") for y in years_raw)
    source_raw = head.get("source")
    if not isinstance(source_raw, Mapping):
        raise reader.fail("заголовок", "roadmap.source", "ожидается словарь {document, date, number}")
    source = {str(k): None if v is None else " ".join(str(v).split()) for k, v in source_raw.items()}

    directions_raw = data.get("directions")
    if not isinstance(directions_raw, list) or not directions_raw:
        raise reader.fail("заголовок", "directions", "ожидается непустой список направлений")
    directions: list[Direction] = []
    for raw in directions_raw:
        if not isinstance(raw, Mapping):
            raise reader.fail("направление", "directions", "ожидается словарь {number, title}")
        number = reader.integer(raw.get("number"), "направление", "number")
        where = f"направление {number}"
        if any(d.number == number for d in directions):
            raise reader.fail(where, "number", f"номер направления {number} повторяется")
        directions.append(
            Direction(
                number=number,
                title=reader.required_text(raw, "title", where),
                table_title=reader.text(raw, "table_title", where, optional=True),
            )
        )

    items_raw = data.get("items")
    if not isinstance(items_raw, list) or not items_raw:
        raise reader.fail("заголовок", "items", "ожидается непустой список пунктов")
    numbers = {d.number for d in directions}
    items: list[RoadmapItem] = []
    seen: set[str] = set()
    for index, raw in enumerate(items_raw):
        item = _parse_item(reader, raw, index, years, numbers)
        if item.code in seen:
            raise reader.fail(f"пункт «{item.code}»", "code", f"код «{item.code}» повторяется")
        seen.add(item.code)
        items.append(item)

    return Roadmap(
        code=reader.required_text(head, "code", "заголовок"),
        title=reader.required_text(head, "title", "заголовок"),
        source=MappingProxyType(source),
        years=years,
        directions=tuple(directions),
        items=tuple(items),
    )


@functools.cache
def _builtin() -> tuple[Roadmap, ...]:
    return tuple(load_roadmap(p) for p in sorted(ROADMAPS_DIR.glob("*.yaml")))


def builtin_roadmaps() -> dict[str, Roadmap]:
    """The roadmaps shipped in ``opora/data/roadmaps``, keyed by their code (e.g. ``minusinsk_2023_2025``)."""
    result: dict[str, Roadmap] = {}
    for roadmap in _builtin():
        if roadmap.code in result:
            raise CatalogueError(f"{ROADMAPS_DIR.name}: код дорожной карты «{roadmap.code}» повторяется")
        result[roadmap.code] = roadmap
    return result
