"""Russian tables of a run for people, and a byte-identical Excel writer (docs/methodology.md, «Выгрузки»).

The same builders serve the command line's workbook and the portal's export: the model of every evaluated year
as a readable table (not a JSON dump), the parameters with their defaults, and the exclusions. ``xlsx_bytes``
writes a workbook whose bytes depend only on its content (fixed document dates and ZIP entry times), so the same
run gives the same file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from opora.catalogue import context_label
from opora.inputs import STAGE_LABELS
from opora.params import display
from opora.safe_export import workbook_bytes

__all__ = ["Sheet", "exclusion_rows", "model_rows", "xlsx_bytes"]

#: (title, header, rows): one sheet.
Sheet = tuple[str, Sequence[str], Sequence[Sequence[Any]]]


def _num(value: Any, digits: int = 4) -> Any:
    """A number rounded for reading (the exact values stay in the «Школы» sheet)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return round(value, digits) if value == value else None
    return value


def model_rows(
    models: Mapping[int, Mapping[str, Any]], skipped: Mapping[int, str] | None = None
) -> tuple[list[str], list[list[Any]]]:
    """«Показатель | 2021 | 2022 | 2023» for the model of each evaluated year (ModelSummary fields as a mapping),
    then one line per year that was not evaluated."""
    years = sorted(models)
    header = ["Показатель", *[f"{y} г." for y in years]]

    def row(label: str, get: Any) -> list[Any]:
        out: list[Any] = [label]
        for y in years:
            try:
                out.append(get(models[y]))
            except (KeyError, TypeError, IndexError):
                out.append(None)
        return out

    th = "thresholds"
    rows = [
        row("Школ в модели", lambda m: m["n"]),
        row("Свободный член a", lambda m: _num(m["intercept"])),
        row("Наклон b (индекс контекста)", lambda m: _num(m["slope"])),
        row("Стандартная ошибка a", lambda m: _num(m["se"]["intercept"])),
        row("Стандартная ошибка b", lambda m: _num(m["se"]["context_index"])),
        row("R²", lambda m: _num(m["r_squared"])),
        row("Остаточное СКО s", lambda m: _num(m["s_e"])),
        row("Степеней свободы", lambda m: m["df_resid"]),
        row("Уровень доверия", lambda m: _num(m["ci_level"], 3)),
        row("Квантиль Стьюдента t", lambda m: _num(m["t_quantile"])),
        row("Взвешенная регрессия", lambda m: "да" if m["weighted"] else "нет"),
        row("Порог ШНСУ: индекс контекста не выше", lambda m: _num(m[th]["context_threshold"])),
        row("Порог ШНОР: индекс результатов не выше", lambda m: _num(m[th]["results_threshold"])),
        row("Порог остатка ШНОР (−k)", lambda m: _num(-m[th]["low_results_k"], 2)),
        row("Порог остатка «выше ожидаемых» (+k)", lambda m: _num(m[th]["above_expected_k"], 2)),
        row("Сжатие: межшкольная дисперсия τ²", lambda m: _num(m["shrinkage"]["tau2"])),
        row("Сжатие: дисперсия на участника σ²", lambda m: _num(m["shrinkage"]["sigma2_within"])),
        row("Способ индекса контекста", lambda m: display("context.method", m["context_method"])),
        row(
            "Переменные контекста",
            lambda m: "; ".join(context_label(v) for v in m["context_variables"]) or "—",
        ),
        row(
            "Не использованы",
            lambda m: "; ".join(str(v) for v in (m.get("context_unused") or {}).values()) or "—",
        ),
        row(
            "Годы результатов в индексе",
            lambda m: ", ".join(str(y) for y in m.get("results_years") or []) or "—",
        ),
    ]
    for y, reason in sorted((skipped or {}).items(), key=lambda kv: int(kv[0])):
        rows.append([f"{y} г. не оценивался", reason, *([None] * (len(years) - 1))])
    return header, rows


EXCLUSION_HEADER: Final = ["Год", "Школа", "Что", "Столбец", "Значение", "Причина"]


def exclusion_rows(frame: Any, names: Mapping[str, str] | None = None) -> list[list[Any]]:
    """Rows of the «Исключения» sheet from an exclusions frame (opora.inputs.EXCLUSION_COLUMNS); ``names``: school
    code → the name people use."""
    shown = names or {}
    out = []
    for r in frame.iter_rows(named=True):
        sid = r.get("school_id")
        out.append(
            [
                r.get("year"),
                shown.get(sid, sid) if sid else "все школы",
                STAGE_LABELS.get(r.get("stage") or "", r.get("stage")),
                context_label(r["column"]) if r.get("column") else "",
                r.get("value") or "",
                r.get("reason") or "",
            ]
        )
    return out


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with one sheet per (title, header, rows): bold shaded header, frozen first row, column widths
    from the header. The bytes depend only on the content."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    fill = PatternFill("solid", fgColor="DCE6F2")
    wb = Workbook()
    first = True
    for title, header, rows in sheets:
        ws = wb.active if first else wb.create_sheet()
        first = False
        assert ws is not None
        ws.title = title[:31]
        ws.append(list(header))
        for cell in ws[1]:
            cell.font, cell.fill = Font(bold=True), fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for line in rows:
            ws.append([_cell(v) for v in line])
        ws.freeze_panes = "A2"
        for i, name in enumerate(header, start=1):
            longest = max([len(str(name))] + [len(str(r[i - 1])) for r in rows[:200] if i - 1 < len(r)])
            ws.column_dimensions[get_column_letter(i)].width = max(10, min(70, longest + 2))
    wb.properties.creator = "Опора"
    return workbook_bytes(wb, reproducible=True)  # school names and codes come from the user's files


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return value
