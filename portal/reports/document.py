"""One description of a report, three renderings: HTML (preview), PDF (WeasyPrint) and DOCX (docxtpl + python-docx).

A report is a title block and a list of blocks — headings, paragraphs, bullet lists, tables, figures, page breaks.
Report types (:mod:`portal.reports.registry`) build that list from the data; this module lays it out. The DOCX
title block is the docxtpl template ``doc_templates/report.docx``; the body is appended with python-docx in the
template's styles. The same inputs give the same bytes of DOCX (fixed zip entry times) and the same PDF text.
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.template.loader import render_to_string

from portal.lib.documents import data_uri, html_to_pdf

TEMPLATE = Path(__file__).resolve().parent / "doc_templates" / "report.docx"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIME = "application/pdf"


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Para:
    text: str
    style: str = ""  # "" body, "note" small, "center", "right"


@dataclass(frozen=True)
class Bullets:
    items: Sequence[str]


@dataclass(frozen=True)
class Table:
    caption: str
    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    numeric: frozenset[int] = frozenset()  # right-aligned columns
    widths_mm: Sequence[float] = ()
    small: bool = False


@dataclass(frozen=True)
class Figure:
    png: bytes
    caption: str
    width_mm: float = 160


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Heading | Para | Bullets | Table | Figure | PageBreak


@dataclass
class Report:
    """A report: title block (authority, title, subtitle, place and date) and the body blocks."""

    authority: str
    title: str
    subtitle: str
    place_date: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    def numbered(self) -> list[tuple[Block, str]]:
        """Blocks with their numbers: «Таблица 3», «Рисунок 1» (captions are numbered in order)."""
        out: list[tuple[Block, str]] = []
        tables = figures = 0
        for b in self.blocks:
            if isinstance(b, Table):
                tables += 1
                out.append((b, f"Таблица {tables} — {b.caption}"))
            elif isinstance(b, Figure):
                figures += 1
                out.append((b, f"Рисунок {figures} — {b.caption}"))
            else:
                out.append((b, ""))
        return out


# ------------------------------------------------------------------------------------------------- HTML and PDF


def to_html(report: Report, *, standalone: bool = True) -> str:
    """The report as HTML: a full page for PDF (``standalone``) or a fragment for the preview."""
    parts: list[str] = []
    for block, caption in report.numbered():
        if isinstance(block, Heading):
            tag = "h2" if block.level == 1 else "h3"
            parts.append(f"<{tag}>{html.escape(block.text)}</{tag}>")
        elif isinstance(block, Para):
            cls = {"note": ' class="note ni"', "center": ' class="center"', "right": ' class="right"'}.get(
                block.style, ""
            )
            parts.append(f"<p{cls}>{html.escape(block.text)}</p>")
        elif isinstance(block, Bullets):
            items = "".join(f"<li>{html.escape(i)}</li>" for i in block.items)
            parts.append(f"<ul>{items}</ul>")
        elif isinstance(block, Table):
            head = "".join(f"<th>{html.escape(h)}</th>" for h in block.header)
            body = "".join(
                "<tr>"
                + "".join(
                    (
                        f'<td class="n">{html.escape(c)}</td>'
                        if i in block.numeric
                        else f"<td>{html.escape(c)}</td>"
                    )
                    for i, c in enumerate(row)
                )
                + "</tr>"
                for row in block.rows
            )
            cls = ' class="small"' if block.small else ""
            cols = "".join(f'<col style="width:{w}mm">' for w in block.widths_mm)
            parts.append(
                f'<p class="caption ni">{html.escape(caption)}</p>'
                f"<table{cls}><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>"
                f"<tbody>{body}</tbody></table>"
            )
        elif isinstance(block, Figure):
            parts.append(
                f'<figure><img src="{data_uri(block.png)}" style="width:{block.width_mm}mm" alt="">'
                f"<figcaption>{html.escape(caption)}</figcaption></figure>"
            )
        elif isinstance(block, PageBreak):
            parts.append('<div class="break"></div>')
    body = "\n".join(parts)
    return render_to_string(
        "reports/document.html", {"report": report, "body": body, "standalone": standalone}
    )


_EXTRA_CSS = """
h2, h3, p.caption { break-after: avoid; page-break-after: avoid; }
p.caption { text-indent: 0; margin: 0.6em 0 0.2em; font-size: 12pt; }
p.note { font-size: 12pt; text-align: left; hyphens: manual; }
table.small { font-size: 10pt; }
ul { margin: 0 0 0.4em 12.5mm; padding: 0; }
li { margin: 0 0 0.15em; text-align: justify; }
.title-block { text-align: center; margin-bottom: 1.2em; }
.title-block p { text-indent: 0; text-align: center; hyphens: manual; }
"""


def to_pdf(report: Report) -> bytes:
    from portal.lib.documents import PDF_CSS

    return html_to_pdf(to_html(report), stylesheets=(PDF_CSS, _EXTRA_CSS))


# ------------------------------------------------------------------------------------------------- DOCX


def to_docx(report: Report) -> bytes:
    """The report as DOCX: docxtpl renders the title block, python-docx appends the body in the template's styles."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Mm
    from docxtpl import DocxTemplate

    from portal.lib.docx_build import repeat_header, save_reproducibly

    tpl = DocxTemplate(str(TEMPLATE))
    tpl.render(
        {
            "authority": report.authority,
            "title": report.title,
            "subtitle": report.subtitle,
            "place_date": report.place_date,
        },
        autoescape=True,
    )
    doc = tpl.docx
    for block, caption in report.numbered():
        if isinstance(block, Heading):
            style = "Opora Heading" if block.level == 1 else "Opora Center"
            heading = doc.add_paragraph(style=style)
            heading.add_run(block.text).bold = True
            heading.paragraph_format.keep_with_next = True  # never the last line of a page
        elif isinstance(block, Para):
            style = {"note": "Opora Table", "center": "Opora Center", "right": "Opora Right"}.get(block.style)
            doc.add_paragraph(block.text, style=style)
        elif isinstance(block, Bullets):
            for item in block.items:
                doc.add_paragraph(f"– {item}")
        elif isinstance(block, Table):
            doc.add_paragraph(caption, style="Opora Caption").paragraph_format.keep_with_next = True
            table = doc.add_table(rows=1 + len(block.rows), cols=len(block.header))
            table.style = doc.styles["Table Grid"]
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            cell_style = doc.styles["Opora Table Small" if block.small else "Opora Table"]
            for r, values in enumerate([list(block.header), *[list(row) for row in block.rows]]):
                for c, value in enumerate(values):
                    cell = table.cell(r, c)
                    if block.widths_mm:
                        cell.width = Mm(block.widths_mm[c])
                    para = cell.paragraphs[0]
                    para.style = cell_style
                    run = para.add_run(value)
                    if r == 0:
                        run.bold = True
                        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
                    elif c in block.numeric:
                        para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            repeat_header(table.rows[0])
        elif isinstance(block, Figure):
            pic = doc.add_paragraph(style="Opora Center")
            pic.add_run().add_picture(io.BytesIO(block.png), width=Mm(block.width_mm))
            doc.add_paragraph(caption, style="Opora Center")
        elif isinstance(block, PageBreak):
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    out = io.BytesIO()
    save_reproducibly(doc, out)
    return out.getvalue()
