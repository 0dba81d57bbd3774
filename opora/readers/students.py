"""Student-level results (CSV, up to ~10 M rows): streamed by polars, validated with vectorised expressions.

The file is read once with the streaming engine into typed columns (every source column is read as text with an
explicit schema, so a bad cell never aborts the read); each check is one boolean expression over the whole
column. A valid file becomes STUDENT_SCHEMA rows (or, with ``aggregate=True``, the per-school RESULTS_SCHEMA rows
of opora.aggregate). An invalid file is re-scanned only for the first ``MAX_ERRORS`` bad rows, to quote their
text: the errors name the file, the line (as a text editor numbers it), the column (its header) and the reason,
followed by the total count of bad rows.

Encodings: UTF-8 (with or without BOM), UTF-16 with BOM (Excel's «Текст Юникод») and Windows-1251 (Excel's
«CSV (разделители — запятые)» on a Russian Windows); separators «;», «,» and tab; decimal commas; spaces and
non-breaking spaces inside numbers.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

import polars as pl

from opora.aggregate import aggregate_students
from opora.readers.common import MAX_ERRORS, ReadOutcome, RowError, never_raises, norm
from opora.readers.vocab import procedure_code, subject_code
from opora.schema import STUDENT_SCHEMA

__all__ = ["STUDENT_HEADERS", "read_students", "to_utf8"]

#: Canonical column → Russian headers accepted for it (matched after ``norm``).
STUDENT_HEADERS: dict[str, tuple[str, ...]] = {
    "student_id": ("код участника", "код обучающегося", "идентификатор участника", "id участника"),
    "school_id": ("код оо", "код школы", "логин оо"),
    "procedure": ("процедура", "оценочная процедура"),
    "subject": ("предмет",),
    "grade": ("класс",),
    "year": ("год",),
    "primary_score": ("первичный балл", "балл"),
    "max_score": ("максимальный балл", "максимальный первичный балл"),
    "mark": ("отметка",),
}
_REQUIRED = ("student_id", "school_id", "procedure", "subject", "grade", "year")
_NAME_HEADERS = ("фио", "фамилия", "имя", "отчество", "ф и о")
_LOOKUP = {norm(alias): name for name, aliases in STUDENT_HEADERS.items() for alias in (name, *aliases)}
_CHUNK = 1 << 24
_EXTRA = "_extra"


@dataclass(frozen=True)
class _Check:
    """One vectorised check: the flag column, the canonical column it blames and the Russian reason."""

    flag: str
    column: str
    reason: str


_CHECKS = (
    _Check("_e_ragged", "", "в строке больше значений, чем столбцов в заголовке"),
    _Check("_e_student_id", "student_id", "пустой код участника"),
    _Check("_e_school_id", "school_id", "пустой код ОО"),
    _Check("_e_procedure", "procedure", "неизвестная процедура: ожидается ВПР, ОГЭ, ЕГЭ или КДР"),
    _Check("_e_subject", "subject", "неизвестный предмет (список предметов — в docs/import-formats.md)"),
    _Check("_e_grade", "grade", "класс должен быть от 1 до 11"),
    _Check("_e_year", "year", "год должен быть от 2015 до 2035"),
    _Check("_e_primary_score", "primary_score", "первичный балл должен быть числом не меньше 0"),
    _Check("_e_max_score", "max_score", "максимальный балл должен быть числом больше 0"),
    _Check("_e_over_max", "primary_score", "первичный балл больше максимального"),
    _Check("_e_mark", "mark", "отметка должна быть от 2 до 5"),
    _Check(
        "_e_duplicate", "student_id", "строка повторяет другую: тот же участник, процедура, предмет и год"
    ),
)


def _error(filename: str, message: str, row: int | None = None) -> ReadOutcome:
    return ReadOutcome(None, [RowError(filename, None, row, None, message)])


# --- bytes → UTF-8 ----------------------------------------------------------------------------------------------


def _chunks(data: bytes | memoryview) -> Iterator[bytes]:
    view = memoryview(data)
    for start in range(0, len(view), _CHUNK):
        yield bytes(view[start : start + _CHUNK])


def _is_utf8(data: bytes, *, final: bool = True) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in _chunks(data):
            decoder.decode(chunk)
        decoder.decode(b"", final=final)  # not final: a sample may end inside a character
    except UnicodeDecodeError:
        return False
    return True


def _transcode(data: bytes, encoding: str) -> bytes | None:
    """The text re-encoded as UTF-8, chunk by chunk (a 10 M-row file is never held twice as a Python str)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    out = io.BytesIO()
    try:
        for chunk in _chunks(data):
            out.write(decoder.decode(chunk).encode("utf-8"))
        out.write(decoder.decode(b"", final=True).encode("utf-8"))
    except UnicodeDecodeError:
        return None
    return out.getvalue()


