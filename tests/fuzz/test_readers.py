"""Property-based tests of the core's table readers (opora.readers): any bytes give an outcome; unusual but
valid layouts (encodings, separators, decimal commas, title rows, merged and two-row headers, extra sheets and
columns) read the same as the plain file; every bad cell is reported with its row and column in Russian."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import Workbook

from opora import readers
from opora.readers.common import MAX_ERRORS
from tests.fuzz.strategies import BAD_NUMBERS, FUZZ, assert_russian_naming, csv_bytes, junk_files, xlsx

HEADER = [
    "Код ОО",
    "Процедура",
    "Предмет",
    "Класс",
    "Год",
    "Участников",
    "Отметка 2",
    "Отметка 3",
    "Отметка 4",
]
HEADER += ["Отметка 5", "Средний % выполнения"]
READERS = {
    "results": readers.read_results,
    "context": readers.read_context,
    "risk": readers.read_risk,
    "official": readers.read_official_list,
    "students": readers.read_students,
}


@st.composite
def result_rows(draw: st.DrawFn) -> list[list[Any]]:
    """1–8 valid rows of the canonical layout with distinct keys; marks add up to the participants."""
    keys = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["S1", "S2", "Ш-3"]),
                st.sampled_from(["ВПР", "ОГЭ"]),
                st.sampled_from(["Русский язык", "математика", "История"]),
                st.integers(4, 9),
                st.integers(2021, 2024),
            ),
            min_size=1,
            max_size=8,
            unique=True,
        )
    )
    rows = []
    for key in keys:
        marks = draw(st.lists(st.integers(0, 40), min_size=4, max_size=4).filter(lambda m: sum(m) > 0))
        pct = draw(st.integers(0, 1000)) / 10
        rows.append([*key, sum(marks), *marks, pct])
    return rows


def _plain(rows: list[list[Any]]) -> pl.DataFrame:
    out = readers.read_results(csv_bytes([HEADER, *rows]), filename="plain.csv")
    assert out.ok and out.frame is not None, out.errors[:3]
    return out.frame


@FUZZ
@given(
    reader=st.sampled_from(sorted(READERS)),
    filename=st.sampled_from(["f.csv", "f.xlsx", "f.xls", "f.ods", "f.txt", "f.pdf", "без расширения"]),
    data=st.data(),
)
@example(reader="students", filename="f.csv", data=None)  # regression: polars ComputeError on a ragged line
def test_any_bytes_give_an_outcome_never_an_exception(reader: str, filename: str, data: Any) -> None:
    if data is None:  # the @example: a tab-separated line longer than the header
        content = b"student_id\tschool_id\n12,5%\t1900\t1e-7\tx\n"
    else:
        content = data.draw(junk_files(xlsx([HEADER, ["S1", "ВПР", "rus", 5, 2023, 1, 0, 1, 0, 0, 50]])))
    out = READERS[reader](content, filename=filename)
    if not out.ok:
        assert_russian_naming(out.errors, filename)


@FUZZ
@given(
    rows=result_rows(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1251", "utf-16"]),
    delimiter=st.sampled_from([",", ";", "\t"]),
    decimal_comma=st.booleans(),
)
@example(rows=[["S1", "ВПР", "История", 5, 2023, 3, 1, 1, 1, 0, 12.5]], encoding="utf-16", delimiter="\t",
         decimal_comma=True)  # fmt: skip  # regression: Excel's «Текст Юникод» (UTF-16) was refused
def test_csv_in_any_encoding_and_separator_reads_like_the_plain_file(
    rows: list[list[Any]], encoding: str, delimiter: str, decimal_comma: bool
) -> None:
    shown = [
        [str(c).replace(".", ",") if decimal_comma and isinstance(c, float) else c for c in r] for r in rows
    ]
    content = csv_bytes([HEADER, *shown], delimiter=delimiter, encoding=encoding)
    out = readers.read_results(content, filename="Результаты.csv")
    assert out.ok and out.frame is not None, out.errors[:3]
    assert out.frame.equals(_plain(rows))


@FUZZ
@given(
    rows=result_rows(),
    title_rows=st.integers(0, 3),
    empty_first_sheet=st.booleans(),
    extra_column=st.booleans(),
    numbers_as_text=st.booleans(),
)
def test_xlsx_with_titles_merged_cells_extra_sheets_and_columns_reads_like_the_plain_file(
    rows: list[list[Any]], title_rows: int, empty_first_sheet: bool, extra_column: bool, numbers_as_text: bool
) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    if empty_first_sheet:
        ws.title = "Пустой"
        ws = wb.create_sheet("Данные")
    for i in range(title_rows):
        ws.append([f"Результаты ВПР, заголовок {i + 1}"])
        ws.merge_cells(start_row=i + 1, start_column=1, end_row=i + 1, end_column=6)
    ws.append(HEADER + (["Примечание"] if extra_column else []))
    for r in rows:
        cells = [str(c).replace(".", ",") if numbers_as_text and not isinstance(c, str) else c for c in r]
        ws.append(cells + (["2"] if extra_column else []))
    wb.create_sheet("Справка").append(["Пояснения к таблице"])
    out = readers.read_results(_save(wb), filename="Результаты.xlsx")
    assert out.ok and out.frame is not None, out.errors[:3]
    assert out.frame.equals(_plain(rows))
    assert bool(out.warnings) == extra_column  # the unknown column is named, not silently dropped


def test_a_two_row_header_with_merged_group_cells_is_read() -> None:
    # ФИС ОКО-like: «Отметки» merged over «Отметка 2…5» below; the other headers merged down over two rows.
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append([*HEADER[:6], "Отметки", None, None, None, HEADER[10]])
    ws.append([None] * 6 + HEADER[6:10] + [None])
    for col in range(1, 7):
        ws.merge_cells(start_row=1, start_column=col, end_row=2, end_column=col)
    ws.merge_cells(start_row=1, start_column=7, end_row=1, end_column=10)
    ws.append(["S1", "ВПР", "Русский язык", 5, 2023, 10, 1, 2, 3, 4, 61.5])
    out = readers.read_results(_save(wb), filename="двухстрочный.xlsx")
    assert out.ok and out.frame is not None, out.errors
    assert out.frame.select("n", "n_2", "n_5", "mean_pct").row(0) == (10, 1, 4, 61.5)


INT_COLUMNS = {"Класс": 3, "Год": 4, "Участников": 5, "Отметка 3": 7}


@FUZZ
@given(
    rows=result_rows(),
    column=st.sampled_from(sorted(INT_COLUMNS)),
    bad=st.sampled_from([*BAD_NUMBERS, "", "-5", "0,5", "99999999999999999999"]),
    where=st.integers(0, 7),
    fmt=st.sampled_from(["csv", "xlsx"]),
)
@example(rows=[["S1", "ВПР", "История", 5, 2023, 1, 0, 1, 0, 0, 1.0]], column="Год", bad="1e400", where=0,
         fmt="csv")  # fmt: skip
def test_a_bad_value_in_a_number_column_names_the_row_and_the_column(
    rows: list[list[Any]], column: str, bad: str, where: int, fmt: str
) -> None:
    index = where % len(rows)
    rows[index][INT_COLUMNS[column]] = bad
    content = csv_bytes([HEADER, *rows], delimiter=";") if fmt == "csv" else xlsx([HEADER, *rows])
    name = f"плохой.{fmt}"
    out = readers.read_results(content, filename=name)
    assert not out.ok and out.frame is None
    assert_russian_naming(out.errors, name)
    row = index + 2  # the header is line 1
    assert any(e.row == row and e.column in (column, "Отметка 2") for e in out.errors), out.errors
    assert all(len(str(e)) < 600 for e in out.errors)  # a 10,000-character cell is not quoted whole


@FUZZ
@given(rows=result_rows(), pct=st.sampled_from(["12,5%", "12,5", " 12.5 ", "\u00a012,5\u00a0", "1\u202f2,5"]))
def test_a_percentage_may_carry_a_decimal_comma_spaces_and_a_percent_sign(
    rows: list[list[Any]], pct: str
) -> None:
    rows[0][10] = pct
    out = readers.read_results(csv_bytes([HEADER, *rows], delimiter=";"), filename="p.csv")
    assert out.ok and out.frame is not None, out.errors
    assert out.frame["mean_pct"][0] == 12.5


@FUZZ
@given(rows=result_rows(), pct=st.sampled_from(["100,1", "-0,1", "250", "nan", "inf", "1e400"]))
def test_a_percentage_outside_0_100_or_not_finite_is_refused(rows: list[list[Any]], pct: str) -> None:
    rows[-1][10] = pct
    out = readers.read_results(csv_bytes([HEADER, *rows]), filename="p.csv")
    assert not out.ok
    assert any(e.row == len(rows) + 1 and e.column == "Средний % выполнения" for e in out.errors), out.errors


@FUZZ
@given(rows=result_rows(), copies=st.integers(1, 3))
def test_duplicate_rows_are_refused_naming_the_first_one(rows: list[list[Any]], copies: int) -> None:
    content = csv_bytes([HEADER, *rows, *[rows[0]] * copies])
    out = readers.read_results(content, filename="d.csv")
    assert not out.ok
    assert [e.row for e in out.errors] == list(range(len(rows) + 2, len(rows) + 2 + copies))
    assert all("повторяет строку 2" in e.message for e in out.errors)


@FUZZ
@given(
    rows=result_rows(), drop=st.sampled_from(["Код ОО", "Процедура", "Предмет", "Класс", "Год", "Участников"])
)
def test_a_missing_required_column_is_named(rows: list[list[Any]], drop: str) -> None:
    i = HEADER.index(drop)
    content = xlsx([HEADER[:i] + HEADER[i + 1 :], *[r[:i] + r[i + 1 :] for r in rows]])
    out = readers.read_results(content, filename="m.xlsx")
    assert not out.ok
    assert_russian_naming(out.errors, "m.xlsx")
    assert f"«{drop}»" in str(out.errors[0])


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (xlsx([]), "все листы пустые"),
        (xlsx([], extra_sheets=["Второй", "Третий"]), "все листы пустые"),
        (xlsx([HEADER]), "нет строк с данными"),
        (csv_bytes([HEADER]), "нет строк с данными"),
        (csv_bytes([HEADER, [None] * len(HEADER), [None] * len(HEADER)]), "нет строк с данными"),
        (b"\xef\xbb\xbf", "не найдена строка заголовков"),
    ],
)
def test_empty_and_header_only_files_are_refused(content: bytes, expected: str) -> None:
    name = "пусто.xlsx" if content.startswith(b"PK") else "пусто.csv"
    out = readers.read_results(content, filename=name)
    assert not out.ok and expected in str(out.errors[0])


def test_many_bad_rows_give_a_bounded_list_and_a_count() -> None:
    rows = [["S1", "ВПР", "История", 5, 2000 + i % 10, "много", 0, 0, 0, 0, 1] for i in range(500)]
    out = readers.read_results(csv_bytes([HEADER, *rows]), filename="много.csv")
    assert not out.ok
    assert len(out.errors) == MAX_ERRORS + 1
    assert "и ещё ошибки" in out.errors[-1].message


@FUZZ
@given(value=st.sampled_from([1e-07, 0.5, 12.25, 3.0, 99.99]))
@example(
    value=1e-07
)  # regression: Excel's float 1e-07 came back as «1e-07» and was refused as «not a number»
def test_an_excel_float_in_any_notation_is_a_number(value: float) -> None:
    out = readers.read_results(
        xlsx([HEADER, ["S1", "ВПР", "История", 5, 2023, 1, 0, 1, 0, 0, value]]), filename="e.xlsx"
    )
    assert out.ok and out.frame is not None, out.errors
    assert out.frame["mean_pct"][0] == pytest.approx(value)


@FUZZ
@given(
    title=st.sampled_from(
        ["ВПР 2023, История, 99 класс", "ВПР 2010, История, 5 класс", "ВПР 2023, История, 0 класс"]
    )
)
def test_an_absurd_grade_or_year_in_a_fis_oko_title_is_refused(title: str) -> None:
    # Regression: the class and year read from a ФИС ОКО title were written without a range check.
    rows = [
        [title],
        ["Район", "ОО", "Кол-во участников", "2", "3", "4", "5"],
        ["Город", "СОШ № 1", 10, 10, 40, 40, 10],
    ]
    out = readers.read_results(xlsx(rows), filename="фис.xlsx", school_lookup={"СОШ № 1": "S1"})
    assert not out.ok
    assert "недопустимые значения" in str(out.errors[0])


def test_an_unknown_subject_typed_in_the_upload_form_is_refused() -> None:
    content = csv_bytes([[h for h in HEADER if h != "Предмет"], ["S1", "ВПР", 5, 2023, 1, 0, 1, 0, 0, 1]])
    out = readers.read_results(content, filename="ф.csv", defaults={"subject": "абракадабра"})
    assert not out.ok and "неизвестный предмет «абракадабра»" in str(out.errors[0])


def _save(wb: Workbook) -> bytes:
    import io

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
