"""Document primitives shared by every generated document (programs, analytical reports).

- :func:`render_docx` — a docxtpl template file + a context (+ PNG images) → DOCX bytes;
- :func:`html_to_pdf` — HTML → PDF bytes with WeasyPrint (A4, fonts from the system; no network access);
- :func:`pdf_in_background` — the same in kept document worker processes, for PDFs made beside other work; a
  document marked with :data:`PDF_PART` is cut into parts laid out side by side and joined (:func:`join_pdf_parts`);
- :func:`figure_png`, :func:`bar_chart_png` — a matplotlib figure / a horizontal bar chart → PNG bytes;
- :func:`ru_number`, :func:`ru_percent`, :func:`ru_date`, :func:`data_uri` — Russian formatting helpers.

Documents follow ГОСТ-like rules (ГОСТ Р 7.0.97-2016 for organisational documents, by custom also for programs):
A4, margins left 30 mm, right 15 mm, top and bottom 20 mm, Times New Roman 14 pt in text and 12 pt in tables.
:data:`PDF_CSS` carries the same page set-up for HTML rendered to PDF; Times New Roman is used where installed,
otherwise Liberation Serif or DejaVu Serif (Debian's fonts-dejavu-core) takes its place.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import datetime
import functools
import io
import logging
import math
import multiprocessing
import os
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

# WeasyPrint logs every layout step of every page at INFO: noise in the server log.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

#: The CSS page set-up of PDFs: A4 portrait, ГОСТ margins, page numbers at the bottom centre from page 2;
#: ``.landscape`` blocks go on A4 landscape pages (calendar schedules, roadmaps).
PDF_CSS = """
@page { size: A4; margin: 20mm 15mm 20mm 30mm;
        @bottom-center { content: counter(page); font: 11pt 'Times New Roman', 'Liberation Serif', 'DejaVu Serif', serif; } }
