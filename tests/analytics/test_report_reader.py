"""Regional report files (issue #15): layout recognition, placeholders, totals, municipalities, years, warnings.

Every expected number below is the number written into the test file (tests/report_files.py): the reader must
give back exactly what the file says.
"""

from __future__ import annotations

import io
from typing import Any

import polars as pl
import pytest
from openpyxl import Workbook

from opora.readers import read_results
from opora.readers.layout import recognise, signature_at
from opora.readers.reports import Preset, read_report
from opora.readers.vocab import find_subject
from tests.report_files import AGINSK, CHITA, SUBJECTS, SchoolRow, Sheet, small_report, workbook


def _rows(frame: pl.DataFrame) -> dict[tuple[str, str, int], dict[str, Any]]:
    return {(r["school_name"], r["subject"], r["year"]): r for r in frame.iter_rows(named=True)}


@pytest.fixture(scope="module")
def three_years() -> bytes:
    return workbook(
        [
            Sheet("2023", 2023, small_report(), SUBJECTS),
            Sheet("Регистрация 2024", 2024, small_report(), SUBJECTS, registrations=True),
            Sheet(
                "2022",
                2022,
                small_report(drift=True),
                SUBJECTS,
                municipality_style="own_row",
                number_row=False,
            ),
        ]
    )


def test_it_reads_a_regional_ege_report_exactly_as_written(three_years: bytes) -> None:
    out = read_results(three_years, filename="ege.xlsx")
    assert out.ok, [str(e) for e in out.errors]
    assert out.layout == "report" and out.frame is not None
    rows = _rows(out.frame)
    s1 = "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 1»"
    rus = rows[(s1, "rus", 2023)]
    # 71.540000000000006 in the file is 71,54; the counts as written.
    assert (rus["n"], rus["n_below_min"], rus["n_80_99"], rus["n_100"], rus["mean_score"]) == (
        52,
        0,
        14,
        1,
        71.54,
    )
    assert rus["procedure"] == "ege" and rus["grade"] == 11 and rus["municipality"] == CHITA
    # Базовая математика: its «средний балл» 4,21 is a mark, not a score; «х» and «-» are no value.
    base = rows[(s1, "math_base", 2023)]
    assert (base["n"], base["n_below_min"], base["mean_mark"], base["mean_score"]) == (22, 1, 4.21, None)
    assert base["n_80_99"] is None and base["n_100"] is None
    # A subject not sat (zeros in every cell, «X» in every cell, empty cells) gives no row.
    assert (s1, "inf", 2023) not in rows
    assert ("МАОУ «Лицей № 2»", "math_base", 2023) not in rows
    assert ('МБОУ "СОШ № 11 с.Волочаевка"', "inf", 2023) not in rows
    # Decimal comma in text cells, «—» as a placeholder inside a subject that was sat.
    assert rows[("МАОУ «Лицей № 2»", "inf", 2023)]["mean_score"] == 71.5
    prof = rows[('МБОУ "СОШ № 11 с.Волочаевка"', "math_profile", 2023)]
    assert (prof["n"], prof["n_below_min"], prof["mean_score"]) == (3, None, 44.333333)
    assert rows[('МБОУ "СОШ № 11 с.Волочаевка"', "rus", 2023)]["municipality"] == AGINSK
    assert rows[("МАОУ «Лицей № 2»", "rus", 2023)]["profile"] == "физико-математический"
    # Four schools × the subjects they sat, per year.
    assert out.frame.filter(pl.col("year") == 2023).height == 13


def test_the_municipality_on_its_own_row_is_carried_down_and_drifted_names_are_kept_as_written(
    three_years: bytes,
) -> None:
    out = read_report(three_years, filename="ege.xlsx")
    assert out.frame is not None
    y2022 = out.frame.filter(pl.col("year") == 2022)
    by_name = {r["school_name"]: r["municipality"] for r in y2022.iter_rows(named=True)}
    assert by_name["мбоу  «сош №11  с. Волочаевка»"] == AGINSK
    assert by_name["МАОУ «Лицей № 2»"] == CHITA
    # The same numbers as the 2023 sheet, laid out the other way.
    a = (
        out.frame.filter(pl.col("year") == 2023)
        .drop("year", "school_name", "row", "sheet")
        .sort("subject", "n")
    )
    b = y2022.drop("year", "school_name", "row", "sheet").sort("subject", "n")
    assert a.equals(b)


