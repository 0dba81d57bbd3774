"""Personal-data minimisation: student files with a name column are refused whole; no name is stored."""

from __future__ import annotations

from typing import Any

import pytest

from portal.lib.personal_data import looks_like_name_column, student_names_problem

HEADER = "Код участника;Код ОО;Процедура;Предмет;Класс;Год;Первичный балл"


@pytest.mark.parametrize(
    "header",
    [
        "ФИО",
        "Ф.И.О.",
        "ф и о",
        "ФИО ученика",
        "Фамилия",
        "Имя",
        "Отчество",
        "Имя обучающегося",
        "fio",
        "Full name",
        "last_name",
        "Name",
        "Фамилия, имя",
        "Surname",
    ],
)
def test_name_columns_are_recognised(header: str) -> None:
    assert looks_like_name_column(header)


@pytest.mark.parametrize(
    "header",
    [
        "Код участника",
        "Код ОО",
        "Наименование ОО",
        "Имя файла",
        "school_name",
        "Предмет",
        "Первичный балл",
        "Класс",
        "student_id",
        "Год",
    ],
)
def test_other_columns_are_not_names(header: str) -> None:
    assert not looks_like_name_column(header)


def test_only_student_files_are_checked() -> None:
    data = ("ФИО;" + HEADER + "\n").encode()
    assert student_names_problem("results", data, "a.csv") is None
    problem = student_names_problem("students", data, "ученики.csv")
    assert problem is not None and problem.startswith("Файл «ученики.csv», строка 1: столбцы «ФИО»")
    assert student_names_problem("students", (HEADER + "\n").encode(), "a.csv") is None
    cp1251 = (HEADER + ";Фамилия ученика\n").encode("cp1251")
    assert "«Фамилия ученика»" in str(student_names_problem("students", cp1251, "a.csv"))


def test_a_student_file_with_names_is_refused_and_nothing_is_stored(world: dict[str, Any]) -> None:
    from portal.results import services
    from portal.results.models import AssessmentResult, ImportBatch

    rows = [HEADER + ";ФИО ученика", "P001;S1;ВПР;Математика;5;2024;12;Иванов Иван Иванович"]
    data = ("\n".join(rows) + "\n").encode()
    report = services.import_file(world["M"], "students", data, filename="впр.csv", by=None)
    assert not report.ok
    assert report.errors == [
        "Файл «впр.csv», строка 1: столбцы «ФИО ученика» похожи на имена обучающихся. Имена загружать нельзя — "
        "удалите эти столбцы и оставьте только обезличенные коды участников."
    ]
    assert not AssessmentResult.objects.exists()
    batch = ImportBatch.objects.get()
    assert "Иванов" not in repr(batch.errors) + repr(batch.warnings)
