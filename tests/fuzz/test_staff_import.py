"""The teachers and courses upload under bad input (portal.staff.excel.import_file): every failure is an
ImportFailed with Russian errors naming the file (sheet, row, column), nothing is written, and the upload page
answers 200, never 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import Workbook

from portal.staff import excel
from portal.staff.models import Course, Teacher
from tests.fuzz.conftest import changed
from tests.fuzz.strategies import (
    DB,
    assert_russian_naming,
    bad_cell,
    junk_files,
    xlsx_with_broken_sheet,
)

TEACHERS = [
    ["Педагог А", "математика", "высшая", "да", 2015],
    ["Педагог Б", "история", "первая", "нет", None],
]
COURSES = [["Педагог А", "Функциональная грамотность", 36, "реестр ДПП КК ИПК (ЦНППМ)", 2024]]


def _book(teachers: list[list[Any]], courses: list[list[Any]]) -> bytes:
    import io

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = excel.TEACHERS
    ws.append(excel.TEACHER_HEADERS)
    for row in teachers:
        ws.append(row)
    sheet = wb.create_sheet(excel.COURSES)
    sheet.append(excel.COURSE_HEADERS)
    for row in courses:
        sheet.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


VALID = _book(TEACHERS, COURSES)


def _attempt(
    school: Any, content: bytes, snapshot: Callable[[], dict[str, int]], name: str
) -> list[str] | None:
    with transaction.atomic():
        before = snapshot()
        try:
            excel.import_file(school, content, filename=name, by=None)
        except excel.ImportFailed as failed:
            assert changed(before, snapshot()) == {}
            assert_russian_naming(failed.errors, name)
            return failed.errors
        finally:
            transaction.set_rollback(True)
    return None


def test_the_valid_book_is_imported(world: dict[str, Any]) -> None:
    report = excel.import_file(world["S1"], VALID, filename="педагоги.xlsx", by=None)
    assert (report.teachers_created, report.courses_created) == (2, 1)
    assert dict(Teacher.objects.values_list("name", "category")) == {
        "Педагог А": "highest",
        "Педагог Б": "first",
    }
    assert Course.objects.get().hours == 36


@DB
@given(data=st.data())
def test_a_broken_file_is_refused_and_writes_nothing(
    world: dict[str, Any], snapshot: Callable[[], dict[str, int]], data: Any
) -> None:
    assert _attempt(world["S1"], data.draw(junk_files(VALID)), snapshot, "педагоги.xlsx") is not None


@DB
@given(
    sheet=st.sampled_from(["teachers", "courses"]),
    col=st.integers(0, 4),
    bad=st.one_of(bad_cell(), st.sampled_from(["", "²", "2023²", "٣٦", "2023.5", "ничего", "z" * 400])),
)
@example(sheet="courses", col=2, bad="²")  # regression: «²».isdigit() is True and int() raised ValueError
@example(sheet="courses", col=2, bad="9" * 5000)  # regression: int() of 5,000 digits raised ValueError
@example(sheet="teachers", col=4, bad="٢٠٢٣")  # Arabic-Indic digits: isdigit() True, but not a year here
def test_a_bad_cell_is_refused_with_sheet_row_and_column_and_writes_nothing(
    world: dict[str, Any], snapshot: Callable[[], dict[str, int]], sheet: str, col: int, bad: str
) -> None:
    teachers, courses = [r[:] for r in TEACHERS], [r[:] for r in COURSES]
    target = teachers if sheet == "teachers" else courses
    target[0][col] = bad
    errors = _attempt(world["S1"], _book(teachers, courses), snapshot, "плохой.xlsx")
    if errors is None:  # e.g. free text in «Предметы» or a new teacher's name
        return
    assert all("лист «" in e and "строка" in e and "столбец" in e for e in errors), errors
    assert all(len(e) < 600 for e in errors)


@pytest.mark.parametrize(
    "content",
    [
        _book([TEACHERS[0], TEACHERS[0]], []),  # duplicate teacher
        _book([["", "", "", "", ""], ["Педагог В", "", "мастер", "может быть", 1900]], []),
        _book(TEACHERS, [["Неизвестный", "", 0, "нет такого", None]]),
        xlsx_with_broken_sheet([excel.TEACHER_HEADERS]),
    ],
)
def test_invalid_books_write_nothing(
    world: dict[str, Any], snapshot: Callable[[], dict[str, int]], content: bytes
) -> None:
    assert _attempt(world["S1"], content, snapshot, "книга.xlsx")


@pytest.mark.parametrize(
    "content", [b"", b"PK\x03\x04junk", b"%PDF-1.4", _book([["Педагог", "", "", "", "²"]], [])]
)
def test_the_upload_page_answers_200_never_500(
    world: dict[str, Any], user_with_role: Callable[..., Any], content: bytes
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(user_with_role("school_team", "S1"))
    response = client.post(
        reverse("staff:import", args=[world["S1"].pk]), {"file": SimpleUploadedFile("плохой.xlsx", content)}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "плохой.xlsx" in page or "Отправленный файл пуст" in page
