"""The Russian plural helper: the forms by the rules of Russian grammar (Розенталь, «Справочник по
правописанию», § 'Согласование сказуемого с подлежащим' — 1/21/101: one; 2–4/22–24: few; 0, 5–20, 11–14: many)."""

from __future__ import annotations

import pytest

from opora.plural import MUNICIPALITY, PEDAGOG, ROW, SCHOOL, count, plural


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "строк"),
        (1, "строка"),
        (2, "строки"),
        (4, "строки"),
        (5, "строк"),
        (11, "строк"),
        (12, "строк"),
        (14, "строк"),
        (21, "строка"),
        (22, "строки"),
        (25, "строк"),
        (101, "строка"),
        (111, "строк"),
        (112, "строк"),
        (1001, "строка"),
        (-3, "строки"),
    ],
)
def test_the_form_follows_the_last_two_digits(n: int, expected: str) -> None:
    assert plural(n, ROW) == expected
    assert plural(n, "строка", "строки", "строк") == expected
    assert plural(n, "строка,строки,строк") == expected


def test_fractions_take_the_few_form() -> None:
    assert plural(2.5, "балл", "балла", "баллов") == "балла"
    assert plural(3.0, "балл", "балла", "баллов") == "балла"
    assert plural(5.0, "балл", "балла", "баллов") == "баллов"


def test_count_joins_number_and_noun() -> None:
    assert count(1, MUNICIPALITY) == "1 муниципалитет"
    assert count(22, PEDAGOG) == "22 педагога"
    assert count(13, SCHOOL) == "13 школ"
    assert count(1021, SCHOOL) == "1\u00a0021 школа"
    assert count(2.5, "балл", "балла", "баллов") == "2,5 балла"


def test_wrong_number_of_forms_is_refused() -> None:
    with pytest.raises(ValueError, match="три формы"):
        plural(1, "строка", "строки")