def test_it_says_what_it_recognised_and_what_it_left_out(three_years: bytes) -> None:
    out = read_report(three_years, filename="ege.xlsx")
    text = "\n".join(out.recognition.lines())
    assert "Лист «2023»: ЕГЭ 2023, заголовок в строках 4–6" in text  # title block, two header rows, numbers
    assert "Лист «2022»: ЕГЭ 2022, заголовок в строках 4–5" in text  # no column-number row
    assert "4 предмета" in text and "4 школы" in text and "13 строк" in text
    assert "Лист «Регистрация 2024» пропущен: в нём только регистрация на экзамены" in text
    # «ВСЕГО по региону» with a stray 48 in the school column, on both sheets; two municipality rows in 2022.
    assert out.recognition.left_out["итоговые и промежуточные строки («итого», «всего»)"] == 2
    assert out.recognition.left_out["строки муниципалитетов (над их школами)"] == 2


def test_the_year_filter_and_the_sheet_choice(three_years: bytes) -> None:
    only = read_report(three_years, filename="ege.xlsx", year=2022)
    assert only.frame is not None and set(only.frame["year"]) == {2022}
    assert any("данные за 2023 год, а выбран 2022" in r for _, r in only.recognition.skipped)
    one = read_report(three_years, filename="ege.xlsx", sheet="2023")
    assert one.frame is not None and set(one.frame["year"]) == {2023}
    missing = read_report(three_years, filename="ege.xlsx", sheet="2019")
    assert (
        not missing.ok and "нет такого листа" in str(missing.errors[0]) and "«2022»" in str(missing.errors[0])
    )


def _report(rows: list[SchoolRow], **kwargs: Any) -> bytes:
    return workbook(
        [Sheet(kwargs.pop("name", "2024"), 2024, rows, kwargs.pop("subjects", SUBJECTS), **kwargs)]
    )


def test_implausible_values_are_warnings_naming_row_and_column_and_are_not_used() -> None:
    rows = small_report()
    rows[1].values["Русский язык"] = (7, 0, 2, 12, 88.0)  # 12 scored 100 of 7 participants
    out = read_report(_report(rows), filename="ege.xlsx")
    assert out.ok and out.frame is not None
    warning = next(str(w) for w in out.warnings if "больше числа участников" in str(w))
    assert warning.startswith("Файл ege.xlsx, лист «2024», строка 8, столбец «Русский язык: 100 баллов (H)»")
    assert "значение 12 больше числа участников (7): значение не использовано" in warning
    lyceum = _rows(out.frame)[("МАОУ «Лицей № 2»", "rus", 2024)]
    assert lyceum["n_100"] is None and lyceum["n"] == 7 and lyceum["mean_score"] == 88.0


def test_text_in_a_number_cell_refuses_the_file_naming_sheet_row_and_column() -> None:
    rows = small_report()
    rows[3].values["Математика профильная"] = (21, 3, 2, 0, "много")
    out = read_report(_report(rows), filename="ege.xlsx")
    assert not out.ok and out.frame is None
    assert str(out.errors[0]) == (
        "Файл ege.xlsx, лист «2024», строка 10, столбец «Математика профильная: средний балл (N)»: ожидалось число, "
        "«X» или «—», получено «много»."
    )


def test_a_participant_count_no_school_has_refuses_the_file_naming_the_cell() -> None:
    # Found by fuzzing: 2 147 483 648 participants overflowed the 32-bit count column and raised inside the reader.
    rows = small_report()
    rows[3].values["Математика профильная"] = (2_147_483_648, 3, 2, 0, 60.0)
    out = read_report(_report(rows), filename="ege.xlsx")
    assert not out.ok and out.frame is None
    (error,) = out.errors
    assert str(error).startswith("Файл ege.xlsx, лист «2024», строка 10, столбец «Математика профильная: ")
    assert "число участников 2147483648 — больше, чем бывает в одной школе" in str(error)
    assert "не удалось разобрать" not in str(error)


def test_subject_label_variants() -> None:
    variants = {
        "Математика (профиль)": "math_profile",
        "Информатика и ИКТ (КЕГЭ)": "inf",
        "Иностранные языки": "foreign",
        "Английский язык (устный)": "eng_oral",
        "Немецкий язык": "deu",
        "Китайский язык": "chi",
        "Математика базовая": "math_base",
    }
    values = {label: (5, 0, 1, 0, 70) for label in variants}
    values["Математика базовая"] = (5, 0, None, None, 4.4)
    out = read_report(
        _report([SchoolRow(CHITA, "МБОУ СОШ № 7", values)], subjects=list(variants)), filename="v.xlsx"
    )
    assert out.frame is not None
    assert sorted(out.frame["subject"]) == sorted(variants.values())
    assert find_subject("ИКТ") == find_subject("Информатика и ИКТ") == "inf"
    assert find_subject("Математика (профильный уровень), 11 класс") == "math_profile"