def to_utf8(data: bytes, *, sample: int | None = None) -> bytes | None:
    """UTF-8 bytes of the file (BOM kept: it sits in the header line, which is parsed separately), or None.

    ``sample``: check only the first bytes for UTF-8 (the caller's parser validates the rest and falls back to
    ``to_utf8(data)`` if a later byte is not UTF-8) — saves a pass over a 10 M-row file.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _transcode(data, "utf-16")
    if b"\x00" in data[:4096]:  # binary, or UTF-16 without a BOM
        return None
    if _is_utf8(data if sample is None else data[:sample], final=sample is None or len(data) <= sample):
        return data
    return _transcode(data, "cp1251")


# --- header -------------------------------------------------------------------------------------------------


def _header(text: str) -> tuple[str, list[str]]:
    counts = {sep: text.count(sep) for sep in (";", "\t", ",")}
    sep = max(counts, key=lambda s: counts[s])
    cells = next(csv.reader([text], delimiter=sep), [])
    return sep, [c.strip().lstrip("\ufeff").strip() for c in cells]


def _number(expr: pl.Expr) -> pl.Expr:
    """Stripped text → Float64 (null when not a number); a decimal comma is accepted."""
    return expr.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)


def _plan(source: bytes, sep: str, width: int, n_rows: int | None = None) -> pl.LazyFrame:
    """Raw text columns ``_c0…`` (+ ``_extra`` for ragged lines) and the line number ``_row``; blank lines dropped.

    ``n_rows``: read only the first data lines (the error report needs the lines up to the last one it quotes).
    Strict UTF-8: a byte that is not UTF-8 raises ComputeError (``read_students`` then re-reads as Windows-1251).
    """
    schema = {f"_c{i}": pl.String for i in range(width)} | {_EXTRA: pl.String}
    raw = pl.scan_csv(
        io.BytesIO(source),
        has_header=False,
        skip_rows=1,
        separator=sep,
        schema=schema,
        missing_columns="insert",
        truncate_ragged_lines=True,
        n_rows=n_rows,
    ).with_row_index("_row", offset=2)
    return raw.filter(~pl.all_horizontal([pl.col(f"_c{i}").is_null() for i in range(width)]))


def _typed(raw: pl.LazyFrame, positions: dict[str, int]) -> pl.LazyFrame:
    """Stripped text, numbers and one flag per check; each stage is a column computed once."""
    numeric = ("grade", "year", "primary_score", "max_score", "mark")
    texts = []
    for name in STUDENT_HEADERS:
        if name in positions:
            t = pl.col(f"_c{positions[name]}").str.strip_chars()
            texts.append(pl.when(t != "").then(t).alias(name))
        else:
            texts.append(pl.lit(None, dtype=pl.String).alias(name))
    stage1 = raw.select("_row", pl.col(_EXTRA).is_not_null().alias("_e_ragged"), *texts)
    stage2 = stage1.with_columns(
        *[_number(pl.col(n)).alias(f"_n_{n}") for n in numeric],
    )

    def unparsed(name: str) -> pl.Expr:
        value = pl.col(f"_n_{name}")
        return pl.col(name).is_not_null() & (value.is_null() | ~value.is_finite())

    def integer_ok(name: str, low: int, high: int) -> pl.Expr:
        value = pl.col(f"_n_{name}")
        return (value.is_between(low, high) & (value == value.floor())).fill_null(False)

    score, top = pl.col("_n_primary_score"), pl.col("_n_max_score")
    grade_ok, year_ok, mark_ok = (
        integer_ok("grade", 1, 11),
        integer_ok("year", 2015, 2035),
        integer_ok("mark", 2, 5),
    )
    return stage2.select(
        "_row",
        "student_id",
        "school_id",
        "procedure",
        "subject",
        pl.when(grade_ok).then(pl.col("_n_grade")).cast(pl.Int16).alias("grade"),
        pl.when(year_ok).then(pl.col("_n_year")).cast(pl.Int16).alias("year"),
        pl.when(score.is_finite()).then(score).alias("primary_score"),
        pl.when(top.is_finite()).then(top).alias("max_score"),
        pl.when(mark_ok).then(pl.col("_n_mark")).cast(pl.Int8).alias("mark"),
        "_e_ragged",
        pl.col("student_id").is_null().alias("_e_student_id"),
        pl.col("school_id").is_null().alias("_e_school_id"),
        (~grade_ok).alias("_e_grade"),
        (~year_ok).alias("_e_year"),
        (unparsed("primary_score") | (score < 0).fill_null(False)).alias("_e_primary_score"),
        (unparsed("max_score") | (top <= 0).fill_null(False)).alias("_e_max_score"),
        # NaN sorts above every number in polars: compare finite values only.
        ((score > top) & (top > 0) & score.is_finite() & top.is_finite())
        .fill_null(False)
        .alias("_e_over_max"),
        (unparsed("mark") | (pl.col("_n_mark").is_not_null() & ~mark_ok)).alias("_e_mark"),
    )


def _codes(frame: pl.DataFrame) -> pl.DataFrame:
    """Procedure and subject names → codes, looked up once per distinct value (a file has a handful)."""
    out = []
    for column, lookup in (("procedure", procedure_code), ("subject", subject_code)):
        values = [v for v in frame[column].unique().to_list() if v is not None]
        mapping = {v: lookup(v)[0] for v in values}
        coded = pl.col(column).replace_strict(mapping, default=None, return_dtype=pl.String)
        out += [coded.alias(column), coded.is_null().alias(f"_e_{column}")]
    return frame.with_columns(out)


def _duplicates(frame: pl.DataFrame) -> pl.Series:
    """True for the second and later rows of a (student, procedure, subject, grade, year): a 64-bit hash first,
    exact comparison only among the (rare) rows whose hash repeats."""
    key = ["student_id", "procedure", "subject", "grade", "year"]
    hashed = frame.select(pl.struct(key).hash(seed=0).alias("h"))["h"]
    suspect = hashed.is_duplicated()
    if not suspect.any():
        return suspect
    exact = frame.select(pl.struct(key).is_first_distinct().not_().alias("d"))["d"]
    return exact & suspect


def _report(
    filename: str,
    source: bytes,
    sep: str,
    positions: dict[str, int],
    width: int,
    headers: list[str],
    bad: pl.DataFrame,
    total_bad: int,
) -> ReadOutcome:
    """Russian errors for the first bad rows, quoting the cell text (a second scan fetches only those lines)."""
    rows = bad["_row"].to_list()
    raw = (
        _plan(source, sep, width, n_rows=max(rows) - 1)
        .filter(pl.col("_row").is_in(rows))
        .collect(engine="streaming")
    )
    texts = {r["_row"]: r for r in raw.iter_rows(named=True)}
    flags = [c for c in _CHECKS if c.flag in bad.columns]
    errors: list[RowError] = []
    for record in bad.iter_rows(named=True):
        line = texts.get(record["_row"], {})
        for check in flags:
            if not record[check.flag]:
                continue
            if not check.column:
                errors.append(RowError(filename, None, record["_row"], None, check.reason + "."))
                continue
            pos = positions.get(check.column)
            header = headers[pos] if pos is not None else check.column
            value = line.get(f"_c{pos}") if pos is not None else None
            shown = "" if value is None else f" (значение «{str(value)[:100]}»)"
            errors.append(RowError(filename, None, record["_row"], header, f"{check.reason}{shown}."))
        if len(errors) >= MAX_ERRORS:
            break
    errors = errors[:MAX_ERRORS]
    shown_rows = len({e.row for e in errors})
    if total_bad > shown_rows:
        errors.append(
            RowError(
                filename,
                None,
                None,
                None,
                f"всего строк с ошибками: {total_bad}; показаны первые {shown_rows}. "
                "Исправьте файл и загрузите его снова.",
            )
        )
    return ReadOutcome(None, errors)


@never_raises
def read_students(data: bytes, *, filename: str, aggregate: bool = False) -> ReadOutcome:
    """Pseudonymous student results (CSV): STUDENT_SCHEMA rows, or per-school results with ``aggregate=True``."""
    if not data:
        return _error(filename, "файл пустой.")
    if not filename.lower().endswith((".csv", ".txt")):
        return _error(filename, "результаты обучающихся принимаются в формате CSV.")
    source = to_utf8(data, sample=_CHUNK)
    if source is None:
        return _error(
            filename, "не удалось прочитать текст: ожидается CSV в кодировке UTF-8 или Windows-1251."
        )
    end = source.find(b"\n")
    first = (source if end < 0 else source[:end]).decode("utf-8").rstrip("\r")
    sep, headers = _header(first)
    normalised = [norm(h) for h in headers]
    if any(h in _NAME_HEADERS for h in normalised):
        return _error(
            filename,
            "в файле есть столбец с именами обучающихся. Загружать имена нельзя: "
            "используйте обезличенные коды участников.",
            1,
        )
    positions: dict[str, int] = {}
    warnings: list[RowError] = []
    for pos, (header, key) in enumerate(zip(headers, normalised, strict=True)):
        name = _LOOKUP.get(key)
        if name is None:
            if header:
                warnings.append(RowError(filename, None, 1, header, "столбец не распознан и пропущен."))
            continue
        if name in positions:
            return _error(
                filename,
                f"столбец «{header}» повторяет столбец «{headers[positions[name]]}» (оба означают {name}).",
                1,
            )
        positions[name] = pos
    missing = [c for c in _REQUIRED if c not in positions]
    if missing:
        expected = ", ".join(f"«{c}» ({STUDENT_HEADERS[c][0]})" for c in missing)
        found = ", ".join(f"«{h}»" for h in headers if h) or "нет"
        return _error(filename, f"нет обязательных столбцов: {expected}. Найдены столбцы: {found}.", 1)
    width = len(headers)
    try:
        frame = _typed(_plan(source, sep, width), positions).collect(engine="streaming")
    except pl.exceptions.ComputeError as error:
        if "utf-8" not in str(error).lower() or source is not data:
            raise
        # Not UTF-8 after the sampled start: Windows-1251 (or nothing readable).
        retried = to_utf8(data)
        if retried is None or retried is data:
            return _error(
                filename, "не удалось прочитать текст: ожидается CSV в кодировке UTF-8 или Windows-1251."
            )
        source = retried
        frame = _typed(_plan(source, sep, width), positions).collect(engine="streaming")
    if frame.height == 0:
        return ReadOutcome(
            None, [RowError(filename, None, None, None, "под заголовком нет строк с данными.")]
        )
    frame = _codes(frame)
    frame = frame.with_columns(_duplicates(frame).alias("_e_duplicate"))
    flags = [c.flag for c in _CHECKS]
    any_bad = pl.any_horizontal(flags)
    total_bad = int(frame.select(any_bad.sum()).item())
    if total_bad:
        bad = frame.filter(any_bad).select("_row", *flags).head(MAX_ERRORS)
        return _report(filename, source, sep, positions, width, headers, bad, total_bad)
    students = frame.select(STUDENT_SCHEMA.names()).cast(STUDENT_SCHEMA)
    del frame
    if aggregate:
        return ReadOutcome(aggregate_students(students), [], warnings, "students")
    return ReadOutcome(students, [], warnings, "students")
