"""The roadmaps (and the 2020-2022 program's stages and mechanisms) are transcribed completely and the loader
validates and schedules them."""

from __future__ import annotations

import datetime
import textwrap
from pathlib import Path

import pytest

from opora.roadmap_catalogue import (
    CatalogueError,
    Schedule,
    builtin_roadmaps,
    load_roadmap,
)

Y3 = (2023, 2024, 2025)
Y2 = (2022, 2023)
IMO = "Информационно-методический отдел МКУ «Центр образования»"
UO = "Управление образования"
DIR_ZR = "Директора ШНРО и школ, функционирующих в зоне риска снижения образовательных результатов"
COORD = (
    "Муниципальный координатор по поддержке и сопровождению ШНРО и школ, функционирующих в зоне риска "
    "снижения образовательных результатов"
)
ADM = "Администрация школ, участников проекта."
ADM_DASH = "Администрация школ - участников проекта."

# Every row of the seed table 002 lines 1170-3417: (code, first words of the measure, responsible, result years).
EXPECTED_2023_2025: list[tuple[str, str, tuple[str, ...], tuple[int, ...]]] = [
    ("1.1", "Разработка, реализация и корректировка муниципальной", (UO, "ОУ из числа ШНОР"), Y3),
    ("1.2", "Разработка, корректировка школьных программ", ("УО", "Директора школ"), Y3),
    ("1.3", "Разработка и реализация образовательными организациями", ("Директора школ",), Y3),
    ("1.4", "Разработка положения о мониторинге", (UO,), Y3),
    ("2.1", "Использование материалов ЦОКО", (UO,), Y3),
    (
        "3.1",
        "Включение тематики по повышению качества",
        (IMO, "Руководители городских методических объединений", "Муниципальный методический актив"),
        Y3,
    ),
    ("3.2", "Участие в окружных событиях/ мероприятиях", (IMO,), Y3),
    ("3.3", "Организация мероприятий по обобщению, трансляции опыта", (IMO,), Y3),
    ("3.4", "Проведение муниципальных мероприятий, направленных", (IMO,), Y3),
    ("3.5", "Оценка профессиональных дефицитов", (IMO,), Y3),
    ("3.6", "Организация цикла обучающих семинаров", (IMO, "Заместители по МР ОУ резильентных школ"), Y3),
    ("3.7", "Организация методических (управленческих) десантов", (UO, IMO), Y3),
    ("4.1", "Поддержка специализированной страниц на сайте УО", (UO, DIR_ZR), Y3),
    ("4.2", "Использование электронной оболочки/экспертной системы", (IMO, COORD, DIR_ZR), Y3),
    ("4.3", "Организация информационной и методической поддержки", (IMO, COORD), Y3),
    (
        "5.1",
        "Организация взаимодействия школ ШНРО со школами-лидерами",
        (COORD.replace("Муниципальный координатор", "Муниципальный координаторы"), DIR_ZR),
        Y3,
    ),
    ("6.1", "Корректировка показателей в ИС", (IMO,), Y3),
    ("6.2", "Проведение анализа динамики учебных результатов", (IMO,), Y3),
]

# Every row of the seed table 000 lines 766-1359.
EXPECTED_2022_2023: list[tuple[str, str, tuple[str, ...], tuple[int, ...]]] = [
    ("1.1", "Назначение муниципального координатора", (UO,), Y2),
    ("1.2", "Разработка Программы мониторингового исследования", ("Федотова Н.Э.",), Y2),
    ("1.3", "Подготовка и утверждение приказом «Дорожной карты»", (UO, "Федотова Н.Э."), Y2),
    ("1.4", "Стартовый мониторинг, диагностика", ("Федотова Н.Э.", ADM), Y2),
    ("1.5", "Анализ материально – технической оснащенности", ("Федотова Н.Э.", ADM), Y2),
    ("1.6", "Разработка и апробация карт оценки", ("Федотова Н.Э.", ADM), Y2),
    ("1.7", "Оказание школам методической поддержки", ("Федотова Н.Э.",), Y2),
    ("1.8", "Подготовка рекомендаций для руководителей", ("Федотова Н.Э.", ADM_DASH), Y2),
    (
        "1.9",
        "Размещение на сайте органа управления",
        ("Полежаев А.А.", "Администрация школ - участников проекта"),
        Y2,
    ),
    ("1.10", "Предоставление для публикации на сайтах", (ADM_DASH,), Y2),
    ("1.11", "Обеспечение участия в мероприятиях", ("Федотова Н.Э.",), Y2),
    ("2.1", "Утверждение Положения о Координационном совете", ("Федотова Н.Э",), Y2),
    ("2.2", "Разработка плана совместных действий", ("Федотова Н.Э.", ADM), Y2),
    ("2.3", "Подготовить приказ о стажировочных площадках", ("Федотова Н.Э.",), Y2),
    ("3.1", "Анализ динамики результатов обучения", ("Федотова Н. Э.", "Участники реализации проекта"), Y2),
    ("3.2", "Оказание методической и организационной помощи", ("Федотова Н. Э.",), Y2),
    (
        "3.3",
        "Повышение квалификации педагогических работников",
        ("Федотова Н. Э.", "Участники реализации проекта"),
        Y2,
    ),
    ("3.4", "Мониторинг учебных достижений", ("Заместители директоров",), Y2),
    ("3.5", "Реализация Программ внеурочной деятельности", ("Школы - участники реализации проекта",), Y2),
    ("4.1", "Проведение в ОУ, находящихся в трудных", ("Федотова Н. Э.", "Федина Е. И"), Y2),
    ("4.2", "Проведение совещаний заместителей директоров", ("Федотова Н. Э.",), Y2),
    ("4.3", "Обобщение в РАОП лучших", ("Фалеева Н. Ю", "Методисты школ – участников проекта"), Y2),
]

