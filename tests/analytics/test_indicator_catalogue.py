"""The indicator catalogues against their founding documents, and the loader's validation.

Expected values are written here by hand from the seeds, not read from the YAML under test:
002 = shared/seeds/002_b0f6aa79e73152c4.txt (Приложение 1 к приказу от 26.01.2023 № 41 and its roadmap),
000 = shared/seeds/000_72b55ca48abe6d7a.txt (муниципальная программа 2020-2022, §4 and the passport).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from opora.indicator_catalogue import (
    CatalogueError,
    IndicatorSet,
    Target,
    builtin_sets,
    load_set,
)

# --------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def sets() -> dict[str, IndicatorSet]:
    return builtin_sets()


@pytest.fixture(scope="module")
def order(sets: dict[str, IndicatorSet]) -> IndicatorSet:
    return sets["order_2023_41"]


@pytest.fixture(scope="module")
def program(sets: dict[str, IndicatorSet]) -> IndicatorSet:
    return sets["program_2020"]


# --------------------------------------------------------------------------------------------- order_2023_41

# (id, municipal type, school type, direction, line of the "Индикатор" text in 002)
ORDER_INDICATORS = [
    ("1.1", "bool_links", "bool_links", 1),  # 002:23 «да/нет (наличие ссылок на документы)», 002:34
    ("1.2", "bool_links", None, 1),  # 002:48; school column «нет», 002:52
    ("1.3", "pct", "bool_links", 1),  # 002:61 «процент», 002:70 «да/нет (наличие ссылки на документ)»
    ("2.1", "bool_links", None, 2),  # 002:88; school column «нет», 002:87
    ("2.2", "pct", "bool", 2),  # 002:112, 002:132
    ("3.1", "pct_bucket", "pct", 3),  # 002:149-161 buckets + «Процент», 002:168
    ("3.2", "pct_bucket", "pct", 3),  # 002:176-193, 002:183
    ("3.3", "pct_bucket", "pct", 3),  # 002:201-213, 002:224
    ("3.4", "status3", "bool_links", 3),  # 002:234-244 three states, 002:253
    ("3.5", "pct", "pct", 3),  # 002:278, 002:292
    ("3.6", "pct", "pct", 3),  # 002:306, 002:322
    ("3.7", "pct", "count", 3),  # 002:336, 002:350-354 «число …»
    ("3.8", "pct", "bool", 3),  # 002:393, 002:404
    ("4.1", "bool_links", "bool_links", 4),  # 002:423-425, 002:437-439
    ("4.2", "pct", "bool", 4),  # 002:451, 002:461
    ("5.1", "pct", "bool", 5),  # 002:502, 002:510
    ("5.2", "pct", None, 5),  # 002:525; school column empty
    ("5.3", "pct", "count", 5),  # 002:550/602, 002:576/592 «число»
    ("5.4", "pct", "bool", 5),  # 002:612; 002:624 prints «Процент» for «Наличие…» — read as да/нет
    ("6.1", "bool", None, 6),  # 002:648
    ("6.2", "pct", "bool", 6),  # 002:661, 002:670
    ("6.3", "bool_links", "bool_links", 6),  # 002:692-694, 002:685-686
    ("6.4", "bool", None, 6),  # 002:713
    ("7.1", "pct_bucket", "bool", 6),  # 002:734-747, 002:768
    ("7.2", "pct_bucket", "bool", 6),  # 002:783-796, 002:812
    ("7.3", "pct_bucket", "bool", 6),  # 002:822-836, 002:855
    ("7.4", "pct_bucket", "bool", 6),  # 002:865-893, 002:897
    ("7.5", "pct_bucket", "bool", 6),  # 002:907-921, 002:942
    ("7.6", "pct_bucket", "bool", 6),  # 002:955-968, 002:989
    ("7.7", "pct_bucket", "pct_bucket", 6),  # 002:997-1000, 002:1006-1009 (no «Индикатор» line)
]


def test_it_lists_every_indicator_of_appendix_1_in_source_order(order: IndicatorSet) -> None:
    assert order.ids() == [row[0] for row in ORDER_INDICATORS]


@pytest.mark.parametrize(("ind_id", "municipal", "school", "direction"), ORDER_INDICATORS)
def test_it_types_each_indicator_as_the_source_does(
    order: IndicatorSet, ind_id: str, municipal: str, school: str | None, direction: int
) -> None:
    ind = order.get(ind_id)
    assert (ind.municipal_type, ind.school_type, ind.direction) == (municipal, school, direction)
    assert (ind.school_wording is None) == (school is None)


def test_it_maps_the_source_blocks_to_roadmap_directions(order: IndicatorSet) -> None:
    # block heading numbers: 002:7 (none), 73, 136, 408, 465, 630, 719; directions: 002:1136-1162
    expected = {
        "normative": (None, 1),
        "identification": ("1.", 2),
        "methodological_support": ("2.", 3),
        "ict": ("3.", 4),
        "coordination": ("4.", 5),
        "monitoring": ("5.", 6),
        "dynamics": ("6.", 6),
    }
    assert {code: (b.source_number, b.direction) for code, b in order.blocks.items()} == expected
    blocks_of = {ind.id: ind.block for ind in order.indicators}
    assert [blocks_of[i] for i in ("1.3", "2.1", "3.8", "4.2", "5.4", "6.4", "7.7")] == list(expected)


def test_it_cites_lines_of_appendix_1_in_source_order(order: IndicatorSet) -> None:
    # Приложение 1 occupies 002:1-1009 (Приложение 2 starts at 002:1010); indicators follow the page order.
    first_lines = [int(ind.source_lines[0].split("-")[0]) for ind in order.indicators]
    assert first_lines == sorted(first_lines)
    for ind in order.indicators:
        for span in ind.source_lines:
            assert all(1 <= int(n) <= 1009 for n in span.split("-")), ind.id


def test_it_marks_every_id_the_source_does_not_print(order: IndicatorSet) -> None:
    for ind in order.indicators:
        if ind.id[0] in "23":  # identification and methodological blocks have no numbers in 002
            assert ind.source_number is None, ind.id
            assert ind.note is not None and "присвоен нами" in ind.note, ind.id
        else:
            assert ind.source_number == ind.id


@pytest.mark.parametrize(
    ("ind_id", "codes"),
    [
        ("1.1", ["failure_prevention_program", "vsoko_regulation"]),  # 002:29-31
        (
            "2.2",
            ["staff_vacancies", "internet_slow", "low_categories", "low_training", "equipment_gap"],
        ),  # 002:95-109
        ("3.5", ["kk_ipk", "cos_dpo_own", "cos_dpo_other"]),  # 002:261, 269-274
        ("3.6", ["horizontal", "mentoring", "supervision"]),  # 002:299-302
        ("3.7", ["teachers", "heads", "leadership_teams"]),  # 002:350-354
        ("3.8", ["kmc", "constructor", "support_visits", "supervision", "leader_schools"]),  # 002:362-389
        ("5.3", ["teachers", "managers"]),  # 002:531, 552
        ("7.1", ["math", "russian"]),
        ("7.6", ["science_literacy", "math_literacy"]),
        ("7.7", ["noo", "ooo", "soo"]),  # 002:997-1000
    ],
)
def test_it_keeps_the_listed_subitems(order: IndicatorSet, ind_id: str, codes: list[str]) -> None:
    assert [s.code for s in order.get(ind_id).subitems] == codes


def test_it_keeps_the_three_states_of_methodological_activity(order: IndicatorSet) -> None:
    labels = order.get("3.4").status_labels
    assert labels["present"].startswith("Деятельность/ система/ механизмы представлены")  # 002:238
    assert "в процессе становления" in labels["emerging"]  # 002:241
    assert labels["absent"].startswith("Отсутствие деятельности")  # 002:244


# (id, subitem, year, op, value, base, measure, document): every number the seed 002 states for a target.
# P1 = Приложение 1 (its 3.8 wording), RM = the roadmap 2023-2025 (results of a year).
P1, RM = "Приложение 1 к приказу № 41", "Дорожная карта 2023–2025"
ORDER_TARGETS = [
    ("3.8", "kmc", 2023, ">=", 50, "shnor", "value", P1),  # 002:362-364 «участие не менее 50% ШНРО» (no year)
    ("3.8", "kmc", 2024, ">=", 50, "shnor", "value", P1),  # 002:362-364
    ("3.8", "kmc", 2025, ">=", 50, "shnor", "value", P1),  # 002:362-364
    ("3.8", "constructor", 2023, ">=", 50, "shnor", "value", P1),  # 002:366 «2023 - не менее 50% ШНРО»
    ("3.8", "constructor", 2024, ">=", 60, "shnor", "value", P1),  # 002:366-367 «2024 – не менее 60% ШНРО»
    # 002:384 «десанты … (ежегодно, не менее, чем в 75% школ)» — the indicator's schools (ШНРО and at risk)
    ("3.8", "support_visits", 2023, ">=", 75, "program_schools", "value", P1),
    ("3.8", "support_visits", 2024, ">=", 75, "program_schools", "value", P1),
    ("3.8", "support_visits", 2025, ">=", 75, "program_schools", "value", P1),
    ("3.8", "support_visits", 2023, ">=", 50, "shnor", "value", RM),  # 002:2456 «не менее чем в 50% ШНРО»
    ("3.8", "support_visits", 2024, ">=", 75, "shnor", "value", RM),  # 002:2475-2477 «… в 75% ШНРО»
    ("3.8", "support_visits", 2025, ">=", 100, "shnor", "value", RM),  # 002:2493-2495 «… в 100%ШНРО»
    ("3.8", "supervision", 2023, ">=", 50, "program_schools", "value", P1),  # 002:386 «ежегодно … 50 % школ»
    ("3.8", "supervision", 2024, ">=", 50, "program_schools", "value", P1),  # 002:386
    ("3.8", "supervision", 2025, ">=", 50, "program_schools", "value", P1),  # 002:386
    # 002:2461-2464, 2480-2484, 2498-2505 «Организованы практики наставничества не менее чем в 100% ШНРО»
    ("3.6", "mentoring", 2023, ">=", 100, "shnor", "share_of_schools_with_any", RM),
    ("3.6", "mentoring", 2024, ">=", 100, "shnor", "share_of_schools_with_any", RM),
    ("3.6", "mentoring", 2025, ">=", 100, "shnor", "share_of_schools_with_any", RM),
    ("5.1", None, 2023, ">=", 25, "shnor", "value", RM),  # 002:3032, 3073 «не менее чем у 25% ШНРО»
    ("5.1", None, 2024, ">=", 50, "shnor", "value", RM),  # 002:3090 «не менее чем у 50% ШНРО»
    ("5.1", None, 2025, ">=", 100, "shnor", "value", RM),  # 002:3111 «не менее чем у 100% ШНРО»
]


def test_it_records_every_stated_target_and_no_other(order: IndicatorSet) -> None:
    found = {
        (ind.id, sub, year, t.op, t.value, t.base, t.measure, t.document)
        for ind in order.indicators
        for (sub, year), targets in ind.all_targets().items()
        for t in targets
    }
    assert found == set(ORDER_TARGETS)


def test_it_cites_a_source_line_for_every_target(sets: dict[str, IndicatorSet]) -> None:
    for indicator_set in sets.values():
        for ind in indicator_set.indicators:
            for targets in ind.all_targets().values():
                for target in targets:
                    assert target.source is not None and re.search(r"стр\. \d+", target.source), ind.id


def test_it_checks_mentoring_in_schools_not_as_a_share_of_teachers(order: IndicatorSet) -> None:
    # 002:2461-2464 «практики наставничества не менее чем в 100% ШНРО» is a share of schools; 3.6 is a share of
    # teachers: the target is checked on the share of ШНРО with any mentoring, never against the teacher share.
    (target,) = order.get("3.6").subitem("mentoring").targets[2024]
    assert (target.measure, target.base, target.value) == ("share_of_schools_with_any", "shnor", 100)


def test_it_keeps_both_support_visit_targets_when_appendix_1_and_roadmap_differ(order: IndicatorSet) -> None:
    # 002:384 «ежегодно, не менее, чем в 75% школ» against the roadmap's 50 % ШНРО for 2023 (002:2456)
    targets = order.get("3.8").subitem("support_visits").targets[2023]
    assert [(t.document, t.value, t.base) for t in targets] == [
        (P1, 75, "program_schools"),
        (RM, 50, "shnor"),
    ]
    assert all(t.source and "стр." in t.source for t in targets)


def test_it_derives_shares_only_where_the_school_value_allows(order: IndicatorSet) -> None:
    derivations = {ind.id: ind.derivation for ind in order.indicators}
    assert derivations["1.3"] == "share_of_schools_yes"
    assert derivations["3.1"] == "share_of_teachers"
    assert derivations["7.1"] == "share_of_schools_with_positive_dynamics"
    assert derivations["7.7"] == "bucket_distribution"
    # municipal-only indicators are typed by the coordinator
    for ind in order.indicators:
        if ind.school_type is None:
            assert ind.derivation == "manual", ind.id


def test_it_normalises_whitespace_in_every_wording(sets: dict[str, IndicatorSet]) -> None:
    for indicator_set in sets.values():
        for ind in indicator_set.indicators:
            for text in (ind.municipal_wording, ind.school_wording):
                if text is not None:
                    assert "\n" not in text and "  " not in text and text == text.strip(), ind.id
                    assert "педагоговв" not in text and "обученияв" not in text, ind.id


# --------------------------------------------------------------------------------------------- buckets


def _printed_range(label: str) -> tuple[int, int] | None:
    """Integers a source label names: «11 – 30%» -> (11, 30), «100%» -> (100, 100); open labels -> None."""
    if match := re.fullmatch(r"(\d+)\s*[–-]\s*(\d+)%", label):
        return int(match.group(1)), int(match.group(2))
    if match := re.fullmatch(r"(\d+)%", label):
        return int(match.group(1)), int(match.group(1))
    return None


# Every bound of every scale, just below, on and just above it (002:149-157, 734-744, 997-1000): the bounds follow the
# printed words («более 30%» is more than 30; «26 – 30%» ends at 30 inclusive; «6 – 10%» takes the 5 that
# «менее 5%» leaves out).
EPS = 0.01
BOUNDS = [
    # scheme, bound, label just below, label on the bound, label just above
    ("teacher_share", 10, "менее 10%", "11 – 30%", "11 – 30%"),
    ("teacher_share", 30, "11 – 30%", "11 – 30%", "31 – 50%"),
    ("teacher_share", 50, "31 – 50%", "31 – 50%", "51 – 70%"),
    ("teacher_share", 70, "51 – 70%", "51 – 70%", "71 – 90%"),
    ("teacher_share", 90, "71 – 90%", "71 – 90%", "более 91%"),
    ("dynamics", 5, "менее 5%", "6 – 10%", "6 – 10%"),
    ("dynamics", 10, "6 – 10%", "6 – 10%", "11 – 15%"),
    ("dynamics", 15, "11 – 15%", "11 – 15%", "16 – 20%"),
    ("dynamics", 20, "16 – 20%", "16 – 20%", "21 – 25%"),
    ("dynamics", 25, "21 – 25%", "21 – 25%", "26 – 30%"),
    ("dynamics", 30, "26 – 30%", "26 – 30%", "более 30%"),
    ("oop_mastery", 90, "менее 90%", "90-99%", "90-99%"),
    ("oop_mastery", 100, "90-99%", "100%", "100%"),
]


@pytest.mark.parametrize(("scheme_name", "bound", "below", "on", "above"), BOUNDS)
def test_it_places_values_around_every_bound_as_the_words_say(
    order: IndicatorSet, scheme_name: str, bound: float, below: str, on: str, above: str
) -> None:
    scheme = order.buckets[scheme_name]
    got = [scheme.bucket_for(v).label for v in (bound - EPS, bound, bound + EPS)]
    assert got == [below, on, above]


@pytest.mark.parametrize("scheme_name", ["teacher_share", "dynamics", "oop_mastery"])
def test_it_tests_every_bound_of_the_scheme(order: IndicatorSet, scheme_name: str) -> None:
    edges = {b.upper for b in order.buckets[scheme_name].buckets if b.upper is not None}
    assert edges == {bound for name, bound, *_ in BOUNDS if name == scheme_name}


def test_it_puts_4_schools_of_13_above_30_percent(order: IndicatorSet) -> None:
    # issue #18: 4 of 13 = 30,77 % is «более 30%», not «26 – 30%»
    assert order.buckets["dynamics"].bucket_for(100 * 4 / 13).label == "более 30%"


@pytest.mark.parametrize("scheme_name", ["teacher_share", "dynamics", "oop_mastery"])
def test_it_maps_every_value_from_0_to_100_to_exactly_one_bucket(
    order: IndicatorSet, scheme_name: str
) -> None:
    scheme = order.buckets[scheme_name]
    for step in range(0, 10001):
        value = step / 100
        assert sum(b.contains(value) for b in scheme.buckets) == 1, value


@pytest.mark.parametrize("scheme_name", ["teacher_share", "dynamics", "oop_mastery"])
def test_it_puts_each_integer_the_source_prints_in_its_printed_range(
    order: IndicatorSet, scheme_name: str
) -> None:
    scheme = order.buckets[scheme_name]
    for bucket in scheme.buckets:
        printed = _printed_range(bucket.label)
        if printed is not None:
            for value in range(printed[0], printed[1] + 1):
                assert scheme.bucket_for(value) == bucket, (bucket.label, value)


def test_it_refuses_to_bucket_nan(order: IndicatorSet) -> None:
    with pytest.raises(ValueError, match="NaN"):
        order.buckets["dynamics"].bucket_for(float("nan"))


# --------------------------------------------------------------------------------------------- program_2020

# (id, municipal type, school type, derivation), from 000:459-540
PROGRAM_INDICATORS = [
    ("1", "bool", None, "manual"),  # «Скорректированная система мониторинга…»
    ("2", "bool", None, "manual"),  # «Наличие адресных рекомендаций…»
    ("3", "pct", "bool", "share_of_schools_yes"),  # «Доля школ … в которых разработаны … ШППКО»
    ("4", "bool", None, "manual"),  # «Наличие договоров…»
    ("5", "count", "count", "count_sum"),  # «Наличие (количество) программ…»
    ("6", "pct", "pct", "share_of_teachers"),
    ("7", "pct", "pct", "share_of_teachers"),
    ("8", "bool", None, "manual"),  # «Реализованы модульные программы…»
    ("9", "pct", "pct", "share_of_teachers"),
    ("10", "pct", "pct", "share_of_students"),
    ("11", "pct", "bool", "share_of_schools_with_positive_dynamics"),
    ("12", "pct", "bool", "share_of_schools_with_positive_dynamics"),
    ("13", "pct", "bool", "share_of_schools_with_positive_dynamics"),
    ("14", "pct", "bool", "share_of_schools_with_positive_dynamics"),
    ("15", "pct", "bool", "share_of_schools_with_positive_dynamics"),
    ("16", "pct", "pct", "share_of_students"),
    ("17", "pct", "bool", "share_of_schools_with_positive_dynamics"),
    ("18", "pct", "pct", "share_of_students"),
]


def test_it_lists_the_18_target_indicators_of_the_2020_program(program: IndicatorSet) -> None:
    assert program.ids() == [str(n) for n in range(1, 19)]
    assert [
        (i.id, i.municipal_type, i.school_type, i.derivation) for i in program.indicators
    ] == PROGRAM_INDICATORS


def test_it_transcribes_the_2020_wording(program: IndicatorSet) -> None:
    assert program.get("7").municipal_wording == (
        # 000:496-498, «педагоговв» split
        "Доля педагогов в общей численности педагогов школ с низкими результатами, использующих в "
        "педагогической практике современные методические приемы, технологии, подходы."
    )
    assert program.get("13").municipal_wording is not None
    assert "естественнонаучной грамотности (8 класс)" in program.get("13").municipal_wording  # 000:521


def test_it_takes_the_2020_targets_only_from_the_passport(program: IndicatorSet) -> None:
    found = {
        (i.id, y, t.op, t.value)
        for i in program.indicators
        for (_, y), ts in i.all_targets().items()
        for t in ts
    }
    assert found == {
        ("1", 2022, "==", True),  # 000:93-95 «Скорректирована система мониторинга…», term 2020-2022 (000:119)
        ("6", 2022, ">=", 100),  # 000:105 «100% педагогов школ с низкими результатами обучения вовлечены…»
    }


# --------------------------------------------------------------------------------------------- targets


def test_it_checks_a_percent_target() -> None:
    target = Target(year=2024, op=">=", value=60, unit="%")
    assert target.is_met(60.0) is True
    assert target.is_met(59.9) is False
    assert target.is_met(None) is None


def test_it_checks_a_yes_no_target_only_against_yes_no() -> None:
    target = Target(year=2022, op="==", value=True)
    assert target.is_met(True) is True
    assert target.is_met(False) is False
    assert target.is_met(100.0) is None


# --------------------------------------------------------------------------------------------- validation

MINIMAL: dict[str, Any] = {
    "set": {"code": "tiny", "title": "Проба", "source": "тест"},
    "buckets": {
        "halves": {
            "label": "Половины",
            "buckets": [
                {"code": "low", "label": "менее 50%", "lower": None, "upper": 50},
                {"code": "high", "label": "50% и более", "lower": 50, "upper": None},
            ],
        }
    },
    "blocks": [
        {"code": "b1", "source_number": "1.", "title": "Блок", "direction": 1, "source_lines": ["1-2"]}
    ],
    "indicators": [
        {
            "id": "9.1",
            "block": "b1",
            "direction": 1,
            "municipal_wording": "Доля школ",
            "municipal_type": "pct_bucket",
            "bucket_scheme": "halves",
            "school_wording": "Наличие",
            "school_type": "bool",
            "derivation": "share_of_schools_yes",
            "target_group": "shnor",
            "targets": {2024: {"op": ">=", "value": 50, "unit": "%", "target_source": "стр. 1"}},
            "source_lines": ["1-2"],
        },
        {
            "id": "9.2",
            "block": "b1",
            "direction": 1,
            "municipal_wording": "Наличие акта",
            "municipal_type": "bool_links",
            "derivation": "manual",
            "source_lines": ["3"],
        },
    ],
}


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_it_loads_the_minimal_valid_file(tmp_path: Path) -> None:
    loaded = load_set(_write(tmp_path, MINIMAL))
    assert loaded.ids() == ["9.1", "9.2"]
    assert loaded.buckets["halves"].bucket_for(50).code == "high"
    assert loaded.get("9.1").targets[2024][0].is_met(49) is False


def _broken(mutate: Any) -> dict[str, Any]:
    data = copy.deepcopy(MINIMAL)
    mutate(data)
    return data


@pytest.mark.parametrize(
    ("mutate", "item", "field", "message"),
    [
        (
            lambda d: d["indicators"][0].update(municipal_type="percent"),
            "9.1",
            "municipal_type",
            "тип значения",
        ),
        (lambda d: d["indicators"][1].update(id="9.1"), "9.1", "id", "повторяется"),
        (
            lambda d: d["indicators"][0].update(bucket_scheme="thirds"),
            "9.1",
            "bucket_scheme",
            "неизвестная шкала",
        ),
        (lambda d: d["indicators"][0].pop("bucket_scheme"), "9.1", "bucket_scheme", "pct_bucket"),
        (
            lambda d: d["indicators"][0]["targets"].update({2031: d["indicators"][0]["targets"][2024]}),
            "9.1",
            "targets",
            "2020–2030",
        ),
        (
            lambda d: d["indicators"][0]["targets"].update({2019: d["indicators"][0]["targets"][2024]}),
            "9.1",
            "targets",
            "2020–2030",
        ),
        (lambda d: d["indicators"][0]["targets"][2024].update(value=True), "9.1", "targets.2024.op", "=="),
        (
            lambda d: d["indicators"][0]["targets"][2024].pop("target_source"),
            "9.1",
            "targets.2024.target_source",
            "источник",
        ),
        (
            lambda d: d["indicators"][1].update(
                targets={2024: {"op": ">=", "value": 50, "target_source": "стр. 3"}}
            ),
            "9.2",
            "targets.2024.value",
            "вид цели",
        ),
        (lambda d: d["indicators"][0].update(school_type="pct"), "9.1", "derivation", "share_of_schools_yes"),
        (
            lambda d: d["indicators"][1].update(derivation="average"),
            "9.2",
            "derivation",
            "неизвестный способ",
        ),
        (lambda d: d["indicators"][0].update(direction=7), "9.1", "direction", "от 1 до 6"),
        (lambda d: d["indicators"][0].update(direction=2), "9.1", "direction", "блока"),
        (lambda d: d["indicators"][0].update(block="b9"), "9.1", "block", "неизвестный блок"),
        (lambda d: d["indicators"][0].update(target_group="shnsu"), "9.1", "target_group", "группа"),
        (
            lambda d: d["indicators"][1].update(municpal_wording="опечатка"),
            "9.2",
            "municpal_wording",
            "неизвестное",
        ),
        (lambda d: d["indicators"][1].update(municipal_type="status3"), "9.2", "status_labels", "present"),
        (lambda d: d["indicators"][1].update(source_lines=["9-3"]), "9.2", "source_lines", "9-3"),
        (
            lambda d: d["indicators"][0].update(
                derivation="share_of_schools_with_risk_factor",
                subitems=[{"code": "no_canteen", "label": "нет столовой", "levels": ["municipal"]}],
            ),
            "9.1",
            "subitems",
            "неизвестные: no_canteen",
        ),
        (
            lambda d: d["indicators"][1].update(subitems=[{"code": "a", "label": "А", "levels": ["school"]}]),
            "9.2",
            "levels",
            "school",
        ),
    ],
)
def test_it_names_the_indicator_and_field_of_a_broken_file(
    tmp_path: Path, mutate: Any, item: str, field: str, message: str
) -> None:
    path = _write(tmp_path, _broken(mutate))
    with pytest.raises(CatalogueError) as excinfo:
        load_set(path)
    text = str(excinfo.value)
    assert str(path) in text
    assert f"показатель «{item}»" in text
    assert f"поле «{field}»" in text
    assert message in text


@pytest.mark.parametrize(
    ("buckets", "field", "message"),
    [
        ([("low", None, 50), ("high", 40, None)], "lower", "перекрытие"),  # 40 < 50
        ([("low", None, 50), ("high", 60, None)], "lower", "разрыв"),  # [50, 60) uncovered
        ([("low", 0, 50), ("high", 50, None)], "lower", "−∞"),  # negative values uncovered
        ([("low", None, 50), ("high", 50, 100)], "upper", "+∞"),  # values above 100 uncovered
        ([("low", None, 50), ("low", 50, None)], "code", "повторяются"),
    ],
)
def test_it_rejects_bucket_schemes_that_overlap_or_leave_gaps(
    tmp_path: Path, buckets: list[tuple[str, float | None, float | None]], field: str, message: str
) -> None:
    data = copy.deepcopy(MINIMAL)
    data["buckets"]["halves"]["buckets"] = [
        {"code": code, "label": code, "lower": lower, "upper": upper} for code, lower, upper in buckets
    ]
    with pytest.raises(CatalogueError) as excinfo:
        load_set(_write(tmp_path, data))
    text = str(excinfo.value)
    assert "шкала «halves»" in text and f"поле «{field}»" in text and message in text


def test_it_reports_a_file_that_is_not_yaml(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("set: [unclosed", encoding="utf-8")
    with pytest.raises(CatalogueError, match="YAML"):
        load_set(path)


@pytest.mark.parametrize(
    ("low_upper_closed", "high_lower_closed", "message"),
    [(True, True, "перекрытие в точке 50"), (False, False, "разрыв в точке 50")],
)
def test_it_rejects_a_bound_that_two_buckets_share_or_none_holds(
    tmp_path: Path, low_upper_closed: bool, high_lower_closed: bool, message: str
) -> None:
    data = copy.deepcopy(MINIMAL)
    low, high = data["buckets"]["halves"]["buckets"]
    low["upper_closed"], high["lower_closed"] = low_upper_closed, high_lower_closed
    with pytest.raises(CatalogueError, match=message):
        load_set(_write(tmp_path, data))


def test_it_reads_closed_bounds(tmp_path: Path) -> None:
    data = copy.deepcopy(MINIMAL)
    low, high = data["buckets"]["halves"]["buckets"]
    low["upper_closed"], high["lower_closed"] = True, False
    scheme = load_set(_write(tmp_path, data)).buckets["halves"]
    assert [scheme.bucket_for(v).code for v in (49.99, 50, 50.01)] == ["low", "low", "high"]
    assert scheme.buckets[0].interval == "(−∞; 50]"


def test_it_reads_several_targets_of_one_year_with_their_base(tmp_path: Path) -> None:
    data = copy.deepcopy(MINIMAL)
    data["indicators"][0]["targets"][2024] = [
        {"op": ">=", "value": 75, "target_source": "стр. 1", "document": "Приложение"},
        {"op": ">=", "value": 50, "target_source": "стр. 2", "base": "shnor", "document": "Карта"},
    ]
    first, second = load_set(_write(tmp_path, data)).get("9.1").targets[2024]
    assert (first.value, first.base, second.value, second.base) == (75, None, 50, "shnor")


@pytest.mark.parametrize(
    ("mutate", "field", "message"),
    [
        (
            lambda d: d["indicators"][0]["targets"][2024].update(base="everyone"),
            "targets.2024.base",
            "группа",
        ),
        (
            lambda d: d["indicators"][0]["targets"][2024].update(measure="mean"),
            "targets.2024.measure",
            "мера",
        ),
        (
            lambda d: d["indicators"][0].update(records={"school": {"from": ["rumours"]}}),
            "records.school.from",
            "rumours",
        ),
        (
            lambda d: d["indicators"][0].update(records={"school": {"from": ["registry"], "mode": "maybe"}}),
            "records.school.mode",
            "decides",
        ),
        (
            lambda d: d["indicators"][0].update(records={"municipal": {"from": ["registry"]}}),
            "records",
            "выводится из школьных",
        ),
        (
            lambda d: d["indicators"][1].update(records={"school": {"from": ["registry"]}}),
            "records",
            "уровень 'school'",
        ),
        (
            lambda d: d["indicators"][0].update(
                subitems=[{"code": "a", "label": "А", "education_level": "spo"}]
            ),
            "education_level",
            "noo",
        ),
    ],
)
def test_it_names_the_field_of_a_broken_target_rule_or_level(
    tmp_path: Path, mutate: Any, field: str, message: str
) -> None:
    with pytest.raises(CatalogueError) as excinfo:
        load_set(_write(tmp_path, _broken(mutate)))
    assert f"поле «{field}»" in str(excinfo.value) and message in str(excinfo.value)


# Which answers the records decide (issue #18 §1): (id, subitem, level, sources, mode), from the catalogue's rules.
RECORD_RULES = [
    ("1.1", "failure_prevention_program", "school", ("failure_program_approved", "registry"), "decides"),
    ("1.1", "vsoko_regulation", "school", ("registry",), "decides"),
    ("1.1", "", "municipal", ("registry",), "decides"),
    ("1.2", "", "municipal", ("registry",), "decides"),
    ("1.3", "", "school", ("shppko_approved", "registry"), "decides"),
    ("2.1", "", "municipal", ("registry",), "decides"),
    ("2.2", "", "school", ("risk_data",), "yes_only"),
    ("3.8", "constructor", "school", ("shppko_built",), "decides"),
    ("4.1", "", "school", ("public_page",), "decides"),
    ("4.1", "", "municipal", ("public_page",), "decides"),
    ("5.4", "", "school", ("failure_program_approved", "registry"), "decides"),
    ("6.1", "", "municipal", ("registry",), "decides"),
    ("6.2", "", "school", ("risk_data",), "yes_only"),
    ("6.3", "", "school", ("public_reports",), "yes_only"),
    ("6.3", "", "municipal", ("public_reports",), "yes_only"),
]


def test_it_names_the_records_behind_every_derived_answer(order: IndicatorSet) -> None:
    found = []
    for ind in order.indicators:
        for level in ("school", "municipal"):
            typed = ind.school_type if level == "school" else ind.municipal_type
            if typed is None:
                continue
            slots = [s.code for s in ind.subitems if level in s.levels] or [""]
            for sub in slots:
                rule = ind.record_rule(sub or None, level)
                if rule is not None:
                    found.append((ind.id, sub, level, rule.sources, rule.mode))
    assert sorted(found) == sorted(RECORD_RULES)


def test_it_splits_7_7_by_level_of_education(order: IndicatorSet) -> None:
    # 002:997-1000: ООП НОО, ООО, СОО
    assert [(s.code, s.education_level) for s in order.get("7.7").subitems] == [
        ("noo", "noo"),
        ("ooo", "ooo"),
        ("soo", "soo"),
    ]


def test_the_2020_share_of_schools_with_a_programme_is_derived_too(program: IndicatorSet) -> None:
    # 000:466-469 «Доля школ … в которых разработаны и реализуются школьные программы» — like 1.3 of Appendix 1
    rule = program.get("3").record_rule(None, "school")
    assert rule is not None and rule.sources == ("shppko_approved", "registry") and rule.decides
