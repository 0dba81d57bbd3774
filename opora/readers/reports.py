"""Regional report files (ЕГЭ/ОГЭ/ВПР/КДР results by school, as ministries, ЦОКО/РЦОИ send them) → the canonical
long table: one row per school × procedure × subject × grade × year, the school and municipality as the file
names them (they are reconciled with the registry afterwards: opora/readers/names.py, portal/results).

Every sheet is read on its own (one sheet per year is usual): its layout is recognised from the content
(opora/readers/layout.py) or taken from a saved mapping preset with the same header; the year comes from the
sheet's name or its title block, the procedure from the title, the sheet's name or its metrics. Rows that are
not schools (totals, subtotals, a municipality's own row, which names the municipality of the rows below it) are
left out and counted; a subject a school did not sit (empty, «X», «—», or 0 in every cell) gives no row;
implausible values (more 100-scorers than participants…) are warnings naming the row and column, and the value is
not used. Text where a number belongs is an error: the file is refused as a whole (docs/import-formats.md §7).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from opora.readers.common import (
    MAX_ERRORS,
    Grid,
    ReadOutcome,
    RowError,
    load_grids,
    never_raises,
    norm,
    number,
    shown,
)
from opora.readers.layout import Block, Layout, column_letter, recognise, signature_at
from opora.readers.metrics import COUNT_METRICS, METRIC_LABELS, PLACEHOLDERS
from opora.readers.names import municipality_key, school_key
from opora.readers.vocab import SUBJECTS, find_subject, procedure_code
from opora.schema import RESULTS_SCHEMA

__all__ = ["REPORT_SCHEMA", "Preset", "Recognition", "SheetRead", "read_report"]

#: The canonical results columns plus where each row came from (names as in the file).
REPORT_SCHEMA = pl.Schema(
    [
        *RESULTS_SCHEMA.items(),
        ("school_name", pl.String()),
        ("municipality", pl.String()),
        ("profile", pl.String()),
        ("sheet", pl.String()),
        ("row", pl.Int32()),
    ]
)
#: More participants than this in one school and subject is not a school's count (a total, or a typing slip);
#: it also keeps counts within the 32-bit columns of the canonical table.
MAX_PARTICIPANTS = 100_000
_PROCEDURE_LABELS = {"vpr": "ВПР", "oge": "ОГЭ", "ege": "ЕГЭ", "kdr": "КДР"}
_DEFAULT_GRADE = {"ege": 11, "oge": 9}
_TOTAL_WORDS = (
    "итого",
    "всего",
    "в целом",
    "среднее",
    "средний по",
    "по региону",
    "по краю",
    "по области",
    "по республике",
    "по округу",
    "по рф",
    "российская федерация",
    "в среднем",
)
_SCHOOL_WORDS = re.compile(
    r"школ|сош|оош|нош|лицей|гимнази|учрежден|\w*оу\b|кадетск|интернат|центр образования|\bцо\b|\bсш\b"
)
_MUNICIPALITY_WORDS = re.compile(r"район|округ|\bг\.|город|муниципал|поселени|\bмо\b|\bго\b|\bмр\b")


@dataclass(frozen=True)
class Preset:
    """A mapping a coordinator saved for a layout recognition does not know: applied to a sheet whose header
    rows have the same ``signature`` (opora/readers/layout.py: ``signature_at``)."""

    name: str
    signature: str
    mapping: Mapping[str, Any]


@dataclass
class SheetRead:
    """What was read from one sheet."""

    sheet: str
    year: int
    procedure: str
    source: str
    header_rows: tuple[int, int]
    subjects: list[str]
    schools: int
    rows: int


@dataclass
class Recognition:
    """What the reader recognised, for the coordinator and the command line."""

    sheets: list[SheetRead] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    left_out: Counter[str] = field(default_factory=Counter)
    unrecognised: list[tuple[str, Layout | None, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The summary in Russian, one line per fact (counts through opora.plural)."""
        from opora.plural import count

        out = ["Формат: отчёт по школам (школы по строкам, предметы — блоками столбцов)."]
        for s in self.sheets:
            how = "распознан" if s.source == "recognised" else f"по шаблону сопоставления «{s.source}»"
            subjects = ", ".join(_subject_label(c) for c in s.subjects)
            first, last = s.header_rows
            where = f"в строке {first}" if first == last else f"в строках {first}–{last}"
            out.append(
                f"Лист «{s.sheet}»: {_PROCEDURE_LABELS.get(s.procedure, s.procedure)} {s.year}, заголовок "
                f"{where} ({how}); "
                f"{count(len(s.subjects), 'предмет', 'предмета', 'предметов')} ({subjects}); "
                f"{count(s.schools, 'школа', 'школы', 'школ')}; {count(s.rows, 'строка', 'строки', 'строк')}."
            )
        for sheet, reason in self.skipped:
            out.append(f"Лист «{sheet}» пропущен: {reason}.")
        for reason, n in sorted(self.left_out.items()):
            out.append(f"Не загружаются — {reason}: {n}.")
        return out


