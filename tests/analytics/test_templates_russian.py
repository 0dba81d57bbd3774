"""Import templates speak Russian: no codes or English where a user looks (issue #17), and they read back."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from opora.readers import read_context, read_students, templates

LATIN_WORD = re.compile(r"\b[a-z_]{3,}\b")


def _headers(data: bytes) -> list[str]:
    wb = load_workbook(io.BytesIO(data))
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            texts += [str(v) for v in row if isinstance(v, str)]
    return texts


def test_the_xlsx_templates_have_no_codes_or_english() -> None:
    for build in (
        templates.results_template_xlsx,
        templates.risk_template_xlsx,
        lambda: templates.context_template_xlsx(None),
    ):
        texts = _headers(build())
        assert not [t for t in texts if LATIN_WORD.search(t) and "MNS" not in t], texts
    context = _headers(templates.context_template_xlsx(None))
    assert "ТЖС, %" in context and "ОВЗ, %" in context and "Состоят на учёте, %" in context
    results = _headers(templates.results_template_xlsx())
    assert "Русский язык" in results and "rus" not in results and "Не преодолели минимальный порог" in results


def test_the_student_template_has_russian_headers_and_reads_back() -> None:
    data = templates.students_template_csv()
    header = data.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Код участника;Код ОО;Процедура;Предмет") and not LATIN_WORD.search(header)
    out = read_students(data, filename="шаблон.csv")
    assert out.ok and out.frame is not None and out.frame["subject"][0] == "rus"


def test_the_context_template_reads_back() -> None:
    wb = load_workbook(io.BytesIO(templates.context_template_xlsx(None)))
    ws = wb.worksheets[0]
    ws.append(["S1", 2023, 10, 1, 2, 3, 4, 5, 6, 7, "нет", 600])
    buffer = io.BytesIO()
    wb.save(buffer)
    out = read_context(buffer.getvalue(), filename="контекст.xlsx")
    assert out.ok and out.frame is not None
    assert out.frame.select("tzhs_share", "registered_share").row(0) == (1.0, 3.0)
