"""Excel export of an identification run: schools, reasons, model, parameters — all in Russian."""

from __future__ import annotations

import json
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from opora.safe_export import workbook_bytes
from portal.identification.models import IdentificationRun, category_label

HEADER_FILL = PatternFill("solid", fgColor="DCE6F2")

SCHOOL_COLUMNS = [
    ("Школа", lambda o: o.school.short_name),
    ("Код ОО", lambda o: o.school.code),
    ("Индекс результатов", lambda o: o.results_index),
    ("Индекс контекста", lambda o: o.context_index),
    ("Ожидаемое значение", lambda o: o.expected),
    ("Остаток", lambda o: o.residual),
    ("Стандартизованный остаток", lambda o: o.std_residual),
    ("Стьюдентизированный остаток", lambda o: o.studentized_residual),
    ("ДИ среднего, от", lambda o: o.ci_low),
    ("ДИ среднего, до", lambda o: o.ci_high),
    ("Интервал прогноза, от", lambda o: o.pi_low),
    ("Интервал прогноза, до", lambda o: o.pi_high),
    ("Остаток со сжатием", lambda o: o.shrunk_residual),
    ("Компонентов", lambda o: o.n_components),
    ("Участников", lambda o: o.n_participants),
    ("Категории", lambda o: "; ".join(category_label(c) for c in o.categories)),
]


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list[Any]], first: bool = False) -> None:
    ws = wb.active if first else wb.create_sheet()
    assert ws is not None
    ws.title = title
    ws.append(header)
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        ws.append(row)
    ws.freeze_panes = "A2"
    for i, name in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(12, min(60, len(name) + 4))


def run_xlsx(run: IdentificationRun, rows: list[dict[str, Any]]) -> bytes:
    wb = Workbook()
    header = [name for name, _ in SCHOOL_COLUMNS] + (
        ["Официальный список", "Расхождение"] if any(r["has_official"] for r in rows) else []
    )
    table = []
    for r in rows:
        line = [get(r["o"]) for _, get in SCHOOL_COLUMNS]
        if r["has_official"]:
            line += ["; ".join(c["label"] for c in r["official"]), "да" if r["differs"] else "нет"]
        table.append(line)
    _sheet(wb, "Школы", header, table, first=True)
    reasons = [
        [
            r["o"].school.short_name,
            reason.get("category", ""),
            reason.get("rule", ""),
            reason.get("text_ru", reason.get("text", "")),
        ]
        for r in rows
        for reason in r["o"].reasons
    ]
    _sheet(wb, "Обоснование", ["Школа", "Категория", "Правило", "Пояснение"], reasons)
    model = run.model or {}
    _sheet(
        wb,
        "Модель",
        ["Параметр", "Значение"],
        [
            ["Год", run.year],
            ["Выборка модели", run.fit_description],
            ["Версия данных", run.data_version],
            *[
                [k, json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v]
                for k, v in model.items()
                if k != "fit_points"
            ],
        ],
    )
    _sheet(
        wb,
        "Параметры",
        ["Параметры методики (JSON)"],
        [[line] for line in json.dumps(run.config, ensure_ascii=False, indent=2).splitlines()],
    )
    return workbook_bytes(wb)
