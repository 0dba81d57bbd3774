"""Risk-profile levels said in Russian with the numbers (opora.risk_explain): the same level as the rule, never
an expression, a variable or a parameter name (issue 17, «Школьная команда»)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opora.constructor import compute_levels
from opora.measures_catalogue import (
    MUNICIPAL_INPUTS,
    DataRule,
    builtin_library,
    evaluate_data_rule,
    parse_rule,
)
from opora.risk_explain import INPUTS, describe_rule, explain, input_fact

LIB = builtin_library()
RULES = {code: f.data_rule for code, f in LIB.risk_factors.items() if f.data_rule is not None}
#: What must never reach a reader: identifiers, operators, true/false, the rule's parameter names.
CODE = re.compile(r"[A-Za-z_]+[a-z0-9]_[a-z0-9_]+|==|!=|<=|>=|[<>]|\btrue\b|\bfalse\b|\band\b|\bor\b")


def _params(rule: DataRule) -> set[str]:
    return set(rule.params)


def test_every_input_of_the_rule_grammar_has_its_russian_words() -> None:
    assert set(INPUTS) == set(MUNICIPAL_INPUTS)
    assert len(RULES) >= 4  # the four core factors computed from municipal data


def test_the_issue_example_reads_as_a_sentence_with_the_numbers() -> None:
    # issue 17: «вакансий: 0; скорость Интернета 20 Мбит/с — ниже порога 50 Мбит/с»
    equipment = explain(RULES["low_equipment"], {"equipment_complete": True, "internet_mbps": 20.0})
    assert equipment.level == "medium"
    assert equipment.text == (
        "Средний уровень: скорость Интернета 20 Мбит/с — ниже порога 50 Мбит/с; все учебные предметы "
        "обеспечены оборудованием по ООП. Высокий уровень — если не все учебные предметы обеспечены "
        "оборудованием по ООП и скорость Интернета ниже 50 Мбит/с."
    )
    vacancies = explain(RULES["teacher_shortage"], {"staff_vacancies": 0})
    assert vacancies.text == "Низкий уровень: вакансий: 0."


def test_each_level_names_the_deciding_threshold() -> None:
    rule = RULES["no_pd_system"]  # high below 80 %, medium below 95 % (risk_factors.yaml params)
    assert explain(rule, {"share_trained_3y": 72.5}).text == (
        "Высокий уровень: доля педагогов, прошедших повышение квалификации за 3 года, 72,5 % — ниже порога 80 %."
    )
    assert explain(rule, {"share_trained_3y": 97.0}).text == (
        "Низкий уровень: доля педагогов, прошедших повышение квалификации за 3 года, 97 % — не ниже порога 95 %."
    )
    shortage = explain(RULES["teacher_shortage"], {"staff_vacancies": 3})
    assert shortage.text == "Высокий уровень: вакансий: 3 — не меньше порога 2."


def test_a_changed_threshold_is_the_one_shown() -> None:
    rule = RULES["low_equipment"]
    words = explain(rule, {"equipment_complete": True, "internet_mbps": 40.0}, {"internet_min_mbps": 30})
    assert words.level == "low"
    assert "40 Мбит/с — не ниже порога 30 Мбит/с" in words.text
    assert "ниже 30 Мбит/с" in describe_rule(rule, {"internet_min_mbps": 30})


def test_missing_data_are_named_in_russian() -> None:
    words = explain(RULES["low_equipment"], {"internet_mbps": 60.0})
    assert words.level is None
    assert words.text == (
        "Уровень не определён: нет данных — обеспеченность учебных предметов оборудованием по ООП."
    )
    assert input_fact("internet_mbps", None) == "скорость Интернета: нет данных"


@pytest.mark.parametrize("code", sorted(RULES))
def test_the_rule_itself_is_said_without_code(code: str) -> None:
    text = describe_rule(RULES[code])
    assert text.startswith("Высокий уровень — если ")
    assert not CODE.search(text), text
    assert not any(p in text for p in _params(RULES[code]))


values = {
    "staff_vacancies": st.one_of(st.none(), st.integers(0, 6).map(float)),
    "internet_mbps": st.one_of(st.none(), st.sampled_from([0.0, 10.0, 49.9, 50.0, 50.1, 100.0])),
    "share_category_first_highest": st.one_of(st.none(), st.floats(0, 100, allow_nan=False)),
    "share_trained_3y": st.one_of(st.none(), st.sampled_from([0.0, 79.9, 80.0, 94.9, 95.0, 100.0])),
    "equipment_complete": st.one_of(st.none(), st.booleans()),
}


@settings(max_examples=300, deadline=None)
@given(inputs=st.fixed_dictionaries(values), code=st.sampled_from(sorted(RULES)))
def test_the_words_give_the_level_the_rule_gives_and_never_code(
    inputs: dict[str, float | bool | None], code: str
) -> None:
    rule = RULES[code]
    level, _ = evaluate_data_rule(rule, inputs)
    words = explain(rule, inputs)
    assert words.level == level
    assert not CODE.search(words.text), words.text
    if level is not None:
        assert words.text.startswith({"high": "Высокий", "medium": "Средний", "low": "Низкий"}[level])


def test_a_rule_with_two_clauses_gives_the_clause_that_holds() -> None:
    rule = DataRule(
        inputs=("staff_vacancies", "internet_mbps"),
        high_if=parse_rule("staff_vacancies > 3 or internet_mbps < 5"),
        medium_if=None,
        params={},
        note="",
    )
    words = explain(rule, {"staff_vacancies": 0.0, "internet_mbps": 2.0})
    assert words.text == "Высокий уровень: скорость Интернета 2 Мбит/с — ниже порога 5 Мбит/с; вакансий: 0."


def test_the_constructor_stores_the_words_as_the_reason() -> None:
    levels = compute_levels(LIB, {"equipment_complete": False, "internet_mbps": 20.0, "staff_vacancies": 1})
    assert levels["low_equipment"].reason.startswith("Высокий уровень: не все учебные предметы")
    assert "20 Мбит/с — ниже порога 50 Мбит/с" in levels["low_equipment"].reason
