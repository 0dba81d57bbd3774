"""Rules as a methodist edits them: rows and back, Russian descriptions, placeholders, examples, the YAML export."""

from __future__ import annotations

import re
from typing import Any

import pytest

from opora.indicator_catalogue import CatalogueError
from opora.measures_catalogue import builtin_library, parse_rule
from opora.recommendations import build_rule, builtin_rules, evaluate, load_rules, recommend
from opora.rule_editing import (
    FACT_GROUPS,
    Condition,
    check_examples,
    conditions,
    describe,
    dump_rules,
    expression,
    labels_to_placeholders,
    next_code,
    parse_value,
    placeholders_to_labels,
    rule_data,
)

BOOK = builtin_rules()
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")


@pytest.mark.parametrize("code", [r.code for r in BOOK.rules])
def test_rows_give_back_an_expression_that_decides_the_examples_alike(code: str) -> None:
    rule = BOOK.rule(code)
    for expr in filter(None, (rule.trigger, rule.significant_if)):
        rows = conditions(expr, rule.params)
        again = parse_rule(expression(rows))
        for facts in (rule.example.fires, rule.example.near_miss):
            assert evaluate(again, facts)[0] == evaluate(expr, facts, rule.params)[0]
        # what the methodist reads names no variable
        assert not SNAKE.search(describe(rows)), describe(rows)


def test_a_condition_reads_in_russian_words() -> None:
    # R08: «risk_teacher_shortage >= 3 or staff_vacancies > 0» (opora/data/recommendations.yaml)
    assert describe(BOOK.rule("R08").trigger) == (
        "Уровень риска «Дефицит педагогических кадров» ≥ высокий или вакансий педагогов > 0"
    )
    # R03: «std_residual < below» with below = −1.0: the named threshold becomes its value
    assert describe(BOOK.rule("R03").trigger, BOOK.rule("R03").params) == (
        "Стандартизованный остаток (результат относительно ожидаемого) < −1"
    )
    rows = [
        Condition("and", "has_program", "==", False),
        Condition("and", "cat_low_results", "==", True),
        Condition("or", "share_trained_3y", "<", 80.5),
    ]
    assert expression(rows) == "has_program == false and cat_low_results == true or share_trained_3y < 80.5"
    assert describe(rows) == (
        "Есть школьная программа повышения качества образования (ШППКО) = нет и ШНОР по расчёту идентификации = да"
        " или доля педагогов, прошедших повышение квалификации за 3 года < 80,5"
    )


@pytest.mark.parametrize(
    ("fact", "typed", "value"),
    [
        ("cat_low_results", "да", True),
        ("cat_low_results", "Нет", False),
        ("risk_teacher_shortage", "высокий", 3.0),
        ("risk_teacher_shortage", "2", 2.0),
        ("std_residual", "−1,5", -1.5),
        ("share_trained_3y", "95 %", 95.0),
        ("worst_change_pp", "-5 п.п.", -5.0),
        ("staff_vacancies", "  ", None),
    ],
)
def test_typed_values_are_read_as_people_write_them(fact: str, typed: str, value: Any) -> None:
    assert parse_value(fact, typed) == value