@page :first { @bottom-center { content: none; } }
@page wide { size: A4 landscape; margin: 30mm 20mm 15mm 20mm; }
html { font-family: 'Times New Roman', 'Liberation Serif', 'DejaVu Serif', serif; font-size: 14pt; line-height: 1.35; }
body { margin: 0; }
p { margin: 0 0 0.35em; text-align: justify; text-indent: 12.5mm; hyphens: auto; }
h1, h2, h3, .center, .right, th { hyphens: manual; }
p.ni, td p, th p { text-indent: 0; }
h1 { font-size: 14pt; text-align: center; text-transform: uppercase; margin: 0 0 0.6em; page-break-after: avoid; }
h2 { font-size: 14pt; text-align: center; margin: 1em 0 0.5em; page-break-after: avoid; }
h3 { font-size: 14pt; margin: 0.8em 0 0.3em; page-break-after: avoid; }
table { border-collapse: collapse; width: 100%; font-size: 12pt; line-height: 1.15; margin: 0.4em 0 0.8em; }
th, td { border: 0.6pt solid #000; padding: 2pt 4pt; vertical-align: top; text-align: left; }
th { font-weight: bold; text-align: center; vertical-align: middle; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
td.c, th.c { text-align: center; }
td.n { text-align: right; white-space: nowrap; }
.landscape { page: wide; page-break-before: always; }
.landscape table { font-size: 10pt; }
.break { page-break-before: always; }
.right { text-align: right; text-indent: 0; }
.center { text-align: center; text-indent: 0; }
figure { margin: 0.5em 0; text-align: center; page-break-inside: avoid; }
figure img { max-width: 100%; }
figcaption { font-size: 12pt; }
"""


def render_docx(
    template: str | Path,
    context: Mapping[str, Any],
    images: Mapping[str, bytes] | None = None,
    *,
    image_width_mm: float = 150,
) -> bytes:
    """Render a docxtpl template file with ``context``; each PNG in ``images`` becomes an inline image under the
    same context key (``{{ chart }}`` in the template), ``image_width_mm`` wide.

    The template is a real .docx made in Word/LibreOffice or by a script (``portal/programs/doc_templates``):
    ``{{ name }}`` for values, ``{%p for … %}`` for repeated paragraphs, ``{%tr for … %}`` for table rows.
    """
    from docx.shared import Mm
    from docxtpl import DocxTemplate, InlineImage

    doc = DocxTemplate(str(template))
    full: dict[str, Any] = dict(context)
    for key, png in (images or {}).items():
        full[key] = InlineImage(doc, io.BytesIO(png), width=Mm(image_width_mm))
    doc.render(full, jinja_env=_docx_jinja(), autoescape=True)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


@functools.lru_cache(maxsize=1)
def _docx_jinja() -> Any:
    """The Jinja environment of DOCX templates, which keeps what it compiled.

    docxtpl turns a template's XML into a Jinja template and compiles it on every render: 40 % of the time of a
    program's DOCX. The XML of one template file is the same every time, so its compiled form is kept (by source
    text; a few templates per process) and only rendered with each document's context.
    """
    import jinja2

    class CompilingOnce(jinja2.Environment):
        def __init__(self) -> None:
            super().__init__(autoescape=True)
            self._compiled: dict[str, jinja2.Template] = {}
            self._lock = threading.Lock()

        def from_string(
            self, source: Any, globals: Any = None, template_class: Any = None
        ) -> jinja2.Template:
            if globals is not None or template_class is not None or not isinstance(source, str):
                return super().from_string(source, globals, template_class)
            with self._lock:
                compiled = self._compiled.get(source)
                if compiled is None:
                    if len(self._compiled) >= 32:
                        self._compiled.clear()
                    compiled = self._compiled[source] = super().from_string(source)
                return compiled

    return CompilingOnce()


def html_to_pdf(html: str, *, base_url: str | None = None, stylesheets: Sequence[str] = (PDF_CSS,)) -> bytes:
    """HTML → PDF bytes (WeasyPrint). Images must be ``data:`` URIs (see :func:`data_uri`): nothing else is
    fetched, so a document never reaches the network or the file system."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    document = HTML(string=html, base_url=base_url, url_fetcher=URLFetcher(allowed_protocols={"data"}))
    return bytes(document.write_pdf(stylesheets=[_css(s) for s in stylesheets], cache=_IMAGE_CACHE))


#: The document worker processes, started on first use and kept: a fresh interpreter pays about a second for
#: importing WeasyPrint and loading fonts, which a kept worker pays once.
_POOL: ProcessPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _pool() -> ProcessPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            # «spawn»: a fresh interpreter, never a fork of a process holding database connections and threads.
            _POOL = ProcessPoolExecutor(
                max(1, os.cpu_count() or 1), mp_context=multiprocessing.get_context("spawn")
            )
            atexit.register(_POOL.shutdown, wait=False, cancel_futures=True)
        return _POOL


def _drop_pool() -> None:
    global _POOL
    with _POOL_LOCK:
        if _POOL is not None:
            _POOL.shutdown(wait=False, cancel_futures=True)
        _POOL = None


#: Marks in a document's HTML where it may be cut into parts that are laid out side by side. Each mark stands
#: just before an element that starts a new page (``.landscape``, ``.break``), so a part's pages are the pages
#: the whole document would have there. Everything before :data:`PDF_PROLOGUE_END` (head, styles, the opening
#: of the containers) is repeated at the start of every part; the HTML parser closes what a part leaves open.
PDF_PART = "<!--opora:pdf-part-->"
PDF_PROLOGUE_END = "<!--opora:pdf-prologue-end-->"

#: Parts after the first are laid out without page numbers; :func:`join_pdf_parts` stamps the numbers of the
#: joined document on their pages.
NO_PAGE_NUMBERS_CSS = "@page { @bottom-center { content: none; } }"


def split_pdf_parts(html: str) -> list[str]:
    """The parts of a document marked with :data:`PDF_PART`, each a whole HTML document; ``[html]`` when the
    document has no marks (or no :data:`PDF_PROLOGUE_END` to repeat)."""
    segments = html.split(PDF_PART)
    if len(segments) == 1 or PDF_PROLOGUE_END not in segments[0]:
        return [html]
    prologue = segments[0][: segments[0].index(PDF_PROLOGUE_END)]
    return [segments[0]] + [prologue + segment for segment in segments[1:]]


class PendingPdf:
    """A PDF being laid out in the document workers; :meth:`result` waits for it.

    A document with :data:`PDF_PART` marks is laid out as parts on all workers at once and joined here. If a
    worker cannot be started or dies (out of memory, killed), or the parts cannot be joined, the whole PDF is laid
    out in this process instead: the caller always gets its document.
    """

    def __init__(self, html: str) -> None:
        self.html = html
        parts = split_pdf_parts(html)
        try:
            pool = _pool()
            self.futures: list[Future[bytes]] | None = [pool.submit(html_to_pdf, parts[0])] + [
                pool.submit(html_to_pdf, part, stylesheets=(PDF_CSS, NO_PAGE_NUMBERS_CSS))
                for part in parts[1:]
            ]
        except (BrokenProcessPool, RuntimeError, OSError):
            _drop_pool()
            self.futures = None

    def result(self) -> bytes:
        if self.futures is not None:
            try:
                pdfs = [future.result() for future in self.futures]
            except BrokenProcessPool:
                _drop_pool()
            else:
                if len(pdfs) == 1:
                    return pdfs[0]
                try:
                    return join_pdf_parts(pdfs)
                except Exception:  # a damaged part, an unknown page size: the whole document, laid out here
                    logging.getLogger(__name__).exception(
                        "PDF parts not joined; laying out the whole document"
                    )
        return html_to_pdf(self.html)


def pdf_in_background(html: str) -> PendingPdf:
    """Start laying out ``html`` as a PDF in the document worker processes and return at once.

    WeasyPrint is pure Python and holds the GIL: the workers let this process do other work (draw a chart, fill a
    DOCX) while the PDF is laid out, several documents are laid out on several cores, and the parts of one
    document marked with :data:`PDF_PART` (a program's text and its landscape appendices) too.
    """
    return PendingPdf(html)


class PdfJoinError(Exception):
    """The parts of a document could not be joined (a page of a size the page-number stamps do not know)."""


def join_pdf_parts(parts: Sequence[bytes]) -> bytes:
    """One PDF from the parts of a document (:func:`split_pdf_parts`) laid out separately.

    The first part keeps its title, language and page numbers. The pages of the other parts follow; each gets the
    number it has in the joined document, stamped in the same place, font and size as WeasyPrint puts it (the
    stamps are pages of an empty document laid out with :data:`PDF_CSS`, see :func:`page_number_stamps`). The
    bookmarks of every part are kept and point at their pages in the joined document.
    """
    import pikepdf

    with contextlib.ExitStack() as opened:
        out = opened.enter_context(pikepdf.open(io.BytesIO(parts[0])))
        sources = [opened.enter_context(pikepdf.open(io.BytesIO(part))) for part in parts[1:]]
        stamps: dict[bool, Any] = {}
        total = len(out.pages) + sum(len(src.pages) for src in sources)
        with out.open_outline() as outline:
            for src in sources:
                offset = len(out.pages)
                out.pages.extend(src.pages)
                for index in range(offset, len(out.pages)):
                    page = out.pages[index]
                    landscape = float(page.mediabox[2]) > float(page.mediabox[3])
                    if landscape not in stamps:
                        stamps[landscape] = opened.enter_context(
                            pikepdf.open(io.BytesIO(_stamps(landscape, total)))
                        )
                    stamp = stamps[landscape].pages[index]
                    if [round(float(v)) for v in stamp.mediabox] != [round(float(v)) for v in page.mediabox]:
                        raise PdfJoinError(
                            f"page {index + 1}: size {list(page.mediabox)} has no page-number stamp"
                        )
                    page.add_overlay(stamp)
                with src.open_outline() as src_outline:
                    outline.root.extend(_moved_outline(src_outline.root, src, out, offset))
        buffer = io.BytesIO()
        out.save(buffer)
        return buffer.getvalue()


def _moved_outline(items: Any, src: Any, out: Any, offset: int) -> list[Any]:
    """Copies of the bookmarks ``items`` of ``src`` pointing at the same pages ``offset`` pages later in ``out``."""
    import pikepdf

    moved = []
    for item in items:
        destination = item.destination
        if isinstance(destination, pikepdf.Array) and len(destination) > 1:
            index = src.pages.index(pikepdf.Page(destination[0]))
            destination = pikepdf.Array([out.pages[offset + index].obj, *list(destination)[1:]])
        else:
            destination = None  # named destinations do not survive the join; the bookmark keeps its title
        copy = pikepdf.OutlineItem(item.title, destination)
        copy.children.extend(_moved_outline(item.children, src, out, offset))
        moved.append(copy)
    return moved


#: Page-number stamps by orientation (this process): (pages, a PDF whose page n shows the number n, page 1 none).
_STAMPS: dict[bool, tuple[int, bytes]] = {}
_STAMPS_LOCK = threading.Lock()


def _stamps(landscape: bool, pages: int) -> bytes:
    """The stamps PDF of this orientation with at least ``pages`` pages. It is made by a document worker (so
    WeasyPrint stays out of this process) once, and again with twice the pages when a longer document needs them."""
    with _STAMPS_LOCK:
        have, pdf = _STAMPS.get(landscape, (0, b""))
        if have < pages:
            have = max(32, 2 * pages)
            try:
                pdf = _pool().submit(page_number_stamps, landscape, have).result()
            except (BrokenProcessPool, RuntimeError, OSError):
                _drop_pool()
                pdf = page_number_stamps(landscape, have)
            _STAMPS[landscape] = (have, pdf)
        return pdf


def page_number_stamps(landscape: bool, pages: int) -> bytes:
    """A PDF of ``pages`` empty pages (A4 landscape ``wide`` pages or A4 portrait) laid out with :data:`PDF_CSS`:
    page n carries only the page number n, exactly where and as the documents show it (page 1: none)."""
    page = "wide" if landscape else "auto"
    body = f'<div style="page: {page}; break-before: page"></div>' * pages
    return html_to_pdf(f'<!doctype html><html lang="ru"><body>{body}</body></html>')


#: WeasyPrint's image cache, shared by all documents of the process (images are data: URIs, keyed by content).
_IMAGE_CACHE: dict[str, Any] = {}


@functools.lru_cache(maxsize=16)
def _css(text: str) -> Any:
    """Parsed stylesheets are reused: parsing PDF_CSS costs as much as laying out a page."""
    from weasyprint import CSS

    return CSS(string=text)


def data_uri(png: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(png).decode('ascii')}"


def figure_png(fig: Any, *, dpi: int = 150) -> bytes:
    """A matplotlib figure → PNG bytes; the figure is closed."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


#: matplotlib settings of every chart in a document: the serif of the text (Times New Roman or its metric twins).
CHART_RC: dict[str, Any] = {
    "font.family": "serif",
    "font.serif": ["Times New Roman", "Liberation Serif", "DejaVu Serif"],
}


def pyplot() -> Any:
    """matplotlib's pyplot on the non-interactive Agg backend (documents are drawn on a server without a screen)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def bar_chart_png(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    colors: Sequence[str] | None = None,
    ticks: Sequence[tuple[float, str]] = (),
    title: str = "",
    width_in: float = 6.3,
) -> bytes:
    """A horizontal bar chart (first label on top) in the documents' serif font → PNG bytes.

    ``ticks`` replaces the x-axis ticks, e.g. ``[(1, "низкий"), (2, "средний"), (3, "высокий")]``.
    """
    plt = pyplot()
    with plt.rc_context(CHART_RC):
        height = 0.9 + 0.38 * max(1, len(labels))
        fig, ax = plt.subplots(figsize=(width_in, height))
        positions = list(range(len(labels)))[::-1]
        ax.barh(positions, list(values), color=list(colors) if colors else "#4a6fa5", height=0.6)
        ax.set_yticks(positions, labels=list(labels), fontsize=9)
        if ticks:
            ax.set_xticks([t for t, _ in ticks], labels=[label for _, label in ticks], fontsize=9)
            ax.set_xlim(0, max(t for t, _ in ticks) + 0.2)
        ax.grid(axis="x", color="#cccccc", linewidth=0.5)
        ax.set_axisbelow(True)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        if title:
            ax.set_title(title, fontsize=10)
        return figure_png(fig)


def ru_number(value: float | int | None, digits: int = 1, *, empty: str = "—") -> str:
    """``1234.5`` → ``"1 234,5"``: decimal comma, a thin no-break space between thousands, trailing zeros dropped.

    >>> ru_number(1234.56), ru_number(70.0), ru_number(None), ru_number(0.05, 2)
    ('1\u202f234,6', '70', '—', '0,05')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return empty
    text = f"{value:,.{digits}f}" if digits > 0 else f"{round(value):,}"
    if digits > 0:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", "\u202f").replace(".", ",")


def ru_percent(value: float | None, digits: int = 1) -> str:
    """``12.5`` → ``"12,5 %"`` (a no-break space before the sign)."""
    return "—" if value is None else f"{ru_number(value, digits)}\u00a0%"


def ru_date(value: datetime.date | None, *, empty: str = "—") -> str:
    """``date(2023, 9, 1)`` → ``"01.09.2023"``."""
    return empty if value is None else value.strftime("%d.%m.%Y")


RU_MONTHS = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)
RU_MONTHS_SHORT = ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")
