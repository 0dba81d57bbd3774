"""Build ``report.docx``, the docxtpl template of the analytical reports (справки, отчёты, карточки школ).

Run ``uv run python portal/reports/doc_templates/build_report_template.py``; the result is committed next to this
script and is deterministic (fixed core properties). The template holds the page set-up, the styles and the title
block (``{{ authority }}``, ``{{ title }}``, ``{{ subtitle }}``, ``{{ place_date }}``); the body (headings,
paragraphs, tables, charts) is appended by :mod:`portal.reports.document` after docxtpl renders the title block.
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

from docx import Document

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from portal.lib.docx_build import base_styles, margins, page_number, save_reproducibly

OUT = Path(__file__).resolve().parent / "report.docx"


def build(path: Path = OUT) -> Path:
    doc = Document()
    base_styles(doc)
    section = doc.sections[0]
    margins(section)
    page_number(section)
    doc.add_paragraph("{{ authority }}", style="Opora Center")
    doc.add_paragraph("", style="Opora Center")
    title = doc.add_paragraph(style="Opora Center")
    title.add_run("{{ title }}").bold = True
    doc.add_paragraph("{{ subtitle }}", style="Opora Center")
    doc.add_paragraph("{{ place_date }}", style="Opora Center")
    props = doc.core_properties
    props.author = "Опора"
    props.title = "Аналитический отчёт"
    fixed = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    props.created = props.modified = fixed
    props.last_modified_by = "Опора"
    props.revision = 1
    save_reproducibly(doc, path)
    return path


if __name__ == "__main__":
    print(build())