def _subject_label(code: str) -> str:
    names = SUBJECTS.get(code)
    return names[0].capitalize() if names else code


def _title(grid: Grid, before: int) -> str:
    return " ".join(c for _, cells in grid.rows[:before] for c in cells if c)


def _year_in(text: str) -> int | None:
    found = re.findall(r"(?<!\d)(20[1-3]\d)(?!\d)", text)
    return int(found[-1]) if found else None


def _procedure_in(text: str) -> str | None:
    for word in norm(text).replace("-", " - ").replace(" - ", "-").split():
        code, _ = procedure_code(word)
        if code:
            return code
    lowered = text.lower()
    if "гиа-11" in lowered or "гиа 11" in lowered:
        return "ege"
    if "гиа-9" in lowered or "гиа 9" in lowered:
        return "oge"
    return None


def _is_placeholder(text: str | None) -> bool:
    return text is None or text.strip().lower() in PLACEHOLDERS


def _find_preset(grid: Grid, presets: Sequence[Preset]) -> Layout | None:
    for preset in presets:
        count = int(preset.mapping.get("header_rows") or 1)
        for start in range(min(40, len(grid.rows))):
            if signature_at(grid, start, count) == preset.signature:
                return Layout.from_mapping(preset.mapping, start=start, source=preset.name)
    return None


def _row_kind(school: str | None, municipality: str | None, has_municipality_column: bool) -> str:
    """school | municipality | total for one data row."""
    for text in (school, municipality):
        if text:
            key = norm(text)
            if key.startswith(_TOTAL_WORDS) or " итого" in f" {key}":
                return "total"
    if school is None:
        return "municipality" if municipality else "empty"
    if number(school) is not None:
        return "total"  # a stray number in the school column of a total row
    if not has_municipality_column:
        lowered = school.lower()
        if not _SCHOOL_WORDS.search(lowered) and _MUNICIPALITY_WORDS.search(lowered):
            return "municipality"
    return "school"


@dataclass
class _Sheet:
    grid: Grid
    layout: Layout
    year: int
    procedure: str
    grade: int | None