CASES = [
    ("minusinsk_2023_2025", EXPECTED_2023_2025),
    ("minusinsk_2022_2023", EXPECTED_2022_2023),
]


@pytest.mark.parametrize(("code", "expected"), CASES)
def test_it_transcribes_every_measure_with_its_responsible_and_years(
    code: str, expected: list[tuple[str, str, tuple[str, ...], tuple[int, ...]]]
) -> None:
    roadmap = builtin_roadmaps()[code]
    assert [it.code for it in roadmap.items] == [row[0] for row in expected]
    for item_code, start, responsible, years in expected:
        item = roadmap.item(item_code)
        assert item.measure.startswith(start), (item_code, item.measure)
        assert item.responsible == responsible, item_code
        assert item.result_years == years, item_code
        assert all(item.results[y].strip() for y in years)


# The 2020-2022 program, 000 §8 (lines 711-740) and §7 (lines 612-708): (code, source number, first words,
# responsible, years with a planned result or in force).
Y_PROGRAM = (2020, 2021, 2022)
UO_MINUSINSK = "Управление образования Администрации г. Минусинска"
EXPECTED_PROGRAM_2020: list[tuple[str, str | None, str, tuple[str, ...], tuple[int, ...]]] = [
    ("1.1", None, "Первый этап: подготовка и запуск", (), (2020,)),  # «ноябрь 2020г», line 714
    ("1.2", None, "Второй этап: реализация", (), Y_PROGRAM),  # «декабрь 2020 – 2022гг.», line 725
    ("1.3", None, "Третий этап: подведение итогов", (), (2023,)),  # «Февраль 2023г.», line 734
    ("2.1", "1.1", "Создание в муниципалитете рабочей группы", (), Y_PROGRAM),  # line 620
    ("2.2", "1.2", "Разработка муниципального комплекса мер", (), Y_PROGRAM),  # line 634
    ("2.3", "1.3", "Введение в нормативные акты, регулирующие вопросы оплаты труда", (), Y_PROGRAM),  # 638
    ("2.4", "1.4", "Внедрение в практику управления", (), Y_PROGRAM),  # line 644
    ("2.5", "1.5", "Проведение регулярного мониторинга", (), Y_PROGRAM),  # line 649
    ("2.6", "1.6", "Обеспечение нормативных правовых, финансовых", (), Y_PROGRAM),  # line 653
    ("2.7", "1.7", "Разработка и утверждение Положения", (), Y_PROGRAM),  # line 664
    ("3.1", "2.1", "Формирует муниципального задания", (UO_MINUSINSK,), Y_PROGRAM),  # lines 673-676
    ("3.2", "2.2", "Обеспечивает контроль включения", (UO_MINUSINSK,), Y_PROGRAM),  # line 683
    ("3.3", "2.3", "Реализует в рамках муниципальных программ", (UO_MINUSINSK,), Y_PROGRAM),  # line 698
    ("3.4", "2.4", "Определяет задачу выравнивания ресурсной базы", (UO_MINUSINSK,), Y_PROGRAM),  # line 702
    (
        "4.1",
        "3",
        "Непосредственным ресурсом",
        ("Информационно – методический отдел МКУ «Центр образования»",),
        Y_PROGRAM,
    ),
]


