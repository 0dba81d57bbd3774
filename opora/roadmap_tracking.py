"""Tracking of roadmap items: effective status, overdue and due-soon lists, and the coordinator's digest.

Pure Python (standard library only), so the rules can be tested with hand-worked dates and reused outside the
portal. An *entry* is one year of one roadmap item (a measure with its planned result for that year).

Rules (``today`` is a calendar date in the authority's time zone):

* A stored status is ``planned``, ``in_progress`` or ``done``; ``overdue`` is never stored, it is derived.
* **Overdue** — the entry is not done and one of its due dates is already past (strictly before ``today``).
  This is the one definition of «просрочено» in the product: every page, export and document that counts
  overdue entries calls :func:`overdue_since` on the entries of an :class:`OverdueScope` and shows
  :meth:`OverdueScope.describe` beside the number, so two numbers differ only when their scopes (shown) do.
  The due dates of a year come from :meth:`opora.roadmap_catalogue.Schedule.due_dates` (31 December for
  yearly/permanent items, the last day of each month for monthly ones, 31 May for «в течение учебного года», the
  last day of the period for «ноябрь – декабрь», the date itself for a fixed date). For a monthly item this means
  that the first missed month-end makes the year overdue.
* **Due soon** — not done, not overdue, and the next due date is within ``soon_days`` days:
  ``today <= due <= today + soon_days``.
* **Recently done** — done, with ``done_on`` within the last ``recent_days`` days: ``today - recent_days <=
  done_on <= today``.

>>> import datetime as dt
>>> effective_status("in_progress", (dt.date(2024, 12, 31),), dt.date(2025, 1, 1))
'overdue'
>>> effective_status("in_progress", (dt.date(2024, 12, 31),), dt.date(2024, 12, 31))
'in_progress'
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

__all__ = [
    "DEFAULT_RECENT_DAYS",
    "DEFAULT_SOON_DAYS",
    "STATUSES",
    "STATUS_LABELS",
    "STORED_STATUSES",
    "Buckets",
    "Entry",
    "Flagged",
    "OverdueScope",
    "classify",
    "days_word",
    "digest_text",
    "effective_status",
    "fmt_date",
    "next_due",
    "overdue_since",
]

#: Statuses a user can set (and the database stores).
STORED_STATUSES: Final = ("planned", "in_progress", "done")
#: Every status shown, including the derived ``overdue``.
STATUSES: Final = ("planned", "in_progress", "done", "overdue")
STATUS_LABELS: Final = {
    "planned": "запланировано",
    "in_progress": "выполняется",
    "done": "выполнено",
    "overdue": "просрочено",
}
DEFAULT_SOON_DAYS: Final = 30
DEFAULT_RECENT_DAYS: Final = 30


@dataclass(frozen=True)
class Entry:
    """One year of one roadmap item, as the tracking rules need it (``key`` identifies it for the caller)."""

    key: str
    title: str
    year: int
    status: str
    due_dates: tuple[datetime.date, ...]
    direction: int = 0
    responsible: str = ""
    done_on: datetime.date | None = None
    #: Where the item belongs: «» for the municipal roadmap, the school's name for a school roadmap.
    owner: str = ""

    def __post_init__(self) -> None:
        if self.status not in STORED_STATUSES:
            raise ValueError(f"unknown stored status {self.status!r}; expected one of {STORED_STATUSES}")


def overdue_since(
    status: str, due_dates: Iterable[datetime.date], today: datetime.date
) -> datetime.date | None:
    """The earliest due date already past if the entry is not done, else ``None``.

    >>> overdue_since("planned", [datetime.date(2024, 5, 31)], datetime.date(2024, 6, 1))
    datetime.date(2024, 5, 31)
    >>> overdue_since("done", [datetime.date(2024, 5, 31)], datetime.date(2024, 6, 1)) is None
    True
    """
    if status == "done":
        return None
    past = [d for d in due_dates if d < today]
    return min(past) if past else None


def effective_status(status: str, due_dates: Iterable[datetime.date], today: datetime.date) -> str:
    """The status to show: the stored one, or ``overdue`` when a due date has passed without the entry done."""
    if status not in STORED_STATUSES:
        raise ValueError(f"unknown stored status {status!r}")
    return "overdue" if overdue_since(status, due_dates, today) is not None else status


def next_due(due_dates: Iterable[datetime.date], today: datetime.date) -> datetime.date | None:
    """The first due date on or after ``today`` (``None`` when all are past or there are none).

    >>> next_due([datetime.date(2024, 1, 31), datetime.date(2024, 2, 29)], datetime.date(2024, 2, 1))
    datetime.date(2024, 2, 29)
    """
    upcoming = [d for d in due_dates if d >= today]
    return min(upcoming) if upcoming else None


@dataclass(frozen=True)
class OverdueScope:
    """Which entries a count of overdue entries covers; the rule itself is :func:`overdue_since`.

    ``municipal``: the municipal roadmap (every shipped roadmap of the municipality); ``schools``: the schools'
    roadmaps (from their programs); ``up_to_year``: only entries of years up to it (``None``: every year);
    ``sources``: only these roadmaps (empty: all of them, named by their titles in ``source_titles``).
    The default — both kinds of roadmaps, every year — is what the dashboards count.

    >>> OverdueScope().describe(datetime.date(2026, 5, 12))
    'муниципальная дорожная карта и дорожные карты школ; все годы; на 12.05.2026'
    >>> OverdueScope(schools=False, up_to_year=2024).describe(datetime.date(2025, 1, 9))
    'муниципальная дорожная карта; годы по 2024 включительно; на 09.01.2025'
    """

    municipal: bool = True
    schools: bool = True
    up_to_year: int | None = None
    sources: tuple[str, ...] = ()
    source_titles: tuple[str, ...] = ()
    #: narrower filters a page may add (the roadmap table): one year, one direction of one roadmap
    year: int | None = None
    direction: int | None = None
    direction_title: str = ""

    def covers(self, *, is_school: bool, year: int, source: str = "", direction: int | None = None) -> bool:
        """Whether an entry (of a school roadmap or not, of ``year``, from ``source``) is counted."""
        if (is_school and not self.schools) or (not is_school and not self.municipal):
            return False
        if self.up_to_year is not None and year > self.up_to_year:
            return False
        if self.year is not None and year != self.year:
            return False
        if self.direction is not None and direction != self.direction:
            return False
        return not self.sources or source in self.sources

    def describe(self, today: datetime.date) -> str:
        """The scope in Russian, shown beside every overdue count."""
        if self.municipal and self.schools:
            which = "муниципальная дорожная карта и дорожные карты школ"
        elif self.municipal:
            which = "муниципальная дорожная карта"
        elif self.schools:
            which = "дорожные карты школ"
        else:
            which = "ни одной дорожной карты"
        if self.source_titles:
            which += " (" + "; ".join(self.source_titles) + ")"
        if self.direction is not None:
            which += f"; направление {self.direction}" + (
                f" «{self.direction_title}»" if self.direction_title else ""
            )
        if self.year is not None:
            years = f"{self.year} год"
        else:
            years = "все годы" if self.up_to_year is None else f"годы по {self.up_to_year} включительно"
        return f"{which}; {years}; на {fmt_date(today)}"


@dataclass(frozen=True)
class Flagged:
    """An entry in one of the lists, with the date that put it there and the distance in days from today.

    ``days`` is positive for a due-soon entry (days left), and for an overdue or done entry the number of days
    since ``date`` (the missed due date, or the day it was done).
    """

    entry: Entry
    date: datetime.date
    days: int


@dataclass(frozen=True)
class Buckets:
    """The three lists of the dashboard and the digest, each sorted (most urgent first), plus status counts."""

    overdue: list[Flagged] = field(default_factory=list)
    due_soon: list[Flagged] = field(default_factory=list)
    recently_done: list[Flagged] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def classify(
    entries: Iterable[Entry],
    today: datetime.date,
    *,
    soon_days: int = DEFAULT_SOON_DAYS,
    recent_days: int = DEFAULT_RECENT_DAYS,
) -> Buckets:
    """Sort entries into overdue / due soon / recently done (rules in the module docstring).

    Overdue: oldest missed date first; due soon: nearest date first; recently done: latest first. Ties keep the
    input order. ``counts`` counts every entry by its effective status.
    """
    if soon_days < 0 or recent_days < 0:
        raise ValueError("soon_days and recent_days must not be negative")
    overdue: list[Flagged] = []
    soon: list[Flagged] = []
    done: list[Flagged] = []
    counts = dict.fromkeys(STATUSES, 0)
    for e in entries:
        since = overdue_since(e.status, e.due_dates, today)
        if since is not None:
            counts["overdue"] += 1
            overdue.append(Flagged(e, since, (today - since).days))
            continue
        counts[e.status] += 1
        if e.status == "done":
            if e.done_on is not None and 0 <= (today - e.done_on).days <= recent_days:
                done.append(Flagged(e, e.done_on, (today - e.done_on).days))
            continue
        due = next_due(e.due_dates, today)
        if due is not None and (due - today).days <= soon_days:
            soon.append(Flagged(e, due, (due - today).days))
    overdue.sort(key=lambda f: f.date)
    soon.sort(key=lambda f: f.date)
    done.sort(key=lambda f: f.date, reverse=True)
    return Buckets(overdue, soon, done, counts)


def fmt_date(value: datetime.date) -> str:
    """ДД.ММ.ГГГГ.

    >>> fmt_date(datetime.date(2025, 3, 7))
    '07.03.2025'
    """
    return value.strftime("%d.%m.%Y")


def days_word(n: int) -> str:
    """«1 день», «3 дня», «5 дней», «11 дней», «21 день».

    >>> [days_word(n) for n in (0, 1, 2, 5, 11, 14, 21, 22, 111)]
    ['0 дней', '1 день', '2 дня', '5 дней', '11 дней', '14 дней', '21 день', '22 дня', '111 дней']
    """
    tail = abs(n) % 100
    if 11 <= tail <= 14:
        word = "дней"
    elif tail % 10 == 1:
        word = "день"
    elif 2 <= tail % 10 <= 4:
        word = "дня"
    else:
        word = "дней"
    return f"{n} {word}"


def _line(f: Flagged, when: str) -> str:
    e = f.entry
    where = f"{e.owner}: " if e.owner else ""
    responsible = e.responsible.strip().rstrip(".")
    who = f" Ответственные: {responsible}." if responsible else ""
    return f"- {where}{e.title.strip().rstrip('.')} ({e.year} г.) — {when}.{who}"


def digest_text(
    buckets: Buckets,
    today: datetime.date,
    *,
    municipality: str,
    soon_days: int = DEFAULT_SOON_DAYS,
    recent_days: int = DEFAULT_RECENT_DAYS,
    link: str = "",
    scope: str = "",
) -> str:
    """A plain-text Russian digest of the three lists, ready to paste into an e-mail (``scope``: what is counted)."""
    lines: list[str] = [
        f"Тема: Дорожная карта — {municipality}: сводка на {fmt_date(today)}",
        "",
        "Коллеги, добрый день!",
        "",
        f"Состояние дорожной карты на {fmt_date(today)}: "
        f"просрочено — {len(buckets.overdue)}, "
        f"срок в ближайшие {days_word(soon_days)} — {len(buckets.due_soon)}, "
        f"выполнено за последние {days_word(recent_days)} — {len(buckets.recently_done)}.",
    ]
    if scope:
        lines.append(f"Считаются: {scope}.")
    sections: Sequence[tuple[str, list[Flagged], str]] = (
        ("Просрочено", buckets.overdue, "overdue"),
        (f"Срок в ближайшие {days_word(soon_days)}", buckets.due_soon, "soon"),
        (f"Выполнено за последние {days_word(recent_days)}", buckets.recently_done, "done"),
    )
    for heading, items, kind in sections:
        lines += ["", f"{heading} ({len(items)}):"]
        if not items:
            lines.append("- нет")
        for f in items:
            if kind == "overdue":
                when = f"срок {fmt_date(f.date)}, просрочено на {days_word(f.days)}"
            elif kind == "soon":
                when = f"срок {fmt_date(f.date)}, осталось {days_word(f.days)}"
            else:
                when = f"выполнено {fmt_date(f.date)}"
            lines.append(_line(f, when))
    lines.append("")
    if link:
        lines += [f"Подробности и документы: {link}", ""]
    lines.append("Сводка сформирована системой «Опора».")
    return "\n".join(lines) + "\n"