class _Rows:
    """Reads the data rows of one sheet with its layout into records, errors and warnings."""

    def __init__(self, sheet: _Sheet, errors: list[RowError], warnings: list[RowError], left: Counter[str]):
        self.s, self.errors, self.warnings, self.left = sheet, errors, warnings, left
        self.header = self._header_texts()

    def _header_texts(self) -> dict[int, str]:
        out: dict[int, str] = {}
        for block in self.s.layout.blocks:
            for metric, p in block.columns.items():
                out[p] = f"{block.label}: {METRIC_LABELS.get(metric, metric)} ({column_letter(p)})"
        return out

    def _problem(self, row: int, p: int | None, message: str, *, error: bool = False) -> None:
        g = self.s.grid
        column = self.header.get(p, column_letter(p)) if p is not None else None
        (self.errors if error else self.warnings).append(RowError(g.file, g.sheet, row, column, message))

    def read(self) -> list[dict[str, Any]]:
        lay, g = self.s.layout, self.s.grid
        records: list[dict[str, Any]] = []
        municipality: str | None = None
        seen: dict[tuple[str, str, str, int | None], int] = {}
        for row, cells in g.rows[lay.header_end + 1 :]:
            if len(self.errors) > MAX_ERRORS:
                break
            school = cells[lay.school] if lay.school < len(cells) else None
            muni = (
                cells[lay.municipality]
                if lay.municipality is not None and lay.municipality < len(cells)
                else None
            )
            kind = _row_kind(school, muni, lay.municipality is not None)
            if kind == "empty":
                if any(cells):
                    self.left["строки без названия школы"] += 1
                continue
            if kind == "total":
                self.left["итоговые и промежуточные строки («итого», «всего»)"] += 1
                continue
            if kind == "municipality":
                municipality = muni or school
                self.left["строки муниципалитетов (над их школами)"] += 1
                continue
            assert school is not None
            municipality = muni or municipality
            code = cells[lay.code] if lay.code is not None and lay.code < len(cells) else None
            profile = cells[lay.profile] if lay.profile is not None and lay.profile < len(cells) else None
            for block in lay.blocks:
                record = self._block(row, cells, block)
                if record is None:
                    continue
                grade = block.grade or self.s.grade
                key = (municipality_key(municipality or ""), school_key(school), block.subject, grade)
                if key in seen:
                    self._problem(
                        row,
                        block.columns.get("n"),
                        f"школа «{shown(school)}» и предмет «{block.label}» уже были в строке {seen[key]}: "
                        "строки одной школы не складываются — оставьте одну.",
                        error=True,
                    )
                    continue
                seen[key] = row
                record |= {
                    "school_id": code,
                    "procedure": self.s.procedure,
                    "subject": block.subject,
                    "grade": grade,
                    "grade_program": grade,
                    "year": self.s.year,
                    "school_name": school,
                    "municipality": municipality,
                    "profile": profile,
                    "sheet": g.sheet,
                    "row": row,
                }
                records.append(record)
        return records

    def _block(self, row: int, cells: Sequence[str | None], block: Block) -> dict[str, Any] | None:
        values: dict[str, float | None] = {}
        bad = False
        for metric, p in block.columns.items():
            text = cells[p] if p < len(cells) else None
            if _is_placeholder(text):
                values[metric] = None
                continue
            assert text is not None
            value = number(text)
            if value is None:
                self._problem(row, p, f"ожидалось число, «X» или «—», получено «{shown(text)}».", error=True)
                bad = True
                continue
            if value < 0:
                self._problem(row, p, f"отрицательное значение {shown(text)}.", error=True)
                bad = True
                continue
            values[metric] = round(value, 6)  # 71.540000000000006 → 71.54
        if bad:
            return None
        if all(v in (None, 0) for v in values.values()):
            self.left["предметы, которые школа не сдавала (пусто, «X», «—» или нули)"] += 1
            return None
        n = values.get("n")
        if not n:
            self._problem(
                row,
                block.columns.get("n", next(iter(block.columns.values()))),
                f"«{block.label}»: нет числа участников, а другие значения есть — предмет этой школы не загружен.",
            )
            self.left["предметы без числа участников (см. предупреждения)"] += 1
            return None
        if not float(n).is_integer():
            self._problem(row, block.columns["n"], f"число участников {n:g} — не целое.", error=True)
            return None
        if n > MAX_PARTICIPANTS:
            self._problem(
                row,
                block.columns["n"],
                f"число участников {int(n)} — больше, чем бывает в одной школе (не более "
                f"{MAX_PARTICIPANTS // 1000} тыс.): проверьте, не попала ли сюда сумма.",
                error=True,
            )
            return None
        return self._checked(row, block, int(n), values)

    def _checked(self, row: int, block: Block, n: int, values: dict[str, float | None]) -> dict[str, Any]:
        out: dict[str, Any] = {"n": n}
        cols = block.columns
        for metric in COUNT_METRICS:
            v = values.get(metric)
            if v is None:
                continue
            if metric in block.shares:
                if v > 100:
                    self._problem(row, cols[metric], f"доля {v:g} % больше 100 %: значение не использовано.")
                    continue
                v = round(n * v / 100)
            elif not float(v).is_integer():
                self._problem(row, cols[metric], f"ожидалось целое число, получено {v:g}.", error=True)
                continue
            if v > n:
                self._problem(
                    row,
                    cols[metric],
                    f"значение {int(v)} больше числа участников ({n}): значение не использовано.",
                )
                continue
            out[metric] = int(v)
        marks = [out.get(f"n_{k}") for k in (2, 3, 4, 5)]
        if all(m is not None for m in marks) and sum(m or 0 for m in marks) != n:
            if (
                any(f"n_{k}" in block.shares for k in (2, 3, 4, 5))
                and abs(sum(m or 0 for m in marks) - n) <= 2
            ):
                largest = max(
                    range(4), key=lambda i: marks[i] or 0
                )  # rounding of shares: the largest absorbs it
                out[f"n_{largest + 2}"] += n - sum(m or 0 for m in marks)
            else:
                self._problem(
                    row,
                    cols["n_2"],
                    f"сумма отметок ({sum(m or 0 for m in marks)}) не равна числу участников ({n}): "
                    "отметки не использованы.",
                )
                for k in (2, 3, 4, 5):
                    out.pop(f"n_{k}", None)
        ege = [out.get(k) for k in ("n_below_min", "n_80_99", "n_100")]
        if sum(v or 0 for v in ege) > n:
            self._problem(
                row,
                cols.get("n_80_99", cols.get("n_100")),
                f"не преодолели порог, 80–99 и 100 баллов вместе ({sum(v or 0 for v in ege)}) — больше числа "
                f"участников ({n}): эти значения не использованы.",
            )
            for name in ("n_below_min", "n_80_99", "n_100"):
                out.pop(name, None)
        self._means(row, block, values, out)
        return out

    def _means(self, row: int, block: Block, values: dict[str, float | None], out: dict[str, Any]) -> None:
        cols = block.columns
        n = out["n"]
        mean = values.get("mean_score")
        base = block.subject == "math_base"
        if mean is not None and base:
            # Базовая математика is marked on the five-point scale: its «средний балл» is a mark (4,21).
            if 2 <= mean <= 5:
                out["mean_mark"] = mean
            else:
                self._problem(
                    row,
                    cols["mean_score"],
                    f"средний балл базовой математики {mean:g} — не отметка 2–5: не использован.",
                )
        elif mean is not None:
            limit = 100
            if mean > limit:
                self._problem(
                    row, cols["mean_score"], f"средний балл {mean:g} больше {limit}: не использован."
                )
            elif self.s.procedure == "ege" and out.get("n_100") == n and mean != 100:
                self._problem(
                    row, cols["mean_score"], f"все участники получили 100 баллов, а средний балл {mean:g}."
                )
                out["mean_score"] = mean
            else:
                out["mean_score"] = mean
        mark = values.get("mean_mark")
        if mark is not None:
            if 2 <= mark <= 5:
                out["mean_mark"] = mark
            else:
                self._problem(row, cols["mean_mark"], f"средняя отметка {mark:g} вне 2–5: не использована.")
        pct = values.get("mean_pct")
        if pct is not None:
            if pct <= 100:
                out["mean_pct"] = pct
            else:
                self._problem(
                    row, cols["mean_pct"], f"процент выполнения {pct:g} больше 100: не использован."
                )
        passed = values.get("pass_share")
        if passed is not None and "n_2" not in out:
            if passed <= 100:
                out["n_2"] = n - round(n * passed / 100)
            else:
                self._problem(
                    row, cols["pass_share"], f"успеваемость {passed:g} % больше 100 %: не использована."
                )


