"""Downloadable templates (XLSX with Russian headers, explanations and validation lists; CSV for students)."""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from opora.readers.tables import CONTEXT_VARIABLES
from opora.readers.vocab import SUBJECTS
from opora.safe_export import workbook_bytes

__all__ = ["context_template_xlsx", "results_template_xlsx", "risk_template_xlsx", "students_template_csv"]

_HEADER = PatternFill("solid", fgColor="DCE6F2")

RESULT_HEADERS = [
    ("Код ОО", "Код школы из реестра (карточка школы)", "MNS-SOSH02"),
    ("Процедура", "ВПР, ОГЭ, ЕГЭ или КДР", "ВПР"),
    ("Предмет", "Название предмета (см. список на листе «Предметы»)", "Русский язык"),
    ("Класс", "Класс участников, 1–11", "5"),
    ("Класс программы", "Класс, по программе которого написана работа (осенний ВПР: на один меньше)", "4"),
    ("Год", "Год проведения", "2023"),
    ("Дата", "Дата проведения, ДД.ММ.ГГГГ", "18.04.2023"),
    ("Участников", "Число участников", "54"),
    ("Отметка 2", "Число участников с отметкой «2» (ВПР, ОГЭ, базовая математика ЕГЭ)", "6"),
    ("Отметка 3", "Число с отметкой «3»", "22"),
    ("Отметка 4", "Число с отметкой «4»", "19"),
    ("Отметка 5", "Число с отметкой «5»", "7"),
    ("Недостаточный уровень", "КДР: число участников на недостаточном уровне", ""),
    ("Пониженный уровень", "КДР: на пониженном уровне", ""),
    ("Базовый уровень", "КДР: на базовом уровне", ""),
    ("Повышенный уровень", "КДР: на повышенном уровне", ""),
    ("Средний % выполнения", "Средний первичный балл в % от максимума, 0–100", "58,4"),
    ("Средний балл", "Средний первичный (ВПР, ОГЭ, КДР) или тестовый (ЕГЭ) балл", ""),
    ("Средняя отметка", "Средняя отметка, 2–5", "3,5"),
    ("Не преодолели минимальный порог", "ЕГЭ: число участников ниже минимального балла", ""),
    ("80–99 баллов", "ЕГЭ: число участников, набравших от 80 до 99 баллов", ""),
    ("100 баллов", "ЕГЭ: число участников, набравших 100 баллов", ""),
]


def _workbook(headers: Sequence[tuple[str, str, str]], title: str) -> tuple[Workbook, object]:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    ws.append([h for h, _, _ in headers])
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True), _HEADER
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    for i, (h, _, _) in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(12, len(h) + 4)
    notes = wb.create_sheet("Пояснения")
    notes.append(["Столбец", "Что вписывать", "Пример"])
    for cell in notes[1]:
        cell.font, cell.fill = Font(bold=True), _HEADER
    for row in headers:
        notes.append(list(row))
    notes.column_dimensions["A"].width, notes.column_dimensions["B"].width = 30, 80
    notes.append([])
    notes.append(
        [
            "Файл проверяется целиком: при любой ошибке ничего не записывается, а ошибки показываются с номером "
            "строки и названием столбца. Пустые строки пропускаются."
        ]
    )
    return wb, ws


def _bytes(wb: Workbook) -> bytes:
    return workbook_bytes(wb)


def results_template_xlsx() -> bytes:
    wb, ws = _workbook(RESULT_HEADERS, "Результаты")
    subjects = wb.create_sheet("Предметы")
    subjects.append(["Предмет"])
    for names in SUBJECTS.values():
        subjects.append([names[0][0].upper() + names[0][1:]])
    procedures = DataValidation(type="list", formula1='"ВПР,ОГЭ,ЕГЭ,КДР"', allow_blank=False)
    procedures.error, procedures.errorTitle = "Выберите ВПР, ОГЭ, ЕГЭ или КДР", "Процедура"
    ws.add_data_validation(procedures)  # type: ignore[attr-defined]
    procedures.add("B2:B5000")
    subject_list = DataValidation(type="list", formula1=f"Предметы!$A$2:$A${len(SUBJECTS) + 1}")
    ws.add_data_validation(subject_list)  # type: ignore[attr-defined]
    subject_list.add("C2:C5000")
    return _bytes(wb)


#: Headers written with ё where the reader's alias (matched after ё→е) is spelt without it.
_CONTEXT_LABELS = {"registered_share": "Состоят на учёте"}


def context_template_xlsx(variables: Sequence[str] | None = None) -> bytes:
    names = list(variables) if variables else list(CONTEXT_VARIABLES)
    headers = [("Код ОО", "Код школы из реестра", "MNS-SOSH02"), ("Год", "Год данных", "2023")]
    for name in names:
        label = _CONTEXT_LABELS.get(name) or CONTEXT_VARIABLES.get(name, (name,))[0]
        # Abbreviations (ТЖС, ОВЗ) stay upper case; other names start with a capital letter.
        label = label.upper() if len(label) <= 4 else label[0].upper() + label[1:]
        if name == "rural":
            headers.append((label, "да / нет", "нет"))
        elif name == "students":
            headers.append((label, "Число обучающихся", "612"))
        else:
            headers.append((label + ", %", "Доля обучающихся, % (0–100)", "12,5"))
    wb, _ = _workbook(headers, "Контекст")
    return _bytes(wb)


def risk_template_xlsx() -> bytes:
    headers = [
        ("Код ОО", "Код школы из реестра", "MNS-SOSH02"),
        ("Год", "Год данных", "2023"),
        ("Вакансии", "Число педагогических вакансий", "1"),
        ("Скорость Интернета, Мбит/с", "Скорость подключения школы", "30"),
        ("Доля педагогов с первой и высшей категорией, %", "0–100", "64"),
        ("Доля педагогов, прошедших ПК за 3 года, %", "0–100", "91"),
        ("Все предметы оснащены по ООП (да/нет)", "да / нет", "нет"),
        ("Достаточно компьютерной техники (да/нет)", "да / нет", "да"),
    ]
    wb, ws = _workbook(headers, "Факторы риска")
    yes_no = DataValidation(type="list", formula1='"да,нет"')
    ws.add_data_validation(yes_no)  # type: ignore[attr-defined]
    yes_no.add("G2:H5000")
    return _bytes(wb)


def students_template_csv() -> bytes:
    """Russian headers (the reader also takes the canonical names), one example row, UTF-8 with BOM for Excel."""
    header = "Код участника;Код ОО;Процедура;Предмет;Класс;Год;Первичный балл;Максимальный балл;Отметка\n"
    example = "P-000123;MNS-SOSH02;ВПР;Русский язык;5;2023;31;45;4\n"
    return ("\ufeff" + header + example).encode("utf-8")
