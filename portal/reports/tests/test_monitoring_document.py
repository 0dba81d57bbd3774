"""The monitoring report as a document (issue #17): indicator names never cut, one style of «%», plurals through
the one helper, no heading left alone at the foot of a page (DOCX keep-with-next, PDF read page by page)."""

from __future__ import annotations

import io
import re
from typing import Any

from portal.identification.models import IdentificationRun
from portal.monitoring import services as monitoring
from portal.monitoring.models import MonitoringPeriod
from portal.reports.registry import REGISTRY
from portal.reports.tests.conftest import slot, submission


def _report(world: dict[str, Any], period: MonitoringPeriod, fmt: str) -> bytes:
    sub = submission(period, world["S1"])
    monitoring.save_school_values(
        sub, {"3.8|kmc": {"bool_value": True}}, [slot(period, "3.8", "kmc")], by=None
    )
    monitoring.submit(sub, by=None)
    _name, _mime, content = REGISTRY["monitoring"].render(world["M"], {"year": 2024}, fmt)  # type: ignore[arg-type]
    return content


def test_the_docx_keeps_full_wordings_one_percent_style_and_headings_with_their_text(
    world: dict[str, Any], runs: dict[int, IdentificationRun], period: MonitoringPeriod
) -> None:
    from docx import Document

    doc = Document(io.BytesIO(_report(world, period, "docx")))
    table = doc.tables[0]
    names = [row.cells[1].text for row in table.rows[1:]]
    # the longest wording of Appendix 1 (3.8, 002:357-393) is there in full, not cut with «…»
    wording_38 = period.indicator_set.indicators.get(code="3.8").municipal_wording

    def norm(text: str) -> str:  # compare words, not spaces: «50%» is printed «50\u00a0%» (one style)
        return " ".join(text.replace("\u00a0", " ").split()).replace(" %", "%")

    assert any(norm(name).startswith(norm(wording_38)) for name in names)
    assert not any(name.endswith("…") for name in names)
    cells = [c.text for row in table.rows[1:] for c in row.cells]
    assert not any(re.search(r"\d ?%", c) for c in cells)  # every «%» after a no-break space
    assert any("\u00a0%" in c for c in cells)
    body = "\n".join(p.text for p in doc.paragraphs)
    assert not re.search(
        r"\w\((ы|а|ов|и|ей)\)", body.split("3. Рекомендации")[0]
    )  # no «школ(ы)» in sections 1-2
    assert "Целевые школы (ШНОР и школы зоны риска): 2 школы; всего в муниципалитете — 2 школы." in body
    titles = {
        "1. Общие сведения",
        "2. Значения показателей и цели",
        "3. Рекомендации управлению образования",
        "4. Адресные рекомендации школам",
        "СОШ № 1",
        "ООШ № 2",
    }
    headings = [p for p in doc.paragraphs if p.text in titles or p.style.name == "Opora Caption"]
    assert len(headings) >= 6 and all(p.paragraph_format.keep_with_next for p in headings)


def test_no_pdf_page_ends_with_a_heading(
    world: dict[str, Any], runs: dict[int, IdentificationRun], period: MonitoringPeriod
) -> None:
    import pypdfium2 as pdfium

    content = _report(world, period, "pdf")
    headings = {
        "1. Общие сведения",
        "2. Значения показателей и цели",
        "3. Рекомендации управлению образования",
        "4. Адресные рекомендации школам",
        "СОШ № 1",
        "ООШ № 2",
    }
    pdf = pdfium.PdfDocument(content)
    try:
        assert len(pdf) > 1
        for i in range(len(pdf)):
            lines = [ln.strip() for ln in pdf[i].get_textpage().get_text_range().splitlines() if ln.strip()]
            assert lines and lines[-1] not in headings, (i + 1, lines[-1])
    finally:
        pdf.close()
