"""Build ``program.docx``, the docxtpl template of ШППКО and failure-prevention programs, with python-docx.

Run ``uv run python portal/programs/doc_templates/build_templates.py``; the result is committed next to this
script. The output is deterministic (fixed core properties), so a rebuild changes the file only when the layout
changes. Formatting (ГОСТ Р 7.0.97-2016 by custom): A4; margins left 30, right 15, top 20, bottom 20 mm; Times New
Roman 14 pt, 1.5 line spacing, first-line indent 1.25 cm, justified; tables 12 pt single-spaced; page numbers at
the bottom centre from page 2; the appendices (calendar schedule, roadmap) on landscape pages with 10 pt tables.
Tags: ``{{ … }}`` values, ``{%p … %}`` paragraph loops, ``{%tr … %}`` table-row loops (docxtpl).
"""

from __future__ import annotations

import datetime
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Mm

from portal.lib.docx_build import base_styles, margins, page_number, repeat_header, save_reproducibly

OUT = Path(__file__).resolve().parent / "program.docx"


def _p(doc, text: str = "", style: str | None = None, bold: bool = False):  # type: ignore[no-untyped-def]
    p = doc.add_paragraph(style=style)
    if text:
        run = p.add_run(text)
        run.bold = bold
    return p


def _table(
    doc,
    headers: list[str],
    row: list[str],
    widths_mm: list[float],
    loop: str,
    *,
    style: str = "Opora Table",
    header_rows: list[list[str]] | None = None,
):  # type: ignore[no-untyped-def]
    """A table with a bold header, then a docxtpl row loop: ``{%tr for … %}``, the data row, ``{%tr endfor %}``."""
    heads = header_rows or [headers]
    table = doc.add_table(rows=len(heads) + 3, cols=len(row))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    texts = [
        *heads,
        [f"{{%tr for {loop} %}}"] + [""] * (len(row) - 1),
        row,
        ["{%tr endfor %}"] + [""] * (len(row) - 1),
    ]
    for r, values in enumerate(texts):
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.width = Mm(widths_mm[c])
            para = cell.paragraphs[0]
            para.style = doc.styles[style]
            run = para.add_run(value)
            if r < len(heads):
                run.bold = True
                para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for r in range(len(heads)):
        repeat_header(table.rows[r])
    return table


