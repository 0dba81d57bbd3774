"""The readers of each kind of file: school results (canonical and ФИС ОКО layouts), context, risk inputs,
student-level results and official lists (docs/import-formats.md)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from opora.readers.common import (
    Column,
    Grid,
    ReadOutcome,
    RowError,
    find_header,
    load_grid,
    never_raises,
    norm,
    parse_table,
    shown,
    to_bool,
    to_date,
    to_float,
    to_int,
    to_str,
)
from opora.readers.vocab import procedure_code, subject_code
from opora.schema import RESULTS_SCHEMA, RISK_SCHEMA, conform_results

__all__ = [
    "CONTEXT_VARIABLES",
    "read_context",
    "read_official_list",
    "read_results",
    "read_risk",
]

CATEGORY_CODES = {"low_results", "adverse_context", "at_risk", "resilient", "above_expected"}
_CATEGORY_NAMES = {
    "шнор": "low_results",
    "шнро": "low_results",
    "шнсу": "adverse_context",
    "зона риска": "at_risk",
    "резильентная": "resilient",
    "выше ожидаемых": "above_expected",
}

_N_MAX = 5000


def _count(name: str, *aliases: str) -> Column:
    return Column(name, aliases, to_int, low=0, high=_N_MAX)


RESULT_COLUMNS = (
    Column("school_id", ("код оо", "код школы", "код", "логин оо"), to_str, required=True, label="Код ОО"),
    Column(
        "procedure", ("процедура", "оценочная процедура"), procedure_code, required=True, label="Процедура"
    ),
    Column("subject", ("предмет",), subject_code, required=True, label="Предмет"),
    Column("grade", ("класс", "класс участников"), to_int, required=True, low=1, high=11, label="Класс"),
    Column("grade_program", ("класс программы",), to_int, low=1, high=11),
    Column("year", ("год",), to_int, required=True, low=2015, high=2035, label="Год"),
    Column("date", ("дата", "дата проведения"), to_date),
    Column(
        "n",
        ("участников", "кол-во участников", "количество участников", "число участников"),
        to_int,
        required=True,
        low=0,
        high=_N_MAX,
        label="Участников",
    ),
    _count("n_2", "отметка 2", "2", "«2»"),
    _count("n_3", "отметка 3", "3", "«3»"),
    _count("n_4", "отметка 4", "4", "«4»"),
    _count("n_5", "отметка 5", "5", "«5»"),
    _count("n_insufficient", "недостаточный", "недостаточный уровень"),
    _count("n_reduced", "пониженный", "пониженный уровень"),
    _count("n_basic", "базовый", "базовый уровень"),
    _count("n_advanced", "повышенный", "повышенный уровень"),
    _count(
        "n_below_min", "не преодолели минимальный порог", "ниже минимального порога", "не преодолен min порог"
    ),
    _count("n_80_99", "80–99 баллов", "80-99 баллов", "высокобалльники 80-99 баллов"),
    _count("n_100", "100 баллов", "получили 100 баллов"),
    Column("mean_pct", ("средний % выполнения", "средний процент выполнения"), to_float, low=0, high=100),
    Column(
        "mean_score",
        ("средний балл", "средний первичный балл", "средний тестовый балл"),
        to_float,
        low=0,
        high=100,
    ),
    Column("mean_mark", ("средняя отметка",), to_float, low=2, high=5),
)


def _check_counts(record: dict[str, Any]) -> list[tuple[str | None, str]]:
    problems: list[tuple[str | None, str]] = []
    n = record.get("n")
    for group in (("n_2", "n_3", "n_4", "n_5"), ("n_insufficient", "n_reduced", "n_basic", "n_advanced")):
        values: list[int] = [record[k] for k in group if record.get(k) is not None]
        if n is not None and len(values) == len(group) and sum(values) != n:
            problems.append(
                (group[0], f"сумма по отметкам/уровням ({sum(values)}) не равна числу участников ({n}).")
            )
    ege = [record[k] for k in ("n_below_min", "n_80_99", "n_100") if record.get(k) is not None]
    if n is not None and sum(ege) > n:
        problems.append(
            (
                "n_below_min",
                f"не преодолели порог, 80–99 и 100 баллов вместе ({sum(ege)}) больше числа участников ({n}).",
            )
        )
    if n == 0:
        problems.append(("n", "число участников равно нулю: такую строку не нужно загружать."))
    return problems


def _finish_results(outcome: ReadOutcome) -> ReadOutcome:
    if outcome.frame is None:
        return outcome
    frame = outcome.frame.with_columns(pl.coalesce("grade_program", "grade").alias("grade_program"))
    return ReadOutcome(
        conform_results(frame),
        outcome.errors,
        outcome.warnings,
        outcome.layout,
    )


@never_raises
def read_results(
    data: bytes,
    *,
    filename: str,
    defaults: Mapping[str, Any] | None = None,
    school_lookup: Mapping[str, str] | None = None,
    presets: Sequence[Any] = (),
    sheet: str | None = None,
    year: int | None = None,
) -> ReadOutcome:
    """School results in the canonical layout, a ФИС ОКО «Статистика по отметкам» table or a regional report
    (layout ``report``: REPORT_SCHEMA rows naming schools, to be reconciled; ``presets``: saved mappings;
    ``sheet``/``year``: the sheet and the year read from a report of several sheets)."""
    grid = load_grid(data, filename)
    if isinstance(grid, RowError):
        return ReadOutcome(None, [grid])
    for key, lookup in (("procedure", procedure_code), ("subject", subject_code)):
        given = (defaults or {}).get(key)
        if given in (None, ""):
            continue
        code, problem = lookup(str(given))
        if code is None:
            return ReadOutcome(None, [RowError(filename, None, None, None, f"форма загрузки: {problem}.")])
    if _looks_like_fis_oko(grid):
        return _finish_results(_read_fis_oko(grid, defaults or {}, school_lookup or {}))
    canonical = find_header(grid, RESULT_COLUMNS)
    if canonical is None or not any(c.name == "school_id" for c in canonical[1].values()):
        # Schools named, not coded, subjects in blocks of columns: a regional report (opora/readers/reports.py).
        from opora.readers.reports import read_report

        report = read_report(
            data, filename=filename, defaults=defaults, presets=presets, sheet=sheet, year=year
        )
        recognition = report.recognition
        nothing = recognition is not None and not recognition.sheets and not recognition.skipped
        if canonical is None or not nothing:
            return report
        # Our template with a column missing (e.g. «Код ОО»): name it, rather than «table not recognised».
    outcome = parse_table(
        grid,
        RESULT_COLUMNS,
        schema=_loose(RESULTS_SCHEMA),
        defaults=_coded(defaults),
        key=("school_id", "procedure", "subject", "grade", "year"),
        check_row=_check_counts,
    )
    return _finish_results(ReadOutcome(outcome.frame, outcome.errors, outcome.warnings, "canonical"))


def _loose(schema: pl.Schema) -> dict[str, Any]:
    """Parse into wide types first; the final cast narrows them."""
    return {name: pl.Int64() if dtype.is_integer() else dtype for name, dtype in schema.items()}


def _coded(defaults: Mapping[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in (defaults or {}).items():
        if v in (None, ""):
            continue
        if k == "procedure":
            v = procedure_code(str(v))[0] or v
        elif k == "subject":
            v = subject_code(str(v))[0] or v
        out[k] = v
    return out


# --- ФИС ОКО «Статистика по отметкам» ---------------------------------------------------------------------

_FIS_COLUMNS = (
    Column(
        "name",
        ("название оо", "оо", "наименование оо", "наименование", "образовательная организация"),
        to_str,
        required=True,
        label="Название ОО",
    ),
    Column("district", ("район", "муниципалитет", "ато"), to_str),
    Column(
        "n",
        ("кол-во участников", "количество участников", "участников"),
        to_int,
        required=True,
        low=0,
        high=_N_MAX,
        label="Кол-во участников",
    ),
    Column("p2", ("2",), to_float, required=True, low=0, high=100, label="2"),
    Column("p3", ("3",), to_float, required=True, low=0, high=100, label="3"),
    Column("p4", ("4",), to_float, required=True, low=0, high=100, label="4"),
    Column("p5", ("5",), to_float, required=True, low=0, high=100, label="5"),
)
_COMPARISON_ROWS = (
    "вся выборка",
    "российская федерация",
    "рф",
    "красноярский край",
    "край",
    "регион",
    "итого",
)


def _looks_like_fis_oko(grid: Grid) -> bool:
    found = find_header(grid, _FIS_COLUMNS, min_hits=4)
    return found is not None and any(c.name == "name" for c in found[1].values())


def _title_defaults(grid: Grid, header_index: int) -> dict[str, Any]:
    title = " ".join(c for _, cells in grid.rows[:header_index] for c in cells if c)
    found: dict[str, Any] = {}
    lowered = norm(title)
    for word in lowered.split():
        code, _ = procedure_code(word)
        if code:
            found["procedure"] = code
            break
    year = re.search(r"\b(20[12]\d)\b", title)
    if year:
        found["year"] = int(year.group(1))
    grade = re.search(r"(\d{1,2})\s*(?:класс|кл)", title.lower())
    if grade:
        found["grade"] = int(grade.group(1))
    for piece in re.split(r"[.,;]", title):
        code, _ = subject_code(piece)
        if code:
            found["subject"] = code
            break
    return found


def _is_comparison(name: str, normal_lookup: Mapping[str, str]) -> bool:
    """A comparison row of a ФИС ОКО table (country, region, municipality), not a school."""
    key = norm(name)
    return key in _COMPARISON_ROWS or (key.startswith(("г ", "город")) and key not in normal_lookup)


def _fis_header_error(grid: Grid, problem: str) -> ReadOutcome:
    """The whole ФИС ОКО file refused for what its title rows (or the upload form) say: no row, no column."""
    return ReadOutcome(
        None, [RowError(grid.file, grid.sheet, None, None, f"таблица ФИС ОКО: {problem}")], layout="fis_oko"
    )


def _read_fis_oko(grid: Grid, defaults: Mapping[str, Any], lookup: Mapping[str, str]) -> ReadOutcome:
    found = find_header(grid, _FIS_COLUMNS, min_hits=4)
    assert found is not None
    header_index, mapping, header_cells = found
    meta = {**_title_defaults(grid, header_index), **_coded(defaults)}
    missing = [
        label
        for key, label in (
            ("procedure", "процедура"),
            ("subject", "предмет"),
            ("grade", "класс"),
            ("year", "год"),
        )
        if key not in meta
    ]
    if missing:
        return _fis_header_error(
            grid, f"в заголовке файла не указаны {', '.join(missing)}. Укажите их в форме загрузки."
        )
    absurd = [
        f"{label} {meta[key]}"
        for key, label, low, high in (("grade", "класс", 1, 11), ("year", "год", 2015, 2035))
        if not isinstance(meta[key], int) or not low <= meta[key] <= high
    ]
    if absurd:
        return _fis_header_error(
            grid,
            "недопустимые значения в заголовке файла или в форме загрузки: "
            f"{', '.join(absurd)} (класс 1–11, год 2015–2035).",
        )
    name_pos = next(p for p, c in mapping.items() if c.name == "name")
    district_pos = next((p for p, c in mapping.items() if c.name == "district"), None)
    # Merged «Район» cells come back as one value and blanks below it: carry the district down. A comparison row
    # («Вся выборка», the region, the municipality) often has its label in the district column and no school name.
    # Comparison rows are dropped before validation: their participant counts (the whole country) exceed any
    # school's and must not be reported as errors.
    normal_lookup = {norm(k): v for k, v in lookup.items()}
    skipped: list[RowError] = []
    rows, district = [], None
    for number, original in grid.rows[header_index + 1 :]:
        cells = list(original) + [None] * max(0, name_pos + 1 - len(original))
        if district_pos is not None and district_pos < len(cells):
            district = cells[district_pos] or district
            cells[district_pos] = district
            if cells[name_pos] is None and original[district_pos : district_pos + 1] != [None] and any(cells):
                cells[name_pos] = original[district_pos]
        label = cells[name_pos] or ""
        if _is_comparison(label, normal_lookup):
            skipped.append(
                RowError(
                    grid.file, grid.sheet, number, "Название ОО", f"строка сравнения «{label}» пропущена."
                )
            )
            continue
        rows.append((number, cells))
    parsed = parse_table(
        Grid(grid.file, grid.sheet, [(grid.rows[header_index][0], header_cells), *rows]),
        _FIS_COLUMNS,
        schema={
            "name": pl.String,
            "district": pl.String,
            "n": pl.Int64,
            "p2": pl.Float64,
            "p3": pl.Float64,
            "p4": pl.Float64,
            "p5": pl.Float64,
        },
    )
    if parsed.frame is None:
        return ReadOutcome(None, parsed.errors, [*skipped, *parsed.warnings], "fis_oko")
    errors: list[RowError] = []
    warnings = [*skipped, *parsed.warnings]
    records = []
    numbers = [n for n, cells in rows if any(cells)]
    for number, row in zip(numbers, parsed.frame.iter_rows(named=True), strict=False):
        name = row["name"] or ""
        if _is_comparison(name, normal_lookup):
            warnings.append(
                RowError(
                    grid.file, grid.sheet, number, "Название ОО", f"строка сравнения «{name}» пропущена."
                )
            )
            continue
        code = normal_lookup.get(norm(name)) or (name if name in lookup.values() else None)
        if code is None:
            errors.append(
                RowError(
                    grid.file,
                    grid.sheet,
                    number,
                    "Название ОО",
                    f"школа «{name}» не найдена в реестре (сверьте название или укажите код ОО).",
                )
            )
            continue
        shares = [row[k] for k in ("p2", "p3", "p4", "p5")]
        if abs(sum(shares) - 100) > 1.5:
            errors.append(
                RowError(
                    grid.file,
                    grid.sheet,
                    number,
                    "2",
                    f"доли отметок в сумме дают {sum(shares):.1f} %, а не 100 %.",
                )
            )
            continue
        counts = [round(row["n"] * s / 100) for s in shares]
        # Rounding can miss n by one: the largest share absorbs the difference.
        counts[shares.index(max(shares))] += row["n"] - sum(counts)
        records.append(
            {
                "school_id": code,
                **meta,
                "n": row["n"],
                "n_2": counts[0],
                "n_3": counts[1],
                "n_4": counts[2],
                "n_5": counts[3],
            }
        )
    if errors:
        return ReadOutcome(None, errors, warnings, "fis_oko")
    if not records:
        return ReadOutcome(
            None,
            [RowError(grid.file, grid.sheet, None, None, "в таблице нет строк школ.")],
            warnings,
            "fis_oko",
        )
    frame = pl.DataFrame(records).with_columns(
        *[pl.lit(None).alias(c) for c in RESULTS_SCHEMA.names() if c not in records[0]]
    )
    return ReadOutcome(frame, [], warnings, "fis_oko")


# --- context, risk, official list ----------------------------------------------------------------------------

#: Context variables and their Russian headers; any other numeric column is kept with a warning-free pass-through
#: only when listed in ``variables``.
CONTEXT_VARIABLES: dict[str, tuple[str, ...]] = {
    "low_income_share": ("доля малообеспеченных", "малообеспеченные", "доля малообеспеченных семей"),
    "tzhs_share": ("тжс", "доля детей в тжс", "дети в тжс"),
    "special_needs_share": ("овз", "доля обучающихся с овз", "доля овз"),
    "registered_share": ("состоят на учете", "доля состоящих на учете", "на учете"),
    "parents_no_higher_edu_share": ("родители без высшего образования", "без высшего образования"),
    "single_parent_share": ("неполные семьи", "доля неполных семей"),
    "non_native_share": ("инофоны", "доля инофонов", "дети-инофоны"),
    "unemployed_parent_share": ("безработные родители", "доля семей с безработными родителями"),
    "rural": ("сельская школа", "сельская местность"),
    "students": ("численность обучающихся", "число обучающихся"),
}


@never_raises
def read_context(data: bytes, *, filename: str, variables: Sequence[str] | None = None) -> ReadOutcome:
    """Context (КИАСУО-like): one row per school and year, one column per variable (percent, 0–100)."""
    grid = load_grid(data, filename)
    if isinstance(grid, RowError):
        return ReadOutcome(None, [grid])
    names = list(variables) if variables else list(CONTEXT_VARIABLES)
    columns = [
        Column("school_id", ("код оо", "код школы", "код"), to_str, required=True, label="Код ОО"),
        Column("year", ("год",), to_int, required=True, low=2015, high=2035, label="Год"),
    ]
    for name in names:
        if name == "rural":
            columns.append(Column(name, CONTEXT_VARIABLES.get(name, ()), _bool_number))
        elif name == "students":
            columns.append(Column(name, CONTEXT_VARIABLES.get(name, ()), to_float, low=0, high=10000))
        else:
            columns.append(Column(name, CONTEXT_VARIABLES.get(name, ()), to_float, low=0, high=100))
    schema = {"school_id": pl.String, "year": pl.Int64, **{n: pl.Float64 for n in names}}
    outcome = parse_table(grid, columns, schema=schema, key=("school_id", "year"))
    if outcome.frame is None:
        return outcome
    present = [n for n in names if outcome.frame[n].null_count() < outcome.frame.height]
    if not present:
        return ReadOutcome(
            None,
            [RowError(filename, grid.sheet, None, None, "нет ни одного столбца контекстных показателей.")],
            outcome.warnings,
        )
    frame = outcome.frame.select("school_id", pl.col("year").cast(pl.Int16), *present)
    return ReadOutcome(frame, [], outcome.warnings, "context")


def _bool_number(text: str) -> tuple[Any, str | None]:
    """A yes/no variable stored as 1.0/0.0: accepts да/нет and the numbers 0 and 1."""
    number, _ = to_float(text)
    if number in (0.0, 1.0):
        return number, None
    value, problem = to_bool(text)
    return (
        (float(value), None)
        if problem is None
        else (None, "ожидалось «да»/«нет» или 1/0, получено «" + shown(text) + "»")
    )


RISK_COLUMNS = (
    Column("school_id", ("код оо", "код школы", "код"), to_str, required=True, label="Код ОО"),
    Column("year", ("год",), to_int, required=True, low=2015, high=2035, label="Год"),
    Column("staff_vacancies", ("вакансии", "число вакансий"), to_int, low=0, high=500),
    Column(
        "internet_mbps", ("скорость интернета мбит/с", "скорость интернета"), to_float, low=0, high=100000
    ),
    Column(
        "share_category_first_highest",
        ("доля педагогов с первой и высшей категорией",),
        to_float,
        low=0,
        high=100,
    ),
    Column("share_trained_3y", ("доля педагогов прошедших пк за 3 года",), to_float, low=0, high=100),
    Column(
        "equipment_complete", ("все предметы оснащены по ооп да/нет", "все предметы оснащены по ооп"), to_bool
    ),
    Column(
        "computers_sufficient",
        ("достаточно компьютерной техники да/нет", "достаточно компьютерной техники"),
        to_bool,
    ),
)


@never_raises
def read_risk(data: bytes, *, filename: str) -> ReadOutcome:
    """Municipal risk-factor inputs per school and year (SEED-B Прил. 2)."""
    grid = load_grid(data, filename)
    if isinstance(grid, RowError):
        return ReadOutcome(None, [grid])
    outcome = parse_table(grid, RISK_COLUMNS, schema=_loose(RISK_SCHEMA), key=("school_id", "year"))
    if outcome.frame is None:
        return outcome
    return ReadOutcome(outcome.frame.cast(RISK_SCHEMA), [], outcome.warnings, "risk")


def _category(text: str) -> tuple[Any, str | None]:
    lowered = norm(text)
    if text.strip() in CATEGORY_CODES:
        return text.strip(), None
    if lowered in _CATEGORY_NAMES:
        return _CATEGORY_NAMES[lowered], None
    return (
        None,
        f"неизвестная категория «{shown(text)}»: ожидается ШНОР, ШНСУ, зона риска, резильентная или код",
    )


@never_raises
def read_official_list(data: bytes, *, filename: str, year: int | None = None) -> ReadOutcome:
    """An official list: school code, year (or ``year`` for the whole file), category (one row per category)."""
    grid = load_grid(data, filename)
    if isinstance(grid, RowError):
        return ReadOutcome(None, [grid])
    columns = (
        Column("school_id", ("код оо", "код школы", "код"), to_str, required=True, label="Код ОО"),
        Column("year", ("год",), to_int, required=True, low=2015, high=2035, label="Год"),
        Column("category", ("категория",), _category, required=True, label="Категория"),
    )
    outcome = parse_table(
        grid,
        columns,
        schema={"school_id": pl.String, "year": pl.Int64, "category": pl.String},
        defaults={"year": year} if year else None,
        key=("school_id", "year", "category"),
    )
    return ReadOutcome(outcome.frame, outcome.errors, outcome.warnings, "official")
