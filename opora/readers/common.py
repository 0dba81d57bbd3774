"""Shared machinery of the readers: bytes → grid of strings → typed rows, with Russian row-level errors.

Every reader validates the whole file and returns either a frame (no errors) or the complete list of errors,
each naming the file, sheet, row (as Excel or a text editor numbers it), column (its header text) and reason.
No exception escapes for any input bytes (docs/import-formats.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

__all__ = [
    "MAX_ERRORS",
    "Column",
    "Grid",
    "ReadOutcome",
    "RowError",
    "decode_text",
    "load_grid",
    "load_grids",
    "never_raises",
    "norm",
    "number",
    "parse_table",
    "shown",
]

MAX_ERRORS = 200


@dataclass(frozen=True)
class RowError:
    """One problem in a file; ``row`` is 1-based as the user sees it, ``column`` the header text."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        parts = [f"Файл {self.file}"]
        if self.sheet:
            parts.append(f"лист «{self.sheet}»")
        if self.row is not None:
            parts.append(f"строка {self.row}")
        if self.column:
            parts.append(f"столбец «{self.column}»")
        return ", ".join(parts) + f": {self.message}"


@dataclass(frozen=True)
class ReadOutcome:
    """What a reader returns: a frame when the file is valid, otherwise ``frame`` is None and ``errors`` says why."""

    frame: pl.DataFrame | None
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    layout: str = ""
    #: What a reader of several layouts recognised (opora.readers.reports.Recognition), for the user.
    recognition: Any = None

    @property
    def ok(self) -> bool:
        return self.frame is not None and not self.errors


@dataclass(frozen=True)
class Grid:
    """A sheet as rows of stripped strings (None for empty cells) with their 1-based row numbers."""

    file: str
    sheet: str | None
    rows: list[tuple[int, list[str | None]]]


