"""Monitoring indicators computed from records of teachers, support to schools and partnerships (no Django).

The school-level values of Приложение 1 (приказ УО № 41) that describe people and support are not typed by the
school: they follow from records — a teacher's diagnostics, ИОМ, courses, practices and events, the method
centre's support visits and the school's partnership agreements. This module holds the rules (which slot counts
which records) and the arithmetic; the Django app ``portal.staff`` only reads the records and writes the values.

Slots and rules (catalogue ids; see portal/staff/README.md for the mapping table):

* 3.1 — teachers with a diagnostic or self-diagnostic dated in the year / teachers of the school that year;
* 3.2, 3.3 — teachers whose ИОМ of the year was formed / implemented;
* 3.5 ``kk_ipk`` / ``cos_dpo_own`` / ``cos_dpo_other`` — teachers with a course of that registry in the calendar
  year;
* 3.6 ``horizontal`` / ``mentoring`` / ``supervision`` — teachers in that practice in the year (a mentor and a
  mentee both count);
* 3.7 ``teachers`` / ``heads`` — numbers of teachers outside / inside the leadership team who took part in a
  regional event; ``leadership_teams`` — number of distinct regional events the leadership team attended as a
  team;
* 3.8 ``kmc`` / ``support_visits`` / ``supervision`` / ``leader_schools`` — the school received that kind of
  support in the year (да/нет);
* 5.1 — the school has a partnership agreement in force at some point of the year (да/нет);
* 5.3 ``teachers`` / ``managers`` — numbers of teachers outside / inside the leadership team who took part in an
  inter-municipal, inter-agency, inter-regional or federal event.

A teacher counts in year ``Y`` when hired no later than ``Y`` and not left before ``Y`` (unknown years: counts).
Risk-factor inputs (:func:`risk_inputs`): share of teachers with the first or highest category, and share with a
course in ``Y-2 … Y`` (the last three calendar years).

>>> ts = [Teacher(1, 10, "first"), Teacher(2, 10, "none")]
>>> acts = [Activity("course:1", 1, "course", 2024, "kk_ipk")]
>>> v = {(x.code, x.subitem): x for x in school_values(ts, acts, [], year=2024)}
>>> v[("3.5", "kk_ipk")].number, v[("3.5", "kk_ipk")].numerator, v[("3.5", "kk_ipk")].denominator
(50.0, 1, 2)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = [
    "CATEGORIES_COUNTED",
    "INTER_LEVELS",
    "REGIONAL_LEVELS",
    "RULES",
    "Activity",
    "RiskShares",
    "Rule",
    "SchoolRecord",
    "SlotValue",
    "Teacher",
    "municipal_total",
    "risk_inputs",
    "rule_for",
    "school_values",
    "teachers_in_year",
]

#: Event levels that count for 3.7 (regional events: конференции, форумы, летняя школа, МКМЦ, конкурсы, …).
REGIONAL_LEVELS = frozenset({"regional"})
#: Event levels that count for 5.3 (межмуниципальный, межведомственный, межрегиональный уровень; federal too).
INTER_LEVELS = frozenset({"intermunicipal", "interagency", "interregional", "federal"})
#: Categories that count as «первая и высшая квалификационная категория».
CATEGORIES_COUNTED = frozenset({"first", "highest"})
#: Partnership kinds of a school that count for 5.1 (all school-level kinds).
PARTNERSHIP_KINDS = frozenset(
    {
        "leader_school",
        "resilient_school",
        "further_education",
        "professional_education",
        "cultural",
        "sports",
        "social",
        "other",
    }
)


@dataclass(frozen=True)
class Teacher:
    """A teacher (pseudonymous id only: no name is needed to count)."""

    id: int
    school: int
    category: str = "none"  # none | first | highest
    leadership: bool = False
    hired_year: int | None = None
    left_year: int | None = None


@dataclass(frozen=True)
class Activity:
    """One record of a teacher: ``kind`` diagnostic | route_formed | route_implemented | course | practice | event.

    ``detail`` is the course registry, the practice kind or the event level; ``ref`` identifies the source record
    («course:12») so that a page can list what was counted; ``team`` marks an event attended as a leadership team.
    """

    ref: str
    teacher: int
    kind: str
    year: int
    detail: str = ""
    team: bool = False
    event: str = ""  # identifies one event across teachers (title and date), for counting teams


@dataclass(frozen=True)
class SchoolRecord:
    """A record about a school: ``kind`` support | partnership; in force from ``year_from`` to ``year_to``."""

    ref: str
    school: int
    kind: str
    detail: str
    year_from: int
    year_to: int | None = None

    def in_year(self, year: int) -> bool:
        return self.year_from <= year and (self.year_to is None or self.year_to >= year)


@dataclass(frozen=True)
class Rule:
    """How one slot is computed: ``measure`` people (share of teachers) | count | teams | school (да/нет)."""

    code: str
    subitem: str
    measure: str
    source: str  # activity kind, or "support" / "partnership"
    details: frozenset[str] | None = None  # None = any detail
    who: str = "all"  # all | teachers (outside the leadership team) | leadership
    label: str = ""


RULES: tuple[Rule, ...] = (
    Rule("3.1", "", "people", "diagnostic", label="прошли диагностику/самодиагностику"),
    Rule("3.2", "", "people", "route_formed", label="сформировали ИОМ"),
    Rule("3.3", "", "people", "route_implemented", label="реализовали ИОМ"),
    Rule("3.5", "kk_ipk", "people", "course", frozenset({"kk_ipk"}), label="курсы КК ИПК (ЦНППМ)"),
    Rule(
        "3.5",
        "cos_dpo_own",
        "people",
        "course",
        frozenset({"cos_dpo_own"}),
        label="курсы ЦОС ДПО своего региона",
    ),
    Rule(
        "3.5",
        "cos_dpo_other",
        "people",
        "course",
        frozenset({"cos_dpo_other"}),
        label="курсы ЦОС ДПО других регионов",
    ),
    Rule(
        "3.6", "horizontal", "people", "practice", frozenset({"horizontal"}), label="горизонтальное обучение"
    ),
    Rule("3.6", "mentoring", "people", "practice", frozenset({"mentoring"}), label="наставничество"),
    Rule("3.6", "supervision", "people", "practice", frozenset({"supervision"}), label="супервизия"),
    Rule(
        "3.7",
        "teachers",
        "count",
        "event",
        REGIONAL_LEVELS,
        "teachers",
        "педагоги на региональных мероприятиях",
    ),
    Rule(
        "3.7",
        "heads",
        "count",
        "event",
        REGIONAL_LEVELS,
        "leadership",
        "руководители на региональных мероприятиях",
    ),
    Rule(
        "3.7", "leadership_teams", "teams", "event", REGIONAL_LEVELS, "leadership", "управленческие команды"
    ),
    Rule("3.8", "kmc", "school", "support", frozenset({"kmc"}), label="КМЦ"),
    Rule(
        "3.8",
        "support_visits",
        "school",
        "support",
        frozenset({"methodical_visit", "management_visit"}),
        label="методические и управленческие десанты",
    ),
    Rule("3.8", "supervision", "school", "support", frozenset({"supervision"}), label="супервизия"),
    Rule(
        "3.8",
        "leader_schools",
        "school",
        "support",
        frozenset({"leader_consultation"}),
        label="консультации школ-лидеров",
    ),
    Rule("5.1", "", "school", "partnership", PARTNERSHIP_KINDS, label="договоры о взаимодействии"),
    Rule("5.3", "teachers", "count", "event", INTER_LEVELS, "teachers", "педагоги на межмуниципальных и др."),
    Rule(
        "5.3",
        "managers",
        "count",
        "event",
        INTER_LEVELS,
        "leadership",
        "управленческие кадры на межмуниципальных",
    ),
)


def rule_for(code: str, subitem: str) -> Rule | None:
    """The rule of slot (``code``, ``subitem``), or None when the slot is not computed from records."""
    return next((r for r in RULES if r.code == code and r.subitem == subitem), None)


@dataclass(frozen=True)
class SlotValue:
    """A computed school value: ``number`` is a percent (people), a count, or None for да/нет (``flag``)."""

    code: str
    subitem: str
    school: int
    measure: str
    numerator: int
    denominator: int
    number: float | None
    flag: bool | None
    sources: tuple[str, ...] = field(default=())

    @property
    def key(self) -> str:
        return f"{self.code}|{self.subitem}"


def teachers_in_year(teachers: Iterable[Teacher], year: int) -> list[Teacher]:
    """Teachers working in ``year``: hired no later than it and not left before it (unknown years count)."""
    return [
        t
        for t in teachers
        if (t.hired_year is None or t.hired_year <= year) and (t.left_year is None or t.left_year >= year)
    ]


def _who(rule: Rule, teacher: Teacher) -> bool:
    if rule.who == "teachers":
        return not teacher.leadership
    if rule.who == "leadership":
        return teacher.leadership
    return True


def school_values(
    teachers: Iterable[Teacher],
    activities: Iterable[Activity],
    school_records: Iterable[SchoolRecord],
    *,
    year: int,
    schools: Iterable[int] | None = None,
) -> list[SlotValue]:
    """Every computed slot of every school for ``year``.

    Teacher-based slots are given for schools with at least one teacher in the year (no registry, no value);
    school-based slots (3.8, 5.1) for every school in ``schools`` (default: the schools that appear anywhere in
    the input). A share is ``100 × counted / teachers`` with the teachers of the school in that year.
    """
    working = teachers_in_year(teachers, year)
    by_school: dict[int, list[Teacher]] = defaultdict(list)
    for t in working:
        by_school[t.school].append(t)
    by_id = {t.id: t for t in working}
    acts = [a for a in activities if a.year == year and a.teacher in by_id]
    records = [r for r in school_records if r.in_year(year)]
    all_schools = (
        sorted(set(schools))
        if schools is not None
        else sorted(set(by_school) | {r.school for r in school_records})
    )
    out: list[SlotValue] = []
    for school in all_schools:
        staff = by_school.get(school, [])
        staff_ids = {t.id for t in staff}
        for rule in RULES:
            if rule.source in ("support", "partnership"):
                hits = [
                    r.ref
                    for r in records
                    if r.school == school
                    and r.kind == rule.source
                    and (rule.details is None or r.detail in rule.details)
                ]
                out.append(
                    SlotValue(
                        rule.code, rule.subitem, school, "school", len(hits), 0, None, bool(hits), tuple(hits)
                    )
                )
                continue
            if not staff:
                continue
            matching = [
                a
                for a in acts
                if a.teacher in staff_ids
                and a.kind == rule.source
                and (rule.details is None or a.detail in rule.details)
                and _who(rule, by_id[a.teacher])
            ]
            refs = tuple(a.ref for a in matching)
            if rule.measure == "teams":
                teams = len({a.event or a.ref for a in matching if a.team})
                out.append(
                    SlotValue(rule.code, rule.subitem, school, "teams", teams, 0, float(teams), None, refs)
                )
                continue
            people = len({a.teacher for a in matching})
            if rule.measure == "count":
                out.append(
                    SlotValue(rule.code, rule.subitem, school, "count", people, 0, float(people), None, refs)
                )
            else:
                share = round(100.0 * people / len(staff), 1)
                out.append(
                    SlotValue(
                        rule.code, rule.subitem, school, "people", people, len(staff), share, None, refs
                    )
                )
    return out


def municipal_total(values: Iterable[SlotValue]) -> tuple[float | None, int, int]:
    """One slot over several schools: (value, numerator, denominator).

    People: the share of all counted teachers among all teachers (a sum of numerators over a sum of
    denominators, not a mean of school shares). Counts and teams: the sum. Да/нет: the share of schools with «да».
    """
    items = list(values)
    if not items:
        return None, 0, 0
    measure = items[0].measure
    if measure == "people":
        num, den = sum(v.numerator for v in items), sum(v.denominator for v in items)
        return (round(100.0 * num / den, 1) if den else None), num, den
    if measure == "school":
        yes = sum(1 for v in items if v.flag)
        return round(100.0 * yes / len(items), 1), yes, len(items)
    total = sum(v.numerator for v in items)
    return float(total), total, 0


@dataclass(frozen=True)
class RiskShares:
    """Risk-factor inputs of one school in one year (percent, one decimal); None when the school has no teachers."""

    school: int
    teachers: int
    share_category_first_highest: float | None
    share_trained_3y: float | None


def risk_inputs(
    teachers: Iterable[Teacher], activities: Iterable[Activity], *, year: int
) -> list[RiskShares]:
    """Per school: the share of teachers with the first or highest category and the share trained in ``Y-2 … Y``.

    >>> ts = [Teacher(1, 5, "highest"), Teacher(2, 5, "none"), Teacher(3, 5, "first"), Teacher(4, 5)]
    >>> acts = [Activity("course:9", 2, "course", 2022), Activity("course:8", 3, "course", 2021)]
    >>> risk_inputs(ts, acts, year=2024)[0]
    RiskShares(school=5, teachers=4, share_category_first_highest=50.0, share_trained_3y=25.0)
    """
    working = teachers_in_year(teachers, year)
    trained = {a.teacher for a in activities if a.kind == "course" and year - 2 <= a.year <= year}
    by_school: dict[int, list[Teacher]] = defaultdict(list)
    for t in working:
        by_school[t.school].append(t)
    out = []
    for school in sorted(by_school):
        staff = by_school[school]
        n = len(staff)
        categorised = sum(1 for t in staff if t.category in CATEGORIES_COUNTED)
        with_course = sum(1 for t in staff if t.id in trained)
        out.append(
            RiskShares(school, n, round(100.0 * categorised / n, 1), round(100.0 * with_course / n, 1))
        )
    return out