def _sheet_meta(
    grid: Grid, layout: Layout, defaults: Mapping[str, Any], year: int | None
) -> tuple[int | None, str | None, int | None, str | None]:
    """Year, procedure and grade of a sheet, and why one is missing."""
    title = _title(grid, layout.header_start)
    own_year = _year_in(grid.sheet or "") or _year_in(title)
    sheet_year = own_year or year or defaults.get("year")
    given = defaults.get("procedure")
    procedure = (
        (procedure_code(str(given))[0] if given else None)
        or _procedure_in(title)
        or _procedure_in(grid.sheet or "")
        or layout.procedure
    )
    grade = defaults.get("grade") or _DEFAULT_GRADE.get(procedure or "")
    if grade is None:
        found = re.search(r"(\d{1,2})\s*(?:класс|кл)", title.lower())
        grade = int(found.group(1)) if found and 1 <= int(found.group(1)) <= 11 else None
    missing = None
    if sheet_year is None:
        missing = "не указан год: его нет ни в названии листа, ни в заголовке — укажите год при загрузке"
    elif not 2015 <= int(sheet_year) <= 2035:
        missing = f"год {sheet_year} вне 2015–2035"
    elif procedure is None:
        missing = "не указана процедура (ЕГЭ, ОГЭ, ВПР, КДР): её нет в заголовке — укажите её при загрузке"
    elif grade is None and any(b.grade is None for b in layout.blocks):
        missing = "не указан класс: его нет в заголовке — укажите класс при загрузке"
    return (int(sheet_year) if sheet_year else None), procedure, grade, missing


