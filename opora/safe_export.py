"""Formula injection: the one place every XLSX/CSV export of the product neutralises text a spreadsheet would run.

Text typed by someone (a school's link, a teacher's name, an audit entry) that starts with ``=``, ``+``, ``-`` or
``@`` (or a tab or carriage return) is a formula to Excel and LibreOffice: ``=HYPERLINK(...)`` in a school name
runs when the coordinator opens the export (OWASP «CSV injection»). Every exporter writes through here:

* **XLSX** — :func:`workbook_bytes` saves a workbook after :func:`neutralise_workbook`: such a cell is stored as
  text with Excel's «quote prefix» (as if typed with a leading apostrophe), so it shows and re-imports exactly as
  typed but is never evaluated, also after the user edits it; a cell openpyxl took for a formula (a string starting
  with ``=``) becomes that text again. Numbers, dates and booleans are left alone.
* **CSV** — :func:`csv_rows` prefixes such text with an apostrophe, the usual defence for a format that has no
  cell types (the apostrophe is visible in a text editor; spreadsheets hide it).
* **polars** frames written as CSV (the ``opora`` command) — :func:`neutralise_frame`.

The exports are walked by ``tests/test_safe_export.py`` (hostile text in every user-editable field, then every
cell of every sheet checked), which also fails when a module writes a workbook or a CSV without this module.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl
from openpyxl import Workbook

__all__ = [
    "FORMULA_STARTS",
    "csv_cell",
    "csv_rows",
    "is_formula_like",
    "neutralise_frame",
    "neutralise_workbook",
    "workbook_bytes",
]

#: Characters that make a spreadsheet treat a cell's text as a formula (or a DDE command).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: object) -> bool:
    """Whether ``value`` is text a spreadsheet would evaluate."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value: Any) -> Any:
    """One CSV field: formula-like text gets a leading apostrophe; anything else is returned unchanged."""
    return f"'{value}" if is_formula_like(value) else value


def csv_rows(rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    """Rows for ``csv.writer`` with every formula-like text neutralised."""
    return [[csv_cell(value) for value in row] for row in rows]


def neutralise_workbook(workbook: Workbook) -> Workbook:
    """Make every formula-like text cell of every sheet plain text with the quote prefix; returns ``workbook``.

    The product writes no formulas of its own, so a formula cell can only be text someone typed.
    """
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if cell.data_type == "f" or is_formula_like(value):
                    text = value if isinstance(value, str) else str(value)
                    cell.value = text
                    cell.data_type = "s"  # text, whatever openpyxl guessed from a leading «=»
                    cell.quotePrefix = True  # Excel keeps it text, also after an edit
    return workbook


def workbook_bytes(workbook: Workbook, *, reproducible: bool = False) -> bytes:
    """The workbook as XLSX bytes, neutralised: the way every export saves a workbook.

    ``reproducible``: the same workbook gives the same bytes on every run (the identification's outputs,
    issue #16): the document's creation and change times and every archive entry's time are fixed instead of
    the current time that ``Workbook.save`` stamps.
    """
    neutralise_workbook(workbook)
    buffer = io.BytesIO()
    if not reproducible:
        workbook.save(buffer)
        return buffer.getvalue()
    from openpyxl.writer.excel import ExcelWriter

    workbook.properties.created = _FIXED_TIME
    workbook.properties.modified = _FIXED_TIME
    ExcelWriter(workbook, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    return _fixed_zip_times(buffer.getvalue())


_FIXED_TIME = dt.datetime(2000, 1, 1, 0, 0, 0)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _fixed_zip_times(data: bytes) -> bytes:
    """The same archive with every entry's time set to 1980-01-01 (openpyxl stamps the current time)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            item = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            item.compress_type = zipfile.ZIP_DEFLATED
            item.external_attr = info.external_attr
            dst.writestr(item, src.read(info.filename))
    return out.getvalue()


def neutralise_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """A frame for CSV output with formula-like text in its string columns prefixed with an apostrophe."""
    pattern = "^[" + "".join("\\" + c if c in "-+" else c for c in FORMULA_STARTS) + "]"
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(pattern))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    )
