"""Layout of a regional report sheet, decided from its content: where the header is, which column names the
school and the municipality, and which columns are each subject's metrics.

A ``Layout`` is what recognition finds and what a saved mapping preset stores (``to_mapping``/``from_mapping``):
the same object drives the reading of the rows (opora/readers/reports.py), whether it was recognised or marked
by a coordinator for a layout the recognition does not know.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from opora.readers.common import Grid, norm
from opora.readers.metrics import REGISTRATION, is_share_header, metric_of
from opora.readers.vocab import find_subject

__all__ = ["Block", "Layout", "column_letter", "header_signature", "recognise", "signature_at"]

_SEARCH_ROWS = 40
_MAX_HEADER_ROWS = 5


@dataclass(frozen=True)
class Block:
    """One subject's columns: ``columns`` maps a metric to its 0-based column; ``shares`` lists the metrics
    given in % rather than as counts; ``label`` is the subject as the file writes it."""

    subject: str
    label: str
    columns: dict[str, int]
    grade: int | None = None
    shares: tuple[str, ...] = ()


@dataclass(frozen=True)
class Layout:
    """Where things are in a sheet. Row indexes count ``grid.rows`` (0-based), columns are 0-based."""

    header_start: int
    header_end: int  # last header row (inclusive); data start after it
    school: int
    municipality: int | None = None
    code: int | None = None
    profile: int | None = None
    blocks: tuple[Block, ...] = ()
    unknown: tuple[tuple[int, str], ...] = ()  # header columns not understood: (column, header text)
    registrations: bool = False  # only registrations for the exam, no results
    procedure: str | None = None  # from the metrics (ЕГЭ's are its own), when the title says nothing
    source: str = "recognised"  # or the name of the mapping preset
    notes: tuple[str, ...] = field(default=())

    def to_mapping(self) -> dict[str, Any]:
        """The layout as JSON-able data, row indexes relative to the header's first row (a preset)."""
        return {
            "header_rows": self.header_end - self.header_start + 1,
            "school": self.school,
            "municipality": self.municipality,
            "code": self.code,
            "profile": self.profile,
            "blocks": [
                {
                    "subject": b.subject,
                    "label": b.label,
                    "grade": b.grade,
                    "columns": dict(b.columns),
                    "shares": list(b.shares),
                }
                for b in self.blocks
            ],
            "procedure": self.procedure,
        }

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any], *, start: int, source: str) -> Layout:
        rows = int(mapping.get("header_rows") or 1)
        blocks = tuple(
            Block(
                subject=str(b["subject"]),
                label=str(b.get("label") or b["subject"]),
                columns={str(k): int(v) for k, v in dict(b["columns"]).items()},
                grade=int(b["grade"]) if b.get("grade") else None,
                shares=tuple(str(s) for s in b.get("shares") or ()),
            )
            for b in mapping.get("blocks") or ()
        )
        opt = {k: (int(mapping[k]) if mapping.get(k) is not None else None) for k in ("municipality", "code")}
        return cls(
            header_start=start,
            header_end=start + rows - 1,
            school=int(mapping["school"]),
            municipality=opt["municipality"],
            code=opt["code"],
            profile=int(mapping["profile"]) if mapping.get("profile") is not None else None,
            blocks=blocks,
            procedure=mapping.get("procedure") or None,
            source=source,
        )


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: columns named as Excel names them."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


# --- header cells of the leading columns ---------------------------------------------------------------------


def _is_school_header(text: str) -> bool:
    key = norm(text)
    if not key or len(key) > 90 or _is_municipality_header(text):
        return False
    if key in ("оо", "оу", "школа", "наименование", "название", "оо школа", "ou"):
        return True
    starts = ("образовательн", "наименование", "название", "общеобразовательн", "полное наименование")
    return key.startswith(starts) and "муниципал" not in key.split()[0]


def _is_municipality_header(text: str) -> bool:
    key = norm(text)
    starts = ("муниципальн", "район", "территори", "городской округ", "муниципалитет", "наименование мо")
    first = key.split()[0] if key else ""
    return key.startswith(starts) or first in ("мо", "ато", "ате", "мр", "го", "моуо", "муо")


def _is_code_header(text: str) -> bool:
    return norm(text) in ("код оо", "код", "код школы", "логин оо", "код образовательной организации")


def _is_profile_header(text: str) -> bool:
    return norm(text).startswith("профиль")


def _is_aside_header(text: str) -> bool:
    """Leading columns read past: the number of graduates, the row number."""
    key = norm(text)
    return "выпускник" in key or key in ("п/п", "п п", "n", "n п/п", "№", "") or key.startswith("всего")


def _is_number_row(cells: Sequence[str | None]) -> bool:
    """«1 2 3 4 5 …»: the row numbering the columns."""
    values = [c for c in cells if c is not None]
    if len(values) < 3 or not all(re.fullmatch(r"\d{1,3}", v) for v in values):
        return False
    numbers = [int(v) for v in values]
    return numbers == list(range(numbers[0], numbers[0] + len(numbers))) and numbers[0] <= 2


_GRADE = re.compile(r"(\d{1,2})\s*(?:-?\s*(?:й|х|е|ые))?\s*(?:класс|кл\b|кл\.)", re.IGNORECASE)


def _grade_in(text: str) -> int | None:
    found = _GRADE.search(text)
    return int(found.group(1)) if found and 1 <= int(found.group(1)) <= 11 else None


