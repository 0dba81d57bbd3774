"""Overdue, due-soon and recently-done rules on hand-worked dates, and the digest text."""

from __future__ import annotations

import datetime
import subprocess
import sys

import pytest

from opora.roadmap_catalogue import Schedule
from opora.roadmap_tracking import (
    Entry,
    classify,
    days_word,
    digest_text,
    effective_status,
    next_due,
    overdue_since,
)

D = datetime.date


def entry(key: str, status: str, *due: datetime.date, done_on: datetime.date | None = None) -> Entry:
    return Entry(key=key, title=f"Мера {key}", year=2024, status=status, due_dates=due, done_on=done_on)


# A yearly 2024 item is due 31.12.2024 (Schedule rule): on that day it is not yet overdue, the next day it is.
@pytest.mark.parametrize(
    ("status", "today", "expected"),
    [
        ("planned", D(2024, 12, 31), "planned"),
        ("planned", D(2025, 1, 1), "overdue"),
        ("in_progress", D(2025, 1, 1), "overdue"),
        ("done", D(2025, 1, 1), "done"),
        ("in_progress", D(2024, 6, 1), "in_progress"),
    ],
)
def test_a_yearly_item_is_overdue_from_the_day_after_31_december(
    status: str, today: datetime.date, expected: str
) -> None:
    due = tuple(Schedule(kind="yearly").due_dates(2024))
    assert due == (D(2024, 12, 31),)
    assert effective_status(status, due, today) == expected


def test_a_school_year_item_is_due_on_31_may() -> None:
    due = Schedule(kind="school_year").due_dates(2023)  # «в течение учебного года» 2022/2023 → 31.05.2023
    assert effective_status("in_progress", due, D(2023, 5, 31)) == "in_progress"
    assert overdue_since("in_progress", due, D(2023, 6, 1)) == D(2023, 5, 31)


def test_a_november_december_item_is_due_on_31_december_only() -> None:
    due = Schedule(kind="period", months=(11, 12)).due_dates(2025)
    assert due == [D(2025, 12, 31)]
    # On 23.11.2025 the period is running: not overdue, due in 38 days (8 left in November + 30 in December).
    assert effective_status("in_progress", due, D(2025, 11, 23)) == "in_progress"
    assert next_due(due, D(2025, 11, 23)) == D(2025, 12, 31)
    assert (D(2025, 12, 31) - D(2025, 11, 23)).days == 38


def test_a_monthly_item_is_overdue_from_its_first_missed_month_end() -> None:
    due = Schedule(kind="monthly").due_dates(2024)  # 12 month-ends; February 2024 has 29 days
    assert due[1] == D(2024, 2, 29)
    # 15.03.2024, not done: 31.01 and 29.02 are past → overdue since the earliest, 31.01.2024.
    assert overdue_since("in_progress", due, D(2024, 3, 15)) == D(2024, 1, 31)
    assert next_due(due, D(2024, 3, 15)) == D(2024, 3, 31)


def test_a_fixed_date_outside_the_year_gives_no_due_date_and_never_overdue() -> None:
    due = Schedule(kind="date", date=D(2022, 2, 18)).due_dates(2023)
    assert due == []
    assert effective_status("planned", due, D(2030, 1, 1)) == "planned"


def test_classify_sorts_the_three_lists_on_a_hand_worked_day() -> None:
    today = D(2025, 11, 23)
    entries = [
        entry("a", "in_progress", D(2025, 12, 31)),  # 38 days left: beyond 30 → neither list
        entry("b", "planned", D(2025, 12, 15)),  # 22 days left → due soon
        entry("c", "planned", D(2025, 11, 23)),  # due today → due soon, 0 days
        entry("d", "in_progress", D(2024, 12, 31)),  # missed 327 days ago (31.12.2024 → 23.11.2025)
        entry("e", "planned", D(2025, 5, 31)),  # missed 176 days ago
        entry("f", "done", D(2025, 5, 31), done_on=D(2025, 11, 1)),  # done 22 days ago → recently done
        entry("g", "done", D(2024, 12, 31), done_on=D(2025, 10, 23)),  # 31 days ago → too old for 30
        entry("h", "done", D(2025, 12, 31), done_on=D(2025, 10, 24)),  # exactly 30 days ago → included
    ]
    b = classify(entries, today, soon_days=30, recent_days=30)
    assert [(f.entry.key, f.date, f.days) for f in b.overdue] == [
        ("d", D(2024, 12, 31), 327),
        ("e", D(2025, 5, 31), 176),
    ]
    assert [(f.entry.key, f.days) for f in b.due_soon] == [("c", 0), ("b", 22)]
    assert [(f.entry.key, f.days) for f in b.recently_done] == [("f", 22), ("h", 30)]
    assert b.counts == {"planned": 2, "in_progress": 1, "done": 3, "overdue": 2}
    # (327: 31.12.2024 → 31.10.2025 is 304 days, + 23 days of November = 327.)


