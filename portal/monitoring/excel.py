"""Excel: the bulk-entry template (download → fill → upload) and the dashboard export.

Template layout (one sheet «Значения», one row per school × value slot — easy to filter and sort in Excel, and
every row is validated on its own): Код школы | Школа | Показатель | Подпункт | Формулировка | Что вводить |
Значение | Ссылки | Комментарий. Rows with «Показатель» = «численность» carry the school's staff and student
totals (the denominators of shares). The upload is validated as a whole; one error anywhere and nothing is
written; every error names the file, the sheet, the row, the column and the reason.
"""

from __future__ import annotations

import io
import math
from collections import defaultdict
from typing import Any

from django.db import transaction
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from opora.safe_export import workbook_bytes
from portal.lib.uploads import data_import_problem
from portal.monitoring import derive, services
from portal.monitoring.models import IndicatorValue, MonitoringPeriod
from portal.monitoring.values import InvalidValue, Slot, clean, school_slots
from portal.schools.models import School

SHEET = "Значения"
HEADERS = [
    "Код школы",
    "Школа",
    "Показатель",
    "Подпункт",
    "Формулировка",
    "Что вводить",
    "Значение",
    "Ссылки",
    "Комментарий",
]
TOTALS = {
    "staff_total": "численность педагогических и руководящих работников",
    "students_total": "численность обучающихся",
}
TOTALS_CODE = "численность"
_KIND_HINTS = {
    "bool": "да / нет",
    "people": "число людей (целое)",
    "pct": "процент от 0 до 100",
    "count": "целое число",
    "status3": "код уровня",
    "text": "текст",
}
_HEAD_FILL = PatternFill("solid", fgColor="DCE6F1")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def computed_keys(period: MonitoringPeriod) -> set[str]:
    from opora.trends import groups_for

    return {f"{code}|{sub or ''}" for code, sub in groups_for(period.indicator_set.code)}


def slots_for_school(
    period: MonitoringPeriod, indicators: list[Any], school_id: int, data: derive.PeriodData
) -> list[Slot]:
    """The slots a school fills: indicators whose target group includes the school, minus computed ones.

    A slot whose value for this school came from the staff records (origin «records», portal/staff) or whose
    answer the system's records decide (``data.answers``: ШППКО, the registry, the public page…) is computed too:
    the school sees it read-only. A slot of a level the school does not teach is not asked (7.7: an ООШ has no
    СОО).
    """
    allowed = [i for i in indicators if school_id in derive.target_ids(data, i)]
    kind = data.kinds.get(school_id, "")
    computed = {
        f"{i.code}|{sub}"
        for i in allowed
        for sub in i.school_slots
        if (
            (v := data.school_values.get((i.pk, sub), {}).get(school_id)) is not None
            and v[6] == IndicatorValue.Origin.RECORDS
        )
        or (i.pk, sub, school_id) in data.answers
        or not i.applies_to(sub, kind)
    }
    return school_slots(allowed, computed_keys(period) | computed)


def _hint(slot: Slot) -> str:
    if slot.kind == "status3":
        return "; ".join(f"{k} — {v}" for k, v in slot.status_labels().items())
    hint = _KIND_HINTS.get(slot.kind, slot.kind)
    return hint + ("; при «да» — ссылка" if slot.needs_links else "")


def _shown(slot: Slot, v: IndicatorValue | None) -> Any:
    if v is None:
        return None
    if slot.kind == "bool":
        return None if v.bool_value is None else ("да" if v.bool_value else "нет")
    if slot.kind == "people":
        return v.numerator
    if slot.kind == "status3":
        return v.status3 or None
    return v.number


def template(period: MonitoringPeriod) -> bytes:
    """The template with the period's current values filled in."""
    data = derive.load(period)
    values = {
        (v.school_id, v.indicator_id, v.subitem): v
        for v in IndicatorValue.objects.filter(period=period, school__isnull=False)
    }
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True), _HEAD_FILL
    schools = School.objects.filter(municipality=period.municipality).order_by("sort_key", "short_name")
    subs = {s.school_id: s for s in period.submissions.all()}
    for school in schools:
        sub = subs.get(school.pk)
        for field, label in TOTALS.items():
            ws.append(
                [
                    school.code,
                    school.short_name,
                    TOTALS_CODE,
                    field,
                    label,
                    "целое число",
                    getattr(sub, field) if sub else None,
                    None,
                    None,
                ]
            )
        for slot in slots_for_school(period, data.indicators, school.pk, data):
            v = values.get((school.pk, slot.indicator.pk, slot.subitem))
            ws.append(
                [
                    school.code,
                    school.short_name,
                    slot.indicator.code,
                    slot.subitem,
                    slot.wording[:500],
                    _hint(slot),
                    _shown(slot, v),
                    "\n".join(v.links) if v else None,
                    v.text if v else None,
                ]
            )
    for col, width in zip("ABCDEFGHI", (14, 18, 11, 16, 70, 26, 14, 40, 30), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=2, min_col=5, max_col=5):
        row[0].alignment = Alignment(wrap_text=False)
    ws.freeze_panes = "C2"
    info = wb.create_sheet("Справка")
    for line in (
        f"Мониторинг {period.year} г.: {period.indicator_set.title}",
        f"Муниципалитет: {period.municipality}",
        "Заполняйте столбцы «Значение», «Ссылки» (по одной в строке или через пробел) и «Комментарий».",
        "Не меняйте столбцы «Код школы», «Показатель», «Подпункт» и заголовки; строки можно удалять.",
        "Пустое значение удаляет введённое ранее. Файл принимается целиком или не принимается вовсе.",
        "Анкеты, отправленные школами на проверку или принятые, через файл не меняются.",
    ):
        info.append([line])
    info.column_dimensions["A"].width = 120
    return workbook_bytes(wb)