def test_it_tracks_the_stages_and_mechanisms_of_the_2020_program() -> None:
    program = builtin_roadmaps()["minusinsk_2020_2022_program"]
    assert program.source["number"] == "84" and program.source["date"] == "2022-02-14"
    assert [it.code for it in program.items] == [row[0] for row in EXPECTED_PROGRAM_2020]
    for code, number, start, responsible, years in EXPECTED_PROGRAM_2020:
        item = program.item(code)
        assert (item.source_number, item.responsible, item.result_years) == (number, responsible, years), code
        assert item.measure.startswith(start), code
    # the stages' own dates (000:714, 725, 734); the mechanisms of §7 carry none and are checked at year end
    assert program.item("1.1").due_dates(2020) == [datetime.date(2020, 11, 30)]
    assert program.item("1.3").due_dates(2023) == [datetime.date(2023, 2, 28)]
    assert program.item("3.3").due_dates(2021) == [datetime.date(2021, 12, 31)]
    # §7 states no planned result: empty text, and the note says so
    assert program.item("3.3").results[2021] == "" and "не указаны" in (
        program.item("3.3").results_note or ""
    )


def test_it_does_not_take_a_pdf_page_number_for_a_row_number() -> None:
    # 002:2608 «10» stands alone between blank lines inside the first row of direction 4: a page number
    item = builtin_roadmaps()["minusinsk_2023_2025"].item("4.1")
    assert item.source_number is None
    assert item.note is not None and "номер страницы" in item.note


def test_it_refuses_an_empty_result_without_a_note(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="results_note"):
        load_roadmap(_write(tmp_path, {"results": "{2023: null}"}))


@pytest.mark.parametrize(
    ("code", "counts"), [("minusinsk_2023_2025", [4, 1, 7, 3, 1, 2]), ("minusinsk_2022_2023", [11, 3, 5, 3])]
)
def test_it_gives_every_direction_its_items(code: str, counts: list[int]) -> None:
    roadmap = builtin_roadmaps()[code]
    assert [d.number for d in roadmap.directions] == list(range(1, len(counts) + 1))
    assert [len(roadmap.items_of(d.number)) for d in roadmap.directions] == counts


def test_it_keeps_the_roadmap_headers() -> None:
    roadmaps = builtin_roadmaps()
    assert roadmaps["minusinsk_2023_2025"].years == (2023, 2024, 2025)
    assert roadmaps["minusinsk_2023_2025"].source["number"] == "41"
    assert roadmaps["minusinsk_2022_2023"].years == (2022, 2023)
    assert roadmaps["minusinsk_2022_2023"].source["number"] == "84"
    assert len(roadmaps["minusinsk_2023_2025"].directions) == 6


def test_it_keeps_verbatim_results_and_deadlines_of_sample_rows() -> None:
    new = builtin_roadmaps()["minusinsk_2023_2025"]
    # 002 lines 2452-2505: the share of ШНРО with support visits grows 50% -> 75% -> 100%.
    visits = new.item("3.7").results
    assert "не менее чем в 50% ШНРО" in visits[2023]
    assert "не менее чем в 75% ШНРО" in visits[2024]
    assert "не менее чем в 100%ШНРО" in visits[2025]
    monitoring = new.item("6.1")
    assert monitoring.results[2024].endswith("(ноябрь – декабрь 2024)")
    assert monitoring.schedule == Schedule(kind="period", months=(11, 12))
    old = builtin_roadmaps()["minusinsk_2022_2023"]
    assert old.item("1.2").deadline == "До 18.02.2022"
    assert old.item("1.2").schedule.date == datetime.date(2022, 2, 18)
    assert old.item("1.7").schedule.kind == "monthly"
    assert old.item("3.4").deadline == "В течение учебного года"


def test_it_maps_only_known_roles_and_indicators() -> None:
    known = {"coordinator", "method_centre", "school_team"}
    for roadmap in builtin_roadmaps().values():
        for item in roadmap.items:
            assert set(item.responsible_roles) <= known, item.code
            assert all(i.count(".") == 1 and 1 <= int(i.split(".")[0]) <= 7 for i in item.indicators), (
                item.code
            )
    assert builtin_roadmaps()["minusinsk_2023_2025"].item("3.5").indicators == ("3.1", "3.2", "3.3")