def test_the_due_soon_window_is_configurable() -> None:
    today = D(2025, 11, 23)
    b = classify([entry("a", "in_progress", D(2025, 12, 31))], today, soon_days=38)
    assert [f.days for f in b.due_soon] == [38]
    assert classify([entry("a", "in_progress", D(2025, 12, 31))], today, soon_days=37).due_soon == []


def test_an_unknown_status_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown stored status"):
        entry("x", "overdue", D(2025, 1, 1))  # overdue is derived, never stored
    with pytest.raises(ValueError):
        classify([], D(2025, 1, 1), soon_days=-1)


def test_days_word_follows_russian_plural_rules() -> None:
    assert [days_word(n) for n in (1, 3, 5, 12, 21, 24, 25, 101, 112)] == [
        "1 день",
        "3 дня",
        "5 дней",
        "12 дней",
        "21 день",
        "24 дня",
        "25 дней",
        "101 день",
        "112 дней",
    ]


def test_the_digest_lists_each_section_with_dates_and_responsibles() -> None:
    today = D(2025, 11, 23)
    entries = [
        Entry("1", "Положение о мониторинге", 2025, "in_progress", (D(2025, 5, 31),), responsible="УО"),
        Entry("2", "Мониторинг программы", 2025, "planned", (D(2025, 12, 15),), owner="СОШ № 2"),
        Entry("3", "Совещание директоров", 2025, "done", (D(2025, 12, 31),), done_on=D(2025, 11, 20)),
    ]
    text = digest_text(
        classify(entries, today), today, municipality="г. Минусинск", link="https://opora.example.ru/x"
    )
    expected_lines = [
        "Тема: Дорожная карта — г. Минусинск: сводка на 23.11.2025",
        # 1 overdue (31.05 passed), 1 due within 30 days (15.12 is 22 days away), 1 done 3 days ago.
        "Состояние дорожной карты на 23.11.2025: просрочено — 1, срок в ближайшие 30 дней — 1, "
        "выполнено за последние 30 дней — 1.",
        "Просрочено (1):",
        # 31.05.2025 → 23.11.2025: 30 (June) + 31 + 31 + 30 + 31 (October) + 23 = 176 days.
        "- Положение о мониторинге (2025 г.) — срок 31.05.2025, просрочено на 176 дней. Ответственные: УО.",
        "Срок в ближайшие 30 дней (1):",
        "- СОШ № 2: Мониторинг программы (2025 г.) — срок 15.12.2025, осталось 22 дня.",
        "Выполнено за последние 30 дней (1):",
        "- Совещание директоров (2025 г.) — выполнено 20.11.2025.",
        "Подробности и документы: https://opora.example.ru/x",
    ]
    lines = text.splitlines()
    for line in expected_lines:
        assert line in lines
    assert text.endswith("Сводка сформирована системой «Опора».\n")


def test_the_digest_does_not_double_the_final_full_stop() -> None:
    e = Entry(
        "1", "Анализ оснащенности ОД.", 2022, "planned", (D(2022, 2, 1),), responsible="Администрация школ."
    )
    text = digest_text(classify([e], D(2022, 2, 2)), D(2022, 2, 2), municipality="М")
    assert "- Анализ оснащенности ОД (2022 г.) — срок 01.02.2022, просрочено на 1 день. " in text
    assert "Ответственные: Администрация школ.\n" in text


def test_an_empty_digest_says_so() -> None:
    text = digest_text(classify([], D(2025, 1, 1)), D(2025, 1, 1), municipality="М")
    assert text.count("- нет") == 3


def test_the_module_imports_without_django() -> None:
    code = "import sys, opora.roadmap_tracking; print(any(m.split('.')[0] == 'django' for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_overdue_scope_says_what_it_counts_and_counts_only_that() -> None:
    import datetime as dt

    from opora.roadmap_tracking import OverdueScope

    everything = OverdueScope()
    assert everything.covers(is_school=True, year=2030) and everything.covers(is_school=False, year=2019)
    municipal_2024 = OverdueScope(
        schools=False, year=2024, sources=("r",), source_titles=("Карта",), direction=3
    )
    assert municipal_2024.covers(is_school=False, year=2024, source="r", direction=3)
    assert not municipal_2024.covers(is_school=True, year=2024, source="r", direction=3)  # a school's roadmap
    assert not municipal_2024.covers(is_school=False, year=2023, source="r", direction=3)  # another year
    assert not municipal_2024.covers(is_school=False, year=2024, source="q", direction=3)  # another roadmap
    assert not municipal_2024.covers(is_school=False, year=2024, source="r", direction=1)  # another direction
    assert municipal_2024.describe(dt.date(2025, 2, 1)) == (
        "муниципальная дорожная карта (Карта); направление 3; 2024 год; на 01.02.2025"
    )
    assert not OverdueScope(up_to_year=2024).covers(is_school=False, year=2025)
