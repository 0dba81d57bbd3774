"""Building blocks of Опора's DOCX templates (python-docx), shared by the scripts that generate them.

The templates are .docx files made by scripts (``portal/*/doc_templates/build_*.py``) so that they are
reproducible and reviewable. Formatting follows ГОСТ Р 7.0.97-2016 by custom: A4; margins left 30, right 15, top
and bottom 20 mm; Times New Roman 14 pt, 1.5 line spacing, first-line indent 1.25 cm, justified; tables 12 pt
single-spaced; page numbers at the bottom centre from page 2.
"""

from __future__ import annotations

from typing import Any

from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

FONT = "Times New Roman"


def set_font(style: Any, size: float, bold: bool = False) -> None:
    """Times New Roman of ``size`` for every script (Latin, Cyrillic, complex, East Asian) of a style."""
    style.font.name = FONT
    style.font.size = Pt(size)
    style.font.bold = bold
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)


def _derived(doc: Any, name: str, base: Any, *, align: Any, indent: bool = False) -> Any:
    style = doc.styles.add_style(name, 1)
    style.base_style = base
    style.paragraph_format.first_line_indent = Cm(1.25) if indent else Cm(0)
    style.paragraph_format.alignment = align
    return style


def base_styles(doc: Any) -> None:
    """Normal (14 pt, 1.5, indent, justified) and the Опора paragraph styles every template uses.

    Heading (bold, centred, kept with the next paragraph), Center, Right, Caption, Table (12 pt, single), Table
    Small (10 pt).
    """
    normal = doc.styles["Normal"]
    set_font(normal, 14)
    pf = normal.paragraph_format
    pf.first_line_indent = Cm(1.25)
    pf.line_spacing = 1.5
    pf.space_after = Pt(0)
    pf.space_before = Pt(0)
    pf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    heading = _derived(doc, "Opora Heading", normal, align=WD_ALIGN_PARAGRAPH.CENTER)
    set_font(heading, 14, bold=True)
    heading.paragraph_format.space_before = Pt(12)
    heading.paragraph_format.space_after = Pt(6)
    heading.paragraph_format.keep_with_next = True
    _derived(doc, "Opora Center", normal, align=WD_ALIGN_PARAGRAPH.CENTER)
    right = _derived(doc, "Opora Right", normal, align=WD_ALIGN_PARAGRAPH.RIGHT)
    right.paragraph_format.line_spacing = 1.0
    caption = _derived(doc, "Opora Caption", normal, align=WD_ALIGN_PARAGRAPH.LEFT)
    caption.paragraph_format.keep_with_next = True
    caption.paragraph_format.space_before = Pt(6)
    table = _derived(doc, "Opora Table", normal, align=WD_ALIGN_PARAGRAPH.LEFT)
    set_font(table, 12)
    table.paragraph_format.line_spacing = 1.0
    small = doc.styles.add_style("Opora Table Small", 1)
    small.base_style = table
    set_font(small, 10)


def margins(section: Any, *, landscape: bool = False) -> None:
    """A4 portrait with ГОСТ margins, or A4 landscape for wide appendices (schedules, roadmaps)."""
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
        section.left_margin, section.right_margin = Mm(20), Mm(20)
        section.top_margin, section.bottom_margin = Mm(30), Mm(15)
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin, section.right_margin = Mm(30), Mm(15)
        section.top_margin, section.bottom_margin = Mm(20), Mm(20)


def page_number(section: Any) -> None:
    """A PAGE field at the bottom centre, not on the first page."""
    section.different_first_page_header_footer = True
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.first_line_indent = Cm(0)
    run = p.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)
    run.font.size = Pt(12)
    run.font.name = FONT


def repeat_header(row: Any) -> None:
    """Repeat a table row at the top of every page the table spans."""
    row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def save_reproducibly(doc: Any, path: Any) -> None:
    """Save ``doc`` so that the same content gives the same bytes (fixed zip entry times and order)."""
    import io
    import zipfile

    raw = io.BytesIO()
    doc.save(raw)
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in sorted(src.namelist(), key=lambda n: (n != "[Content_Types].xml", n)):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, src.read(name))
