"""Bulk import: the template round-trips; errors name file, sheet, row, column and reason; nothing is half-written."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from portal.staff import excel
from portal.staff.models import Course, Teacher


def _fill(content: bytes, teachers: list[list[Any]], courses: list[list[Any]]) -> bytes:
    wb = load_workbook(io.BytesIO(content))
    for row in teachers:
        wb[excel.TEACHERS].append(row)
    for row in courses:
        wb[excel.COURSES].append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_the_template_lists_the_school_teachers(staff: dict[str, Any]) -> None:
    wb = load_workbook(io.BytesIO(excel.template(staff["S1"])))
    names = [r[0] for r in wb[excel.TEACHERS].iter_rows(min_row=2, values_only=True)]
    assert names == ["Педагог А", "Педагог Б", "Педагог В"]
    assert [c.value for c in wb[excel.COURSES][1]] == excel.COURSE_HEADERS


def test_it_imports_teachers_and_courses_at_once(staff: dict[str, Any]) -> None:
    content = _fill(
        excel.template(staff["S1"]),
        [["Педагог Г", "химия", "высшая", "нет", 2021]],
        [
            ["Педагог Г", "Химия ФГОС", 36, "реестр ДПП КК ИПК (ЦНППМ)", 2024],
            ["Педагог Б", "Оценивание", 16, "другое", 2023],
        ],
    )
    report = excel.import_file(staff["S1"], content, filename="t.xlsx", by=None)
    assert (report.teachers_created, report.teachers_updated, report.courses_created) == (1, 0, 2)
    g = Teacher.objects.get(name="Педагог Г")
    assert (g.category, g.hired_year, g.school) == ("highest", 2021, staff["S1"])
    # the same file again adds nothing
    again = excel.import_file(staff["S1"], content, filename="t.xlsx", by=None)
    assert (again.teachers_created, again.courses_created) == (0, 0)


def test_it_reports_every_error_and_writes_nothing(staff: dict[str, Any]) -> None:
    content = _fill(
        excel.template(staff["S1"]),
        [["Педагог Г", "химия", "вторая", "может быть", "давно"], ["", "x", "", "", ""]],
        [["Никто", "Курс", "сорок", "КК ИПК", 2024], ["Педагог Г", "", 10, "другое", None]],
    )
    with pytest.raises(excel.ImportFailed) as exc:
        excel.import_file(staff["S1"], content, filename="t.xlsx", by=None)
    errors = exc.value.errors
    assert (
        "Файл «t.xlsx», лист «Педагоги», строка 5, столбец C «Категория»: «вторая» — допустимо:" in errors[0]
    )
    assert any("строка 5, столбец D «Управленческая команда»: ожидается «да» или «нет»." in e for e in errors)
    assert any("строка 5, столбец E «Работает с (год)»: «давно» — не год" in e for e in errors)
    assert any("строка 6, столбец A «ФИО или псевдоним»: не указано ФИО или псевдоним." in e for e in errors)
    assert any(
        "лист «Курсы», строка 2, столбец A «ФИО или псевдоним»: педагога «Никто» нет" in e for e in errors
    )
    assert any("лист «Курсы», строка 2, столбец C «Часов»: «сорок»" in e for e in errors)
    assert any("лист «Курсы», строка 2, столбец D «Реестр»: «КК ИПК» — допустимо:" in e for e in errors)
    assert any("лист «Курсы», строка 3, столбец B «Название программы»" in e for e in errors)
    assert any("лист «Курсы», строка 3, столбец E «Год»: год обязателен." in e for e in errors)
    assert not Teacher.objects.filter(name="Педагог Г").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a workbook", "не удалось прочитать как книгу Excel"),
        (b"", "не удалось прочитать как книгу Excel"),
    ],
)
def test_a_broken_file_is_refused_in_russian(staff: dict[str, Any], content: bytes, message: str) -> None:
    with pytest.raises(excel.ImportFailed, match=message):
        excel.import_file(staff["S1"], content, filename="x.xlsx", by=None)


def test_the_upload_page_shows_the_errors(
    client: Client, staff: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("school_team", "S1"))
    url = reverse("staff:import", args=[staff["S1"].pk])
    bad = _fill(excel.template(staff["S1"]), [], [["Никто", "К", 1, "другое", 2024]])
    response = client.post(url, {"file": SimpleUploadedFile("bad.xlsx", bad)})
    assert response.status_code == 200
    assert "Файл не принят: ошибок 1" in response.content.decode()
    good = _fill(excel.template(staff["S1"]), [], [["Педагог В", "К", 1, "другое", 2024]])
    response = client.post(url, {"file": SimpleUploadedFile("good.xlsx", good)})
    assert response.status_code == 302
    assert Course.objects.filter(teacher=staff["T3"]).count() == 1
    template = client.get(reverse("staff:template", args=[staff["S1"].pk]))
    assert template["Content-Type"] == excel.XLSX