def test_a_title_naming_the_year_and_a_subtotal_row() -> None:
    rows = small_report()
    sheet = Sheet("Лист1", 2021, rows, SUBJECTS, extra_rows=[[None, "Итого по городу Чита", None, 132]])
    out = read_report(workbook([sheet]), filename="r.xlsx")
    assert out.frame is not None and set(out.frame["year"]) == {2021}  # from «… в 2021 году»
    assert out.recognition.left_out["итоговые и промежуточные строки («итого», «всего»)"] == 2
    no_year = Sheet("Лист1", 2021, rows, SUBJECTS, title="Результаты ЕГЭ по школам")
    refused = read_report(workbook([no_year]), filename="r.xlsx")
    assert "не указан год" in str(refused.errors[0])
    given = read_report(workbook([no_year]), filename="r.xlsx", defaults={"year": 2021})
    assert given.ok


def _oge_sheet() -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "ОГЭ"
    ws.append(["Результаты ОГЭ 2024 года по образовательным организациям"])
    ws.append([])
    ws.append(["Район", "ОО", "Русский язык", None, None, None, None, None, None, None])
    ws.append(
        [
            None,
            None,
            "Кол-во участников",
            "% «2»",
            "% «3»",
            "% «4»",
            "% «5»",
            "Успеваемость, %",
            "Качество, %",
            "Средний балл",
        ]
    )
    ws.merge_cells("C3:J3")
    ws.append(["Агинский район", "МБОУ Агинская СОШ № 1", 40, 5, 35, 40, 20, 95, 60, 27.3])
    ws.append([None, "МБОУ Агинская СОШ № 2", 30, "10,1", "33,3", 40, "16,7", None, None, 25.0])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_an_oge_report_with_mark_shares() -> None:
    out = read_report(_oge_sheet(), filename="oge.xlsx")
    assert out.ok, [str(e) for e in out.errors]
    assert out.frame is not None
    rows = {r["school_name"]: r for r in out.frame.iter_rows(named=True)}
    one = rows["МБОУ Агинская СОШ № 1"]
    # 40 × (5; 35; 40; 20) % = 2; 14; 16; 8.
    assert (one["procedure"], one["grade"], one["n_2"], one["n_3"], one["n_4"], one["n_5"]) == (
        "oge",
        9,
        2,
        14,
        16,
        8,
    )
    two = rows["МБОУ Агинская СОШ № 2"]
    # 30 × (10,1; 33,3; 40; 16,7) % = 3,03; 9,99; 12; 5,01 → 3; 10; 12; 5 (sum 30); municipality carried down.
    assert (two["n_2"], two["n_3"], two["n_4"], two["n_5"], two["municipality"]) == (
        3,
        10,
        12,
        5,
        "Агинский район",
    )


def _odd_layout() -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Сводка"])
    ws.append(["Учреждение", "Р.яз. уч.", "Р.яз. ср.", "Мат. уч.", "Мат. ср."])
    ws.append(["МБОУ СОШ № 7", 20, 66.5, 12, 55])
    ws.append(["МБОУ СОШ № 8", 10, 61, None, None])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_an_unknown_layout_is_refused_and_then_read_with_a_saved_preset() -> None:
    data = _odd_layout()
    refused = read_report(data, filename="odd.xlsx", defaults={"procedure": "ЕГЭ", "year": 2024})
    assert not refused.ok and "таблица не распознана" in str(refused.errors[0])
    assert "форме сопоставления" in str(refused.errors[0])
    mapping = {
        "header_rows": 1,
        "school": 0,
        "blocks": [
            {"subject": "rus", "label": "Р.яз.", "columns": {"n": 1, "mean_score": 2}},
            {"subject": "math_profile", "label": "Мат.", "columns": {"n": 3, "mean_score": 4}},
        ],
        "procedure": "ege",
    }
    from opora.readers.common import load_grids

    grid = load_grids(data, "odd.xlsx")[0]  # type: ignore[index]
    preset = Preset("Сводка министерства", signature_at(grid, 1, 1), mapping)
    out = read_report(data, filename="odd.xlsx", defaults={"year": 2024}, presets=[preset])
    assert out.ok and out.frame is not None
    assert out.frame.select("school_name", "subject", "n", "mean_score").rows() == [
        ("МБОУ СОШ № 7", "rus", 20, 66.5),
        ("МБОУ СОШ № 7", "math_profile", 12, 55.0),
        ("МБОУ СОШ № 8", "rus", 10, 61.0),
    ]
    assert "по шаблону сопоставления «Сводка министерства»" in "\n".join(out.recognition.lines())


def test_recognise_reports_a_reason_for_a_sheet_without_a_school_column() -> None:
    from opora.readers.common import Grid

    reason = recognise(Grid("f.csv", None, [(1, ["a", "b"]), (2, ["1", "2"])]))
    assert isinstance(reason, str) and "столбцом школы" in reason
