"""Targeted recommendations: every shipped rule on its hand-made case and near miss, ordering, texts, validation."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from opora.indicator_catalogue import CatalogueError
from opora.recommendations import RULES_FILE, builtin_rules, format_fact, load_rules, recommend

BOOK = builtin_rules()


@pytest.mark.parametrize("code", [r.code for r in BOOK.rules])
def test_each_rule_fires_on_its_case_and_not_on_its_near_miss(code: str) -> None:
    rule = BOOK.rule(code)
    fired = recommend(rule.example.fires, BOOK, scope=rule.scope, only_significant=False)
    assert code in [r.rule for r in fired]
    missed = recommend(rule.example.near_miss, BOOK, scope=rule.scope, only_significant=False)
    assert code not in [r.rule for r in missed]


def test_the_library_covers_schools_and_the_authority_with_measures() -> None:
    scopes = {r.scope for r in BOOK.rules}
    assert scopes == {"school", "authority"}
    assert len(BOOK.rules) >= 30
    assert all(r.measures for r in BOOK.rules)  # every recommendation points to the measures library


def test_a_school_case_worked_by_hand() -> None:
    facts = {
        "cat_low_results": True,
        "years_low_results": 1.0,
        "std_residual": -2.3,
        "negative_dynamics_count": 2.0,
        "worst_change_pp": -6.0,
        "negative_dynamics_list": "ОГЭ, математика: −6 п.п.; ВПР, русский язык, 5 кл.: −2 п.п.",
        "share_trained_3y": 90.0,
    }
    everything = recommend(facts, BOOK, only_significant=False)
    # R24 (importance 1, −6 ≤ −5: significant), R01 (importance 1, 1 year < 2: not significant),
    # R03 (importance 2, −2,3 < −2: significant), R12 (importance 2, 90 % < 95 % but not < 80 %: not significant)
    assert [r.rule for r in everything] == ["R24", "R01", "R03", "R12"]
    assert [r.significant for r in everything] == [True, False, True, False]
    shown = recommend(facts, BOOK)  # the default view: significant findings only
    assert [r.rule for r in shown] == ["R24", "R03"]
    r24 = shown[0]
    assert r24.text.startswith(
        "Результаты школы снизились по сравнению с прошлым годом (2): ОГЭ, математика: −6 п.п.; ВПР, русский язык, "
        "5 кл.: −2 п.п. Рекомендуется"
    )  # the list's closing «п.п.» and the template's full stop are one stop
    assert ("Наибольшее снижение результата", "−6\u00a0п.п.") in r24.evidence
    assert "Наибольшее снижение результата: −6\u00a0п.п. — условие «≤ −5» выполнено" in r24.conditions
    assert r24.measures == ("M25", "M86", "M85")


def test_missing_facts_make_no_recommendation_and_read_as_no_data() -> None:
    assert recommend({}, BOOK, only_significant=False) == []
    assert recommend({}, BOOK, scope="authority", only_significant=False) == []
    # R01 fires on the category alone; its template's residual is missing → «нет данных»
    r01 = recommend({"cat_low_results": True}, BOOK, only_significant=False)[0]
    assert r01.rule == "R01" and "стандартизованный остаток нет данных" in r01.text
    assert "Лет подряд в категории ШНОР: нет данных" in r01.conditions


def test_authority_rules_do_not_mix_with_school_rules() -> None:
    facts = {"shnor_without_program": 2.0, "shnor_count": 5.0, "form_submitted": False}
    assert [r.rule for r in recommend(facts, BOOK, scope="authority")] == ["R40"]
    assert [r.rule for r in recommend(facts, BOOK, scope="school")] == ["R26"]
    r40 = recommend(facts, BOOK, scope="authority")[0]
    assert "Школ из списка ШНОР без утверждённой ШППКО: 2 из 5." in r40.text


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        (
            "share_trained_3y",
            94.95,
            "95\u00a0%",
        ),  # one decimal: the float 94.95 is 94.9500…03, so 95,0 → «95 %»
        ("share_trained_3y", 87.25, "87,2\u00a0%"),
        ("worst_change_pp", 3.0, "+3\u00a0п.п."),
        ("worst_change_pp", -4.5, "−4,5\u00a0п.п."),
        ("risk_teacher_shortage", 3.0, "высокий"),
        ("risk_teacher_shortage", 1.0, "низкий"),
        ("form_submitted", False, "нет"),
        ("staff_vacancies", 2.0, "2"),
        ("std_residual", -1.234, "−1,23"),
        ("std_residual", None, "нет данных"),
    ],
)
def test_fact_values_are_formatted_in_russian(name: str, value: Any, shown: str) -> None:
    assert format_fact(name, value) == shown


def _rules() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    return data


def _broken(tmp_path: Path, mutate: Any) -> Path:
    data = copy.deepcopy(_rules())
    mutate(data["rules"])
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda rules: rules[0].update(trigger="cat_low_resuls == true"),
            "«R01», поле «trigger» (условие срабатывания): неизвестный показатель «cat_low_resuls»",
        ),
        (
            lambda rules: rules[0].update(trigger="cat_low_results == "),
            "«R01», поле «trigger» (условие срабатывания): Выражение",
        ),
        (
            lambda rules: rules[2].update(trigger="std_residual < deep"),
            "«R03», поле «trigger» (условие срабатывания): порог «deep» не задан",
        ),
        (
            lambda rules: rules[0].update(measures=["M99"]),
            "«R01», поле «measures» (меры): нет в библиотеке мер: M99",
        ),
        (
            lambda rules: rules[0].update(text="Остаток {residual_z}"),
            "«R01», поле «text» (текст рекомендации): в шаблоне неизвестные показатели: residual_z",
        ),
        (
            lambda rules: rules[0].update(text="Анкеты не отправили {forms_not_submitted} школ(ы)."),
            "«R01», поле «text» (текст рекомендации): «школ(ы)»: окончание в скобках читается как ошибка",
        ),
        (
            lambda rules: rules[2]["example"].update(near_miss={"std_residual": -1.01}),
            "«R03», поле «example.near_miss» (близкий пример, на котором правило не срабатывает): на этом примере правило срабатывает",
        ),
        (
            lambda rules: rules[2]["example"].update(fires={"std_residual": -0.5}),
            "«R03», поле «example.fires» (пример, на котором правило срабатывает): на этом примере правило не срабатывает",
        ),
        (lambda rules: rules[1].update(code="R01"), "«R01», поле «code» (код): код повторяется"),
        (lambda rules: rules[0].update(importance=5), "«R01», поле «importance» (важность)"),
        (
            lambda rules: rules[0].update(scope="authority"),
            "«R01», поле «scope» (для кого): показатель «Школа с низкими результатами обучения (ШНОР) по расчёту идентификации» "
            "относится к уровню «школа», а правило — к уровню «муниципалитет в целом»",
        ),
        (lambda rules: rules[0].update(treshold=3), "«R01», поле «treshold»: неизвестное поле"),
        (
            lambda rules: rules[6].update(trigger="risk_high_list == 1"),
            "«R07», поле «trigger» (условие срабатывания): «Факторы риска высокого уровня» — текст",
        ),
    ],
)
def test_a_broken_rule_is_refused_naming_the_file_rule_and_field(
    tmp_path: Path, mutate: Any, message: str
) -> None:
    with pytest.raises(CatalogueError) as error:
        load_rules(_broken(tmp_path, mutate))
    assert str(error.value).startswith("Файл rules.yaml: правило ")
    assert message in str(error.value)