@never_raises
def read_report(
    data: bytes,
    *,
    filename: str,
    defaults: Mapping[str, Any] | None = None,
    sheet: str | None = None,
    year: int | None = None,
    presets: Sequence[Preset] = (),
) -> ReadOutcome:
    """Every sheet of a regional report → REPORT_SCHEMA rows; ``recognition`` says what was recognised.

    ``sheet``: read only this sheet; ``year``: read only sheets of this year (a sheet that names no year is taken
    as this year); ``defaults``: procedure, subject, grade, year for sheets that do not say them; ``presets``:
    saved mappings, applied to sheets with the same header.
    """
    defaults = {k: v for k, v in (defaults or {}).items() if v not in (None, "")}
    grids = load_grids(data, filename)
    if isinstance(grids, RowError):
        return ReadOutcome(None, [grids])
    if sheet is not None:
        chosen = [g for g in grids if (g.sheet or "").strip().lower() == sheet.strip().lower()]
        if not chosen:
            names = ", ".join(f"«{g.sheet}»" for g in grids)
            return ReadOutcome(
                None, [RowError(filename, sheet, None, None, f"нет такого листа; листы файла: {names}.")]
            )
        grids = chosen
    recognition = Recognition()
    errors: list[RowError] = []
    warnings: list[RowError] = []
    records: list[dict[str, Any]] = []
    subject = find_subject(str(defaults["subject"])) if defaults.get("subject") else None
    for grid in grids:
        name = grid.sheet or filename
        found = _find_preset(grid, presets)
        if found is None:
            title_subject = subject or find_subject(_title(grid, 40)) or find_subject(grid.sheet or "")
            recognised = recognise(grid, subject=title_subject)
            if isinstance(recognised, str):
                recognition.unrecognised.append((name, None, recognised))
                continue
            found = recognised
        if found.registrations:
            recognition.skipped.append((name, "в нём только регистрация на экзамены, результатов нет"))
            continue
        sheet_year, procedure, grade, missing = _sheet_meta(grid, found, defaults, year)
        if year is not None and sheet_year is not None and sheet_year != year:
            recognition.skipped.append((name, f"данные за {sheet_year} год, а выбран {year}"))
            continue
        if missing:
            errors.append(RowError(filename, grid.sheet, None, None, missing + "."))
            continue
        assert sheet_year is not None and procedure is not None
        for p, text in found.unknown:
            warnings.append(
                RowError(
                    filename,
                    grid.sheet,
                    grid.rows[found.header_end][0],
                    column_letter(p),
                    f"столбец «{shown(text)}» не распознан и пропущен.",
                )
            )
        rows = _Rows(
            _Sheet(grid, found, sheet_year, procedure, grade), errors, warnings, recognition.left_out
        )
        sheet_records = rows.read()
        records.extend(sheet_records)
        recognition.sheets.append(
            SheetRead(
                sheet=name,
                year=sheet_year,
                procedure=procedure,
                source=found.source,
                header_rows=(grid.rows[found.header_start][0], grid.rows[found.header_end][0]),
                subjects=list(dict.fromkeys(b.subject for b in found.blocks)),
                schools=len({(r["municipality"], school_key(r["school_name"])) for r in sheet_records}),
                rows=len(sheet_records),
            )
        )
    for name, _, reason in recognition.unrecognised:
        if recognition.sheets or recognition.skipped:
            recognition.skipped.append((name, f"таблица не распознана ({reason})"))
        else:
            errors.append(
                RowError(
                    filename,
                    name,
                    None,
                    None,
                    f"таблица не распознана: {reason}. Отметьте строки заголовка и столбцы в форме сопоставления — "
                    "шаблон сохранится и будет применяться к таким файлам сам.",
                )
            )
    if errors:
        return ReadOutcome(None, errors[: MAX_ERRORS + 1], warnings, "report", recognition=recognition)
    if not records:
        reason = "; ".join(f"«{s}»: {r}" for s, r in recognition.skipped) or "нет строк школ"
        return ReadOutcome(
            None,
            [RowError(filename, None, None, None, f"в файле нет результатов школ ({reason}).")],
            warnings,
            "report",
            recognition=recognition,
        )
    frame = pl.DataFrame(records, schema=REPORT_SCHEMA, orient="row", strict=False)
    return ReadOutcome(frame.select(REPORT_SCHEMA.names()), [], warnings, "report", recognition=recognition)