def recognise(grid: Grid, *, subject: str | None = None) -> Layout | str:
    """The layout of a report sheet, or a Russian reason why none was recognised.

    ``subject`` (a code) is the subject of a sheet whose header names no subject (one subject per sheet, the
    subject in the title or given by the user).
    """
    rows = grid.rows[:_SEARCH_ROWS]
    start = None
    for index, (_, cells) in enumerate(rows):
        present = [c for c in cells if c]
        if len(present) >= 2 and any(_is_school_header(c) for c in present):
            start = index
            break
    if start is None:
        return (
            "не найдена строка заголовков со столбцом школы («Образовательная организация», «Наименование ОО», "
            "«ОО»)"
        )
    head = rows[start][1]
    school = next(p for p, c in enumerate(head) if c and _is_school_header(c))
    end = start
    for index in range(start + 1, min(start + _MAX_HEADER_ROWS, len(rows))):
        cells = rows[index][1]
        if _is_number_row(cells):
            end = index
            continue
        beside = [c for p, c in enumerate(cells) if c and p != school]
        if cells[school : school + 1] in ([], [None]) and any(
            metric_of(c) or find_subject(c) for c in beside
        ):
            end = index
            continue
        break
    header = [rows[i][1] for i in range(start, end + 1)]
    width = max(len(c) for c in header)
    texts = [[(cells[p] if p < len(cells) else None) for p in range(width)] for cells in header]
    numbering = [_is_number_row(cells) for cells in texts]

    def column_texts(p: int) -> list[str]:
        return [t[p] or "" for t, num in zip(texts, numbering, strict=True) if t[p] and not num]

    leading: dict[str, int] = {"school": school}
    for p in range(width):
        if p == school:
            continue
        for text in column_texts(p)[:1]:
            if _is_municipality_header(text) and "municipality" not in leading:
                leading["municipality"] = p
            elif _is_code_header(text) and "code" not in leading:
                leading["code"] = p
            elif _is_profile_header(text) and "profile" not in leading:
                leading["profile"] = p
            elif _is_aside_header(text) and not find_subject(text):
                leading[f"aside{p}"] = p
    taken = set(leading.values())
    # Subject rows: names in merged cells come back in the first cell of the span; fill them to the right.
    subject_rows = [
        i
        for i, t in enumerate(texts)
        if not numbering[i] and any(find_subject(c) for p, c in enumerate(t) if c and p not in taken)
    ]
    filled: dict[int, list[str | None]] = {}
    for i in subject_rows:
        current: str | None = None
        row: list[str | None] = []
        for p in range(width):
            if p in taken:
                current = None
            elif texts[i][p]:
                current = texts[i][p]
            row.append(None if p in taken else current)
        filled[i] = row
    blocks: dict[tuple[str, int | None, str], dict[int, str]] = {}
    shares: dict[tuple[str, int | None, str], list[str]] = {}
    unknown: list[tuple[int, str]] = []
    registrations = results = 0
    ege_metrics = False
    for p in range(width):
        if p in taken:
            continue
        label = next((filled[i][p] for i in subject_rows if filled[i][p]), None)
        code = find_subject(label) if label else subject
        own = [t for i, t in enumerate(texts) if not numbering[i] and i not in subject_rows and t[p]]
        own_texts = [t[p] or "" for t in own]
        metric = next((m for m in (metric_of(t) for t in reversed(own_texts)) if m), None)
        if metric is None and label and not own_texts:
            metric = metric_of(label)  # a one-column block: «Средний балл по русскому языку»
        shown = " / ".join(x for x in [label, *own_texts] if x)
        if not shown:
            continue
        if metric == REGISTRATION:
            registrations += 1
            continue
        if code is None or metric is None:
            unknown.append((p, shown))
            continue
        results += 1
        ege_metrics = ege_metrics or metric in ("n_below_min", "n_80_99", "n_100")
        key = (code, _grade_in(label or "") if label else None, label or code)
        if metric in blocks.setdefault(key, {}).values():
            unknown.append((p, shown + " (повтор)"))
            continue
        blocks[key][p] = metric
        if any(is_share_header(t) for t in own_texts) and metric.startswith("n_"):
            shares.setdefault(key, []).append(metric)
    made = tuple(
        Block(
            subject=code,
            label=label,
            grade=grade,
            columns={metric: p for p, metric in cols.items()},
            shares=tuple(shares.get((code, grade, label), ())),
        )
        for (code, grade, label), cols in blocks.items()
    )
    layout = Layout(
        header_start=start,
        header_end=end,
        school=school,
        municipality=leading.get("municipality"),
        code=leading.get("code"),
        profile=leading.get("profile"),
        blocks=made,
        unknown=tuple(unknown),
        registrations=registrations > 0 and results == 0,
        procedure="ege" if ege_metrics else None,
    )
    if not made and not layout.registrations:
        found = ", ".join(f"«{t}»" for _, t in unknown[:8]) or "нет"
        return (
            "в заголовке не распознаны предметы и показатели (например, «Русский язык» над «приняло участие», "
            f"«средний балл»); найдены столбцы: {found}"
        )
    return layout


def _signature_text(cells: Sequence[str | None]) -> str:
    return "|".join(re.sub(r"\b20\d\d\b", "", norm(c)) if c else "" for c in cells).rstrip("|")


def signature_at(grid: Grid, start: int, count: int) -> str:
    """The fingerprint of ``count`` header rows from ``start``: the same header (years aside) gives the same one."""
    rows = [cells for _, cells in grid.rows[start : start + count]]
    text = "\n".join(_signature_text(cells) for cells in rows)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def header_signature(grid: Grid, layout: Layout) -> str:
    return signature_at(grid, layout.header_start, layout.header_end - layout.header_start + 1)


def with_source(layout: Layout, source: str) -> Layout:
    return replace(layout, source=source)
