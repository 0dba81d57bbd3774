"""The shared edit-form guard (portal/lib/stale.py) and the template plural filters (portal/lib/ru.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template

from portal.lib import stale


def test_an_unchanged_state_passes() -> None:
    state = {"2.2": Decimal("12.50"), "4.2": True, "date": dt.date(2024, 11, 30), "links": ["a", "b"]}
    token = stale.seal(state)
    stale.check(token, dict(state))
    stale.check(token, {**state, "2.2": Decimal("12.5")})  # the same number written differently


def test_a_value_changed_meanwhile_is_named_with_both_values() -> None:
    token = stale.seal({"2.2": Decimal("12.5"), "4.2": None})
    with pytest.raises(stale.StaleEdit) as caught:
        stale.check(token, {"2.2": Decimal("40"), "4.2": None}, {"2.2": "Показатель 2.2"})
    (change,) = caught.value.changes
    assert (change.label, change.loaded, change.current) == ("Показатель 2.2", "12,5", "40")
    assert "Показатель 2.2: было «12,5», теперь «40»" in caught.value.message
    assert "ничего не сохранено" in caught.value.message


def test_added_and_removed_keys_are_changes_too() -> None:
    token = stale.seal({"a": True})
    with pytest.raises(stale.StaleEdit) as caught:
        stale.check(token, {"b": False}, lambda key: f"поле {key}")
    assert [(c.label, c.loaded, c.current) for c in caught.value.changes] == [
        ("поле a", "да", "пусто"),
        ("поле b", "пусто", "нет"),
    ]


def test_a_forged_or_damaged_snapshot_is_refused() -> None:
    token = stale.seal({"a": 1})
    with pytest.raises(stale.StaleEdit) as caught:
        stale.check(token[:-3] + "xyz", {"a": 1})
    assert caught.value.broken
    assert "устарела или повреждена" in caught.value.message


def test_no_snapshot_means_no_guard() -> None:
    stale.check(None, {"a": 1})
    assert stale.expected({"loaded_state": ""}) is None
    assert stale.expected({"loaded_state": "x"}) == "x"


@pytest.mark.parametrize(
    ("n", "expected"), [(1, "1 строка"), (3, "3 строки"), (5, "5 строк"), ("21", "21 строка"), (None, "—")]
)
def test_templates_count_with_the_one_plural_helper(n: object, expected: str) -> None:
    html = Template('{{ n|count:"строка,строки,строк" }}').render(Context({"n": n}))
    assert html == expected


def test_templates_get_the_bare_form_too() -> None:
    html = Template('{{ n }} {{ n|plural:"педагог,педагога,педагогов" }}').render(Context({"n": 22}))
    assert html == "22 педагога"