@pytest.mark.parametrize(
    ("fact", "typed", "message"),
    [
        ("cat_low_results", "возможно", "ожидается «да» или «нет», а не «возможно»"),
        ("std_residual", "минус один", "ожидается число, а не «минус один»"),
        ("risk_high_list", "1", "текст, его нельзя сравнивать"),
        ("risk_teacher_shortage", "очень", "«высокий», «средний», «низкий» или число 1–3"),
    ],
)
def test_a_value_that_does_not_fit_is_refused_in_russian(fact: str, typed: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_value(fact, typed)


@pytest.mark.parametrize("code", [r.code for r in BOOK.rules])
def test_placeholders_read_as_names_and_come_back(code: str) -> None:
    text = BOOK.rule(code).text
    shown = placeholders_to_labels(text)
    assert "{" not in shown or not SNAKE.search(shown)
    assert labels_to_placeholders(shown) == (text, [])


def test_an_unknown_placeholder_is_reported_and_a_variable_name_still_works() -> None:
    text, unknown = labels_to_placeholders(
        "Остаток {стандартизованный  остаток (результат относительно ожидаемого)}"
    )
    assert text == "Остаток {std_residual}" and unknown == []  # case and spaces do not matter
    assert labels_to_placeholders("{std_residual} и {Число учеников}") == (
        "{std_residual} и {Число учеников}",
        ["Число учеников"],
    )


def test_examples_are_checked_and_their_outcome_explained() -> None:
    fires, near = check_examples(BOOK.rule("R01"))
    assert fires.ok and fires.fired and not fires.significant  # 1 year in ШНОР < 2: a minor finding
    assert (
        fires.verdict == "правило срабатывает (находка не значимая, видна по «показать все») — как и должно"
    )
    assert fires.text.startswith("По результатам идентификации школа отнесена")
    assert near.ok and not near.fired and near.text == ""
    assert ("Лет подряд в категории ШНОР", "3") in near.values
    # a near miss that fires is shown as such (the form reports it instead of refusing to show anything)
    raw = rule_data(BOOK.rule("R03")) | {
        "example": {"fires": {"std_residual": -1.4}, "near_miss": {"std_residual": -1.5}}
    }
    rule = build_rule(raw, check_examples=False)
    _fires, near = check_examples(rule)
    assert (
        not near.ok
        and near.verdict
        == "правило срабатывает (находка не значимая, видна по «показать все») — а должно наоборот"
    )
    with pytest.raises(CatalogueError, match=r"^Правило «R03», поле «example.near_miss» \(близкий пример"):
        build_rule(raw)


def test_the_yaml_export_loads_back_to_the_same_rules_with_russian_comments() -> None:
    text = dump_rules([rule_data(r) for r in BOOK.rules])
    again = load_rules(text=text)
    assert [rule_data(r) for r in again.rules] == [rule_data(r) for r in BOOK.rules]
    comments = [line for line in text.splitlines() if line.lstrip().startswith("#")]
    assert (
        "#     cat_low_results — Школа с низкими результатами обучения (ШНОР) по расчёту идентификации — да или нет"
        in comments
    )
    # every comment is Russian: apart from the field and fact names it explains, no English word
    words = {w for line in comments for w in re.findall(r"\b[A-Za-z]{4,}\b", line)}
    assert words <= {"code", "title", "scope", "school", "authority", "trigger", "significant_if", "params",
                     "importance", "text", "measures", "evidence", "example", "fires", "near_miss", "true",
                     "false"} | {w for w in words if "_" in w or w in ("Опора",)}  # fmt: skip


def test_the_shipped_rules_file_explains_itself_in_russian() -> None:
    from opora.recommendations import RULES_FILE

    header = RULES_FILE.read_text(encoding="utf-8").split("rules:")[0]
    english = {"Rules", "Status", "Fields", "written", "results", "never", "optional", "stricter"}
    assert not english & set(re.findall(r"[A-Za-z]+", header))


def test_a_book_names_the_measures_of_its_library() -> None:
    found = recommend({"cat_low_results": True, "years_low_results": 2}, BOOK)
    r01 = next(r for r in found if r.rule == "R01")
    assert r01.measures == ("M01", "M25", "M02")
    assert r01.measure_titles == tuple(builtin_library().measure(m).title for m in r01.measures)
    own = load_rules(
        text=dump_rules([rule_data(BOOK.rule("R01"))]), measures={"M01": "Своя", "M25": "Т", "M02": "Д"}
    )
    assert recommend({"cat_low_results": True}, own, only_significant=False)[0].measure_titles == (
        "Своя",
        "Т",
        "Д",
    )
    with pytest.raises(CatalogueError, match="нет в библиотеке мер: M25, M02"):
        load_rules(text=dump_rules([rule_data(BOOK.rule("R01"))]), measures=["M01"])
    lax = load_rules(text=dump_rules([rule_data(BOOK.rule("R01"))]), measures=["M01"], check_measures=False)
    assert lax.rules[0].measures == ("M01", "M25", "M02")


def test_new_codes_follow_the_last_one_and_facts_are_grouped_for_the_lists() -> None:
    assert next_code(r.code for r in BOOK.rules) == "R48"
    assert next_code([]) == "R01" and next_code(["R99"]) == "R100"
    grouped = [name for names in FACT_GROUPS.values() for name in names]
    assert sorted(grouped) == sorted(set(grouped)) and len(grouped) == 52
    assert FACT_GROUPS["Муниципалитет в целом"][0] == "shnor_count"
