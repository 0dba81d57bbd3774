"""Bulk entry of a school's teachers and courses from Excel: a template, whole-file validation, one atomic write.

Sheets: «Педагоги» (one row per teacher; an existing teacher with the same name is updated) and «Курсы» (one row
per course, the teacher named as on the first sheet or already in the registry; an identical course is not added
twice). Every error names the file, sheet, row, column and reason; if there is one, nothing is written.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from opora.safe_export import workbook_bytes
from portal.audit.services import record, snapshot
from portal.lib.collation import naturally_ordered
from portal.lib.uploads import data_import_problem
from portal.schools.models import School
from portal.staff.models import Category, Course, Teacher

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEACHERS, COURSES = "Педагоги", "Курсы"
TEACHER_HEADERS = ["ФИО или псевдоним", "Предметы", "Категория", "Управленческая команда", "Работает с (год)"]
COURSE_HEADERS = ["ФИО или псевдоним", "Название программы", "Часов", "Реестр", "Год"]
CATEGORIES = {label: code for code, label in Category.choices}
REGISTRIES = {label: code for code, label in Course.Registry.choices}
YES_NO = {"да": True, "нет": False, "": False}


class ImportFailed(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class ImportReport:
    teachers_created: int
    teachers_updated: int
    courses_created: int


def template(school: School) -> bytes:
    """The template with the school's current teachers on the first sheet and a list of allowed values."""
    wb = Workbook()
    ws = wb.active
    ws.title = TEACHERS
    ws.append(TEACHER_HEADERS)
    for t in naturally_ordered(Teacher.objects.filter(school=school), "name"):
        ws.append(
            [t.name, t.subjects, t.get_category_display(), "да" if t.is_leadership else "нет", t.hired_year]
        )
    courses = wb.create_sheet(COURSES)
    courses.append(COURSE_HEADERS)
    help_ws = wb.create_sheet("Справка")
    help_ws.append(["Столбец", "Допустимые значения"])
    help_ws.append(["Категория", ", ".join(CATEGORIES)])
    help_ws.append(["Управленческая команда", "да, нет"])
    help_ws.append(["Реестр", ", ".join(REGISTRIES)])
    help_ws.append(["Персональные данные", "Только ФИО или псевдоним: без даты рождения и контактов."])
    for sheet in (ws, courses, help_ws):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for i in range(1, 6):
            sheet.column_dimensions[get_column_letter(i)].width = 32
    return workbook_bytes(wb)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _rows(
    wb: Any, sheet: str, headers: list[str], where: str, errors: list[str]
) -> list[tuple[int, list[Any]]]:
    if sheet not in wb.sheetnames:
        errors.append(f"{where}: нет листа «{sheet}» — скачайте шаблон заново.")
        return []
    try:  # a read-only workbook parses a sheet only now: a damaged sheet fails here, not at opening
        rows = list(wb[sheet].iter_rows(values_only=True))
    except Exception:
        errors.append(f"{where}, лист «{sheet}»: лист повреждён и не читается.")
        return []
    header = [_text(c) for c in (rows[0] if rows else [])]
    if header[: len(headers)] != headers:
        errors.append(
            f"{where}, лист «{sheet}», строка 1: заголовки не совпадают с шаблоном ({', '.join(headers)})."
        )
        return []
    out = []
    for number, row in enumerate(rows[1:], start=2):
        cells = (list(row) + [None] * len(headers))[: len(headers)]
        if all(_text(c) == "" for c in cells):
            continue
        out.append((number, cells))
    return out


# ASCII digits only: str.isdigit() accepts «²», which int() refuses; the length cap keeps int() cheap.
_DIGITS = re.compile(r"[0-9]{1,6}")


