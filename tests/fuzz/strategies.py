"""Shared generators of the fuzz tests: broken files, encodings, layouts and bad cell texts (issue #8)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from openpyxl import Workbook

#: Bounded runs: the whole fuzz suite stays under ~90 s on SQLite; derandomized so CI is reproducible.
FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)
FEW = settings(FUZZ, max_examples=12)
#: Tests that build and save a workbook and touch the database on every example.
DB = settings(FUZZ, max_examples=20)

CYRILLIC = re.compile(r"[А-Яа-яЁё]")

#: Texts a user types (or Excel leaves) in a number column.
BAD_NUMBERS = (
    "н/я",
    "—",
    "-",
    "нет данных",
    "12,5%",
    "1e400",
    "-1e400",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "9" * 40,
    "1.2.3",
    "12 и 5",
    "x" * 10_000,
    "=SUM(A1:A3)",
    "#ДЕЛ/0!",
)
#: Absurd but numeric values.
ABSURD_NUMBERS = ("-5", "-0,5", "1900", "3000", "100000", "250,5", "99999999999999999999")


def xlsx(rows: Sequence[Sequence[Any]], *, title: str = "Лист1", extra_sheets: Sequence[str] = ()) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    for row in rows:
        ws.append(list(row))
    for name in extra_sheets:
        wb.create_sheet(name)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows: Sequence[Sequence[Any]], *, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if c is None else c for c in row])
    return buf.getvalue().encode(encoding)


def zip_not_xlsx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "это не книга Excel")
    return buf.getvalue()


def xlsx_with_broken_sheet(rows: Sequence[Sequence[Any]]) -> bytes:
    """A valid package whose sheet XML is cut: openpyxl opens it (read-only is lazy) and fails on reading."""
    good = xlsx(rows)
    src = zipfile.ZipFile(io.BytesIO(good))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            out.writestr(item, data)
    return buf.getvalue()


@st.composite
def junk_files(draw: st.DrawFn, valid: bytes) -> bytes:
    """Bytes that are not a readable table: random, empty, NULs, a truncated valid file, a zip that is not
    XLSX, a package with a damaged sheet."""
    kind = draw(st.sampled_from(["random", "empty", "nul", "truncated", "zip", "broken_sheet", "pk"]))
    if kind == "random":
        return draw(st.binary(min_size=1, max_size=3000))
    if kind == "empty":
        return b""
    if kind == "nul":
        return b"\x00" * draw(st.integers(1, 500))
    if kind == "truncated":
        # A fraction, not a length: the draw must not depend on the bytes (an XLSX embeds the time of saving).
        return valid[: len(valid) * draw(st.integers(0, 999)) // 1000]
    if kind == "zip":
        return zip_not_xlsx()
    if kind == "pk":
        return b"PK\x03\x04" + draw(st.binary(max_size=500))
    return xlsx_with_broken_sheet([["a", "b"], [1, 2]])


def bad_cell() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(BAD_NUMBERS), st.sampled_from(ABSURD_NUMBERS))


def assert_russian_naming(errors: Sequence[Any], filename: str) -> None:
    """Every error is Russian and names the file; none is the catch-all for an unexpected exception."""
    assert errors, "a rejected file must say why"
    for error in errors:
        text = str(error)
        assert filename in text, text
        assert CYRILLIC.search(text), text
        assert "не удалось разобрать файл (" not in text, text


#: A number written into a sheet and then replaced by raw XML text (see ``patch_numbers``).
MARKER = 123456789.125


def patch_numbers(content: bytes, raw: str) -> bytes:
    """Replace every cell holding ``MARKER`` by the raw text ``raw`` (e.g. «1e999», read back as infinity):
    openpyxl never writes such numbers, a hand-made or foreign XLSX may."""
    src = zipfile.ZipFile(io.BytesIO(content))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(f"<v>{MARKER}</v>".encode(), f"<v>{raw}</v>".encode())
            out.writestr(item, data)
    return buf.getvalue()