def norm(text: str) -> str:
    """Header text normalised for matching: lower case, ё→е, spaces and punctuation folded."""
    text = text.replace("\xa0", " ").replace("ё", "е").replace("Ё", "Е").lower().strip()
    text = re.sub(r"[«»\"'()\[\]:;.,%№#*]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def decode_text(data: bytes) -> str | None:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's «Текст Юникод») or Windows-1251; None otherwise."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return None
        return None if "\x00" in text else text
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "cp1251"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            return None
        return text
    return None


def _csv_grid(data: bytes, filename: str) -> Grid | RowError:
    text = decode_text(data)
    if text is None:
        return RowError(
            filename,
            None,
            None,
            None,
            "не удалось прочитать текст: ожидается CSV в кодировке UTF-8 или Windows-1251.",
        )
    sample = "\n".join(text.splitlines()[:20])
    counts = {sep: sample.count(sep) for sep in (",", ";", "\t")}
    delimiter = max(counts, key=lambda sep: counts[sep])
    rows: list[tuple[int, list[str | None]]] = []
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
            rows.append((number, [c.strip() or None for c in cells]))
    except csv.Error as error:
        return RowError(filename, None, None, None, f"файл CSV повреждён: {error}.")
    return Grid(filename, None, rows)


def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _xlsx_grids(data: bytes, filename: str) -> list[Grid] | RowError:
    # openpyxl keeps the sheet's real row numbers (calamine drops leading empty rows), which the errors need.
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        return RowError(
            filename, None, None, None, "не удалось открыть файл Excel: он повреждён или это не XLSX."
        )
    grids = []
    try:
        for ws in wb.worksheets:
            rows = []
            for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
                rows.append((number, [_cell_text(v) for v in values]))
            grids.append(Grid(filename, ws.title, rows))
    except Exception:
        return RowError(filename, None, None, None, "не удалось прочитать лист Excel: файл повреждён.")
    finally:
        wb.close()
    return grids


def _calamine_grids(data: bytes, filename: str) -> list[Grid] | RowError:
    import fastexcel

    try:
        reader = fastexcel.read_excel(data)
        grids = []
        for name in reader.sheet_names:
            frame = reader.load_sheet(name, header_row=None, dtypes="string").to_polars()
            rows = [(i, [_cell_text(v) for v in row]) for i, row in enumerate(frame.rows(), start=1)]
            grids.append(Grid(filename, name, rows))
        return grids
    except Exception:
        return RowError(
            filename,
            None,
            None,
            None,
            "не удалось открыть таблицу: файл повреждён или формат не поддерживается.",
        )


def load_grids(data: bytes, filename: str) -> list[Grid] | RowError:
    """Every non-empty sheet of a CSV/XLSX/XLS/ODS file (a CSV is one sheet)."""
    lower = filename.lower()
    if not data:
        return RowError(filename, None, None, None, "файл пустой.")
    if lower.endswith(".csv") or lower.endswith(".txt"):
        grid = _csv_grid(data, filename)
        return grid if isinstance(grid, RowError) else [grid]
    if lower.endswith(".xlsx") or lower.endswith(".xlsm"):
        grids = _xlsx_grids(data, filename)
    elif lower.endswith(".xls") or lower.endswith(".ods"):
        grids = _calamine_grids(data, filename)
    else:
        return RowError(filename, None, None, None, "поддерживаются файлы CSV, XLSX, XLS и ODS.")
    if isinstance(grids, RowError):
        return grids
    non_empty = [g for g in grids if any(any(c for c in cells) for _, cells in g.rows)]
    if not non_empty:
        return RowError(filename, None, None, None, "в файле нет данных: все листы пустые.")
    return non_empty


def load_grid(data: bytes, filename: str, *, wanted: Callable[[Grid], bool] | None = None) -> Grid | RowError:
    """The first sheet (or the first for which ``wanted`` is true) of a CSV/XLSX/XLS/ODS file."""
    grids = load_grids(data, filename)
    if isinstance(grids, RowError):
        return grids
    if wanted is not None:
        for grid in grids:
            if wanted(grid):
                return grid
    return grids[0]


# --- typed columns -------------------------------------------------------------------------------------------


def shown(text: str, limit: int = 60) -> str:
    """A cell's text for an error message: a 10,000-character cell is cut, not quoted whole."""
    return text if len(text) <= limit else text[:limit] + "…"


# The exponent is for numbers Excel stores as floats (a cell 0,0000001 is read back as «1e-07»).
_NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?([eE][+-]?\d{1,3})?$")


def _number(text: str) -> float | None:
    """A finite number from text: spaces, non-breaking spaces, a decimal comma and a trailing % are accepted."""
    cleaned = text.replace("\xa0", "").replace(" ", "").replace("\u202f", "")
    if cleaned.endswith("%"):
        cleaned = cleaned[:-1]
    if len(cleaned) > 40 or not _NUMBER.match(cleaned):
        return None
    value = float(cleaned.replace(",", "."))
    return value if math.isfinite(value) else None


def number(text: str) -> float | None:
    """A finite number from a cell's text (spaces, a decimal comma and a trailing % accepted), else None."""
    if text.isdigit() and len(text) < 16 and text.isascii():
        return float(text)  # the common case of a report's cells, without the regular expression
    return _number(text)


def to_int(text: str) -> tuple[Any, str | None]:
    value = None if "%" in text else _number(text)
    if value is None or not value.is_integer():
        return None, f"ожидалось целое число, получено «{shown(text)}»"
    return int(value), None


def to_float(text: str) -> tuple[Any, str | None]:
    value = _number(text)
    if value is None:
        return None, f"ожидалось число, получено «{shown(text)}»"
    return value, None


_TRUE = {"да", "1", "true", "истина", "yes", "+", "есть"}
_FALSE = {"нет", "0", "false", "ложь", "no", "-", "отсутствует"}


def to_bool(text: str) -> tuple[Any, str | None]:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True, None
    if lowered in _FALSE:
        return False, None
    return None, f"ожидалось «да» или «нет», получено «{shown(text)}»"


def to_date(text: str) -> tuple[Any, str | None]:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y", "%Y-%m-%dT%H:%M:%S"):
        try:
            return dt.datetime.strptime(text.strip(), fmt).date(), None
        except ValueError:
            continue
    return None, f"ожидалась дата ДД.ММ.ГГГГ, получено «{shown(text)}»"


def to_str(text: str) -> tuple[Any, str | None]:
    return text.strip(), None


@dataclass(frozen=True)
class Column:
    """A column of a layout: canonical name, header aliases, parser, whether required, allowed range."""

    name: str
    aliases: tuple[str, ...]
    parse: Callable[[str], tuple[Any, str | None]]
    required: bool = False
    low: float | None = None
    high: float | None = None
    label: str = ""

    def matches(self, header: str) -> bool:
        h = norm(header)
        return h == norm(self.name) or any(h == norm(a) for a in self.aliases)


def _match(
    cells: Sequence[str | None], columns: Sequence[Column], skip: Mapping[int, Column]
) -> dict[int, Column]:
    mapping: dict[int, Column] = {}
    taken = set(skip.values())
    for pos, cell in enumerate(cells):
        if cell is None or pos in skip:
            continue
        for column in columns:
            if column not in taken and column not in mapping.values() and column.matches(cell):
                mapping[pos] = column
                break
    return mapping


def find_header(
    grid: Grid, columns: Sequence[Column], *, min_hits: int = 2, search_rows: int = 30
) -> tuple[int, dict[int, Column], list[str | None]] | None:
    """The header: index (in grid.rows) of its last row, the column of each position and the header texts.

    A header may span two rows, as in ФИС ОКО exports: «Распределение отметок» merged over «2», «3», «4»,
    «5» in the row below, and the other headers merged down (openpyxl gives their text in the upper row and
    empty cells under them). The second row's headers fill the positions the first row left unmatched.
    """
    best: tuple[int, dict[int, Column], list[str | None]] | None = None
    rows = grid.rows[:search_rows]
    for index, (_, cells) in enumerate(rows):
        mapping = _match(cells, columns, {})
        candidates = [(index, mapping, list(cells))]
        if index + 1 < len(rows) and mapping:
            below = rows[index + 1][1]
            # Only under cells merged down (empty below every matched header), so a data row is never taken.
            merged_down = all(pos >= len(below) or below[pos] is None for pos in mapping)
            extra = _match(below, columns, mapping) if merged_down else {}
            if len(extra) >= 2:
                merged = list(cells) + [None] * max(0, len(below) - len(cells))
                for pos in extra:
                    merged[pos] = below[pos]
                candidates.append((index + 1, {**mapping, **extra}, merged))
        for candidate in candidates:
            hits = len(candidate[1])
            if hits >= min_hits and (best is None or hits > len(best[1])):
                best = candidate
    return best


def parse_table(
    grid: Grid,
    columns: Sequence[Column],
    *,
    schema: Mapping[str, Any] | pl.Schema,
    defaults: Mapping[str, Any] | None = None,
    key: Sequence[str] = (),
    check_row: Callable[[dict[str, Any]], list[tuple[str | None, str]]] | None = None,
) -> ReadOutcome:
    """Parse every data row under the header; collect all errors; a frame only when there are none."""
    errors: list[RowError] = []
    warnings: list[RowError] = []
    found = find_header(grid, columns)
    if found is None:
        expected = ", ".join(
            f"«{c.label or c.aliases[0] if c.aliases else c.name}»" for c in columns if c.required
        )
        return ReadOutcome(
            None,
            [
                RowError(
                    grid.file,
                    grid.sheet,
                    None,
                    None,
                    f"не найдена строка заголовков. Ожидаются столбцы: {expected}.",
                )
            ],
        )
    header_index, mapping, header_cells = found
    header_row = grid.rows[header_index][0]
    defaults = dict(defaults or {})
    present = {c.name for c in mapping.values()}
    missing = [c for c in columns if c.required and c.name not in present and c.name not in defaults]
    if missing:
        names = ", ".join(f"«{c.label or (c.aliases[0] if c.aliases else c.name)}»" for c in missing)
        found_names = ", ".join(f"«{h}»" for h in header_cells if h)
        return ReadOutcome(
            None,
            [
                RowError(
                    grid.file,
                    grid.sheet,
                    header_row,
                    None,
                    f"нет обязательных столбцов: {names}. Найдены столбцы: {found_names}.",
                )
            ],
        )
    known = set(mapping)
    for pos, cell in enumerate(header_cells):
        if cell and pos not in known:
            warnings.append(
                RowError(grid.file, grid.sheet, header_row, cell, "столбец не распознан и пропущен.")
            )
    records: list[dict[str, Any]] = []
    seen: dict[tuple[Any, ...], int] = {}
    for number, cells in grid.rows[header_index + 1 :]:
        if not any(cells):
            continue
        record: dict[str, Any] = {c.name: defaults.get(c.name) for c in columns}
        row_errors: list[RowError] = []
        for pos, column in mapping.items():
            text = cells[pos] if pos < len(cells) else None
            header = header_cells[pos] or column.name
            if text is None:
                if column.required and column.name not in defaults:
                    row_errors.append(
                        RowError(
                            grid.file, grid.sheet, number, header, "пустое значение в обязательном столбце."
                        )
                    )
                continue
            value, problem = column.parse(text)
            if problem is None and isinstance(value, int | float) and not isinstance(value, bool):
                if column.low is not None and value < column.low:
                    problem = f"значение {shown(text)} меньше допустимого ({_fmt(column.low)})"
                elif column.high is not None and value > column.high:
                    problem = f"значение {shown(text)} больше допустимого ({_fmt(column.high)})"
            if problem:
                row_errors.append(RowError(grid.file, grid.sheet, number, header, problem + "."))
            else:
                record[column.name] = value
        if not row_errors and check_row is not None:
            for col, problem in check_row(record):
                named = next((header_cells[p] for p, c in mapping.items() if c.name == col), None)
                row_errors.append(RowError(grid.file, grid.sheet, number, named or col, problem))
        if not row_errors and key:
            k = tuple(record.get(name) for name in key)
            if k in seen:
                row_errors.append(
                    RowError(
                        grid.file,
                        grid.sheet,
                        number,
                        None,
                        f"строка повторяет строку {seen[k]} (те же {', '.join(key)}).",
                    )
                )
            else:
                seen[k] = number
        errors.extend(row_errors)
        records.append(record)
        if len(errors) > MAX_ERRORS:
            break
    if errors:
        return ReadOutcome(None, _capped(errors, grid), warnings)
    if not records:
        return ReadOutcome(
            None,
            [RowError(grid.file, grid.sheet, None, None, "под заголовком нет строк с данными.")],
            warnings,
        )
    frame = pl.DataFrame(records, schema=schema, orient="row", strict=False)
    return ReadOutcome(frame, [], warnings)


def _capped(errors: list[RowError], grid: Grid) -> list[RowError]:
    if len(errors) <= MAX_ERRORS:
        return errors
    rest = len(errors) - MAX_ERRORS
    return [
        *errors[:MAX_ERRORS],
        RowError(
            grid.file,
            grid.sheet,
            None,
            None,
            f"… и ещё ошибки (не менее {rest}); исправьте показанные и загрузите снова.",
        ),
    ]


def _fmt(value: float) -> str:
    return (f"{value:g}").replace(".", ",")


def never_raises(read: Callable[..., ReadOutcome]) -> Callable[..., ReadOutcome]:
    """The readers' contract: for any bytes, an outcome — an unexpected failure becomes a Russian error."""

    @functools.wraps(read)
    def wrapper(data: bytes, *args: Any, filename: str, **kwargs: Any) -> ReadOutcome:
        try:
            return read(data, *args, filename=filename, **kwargs)
        except Exception as error:
            message = f"не удалось разобрать файл ({type(error).__name__})."
            return ReadOutcome(None, [RowError(filename, None, None, None, message)])

    return wrapper
