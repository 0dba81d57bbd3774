"""Generated documents: the DOCX opened with python-docx, the PDF read with pypdfium2 (text, pages, page images)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import pytest
from docx import Document
from docx.shared import Mm
from PIL import ImageChops

from portal.lib import documents as docs
from portal.programs import documents, services
from portal.programs.models import Program
from portal.programs.tests.conftest import approve, complete

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


@pytest.fixture
def approved(program: Program) -> Program:
    complete(program)
    approve(program)
    program.refresh_from_db()
    return program


def test_the_docx_has_the_sections_tables_and_numbers(approved: Program) -> None:
    doc = Document(io.BytesIO(documents.render_docx(approved)))
    text = [p.text for p in doc.paragraphs]
    for heading in (
        "1. Паспорт программы",
        "2. Анализ состояния качества образования",
        "3. Цели и задачи программы",
        "4. Целевые показатели программы",
        "5. Мероприятия программы",
        "6. Ожидаемые результаты",
        "7. Мониторинг реализации программы",
        "8. Риски реализации программы и пути их минимизации",
        "Календарный график реализации программы на 2023/2024 учебный год",
        "Дорожная карта реализации программы",
    ):
        assert heading in text, heading
    assert "ШКОЛЬНАЯ ПРОГРАММА ПОВЫШЕНИЯ КАЧЕСТВА ОБРАЗОВАНИЯ" in text
    assert "УТВЕРЖДЕНА" in text
    # ВПР 2023 of the fixture: 15 «2» of 100 participants → «15 %».
    assert any("Доля отметок «2» по ВПР в 2023 г. составила 15\u00a0%" in t for t in text)
    _passport, results, profile, indicators, measures, risks, schedule, roadmap = doc.tables
    assert [c.text for c in results.rows[1].cells] == ["ВПР", "2023", "100", "15\u00a0%"]
    assert len(profile.rows) == 1 + 8  # header + the eight core factors
    # Target indicators: Internet 20 → 50 Мбит/с (threshold), «2» 15 → 10 % (two thirds), parents 30 → 45 (conftest).
    assert [[c.text for c in r.cells][2:] for r in indicators.rows[1:]] == [
        ["Мбит/с", "20", "50"],
        ["%", "15", "10"],
        ["%", "30", "45"],
    ]
    n = approved.measures.count()
    assert len(measures.rows) == 1 + n and len(schedule.rows) == 1 + n and len(roadmap.rows) == 1 + n
    assert [c.text for c in roadmap.rows[0].cells][2:5] == ["2023", "2024", "2025"]
    assert [c.text for c in schedule.rows[0].cells][2:14] == [
        "сен", "окт", "ноя", "дек", "янв", "фев", "мар", "апр", "май", "июн", "июл", "авг",
    ]  # fmt: skip
    # M01 (yearly, September–October): «+» in Sept and Oct; the roadmap shows «сен–окт» in each year.
    first = [c.text for c in schedule.rows[1].cells]
    assert first[1] == "Анализ рискового профиля и самодиагностика школы"
    assert first[2:14] == ["+", "+"] + [""] * 10
    assert [c.text for c in roadmap.rows[1].cells][2:5] == ["сен–окт"] * 3
    assert (
        measures.rows[3]
        .cells[4]
        .text.startswith("R1 — высокий уровень риска: меры приоритета 1–2; фактор «Низкий")
    )
    assert len(risks.rows) == 1 + len(documents.PROGRAM_RISKS)
    assert len(doc.inline_shapes) == 1  # the risk-profile chart


def test_the_docx_is_a4_with_gost_margins_and_landscape_appendices(approved: Program) -> None:
    doc = Document(io.BytesIO(documents.render_docx(approved)))
    text, appendix = doc.sections[0], doc.sections[1]
    assert (round(text.page_width.mm), round(text.page_height.mm)) == (210, 297)
    assert [
        round(x.mm) for x in (text.left_margin, text.right_margin, text.top_margin, text.bottom_margin)
    ] == [30, 15, 20, 20]
    assert (round(appendix.page_width.mm), round(appendix.page_height.mm)) == (297, 210)
    normal = doc.styles["Normal"]
    assert (normal.font.name, normal.font.size.pt) == ("Times New Roman", 14)
    assert doc.styles["Opora Table"].font.size.pt == 12
    assert doc.inline_shapes[0].width == Mm(160)


def _pdf_pages(content: bytes) -> list[str]:
    pdf = pdfium.PdfDocument(content)
    try:
        return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()


def test_the_pdf_has_the_expected_pages_and_text(approved: Program) -> None:
    content = documents.render_pdf(approved)
    assert content.startswith(b"%PDF")
    pages = _pdf_pages(content)
    assert 7 <= len(pages) <= 14  # title, passport … risks (portrait), schedule and roadmap (landscape)
    assert "ШКОЛЬНАЯ ПРОГРАММА ПОВЫШЕНИЯ КАЧЕСТВА" in pages[0] and "УТВЕРЖДЕНА" in pages[0]
    assert "1. Паспорт программы" in pages[1]
    full = "\n".join(pages)
    assert "15 %" in full.replace("\u00a0", " ")
    assert "Календарный график реализации программы на 2023/2024 учебный год" in full
    # The profile chart is vector text in the PDF: every factor is named in full, and the level scale is there.
    chart_page = next(p for p in pages if "Рисунок 1" in p)
    flat = " ".join(chart_page.split())
    for title, _level in documents._profile_rows(approved):
        assert title in flat
    assert all(word in chart_page for word in ("низкий", "средний", "высокий"))
    schedule = next(i for i, p in enumerate(pages) if "Календарный график" in p)
    roadmap = next(i for i, p in enumerate(pages) if "Дорожная карта реализации программы" in p)
    pdf = pdfium.PdfDocument(content)
    try:
        width, height = pdf[0].get_size()
        assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)
        width, height = pdf[schedule].get_size()
        assert round(width / 72 * 25.4) == 297  # landscape
        assert roadmap > schedule
        # Page images for a human look (test-artifacts/, not committed).
        ARTIFACTS.mkdir(exist_ok=True)
        for i in range(len(pdf)):
            pdf[i].render(scale=1.4).to_pil().save(ARTIFACTS / f"program-pdf-p{i + 1:02d}.png")
    finally:
        pdf.close()


def test_the_failure_prevention_program_uses_its_own_headings(s1_data: dict[str, Any]) -> None:
    p = services.create_program(s1_data["S1"], "failure_prevention", by=None, profile_year=2023)
    doc = Document(io.BytesIO(documents.render_docx(p)))
    text = [x.text for x in doc.paragraphs]
    assert "ПРОГРАММА ПРОФИЛАКТИКИ УЧЕБНОЙ НЕУСПЕШНОСТИ" in text
    assert "5. Меры профилактики и ликвидации учебной неуспешности" in text
    assert "ПРОЕКТ" in text  # a draft


def test_russian_formatting_helpers() -> None:
    import datetime

    assert docs.ru_number(1234.56) == "1\u202f234,6"
    assert docs.ru_number(0.05, 2) == "0,05"
    assert docs.ru_number(None) == "—"
    assert docs.ru_percent(12.5) == "12,5\u00a0%"
    assert docs.ru_date(datetime.date(2023, 9, 1)) == "01.09.2023"


def test_html_to_pdf_never_fetches_external_resources() -> None:
    pdf = docs.html_to_pdf('<p>Текст</p><img src="http://example.invalid/x.png">')
    assert "Текст" in _pdf_pages(pdf)[0]


def test_an_unchanged_document_is_served_from_the_cache(approved: Program, monkeypatch: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    calls: list[str] = []
    real_pdf, real_docx = docs.pdf_in_background, documents.render_docx

    def counting_pdf(html: str) -> docs.PendingPdf:
        calls.append("pdf")
        return real_pdf(html)

    def counting_docx(program: Program, **kwargs: Any) -> bytes:
        calls.append("docx")
        return real_docx(program, **kwargs)

    monkeypatch.setattr(docs, "pdf_in_background", counting_pdf)
    monkeypatch.setattr(documents, "render_docx", counting_docx)
    first = documents.cached(approved, "pdf")
    assert documents.cached(approved, "pdf") == first
    # Making the PDF also made the DOCX (while the worker laid the PDF out); both are now served from the cache.
    assert calls == ["pdf", "docx"]
    documents.cached(approved, "docx")
    assert calls == ["pdf", "docx"]
    # Anything the document shows changes the key: a renamed measure makes a new PDF.
    approved.measures.filter(code="M10").update(title="Новое название меры")
    assert documents.cached(approved, "pdf") != first
    assert calls == ["pdf", "docx", "pdf", "docx"]


def test_the_committed_template_is_what_the_script_builds(tmp_path: Path) -> None:
    from portal.programs.doc_templates.build_templates import build

    fresh = build(tmp_path / "program.docx")
    assert fresh.read_bytes() == documents.TEMPLATE.read_bytes(), "run doc_templates/build_templates.py"


def test_the_document_chart_names_factors_in_full_and_scales_bars_by_level() -> None:
    import re

    from portal.programs import charts

    long = "Недостаточная предметная и методическая компетентность педагогических работников"
    html = str(
        charts.profile_chart_document(
            [(long, "high"), ("Дефицит кадров", "low"), ("Кадры & <ОВЗ>", "medium")]
        )
    )
    # Titles whole (the table wraps them), escaped; the scale's three steps under the bars.
    assert f'<th scope="row">{long}</th>' in html and "…" not in html
    assert "Кадры &amp; &lt;ОВЗ&gt;" in html
    assert re.findall(r'<tr class="scale">.*?</tr>', html) == [
        '<tr class="scale"><td></td><td>низкий</td><td>средний</td><td>высокий</td><td></td></tr>'
    ]
    # A bar spans as many steps as its level scores (высокий 3, низкий 1, средний 2), in the level's colour.
    assert re.findall(r'colspan="(\d)" title="(\w+)"><div style="background:(#\w+)"', html) == [
        ("3", "высокий", "#b23b3b"),
        ("1", "низкий", "#5b8c5a"),
        ("2", "средний", "#d9a43b"),
    ]
    # Drawn: the «высокий» bar is three times as long as the «низкий» one (pixels of their colours on the page).
    pdf = pdfium.PdfDocument(docs.html_to_pdf(f"<html><body><figure>{html}</figure></body></html>"))
    try:
        image = pdf[0].render(scale=2).to_pil().convert("RGB")
    finally:
        pdf.close()
    pixels = np.asarray(image)

    def longest_run(rgb: tuple[int, int, int]) -> int:
        """The widest row of pixels of exactly this colour (a bar is one run per row)."""
        return int((pixels == np.array(rgb, dtype=np.uint8)).all(axis=2).sum(axis=1).max())

    high, low, medium = (
        longest_run((0xB2, 0x3B, 0x3B)),
        longest_run((0x5B, 0x8C, 0x5A)),
        longest_run((0xD9, 0xA4, 0x3B)),
    )
    assert low > 20
    assert abs(high - 3 * low) <= 3 and abs(medium - 2 * low) <= 3, (high, medium, low)


def test_render_both_gives_the_documents_of_the_one_process_path(approved: Program) -> None:
    docx, pdf = documents.render_both(approved)

    def text(content: bytes) -> list[str]:
        doc = Document(io.BytesIO(content))
        return [p.text for p in doc.paragraphs] + [
            c.text for t in doc.tables for r in t.rows for c in r.cells
        ]

    assert text(docx) == text(documents.render_docx(approved))
    assert _pdf_pages(pdf) == _pdf_pages(documents.render_pdf(approved))


def test_a_pdf_is_laid_out_here_when_the_worker_cannot_start(monkeypatch: Any) -> None:
    def broken() -> Any:
        raise OSError("no processes left")

    monkeypatch.setattr(docs, "_pool", broken)
    pending = docs.pdf_in_background("<p>Справка</p>")
    assert pending.futures is None
    assert "Справка" in _pdf_pages(pending.result())[0]


def test_pdfs_laid_out_side_by_side_come_back_in_order() -> None:
    htmls = [f"<p>Документ {n}</p>" for n in range(3)]
    pending = [docs.pdf_in_background(h) for h in htmls]  # as render_many hands out a batch
    pages = [_pdf_pages(p.result())[0] for p in pending]
    assert [p.strip() for p in pages] == ["Документ 0", "Документ 1", "Документ 2"]


def _outline(content: bytes) -> list[tuple[str, int]]:
    """(title, page index) of every bookmark, depth first."""
    import pikepdf

    out: list[tuple[str, int]] = []
    with pikepdf.open(io.BytesIO(content)) as pdf, pdf.open_outline() as outline:

        def walk(items: Any) -> None:
            for item in items:
                out.append((item.title, pdf.pages.index(pikepdf.Page(item.destination[0]))))
                walk(item.children)

        walk(outline.root)
    return out


def test_a_program_pdf_is_cut_into_title_page_text_and_appendices(approved: Program) -> None:
    html = documents.render_html(approved, for_pdf=True)
    parts = docs.split_pdf_parts(html)
    # The title page, the text, Приложение 1 (calendar schedule), Приложение 2 (roadmap).
    assert len(parts) == 4
    assert "УТВЕРЖДЕНА" in parts[0] and "1. Паспорт программы" not in parts[0]
    assert "1. Паспорт программы" in parts[1] and "УТВЕРЖДЕНА" not in parts[1]
    assert "Календарный график" not in parts[1]
    assert "Календарный график" in parts[2] and "Дорожная карта" not in parts[2]
    assert "Дорожная карта" in parts[3] and "Паспорт программы" not in parts[3]
    # Every part repeats the head with the document's styles and opens the same container.
    for part in parts[1:]:
        assert part.startswith(html[: html.index(docs.PDF_PROLOGUE_END)])
    # A document without marks stays whole; so does the preview (the marks are only in the PDF's HTML).
    assert docs.split_pdf_parts("<p>Справка</p>") == ["<p>Справка</p>"]
    assert docs.PDF_PART not in documents.render_html(approved)


def test_the_joined_pdf_is_the_pdf_of_the_whole_document(approved: Program) -> None:
    html = documents.render_html(approved, for_pdf=True)
    whole = docs.html_to_pdf(html)
    joined = docs.pdf_in_background(html).result()
    assert joined != whole  # it did go through the parts
    # Same pages with the same text, page numbers included (page 1, the title page, has none).
    pages, expected = _pdf_pages(joined), _pdf_pages(whole)
    assert pages == expected
    assert [p.split()[-1] for p in pages[1:]] == [str(n) for n in range(2, len(pages) + 1)]
    # Same bookmarks on the same pages (the appendices' headings point into the joined document).
    assert _outline(joined) == _outline(whole)
    roadmap = next(i for i, p in enumerate(pages) if "Дорожная карта реализации программы" in p)
    assert roadmap > 0 and ("Дорожная карта реализации программы", roadmap) in _outline(joined)
    # Same look: every page, drawn at 50 dpi, differs from the whole document's in no more than 0.1 % of pixels.
    a, b = pdfium.PdfDocument(joined), pdfium.PdfDocument(whole)
    try:
        for i in range(len(a)):
            assert a[i].get_size() == b[i].get_size()
            img_a = a[i].render(scale=50 / 72).to_pil().convert("L")
            img_b = b[i].render(scale=50 / 72).to_pil().convert("L")
            differing = sum(
                ImageChops.difference(img_a, img_b).histogram()[33:]
            )  # pixels off by more than 32
            assert differing <= img_a.width * img_a.height // 1000, f"page {i + 1}: {differing} pixels differ"
    finally:
        a.close()
        b.close()
    import pikepdf

    with pikepdf.open(io.BytesIO(joined)) as pdf:
        assert str(pdf.docinfo["/Title"]).startswith("ШКОЛЬНАЯ ПРОГРАММА ПОВЫШЕНИЯ КАЧЕСТВА ОБРАЗОВАНИЯ")
        assert str(pdf.Root.Lang) == "ru"


def test_a_document_whose_parts_cannot_be_joined_is_laid_out_whole(
    approved: Program, monkeypatch: Any
) -> None:
    html = documents.render_html(approved, for_pdf=True)

    def failing(parts: Any) -> bytes:
        raise docs.PdfJoinError("test")

    monkeypatch.setattr(docs, "join_pdf_parts", failing)
    assert _pdf_pages(docs.pdf_in_background(html).result()) == _pdf_pages(docs.html_to_pdf(html))


def test_a_page_size_without_stamps_is_refused_by_the_join() -> None:
    prologue = f"<html><head><style>@page small {{ size: A5; }}</style></head><body>{docs.PDF_PROLOGUE_END}"
    html = f'{prologue}<p>Текст</p>{docs.PDF_PART}<div style="page: small; break-before: page">A5</div>'
    first, second = (docs.html_to_pdf(part) for part in docs.split_pdf_parts(html))
    with pytest.raises(docs.PdfJoinError, match="page 2"):
        docs.join_pdf_parts([first, second])
    # pdf_in_background still gives the document: laid out whole, with WeasyPrint's own page number on page 2.
    assert [p.split() for p in _pdf_pages(docs.pdf_in_background(html).result())] == [["Текст"], ["A5", "2"]]


def test_page_number_stamps_grow_for_a_long_document(monkeypatch: Any) -> None:
    monkeypatch.setattr(docs, "_STAMPS", {})
    short = docs._stamps(True, 3)
    assert len(_pdf_pages(short)) == 32  # made once with room to spare
    assert docs._stamps(True, 30) is short
    long = docs._stamps(True, 40)
    pages = _pdf_pages(long)
    assert len(pages) == 80
    assert pages[0].strip() == "" and pages[1].strip() == "2" and pages[39].strip() == "40"


def test_a_docx_template_is_compiled_once_and_filled_with_each_documents_context(
    approved: Program, s1_data: dict[str, Any]
) -> None:
    env = docs._docx_jinja()
    env._compiled.clear()
    first = Document(io.BytesIO(documents.render_docx(approved)))
    compiled = dict(env._compiled)
    assert compiled  # the body's XML (and the small parts docxtpl renders) compiled once
    other = services.create_program(s1_data["S1"], "failure_prevention", by=None, profile_year=2023)
    second = Document(io.BytesIO(documents.render_docx(other)))
    assert env._compiled.keys() == compiled.keys() and all(env._compiled[k] is compiled[k] for k in compiled)
    # Same compiled template, each document with its own content.
    first_text, second_text = [p.text for p in first.paragraphs], [p.text for p in second.paragraphs]
    assert "ШКОЛЬНАЯ ПРОГРАММА ПОВЫШЕНИЯ КАЧЕСТВА ОБРАЗОВАНИЯ" in first_text and "УТВЕРЖДЕНА" in first_text
    assert "ПРОГРАММА ПРОФИЛАКТИКИ УЧЕБНОЙ НЕУСПЕШНОСТИ" in second_text and "ПРОЕКТ" in second_text
    assert "ПРОГРАММА ПРОФИЛАКТИКИ УЧЕБНОЙ НЕУСПЕШНОСТИ" not in first_text


def test_the_docx_chart_is_drawn_once_per_profile(approved: Program) -> None:
    documents._profile_chart_png.cache_clear()
    png = documents.chart_png(approved)
    assert png.startswith(b"\x89PNG") and documents.chart_png(approved) is png  # kept, not drawn again
    assert documents._profile_chart_png.cache_info().misses == 1
    # A changed level is another profile: a new picture.
    snapshot = dict(approved.snapshot)
    profile = dict(snapshot["profile"])
    code = next(iter(profile))
    profile[code] = "low" if profile[code] != "low" else "high"
    approved.snapshot = {**snapshot, "profile": profile}
    other = documents.chart_png(approved)
    assert other != png and documents._profile_chart_png.cache_info().misses == 2