def _shown(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _year(value: Any, at: str, errors: list[str], *, required: bool) -> int | None:
    text = _text(value)
    if not text:
        if required:
            errors.append(f"{at}: год обязателен.")
        return None
    if not _DIGITS.fullmatch(text) or not 2000 <= int(text) <= 2100:
        errors.append(f"{at}: «{_shown(text)}» — не год (ожидается число от 2000 до 2100).")
        return None
    return int(text)


def import_file(school: School, content: bytes, *, filename: str, by: Any) -> ImportReport:
    """Validate both sheets completely, then write everything in one transaction (or raise ImportFailed)."""
    if problem := data_import_problem(content, filename):
        raise ImportFailed([problem])
    where = f"Файл «{filename}»"
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a non-xlsx file
        raise ImportFailed([f"{where}: не удалось прочитать как книгу Excel (.xlsx)."]) from exc
    errors: list[str] = []
    col = {i: get_column_letter(i + 1) for i in range(5)}
    teachers: dict[str, dict[str, Any]] = {}
    for number, cells in _rows(wb, TEACHERS, TEACHER_HEADERS, where, errors):
        at = f"{where}, лист «{TEACHERS}», строка {number}"
        name = _text(cells[0])
        if not name:
            errors.append(f"{at}, столбец {col[0]} «{TEACHER_HEADERS[0]}»: не указано ФИО или псевдоним.")
            continue
        if len(name) > 150:
            errors.append(f"{at}, столбец {col[0]} «{TEACHER_HEADERS[0]}»: длиннее 150 символов.")
            continue
        if name in teachers:
            errors.append(
                f"{at}, столбец {col[0]} «{TEACHER_HEADERS[0]}»: педагог «{name}» уже есть выше в файле."
            )
            continue
        if len(_text(cells[1])) > 300:
            errors.append(f"{at}, столбец {col[1]} «{TEACHER_HEADERS[1]}»: длиннее 300 символов.")
        category = _text(cells[2]).lower() or "без категории"
        if category not in CATEGORIES:
            errors.append(
                f"{at}, столбец {col[2]} «{TEACHER_HEADERS[2]}»: «{_shown(_text(cells[2]))}» — допустимо: {', '.join(CATEGORIES)}."
            )
        lead = _text(cells[3]).lower()
        if lead not in YES_NO:
            errors.append(f"{at}, столбец {col[3]} «{TEACHER_HEADERS[3]}»: ожидается «да» или «нет».")
        hired = _year(cells[4], f"{at}, столбец {col[4]} «{TEACHER_HEADERS[4]}»", errors, required=False)
        teachers[name] = {
            "subjects": _text(cells[1])[:300],
            "category": CATEGORIES.get(category, "none"),
            "is_leadership": YES_NO.get(lead, False),
            "hired_year": hired,
        }
    known = set(Teacher.objects.filter(school=school).values_list("name", flat=True)) | set(teachers)
    courses: list[tuple[str, dict[str, Any]]] = []
    for number, cells in _rows(wb, COURSES, COURSE_HEADERS, where, errors):
        at = f"{where}, лист «{COURSES}», строка {number}"
        name, title = _text(cells[0]), _text(cells[1])
        if name not in known:
            errors.append(
                f"{at}, столбец {col[0]} «{COURSE_HEADERS[0]}»: педагога «{_shown(name)}» нет ни на листе «{TEACHERS}», "
                "ни в учёте школы."
            )
        if not title:
            errors.append(f"{at}, столбец {col[1]} «{COURSE_HEADERS[1]}»: не указано название программы.")
        hours_text = _text(cells[2])
        hours_ok = bool(_DIGITS.fullmatch(hours_text)) and 1 <= int(hours_text) <= 2000
        if not hours_ok:
            errors.append(
                f"{at}, столбец {col[2]} «{COURSE_HEADERS[2]}»: «{_shown(hours_text)}» — ожидается целое число "
                "часов от 1 до 2000."
            )
        if len(title) > 300:
            errors.append(f"{at}, столбец {col[1]} «{COURSE_HEADERS[1]}»: длиннее 300 символов.")
        registry = _text(cells[3])
        if registry not in REGISTRIES:
            errors.append(
                f"{at}, столбец {col[3]} «{COURSE_HEADERS[3]}»: «{_shown(registry)}» — допустимо: {', '.join(REGISTRIES)}."
            )
        year = _year(cells[4], f"{at}, столбец {col[4]} «{COURSE_HEADERS[4]}»", errors, required=True)
        # kept even when invalid: nothing is written unless the whole file is clean
        fields = {
            "title": title[:300],
            "hours": int(hours_text) if hours_ok else 0,
            "registry": REGISTRIES.get(registry, ""),
            "year": year,
        }
        courses.append((name, fields))
    if errors:
        raise ImportFailed(errors)
    created = updated = added = 0
    with transaction.atomic():
        existing = {t.name: t for t in Teacher.objects.filter(school=school)}
        for name, fields in teachers.items():
            t = existing.get(name)
            if t is None:
                t = Teacher.objects.create(school=school, name=name, **fields)
                record(t, "staff.teacher.created", by=by, after=snapshot(t), data={"file": filename})
                existing[name] = t
                created += 1
            elif any(getattr(t, k) != v for k, v in fields.items()):
                before = snapshot(t)
                for k, v in fields.items():
                    setattr(t, k, v)
                t.save()
                record(
                    t,
                    "staff.teacher.changed",
                    by=by,
                    before=before,
                    after=snapshot(t),
                    data={"file": filename},
                )
                updated += 1
        for name, fields in courses:
            t = existing[name]
            if Course.objects.filter(teacher=t, **fields).exists():
                continue
            c = Course.objects.create(teacher=t, **fields)
            record(c, "staff.course.created", by=by, after=snapshot(c), data={"file": filename})
            added += 1
    return ImportReport(created, updated, added)