def _cell_value(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def import_values(period: MonitoringPeriod, content: bytes, *, filename: str, by: Any) -> int:
    """Validate the whole file, then write every school's values at once; return the number of changes.

    Raises ``services.ValidationFailed`` listing every error (file, sheet, row, column, reason); nothing is
    written then. A closed period raises ``services.PeriodLocked`` before the file is read.
    """
    services.check_open(period)
    if problem := data_import_problem(content, filename):
        raise services.ValidationFailed([problem])
    where = f"Файл «{filename}»"
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several unrelated types for a non-xlsx file
        raise services.ValidationFailed([f"{where}: не удалось прочитать как книгу Excel (.xlsx)."]) from exc
    if SHEET not in wb.sheetnames:
        raise services.ValidationFailed([f"{where}: нет листа «{SHEET}» — скачайте шаблон заново."])
    ws = wb[SHEET]
    try:  # a read-only workbook parses the sheet only now: a damaged sheet fails here, not at opening
        rows = list(ws.iter_rows(values_only=True))
    except Exception as exc:
        raise services.ValidationFailed([f"{where}, лист «{SHEET}»: лист повреждён и не читается."]) from exc
    finally:
        wb.close()
    header = [str(c).strip() if c is not None else "" for c in (rows[0] if rows else [])]
    if header[: len(HEADERS)] != HEADERS:
        raise services.ValidationFailed(
            [
                f"{where}, лист «{SHEET}», строка 1: заголовки не совпадают с шаблоном "
                f"(ожидается: {', '.join(HEADERS)})."
            ]
        )
    col = {name: get_column_letter(i + 1) for i, name in enumerate(HEADERS)}
    data = derive.load(period)
    schools = {s.code: s for s in School.objects.filter(municipality=period.municipality)}
    subs = {s.school_id: s for s in period.submissions.select_related("school")}
    slots_by_school: dict[int, dict[tuple[str, str], Slot]] = {}
    errors: list[str] = []
    raw: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    totals: dict[int, dict[str, int | None]] = defaultdict(dict)
    seen: set[tuple[int, str, str]] = set()
    row_of: dict[tuple[int, str], int] = {}
    for number, row in enumerate(rows[1:], start=2):
        cells = [_cell_value(c) for c in (list(row) + [None] * len(HEADERS))[: len(HEADERS)]]
        code, _name, ind_code, sub_code, _w, _h, value, links, comment = cells
        if all(c is None for c in cells):
            continue
        at = f"{where}, лист «{SHEET}», строка {number}"
        school = schools.get(str(code)) if code is not None else None
        if school is None:
            errors.append(
                f"{at}, столбец {col['Код школы']}: школа с кодом «{code}» в муниципалитете не найдена."
            )
            continue
        sub = subs.get(school.pk)
        if sub is None or not sub.editable:
            state = sub.get_status_display().lower() if sub else "не создана"
            errors.append(
                f"{at}, столбец {col['Код школы']}: анкета школы «{school}» {state} — через файл не меняется."
            )
            continue
        ind_code, sub_code = str(ind_code or ""), str(sub_code or "")
        key = (school.pk, ind_code, sub_code)
        if key in seen:
            errors.append(f"{at}, столбец {col['Показатель']}: строка для {ind_code} {sub_code} повторяется.")
            continue
        seen.add(key)
        if ind_code == TOTALS_CODE:
            if sub_code not in TOTALS:
                errors.append(f"{at}, столбец {col['Подпункт']}: неизвестная численность «{sub_code}».")
                continue
            number = _number(value)
            if value is None:
                totals[school.pk][sub_code] = None
            elif isinstance(number, str) or number < 1 or number != int(number) or number > 1_000_000:
                errors.append(
                    f"{at}, столбец {col['Значение']}: численность должна быть целым числом больше 0, "
                    f"получено «{_quoted(value)}»."
                )
            else:
                totals[school.pk][sub_code] = int(number)
            continue
        if school.pk not in slots_by_school:
            slots_by_school[school.pk] = {
                (s.indicator.code, s.subitem): s
                for s in slots_for_school(period, data.indicators, school.pk, data)
            }
        slot = slots_by_school[school.pk].get((ind_code, sub_code))
        if slot is None:
            errors.append(
                f"{at}, столбец {col['Показатель']}: показателя «{ind_code}» (подпункт «{sub_code}») нет в "
                "анкете этой школы или он рассчитывается автоматически."
            )
            continue
        entry = _raw_from_cell(slot, value, links, comment)
        if isinstance(entry, str):
            errors.append(f"{at}, столбец {col['Значение']}: {entry}")
            continue
        raw[school.pk][slot.key] = entry
        row_of[(school.pk, slot.key)] = number
    # Second pass: per-value validation needs the school's totals (denominators) from the whole file.
    checked: dict[int, list[Slot]] = {}
    for school_id, entries in raw.items():
        sub = subs[school_id]
        denominators = {f: totals[school_id].get(f, getattr(sub, f)) for f in TOTALS}
        slots = [s for s in slots_by_school[school_id].values() if s.key in entries]
        for slot in slots:
            try:
                clean(slot, entries[slot.key], denominator=denominators.get(slot.denominator_field or ""))
            except InvalidValue as exc:
                errors.append(
                    f"{where}, лист «{SHEET}», строка {row_of[(school_id, slot.key)]}, "
                    f"столбец {col['Значение']}: {exc}"
                )
        checked[school_id] = slots
    if errors:
        raise services.ValidationFailed(errors)
    changes = 0
    with transaction.atomic():
        for school_id in sorted(set(raw) | set(totals)):
            sub = subs[school_id]
            t = {f: totals[school_id].get(f, getattr(sub, f)) for f in TOTALS}
            changes += services.save_school_values(
                sub,
                raw.get(school_id, {}),
                checked.get(school_id, []),
                by=by,
                staff_total=t["staff_total"],
                students_total=t["students_total"],
                origin=IndicatorValue.Origin.EXCEL,
            )
    return changes


def _quoted(value: Any, limit: int = 60) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _number(value: Any) -> float | str:
    """A finite number from a cell (number or text with spaces, a decimal comma or a trailing %), or the
    Russian reason it is not one. NaN and infinity (possible in a hand-made XLSX) are not numbers."""
    if isinstance(value, bool):
        return "ожидается число, а не «да»/«нет»"
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an int of hundreds of digits in a hand-made XLSX
            number = math.inf
    else:
        text = str(value).replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
        text = text.removesuffix("%")
        try:
            number = float(text) if len(text) <= 40 else math.nan
        except ValueError:
            return f"ожидается число, получено «{_quoted(value)}»"
    if not math.isfinite(number):
        return f"ожидается число, получено «{_quoted(value)}»"
    return number


def _raw_from_cell(slot: Slot, value: Any, links: Any, comment: Any) -> dict[str, Any] | str:
    raw: dict[str, Any] = {
        "text": str(comment) if comment is not None else "",
        "links": str(links).split() if links is not None else [],
    }
    if slot.kind == "bool":
        if value is None:
            raw["bool_value"] = None
        elif isinstance(value, bool):
            raw["bool_value"] = value
        else:
            word = str(value).strip().lower()
            if word not in ("да", "нет"):
                return f"показатель {slot.ref}: ожидается «да» или «нет», получено «{_quoted(value)}»."
            raw["bool_value"] = word == "да"
    elif slot.kind in ("people", "pct", "count"):
        number = None if value is None else _number(value)
        if isinstance(number, str):
            return f"показатель {slot.ref}: {number}."
        raw["numerator" if slot.kind == "people" else "number"] = number
    elif slot.kind == "status3":
        labels = slot.status_labels()
        text = str(value).strip() if value is not None else ""
        by_label = {v.lower(): k for k, v in labels.items()}
        raw["status3"] = text if text in labels else by_label.get(text.lower(), text)
    return raw


def export_dashboard(period: MonitoringPeriod, rows: list[derive.Row], *, category: str = "") -> bytes:
    """The dashboard table: one row per municipal value, with target, status, years and the derivation."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Показатели"
    years = [y for y, _ in rows[0].trend] if rows else [period.year]
    ws.append(
        [
            f"Мониторинг {period.year} г. — {period.municipality}; целевые школы: "
            f"{derive.CATEGORIES.get(category, '')}"
        ]
    )
    ws.append(
        [
            "Направление",
            "№",
            "Показатель",
            "Подпункт",
            "Расчёт",
            "Значение",
            "Интервал",
            f"Цель {period.year}",
            "Статус",
            *[f"{y}" for y in years],
            "Как получено",
        ]
    )
    for cell in ws[2]:
        cell.font, cell.fill = Font(bold=True), _HEAD_FILL
    for r in rows:
        bucket = r.derived.bucket_label if r.derived else None
        ws.append(
            [
                r.indicator.direction_label,
                r.indicator.code,
                r.indicator.short_wording,
                r.label,
                r.indicator.derivation_label,
                r.display,
                bucket or "",
                r.target_display,
                r.status_label,
                *[v for _, v in r.trend],
                r.derived.explanation_ru if r.derived else "Значение координатора",
            ]
        )
    for col, width in zip("ABCDEFGHI", (24, 6, 70, 24, 28, 22, 14, 14, 14), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "C3"
    return workbook_bytes(wb)
