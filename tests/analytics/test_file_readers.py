"""Readers: exact frames from each layout, every error with file/sheet/row/column, no exception for any bytes."""

from __future__ import annotations

import io

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from opora import readers
from opora.readers import templates

HEADER = "Код ОО;Процедура;Предмет;Класс;Год;Участников;Отметка 2;Отметка 3;Отметка 4;Отметка 5;Средний % выполнения\n"


def _xlsx(rows: list[list[object]], *, title: str = "Лист1", merge: str | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_it_reads_a_cp1251_semicolon_csv_with_russian_headers_and_decimal_commas() -> None:
    text = HEADER + "S1;ВПР;Русский язык;5;2023;20;2;8;7;3;58,5\n"
    out = readers.read_results(text.encode("cp1251"), filename="впр.csv")
    assert out.ok, [str(e) for e in out.errors]
    assert out.frame is not None
    row = out.frame.row(0, named=True)
    assert (row["school_id"], row["procedure"], row["subject"], row["grade"], row["grade_program"]) == (
        "S1",
        "vpr",
        "rus",
        5,
        5,
    )  # the programme grade defaults to the participants' grade
    assert (row["n"], row["n_2"], row["n_5"], row["mean_pct"]) == (20, 2, 3, 58.5)
    assert out.frame.schema["grade"] == pl.Int16


def test_it_reads_utf8_with_bom() -> None:
    text = HEADER.replace(";", ",") + "S1,ОГЭ,Математика,9,2023,10,1,4,4,1,\n"
    out = readers.read_results(("\ufeff" + text).encode("utf-8"), filename="oge.csv")
    assert out.ok and out.frame is not None
    assert out.frame["procedure"].to_list() == ["oge"]


def test_it_reports_every_bad_cell_with_row_and_column_and_returns_no_frame() -> None:
    text = (
        HEADER + "S1;ВПР;Русский язык;5;2023;20;2;8;7;3;58,5\n"
        "S2;ВПР;Химия-2;5;2023;пять;;;;;\n"
        "S3;ВПР;Русский язык;14;2023;10;1;1;1;1;101\n"
    )
    out = readers.read_results(text.encode("utf-8"), filename="bad.csv")
    assert out.frame is None
    messages = [str(e) for e in out.errors]
    assert "Файл bad.csv, строка 3, столбец «Предмет»: неизвестный предмет «Химия-2»" in messages[0]
    assert any(
        "строка 3, столбец «Участников»: ожидалось целое число, получено «пять»" in m for m in messages
    )
    assert any("строка 4, столбец «Класс»: значение 14 больше допустимого (11)" in m for m in messages)
    assert any("строка 4, столбец «Средний % выполнения»" in m for m in messages)


def test_it_flags_the_mark_sum_and_duplicates() -> None:
    text = (
        HEADER + "S1;ВПР;Русский язык;5;2023;10;1;1;1;1;50\n"
        "S2;ВПР;Русский язык;5;2023;4;1;1;1;1;50\n"
        "S2;ВПР;Русский язык;5;2023;4;1;1;1;1;50\n"
    )
    out = readers.read_results(text.encode("utf-8"), filename="dup.csv")
    messages = [str(e) for e in out.errors]
    # Row 2: 1 + 1 + 1 + 1 = 4 marks for 10 participants.
    assert any(
        "строка 2" in m and "сумма по отметкам/уровням (4) не равна числу участников (10)" in m
        for m in messages
    )
    assert any("строка 4" in m and "повторяет строку 3" in m for m in messages)


def test_it_names_missing_columns_and_lists_those_found() -> None:
    out = readers.read_results("Код ОО;Год;Участников\nS1;2023;5\n".encode(), filename="x.csv")
    assert out.frame is None
    message = str(out.errors[0])
    assert "нет обязательных столбцов" in message and "«Процедура»" in message and "«Код ОО»" in message


def test_it_reads_the_fis_oko_layout_with_title_comparison_rows_and_merged_cells() -> None:
    data = _xlsx(
        [
            ["ВПР 2023. Русский язык. 5 класс. Статистика по отметкам"],
            [],
            ["Район", "Название ОО", "Кол-во участников", "2", "3", "4", "5"],
            ["Вся выборка", None, 1000, 10, 40, 35, 15],
            ["г. Минусинск", "СОШ № 2", 50, 20, 50, 20, 10],
            [None, "ООШ № 1", 12, 25, 50, 25, 0],
        ],
        merge="A5:A6",
    )
    out = readers.read_results(data, filename="fis.xlsx", school_lookup={"СОШ № 2": "S2", "ООШ № 1": "S1"})
    assert out.ok, [str(e) for e in out.errors]
    assert out.layout == "fis_oko" and out.frame is not None
    rows = {r["school_id"]: r for r in out.frame.iter_rows(named=True)}
    # 50 × (20, 50, 20, 10) % = 10, 25, 10, 5 participants; 12 × (25, 50, 25, 0) % = 3, 6, 3, 0.
    assert [rows["S2"][k] for k in ("n_2", "n_3", "n_4", "n_5")] == [10, 25, 10, 5]
    assert [rows["S1"][k] for k in ("n_2", "n_3", "n_4", "n_5")] == [3, 6, 3, 0]
    assert rows["S1"]["procedure"] == "vpr" and rows["S1"]["subject"] == "rus" and rows["S1"]["year"] == 2023
    assert any("Вся выборка" in str(w) for w in out.warnings)


def test_the_fis_oko_layout_asks_for_missing_procedure_data_and_names_unknown_schools() -> None:
    data = _xlsx(
        [["Название ОО", "Кол-во участников", "2", "3", "4", "5"], ["Школа Х", 10, 10, 40, 40, 10]],
        title="Отчёт",
    )
    out = readers.read_results(data, filename="fis.xlsx")
    assert "не указаны процедура, предмет, класс, год" in str(out.errors[0])
    out = readers.read_results(
        data,
        filename="fis.xlsx",
        defaults={"procedure": "ВПР", "subject": "Математика", "grade": 6, "year": 2024},
    )
    assert str(out.errors[0]) == (
        "Файл fis.xlsx, лист «Отчёт», строка 2, столбец «Название ОО»: школа «Школа Х» "
        "не найдена в реестре (сверьте название или укажите код ОО)."
    )


def test_it_reads_context_and_risk_and_checks_ranges() -> None:
    ctx = "Код ОО;Год;Доля малообеспеченных, %;ОВЗ, %;Сельская школа\nS1;2023;12,5;4;да\n"
    out = readers.read_context(ctx.encode(), filename="ctx.csv")
    assert out.ok and out.frame is not None
    assert out.frame.row(0, named=True) == {
        "school_id": "S1",
        "year": 2023,
        "low_income_share": 12.5,
        "special_needs_share": 4.0,
        "rural": 1.0,
    }
    bad = readers.read_context("Код ОО;Год;ОВЗ, %\nS1;2023;140\n".encode(), filename="ctx.csv")
    assert "строка 2, столбец «ОВЗ, %»: значение 140 больше допустимого (100)" in str(bad.errors[0])
    risk = (
        "Код ОО;Год;Вакансии;Скорость Интернета, Мбит/с;Доля педагогов с первой и высшей категорией, %;"
        "Доля педагогов, прошедших ПК за 3 года, %;Все предметы оснащены по ООП (да/нет)\n"
        "S1;2023;2;30;64;91;нет\n"
    )
    out = readers.read_risk(risk.encode(), filename="risk.csv")
    assert out.ok and out.frame is not None
    assert out.frame.row(0) == ("S1", 2023, 2, 30.0, 64.0, 91.0, False, None)  # computers: column absent


def test_it_reads_an_official_list_with_a_year_for_the_whole_file() -> None:
    out = readers.read_official_list(
        "Код ОО;Категория\nS1;ШНОР\nS1;зона риска\n".encode(), filename="o.csv", year=2023
    )
    assert out.ok and out.frame is not None
    assert out.frame.rows() == [("S1", 2023, "low_results"), ("S1", 2023, "at_risk")]


def test_student_files_with_names_are_refused_and_valid_ones_typed() -> None:
    named = readers.read_students(
        "ФИО,school_id,procedure,subject,grade,year\nИванов,S1,vpr,rus,5,2023\n".encode(), filename="s.csv"
    )
    assert "Загружать имена нельзя" in str(named.errors[0])
    ok = readers.read_students(
        "student_id,school_id,procedure,subject,grade,year,primary_score,max_score,mark\n"
        "P1,S1,ВПР,rus,5,2023,31,45,4\nP2,S1,vpr,rus,5,2023,12,45,2\n".encode(),
        filename="s.csv",
    )
    assert ok.ok and ok.frame is not None
    assert ok.frame["procedure"].to_list() == ["vpr", "vpr"] and ok.frame["mark"].to_list() == [4, 2]
    bad = readers.read_students(
        b"student_id,school_id,procedure,subject,grade,year,mark\nP1,S1,vpr,rus,15,2023,7\n",
        filename="s.csv",
    )
    messages = [str(e) for e in bad.errors]
    assert any("строка 2, столбец «grade»: класс должен быть от 1 до 11" in m for m in messages)
    assert any("строка 2, столбец «mark»: отметка должна быть от 2 до 5" in m for m in messages)


def test_templates_are_read_back_once_filled_in() -> None:
    wb = load_workbook(io.BytesIO(templates.results_template_xlsx()))
    ws = wb["Результаты"]
    ws.append(
        [
            "S1",
            "ВПР",
            "Русский язык",
            5,
            4,
            2022,
            "19.09.2022",
            20,
            2,
            8,
            7,
            3,
            None,
            None,
            None,
            None,
            58.5,
            None,
            3.55,
        ]
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    out = readers.read_results(buffer.getvalue(), filename="template.xlsx")
    assert out.ok, [str(e) for e in out.errors]
    assert out.frame is not None
    row = out.frame.row(0, named=True)
    assert (row["grade"], row["grade_program"], str(row["date"]), row["mean_mark"]) == (
        5,
        4,
        "2022-09-19",
        3.55,
    )
    for build in (templates.context_template_xlsx, templates.risk_template_xlsx):
        sheet = load_workbook(io.BytesIO(build())).worksheets[0]
        assert sheet["A1"].value == "Код ОО" and sheet["B1"].value == "Год"


def test_empty_and_garbage_files_get_russian_messages() -> None:
    assert str(readers.read_results(b"", filename="e.csv").errors[0]) == "Файл e.csv: файл пустой."
    assert "повреждён" in str(readers.read_results(b"PK\x03\x04garbage", filename="e.xlsx").errors[0])
    assert "не найдена строка заголовков" in str(
        readers.read_context(b"a,b\n1,2\n", filename="c.csv").errors[0]
    )


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=2000), name=st.sampled_from(["f.csv", "f.xlsx", "f.xls", "f.txt", "f.pdf"]))
def test_no_bytes_make_a_reader_raise(data: bytes, name: str) -> None:
    for read in (
        readers.read_results,
        readers.read_context,
        readers.read_risk,
        readers.read_official_list,
        readers.read_students,
    ):
        out = read(data, filename=name)
        assert out.ok or all(any("а" <= ch <= "я" for ch in str(e).lower()) for e in out.errors)


@settings(max_examples=100, deadline=None)
@given(cell=st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12))
def test_any_text_in_a_number_column_is_either_a_number_or_a_named_error(cell: str) -> None:
    cell = cell.replace(";", "").replace("\n", "").replace("\r", "").replace('"', "")
    text = HEADER + f"S1;ВПР;Русский язык;5;2023;{cell};;;;;\n"
    out = readers.read_results(text.encode("utf-8"), filename="f.csv")
    if not out.ok:
        assert any("столбец «Участников»" in str(e) or "строка 2" in str(e) for e in out.errors)