def build(path: Path = OUT) -> Path:
    doc = Document()
    base_styles(doc)
    section = doc.sections[0]
    margins(section)
    page_number(section)

    # Title page.
    _p(doc, "{{ authority }}", "Opora Center")
    _p(doc, "{{ school_name }}", "Opora Center")
    _p(doc)
    _p(doc, "{{ status_word }}", "Opora Right", bold=True)
    _p(doc, "{{ approved_line }}", "Opora Right")
    for _ in range(6):
        _p(doc)
    _p(doc, "{{ kind_title }}", "Opora Center", bold=True)
    _p(doc, "{{ school_short }}", "Opora Center", bold=True)
    _p(doc, "{{ period }}", "Opora Center")
    _p(doc, "{{ version }}", "Opora Center")
    for _ in range(10):
        _p(doc)
    last = _p(doc, "{{ city_year }}", "Opora Center")
    last.add_run().add_break(WD_BREAK.PAGE)

    _p(doc, "1. Паспорт программы", "Opora Heading")
    _table(
        doc,
        [],
        ["{{ r.k }}", "{{ r.v }}"],
        [55, 110],
        "r in passport",
        header_rows=[["Параметр", "Содержание"]],
    )

    _p(doc, "2. Анализ состояния качества образования", "Opora Heading")
    _p(doc, "{%p for p in analysis %}")
    _p(doc, "{{ p }}")
    _p(doc, "{%p endfor %}")
    _p(doc, "Таблица 1 — Результаты оценочных процедур", "Opora Caption")
    _table(
        doc,
        ["Процедура", "Год", "Участников", "Доля отметок «2»"],
        ["{{ r.procedure }}", "{{ r.year }}", "{{ r.n }}", "{{ r.share_2 }}"],
        [55, 30, 40, 40],
        "r in results_rows",
    )
    _p(doc, "Таблица 2 — Рисковый профиль школы", "Opora Caption")
    _table(
        doc,
        ["Фактор риска", "Уровень", "Приоритет программы"],
        ["{{ r.title }}", "{{ r.level }}", "{{ r.priority }}"],
        [105, 30, 30],
        "r in risk_rows",
    )
    _p(doc, "{{ chart }}", "Opora Center")
    _p(doc, "Рисунок 1 — Рисковый профиль школы (уровень риска по факторам)", "Opora Center")

    _p(doc, "3. {{ sections.goals }}", "Opora Heading")
    _p(doc, "{%p for g in goals %}")
    _p(doc, "Цель {{ g.n }}. {{ g.text }}.")
    _p(doc, "Задачи: {{ g.tasks|join('; ') }}.")
    _p(doc, "{%p endfor %}")

    _p(doc, "4. Целевые показатели программы", "Opora Heading")
    _p(doc, "Таблица 3 — Целевые показатели", "Opora Caption")
    _table(
        doc,
        ["№", "Показатель", "Ед. изм.", "Базовое значение", "Целевое значение"],
        ["{{ g.n }}", "{{ g.indicator }}", "{{ g.unit }}", "{{ g.baseline }}", "{{ g.target }}"],
        [10, 85, 20, 25, 25],
        "g in goals",
    )

    _p(doc, "5. {{ sections.measures }}", "Opora Heading")
    _p(doc, "Таблица 4 — Мероприятия", "Opora Caption")
    _table(
        doc,
        ["№", "Мероприятие", "Сроки", "Ответственный", "Основание (правило Конструктора)"],
        [
            "{{ m.n }}",
            "{{ m.title }}",
            "{{ m.dates }}",
            "{{ m.responsible }}",
            "{{ m.basis }}",
        ],
        [10, 62, 26, 30, 37],
        "m in measures",
    )

    _p(doc, "6. Ожидаемые результаты", "Opora Heading")
    _p(doc, "{%p for e in expected %}")
    _p(doc, "– {{ e }}.")
    _p(doc, "{%p endfor %}")

    _p(doc, "7. Мониторинг реализации программы", "Opora Heading")
    _p(doc, "{%p for t in monitoring %}")
    _p(doc, "{{ t }}")
    _p(doc, "{%p endfor %}")

    _p(doc, "8. Риски реализации программы и пути их минимизации", "Opora Heading")
    _table(doc, ["Риск", "Пути минимизации"], ["{{ r.risk }}", "{{ r.way }}"], [65, 100], "r in risks")

    # Appendices on landscape pages.
    wide = doc.add_section(WD_SECTION.NEW_PAGE)
    margins(wide, landscape=True)
    _p(doc, "Приложение 1", "Opora Right")
    _p(doc, "Календарный график реализации программы на {{ school_year }} учебный год", "Opora Heading")
    months = [f"{{{{ month_names[{i}] }}}}" for i in range(12)]
    _table(
        doc,
        ["№", "Мероприятие", *months, "Ответственный"],
        [
            "{{ m.n }}",
            "{{ m.title }}",
            *[f"{{{{ m.months[{i}] }}}}" for i in range(12)],
            "{{ m.responsible }}",
        ],
        [9, 80, *[10.5] * 12, 42],
        "m in measures",
        style="Opora Table Small",
    )
    _p(doc, "«+» — мероприятие проводится в этом месяце.", "Opora Table Small")
    brk = _p(doc)
    brk.add_run().add_break(WD_BREAK.PAGE)
    _p(doc, "Приложение 2", "Opora Right")
    _p(doc, "Дорожная карта реализации программы", "Opora Heading")
    _table(
        doc,
        [],
        [
            "{{ m.n }}",
            "{{ m.title }}",
            "{{ m.years[0] }}",
            "{{ m.years[1] }}",
            "{{ m.years[2] }}",
            "{{ m.responsible }}",
            "{{ m.result }}",
            "{{ m.evidence }}",
        ],
        [9, 62, 17, 17, 17, 35, 55, 45],
        "m in measures",
        style="Opora Table Small",
        header_rows=[
            [
                "№",
                "Мероприятие",
                "{{ years[0] }}",
                "{{ years[1] }}",
                "{{ years[2] }}",
                "Ответственный",
                "Результат",
                "Документы, закрепляющие результат",
            ]
        ],
    )

    props = doc.core_properties
    props.author = "Опора"
    props.title = "Шаблон программы школы (Конструктор ШППКО)"
    props.created = props.modified = datetime.datetime(2024, 1, 1)
    props.last_modified_by = "Опора"
    props.revision = 1
    save_reproducibly(doc, path)
    return path


if __name__ == "__main__":
    print(build())