def test_it_computes_due_dates_on_hand_worked_cases() -> None:
    # period Nov-Dec 2024: last listed month is 12 -> last day of December 2024 = 31.12.2024.
    assert Schedule(kind="period", months=(11, 12)).due_dates(2024) == [datetime.date(2024, 12, 31)]
    # period Feb 2024: 2024 is a leap year (divisible by 4, not by 100) -> 29.02.2024.
    assert Schedule(kind="period", months=(2,)).due_dates(2024) == [datetime.date(2024, 2, 29)]
    # monthly in 2023: twelve month ends; February 2023 has 28 days (2023 not divisible by 4).
    monthly = Schedule(kind="monthly").due_dates(2023)
    assert len(monthly) == 12
    assert monthly[1] == datetime.date(2023, 2, 28)
    assert monthly[-1] == datetime.date(2023, 12, 31)
    # school year 2023/2024 is due at its end: 31 May 2024.
    assert Schedule(kind="school_year").due_dates(2024) == [datetime.date(2024, 5, 31)]
    # yearly / permanent: checked at the end of the calendar year.
    assert Schedule(kind="yearly").due_dates(2025) == [datetime.date(2025, 12, 31)]
    assert Schedule(kind="permanent").due_dates(2022) == [datetime.date(2022, 12, 31)]
    # a fixed date only counts in its own year: 18.02.2022 -> [18.02.2022] in 2022, nothing in 2023.
    fixed = Schedule(kind="date", date=datetime.date(2022, 2, 18))
    assert fixed.due_dates(2022) == [datetime.date(2022, 2, 18)]
    assert fixed.due_dates(2023) == []


def test_it_tells_overdue_dates_and_item_due_dates() -> None:
    monitoring = builtin_roadmaps()["minusinsk_2023_2025"].item("6.1")
    # due 31.12.2024; on 31.12.2024 it is not yet overdue, on 01.01.2025 it is.
    assert monitoring.schedule.overdue_dates(2024, datetime.date(2024, 12, 31)) == []
    assert monitoring.schedule.overdue_dates(2024, datetime.date(2025, 1, 1)) == [datetime.date(2024, 12, 31)]
    # no result planned for 2026 -> no due date that year.
    assert monitoring.due_dates(2026) == []
    assert monitoring.due_dates(2023) == [datetime.date(2023, 12, 31)]


GOOD_HEAD = """
roadmap:
  code: test
  title: Тест
  source: {document: Документ, date: "2023-01-26", number: "1"}
  years: [2023, 2024]
directions:
  - {number: 1, title: Первое}
items:
"""

GOOD_ITEM = """
  - code: "{code}"
    direction: {direction}
    measure: Мероприятие
    results: {results}
    responsible: [УО]
    responsible_roles: [coordinator]
    deadline: null
    schedule: {schedule}
    evidence: []
    indicators: []
    source_lines: [1, 2]
"""


def _write(tmp_path: Path, *items: dict[str, str]) -> Path:
    defaults = {
        "code": "1.1",
        "direction": "1",
        "results": "{2023: Результат}",
        "schedule": "{kind: yearly, months: null, date: null}",
    }
    body = "".join(GOOD_ITEM.format(**{**defaults, **item}) for item in items)
    path = tmp_path / "broken.yaml"
    path.write_text(textwrap.dedent(GOOD_HEAD) + body, encoding="utf-8")
    return path


def test_it_loads_a_small_valid_file(tmp_path: Path) -> None:
    roadmap = load_roadmap(_write(tmp_path, {}))
    assert roadmap.code == "test"
    assert roadmap.item("1.1").results == {2023: "Результат"}


def test_it_rejects_duplicate_codes(tmp_path: Path) -> None:
    path = _write(tmp_path, {"code": "1.1"}, {"code": "1.1"})
    with pytest.raises(CatalogueError) as err:
        load_roadmap(path)
    message = str(err.value)
    assert (
        "broken.yaml" in message and "«1.1»" in message and "«code»" in message and "повторяется" in message
    )


def test_it_rejects_a_direction_not_in_the_list(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError) as err:
        load_roadmap(_write(tmp_path, {"code": "7.1", "direction": "7"}))
    message = str(err.value)
    assert "«7.1»" in message and "«direction»" in message and "нет в списке направлений" in message


def test_it_rejects_result_years_outside_the_roadmap(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError) as err:
        load_roadmap(_write(tmp_path, {"code": "1.2", "results": "{2026: Результат}"}))
    message = str(err.value)
    assert "«1.2»" in message and "«results»" in message and "2026" in message


def test_it_rejects_an_unknown_schedule_kind(tmp_path: Path) -> None:
    path = _write(tmp_path, {"code": "1.3", "schedule": "{kind: weekly, months: null, date: null}"})
    with pytest.raises(CatalogueError) as err:
        load_roadmap(path)
    message = str(err.value)
    assert "«1.3»" in message and "«schedule.kind»" in message and "weekly" in message


def test_it_rejects_a_period_without_months(tmp_path: Path) -> None:
    path = _write(tmp_path, {"code": "1.4", "schedule": "{kind: period, months: null, date: null}"})
    with pytest.raises(CatalogueError, match=r"пункт «1\.4», поле «schedule\.months»"):
        load_roadmap(path)


def test_it_keeps_the_docstring_examples_true() -> None:
    import doctest

    import opora.roadmap_catalogue as module

    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 6
    assert result.failed == 0
