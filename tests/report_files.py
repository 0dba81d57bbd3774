"""Regional report files built for the tests, shaped like the ones ministries and ЦОКО send (issue #15).

A title block («Информация о результатах ЕГЭ выпускников школ в 2023 году», the region on its own row, blank
rows), a two-row header with subject names in merged cells over their metric columns, an optional row of
column numbers, schools named (full legal names or short ones), the municipality on every row (as its
education authority) or on a row of its own above its schools, subtotal and total rows (one with a stray number
in the school column), placeholders («X», «х», «-», «—», empty, zeros for a subject not sat) and float
artefacts. Used by the reader tests, the portal tests, the browser test and bench/bench_report_import.py.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

EGE_METRICS = (
    "приняло участие, чел.",
    "не преодолен min порог, чел.",
    "высокобалльники (80-99 баллов), чел.",
    "получили 100 баллов, чел.",
    "средний балл",
)

#: Values of one subject at one school: (participants, below min, 80–99, 100, mean); None = did not sit.
Values = tuple[object, object, object, object, object] | None


@dataclass
class SchoolRow:
    municipality: str  # as the file writes it (an authority's name or the municipality's)
    name: str
    values: dict[str, Values]
    profile: str | None = None
    total: int | None = None


@dataclass
class Sheet:
    name: str
    year: int
    rows: list[SchoolRow]
    subjects: Sequence[str]
    metrics: Sequence[str] = EGE_METRICS
    title: str | None = None
    municipality_style: str = "every_row"  # or "own_row"
    number_row: bool = True
    totals: bool = True
    registrations: bool = False
    extra_rows: list[list[object]] = field(default_factory=list)


def _title(sheet: Sheet) -> str:
    if sheet.title is not None:
        return sheet.title
    what = "о регистрации на ЕГЭ" if sheet.registrations else "о результатах ЕГЭ"
    return f"Информация {what} выпускников школ в {sheet.year} году"


def write_sheet(ws: object, sheet: Sheet) -> None:
    ws.title = sheet.name  # type: ignore[attr-defined]
    append = ws.append  # type: ignore[attr-defined]
    append([_title(sheet)])
    append(["Забайкальский край (тестовые данные)"])
    append([])
    lead = [
        "Муниципальное образование",
        "Образовательная организация (школа)",
        "Профиль (при наличии)",
        "Всего выпускников 11 классов, принявших участие в ЕГЭ, чел.",
    ]
    metrics = ["зарегистрировано, чел."] if sheet.registrations else list(sheet.metrics)
    top: list[object] = list(lead)
    second: list[object] = [None] * len(lead)
    for subject in sheet.subjects:
        top += [subject] + [None] * (len(metrics) - 1)
        second += metrics
    append(top)
    append(second)
    header_row = 4
    merge = ws.merge_cells  # type: ignore[attr-defined]
    for i in range(len(lead)):
        letter = get_column_letter(i + 1)
        merge(f"{letter}{header_row}:{letter}{header_row + 1}")
    for k in range(len(sheet.subjects)):
        first = len(lead) + k * len(metrics) + 1
        if len(metrics) > 1:
            merge(
                f"{get_column_letter(first)}{header_row}:{get_column_letter(first + len(metrics) - 1)}{header_row}"
            )
    if sheet.number_row:
        append(list(range(1, len(top) + 1)))
    current = None
    for row in sheet.rows:
        if sheet.municipality_style == "own_row" and row.municipality != current:
            current = row.municipality
            append([row.municipality])  # the municipality's own row; its schools leave the cell empty
        cells: list[object] = [
            row.municipality if sheet.municipality_style == "every_row" else None,
            row.name,
            row.profile,
            row.total,
        ]
        for subject in sheet.subjects:
            values = row.values.get(subject)
            if sheet.registrations:
                cells.append(values[0] if values else None)
            elif values is None:
                cells += ["X"] * len(metrics)
            else:
                cells += list(values)[: len(metrics)]
        append(cells)
    for extra in sheet.extra_rows:
        append(extra)
    if sheet.totals:
        append(["ВСЕГО по региону", 48, None, None] + [None] * (len(top) - 4))


def workbook(sheets: Sequence[Sheet]) -> bytes:
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    for sheet in sheets:
        write_sheet(wb.create_sheet(), sheet)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- a small two-municipality report used across the tests ----------------------------------------------------

CHITA = 'Комитет образования администрации городского округа "Город Чита"'
AGINSK = "Управление образования администрации муниципального района «Агинский район»"
SUBJECTS = ("Русский язык", "Математика профильная", "Математика базовая", "Информатика и ИКТ (КЕГЭ)")


def small_report(*, year: int = 2023, style: str = "every_row", drift: bool = False) -> list[SchoolRow]:
    """Four schools of two municipalities; values chosen to exercise every rule (see the tests)."""
    s1 = "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 1»"
    s11 = 'МБОУ "СОШ № 11 с.Волочаевка"' if not drift else "мбоу  «сош №11  с. Волочаевка»"
    return [
        SchoolRow(
            CHITA,
            s1 if not drift else s1.upper(),
            {
                "Русский язык": (52, 0, 14, 1, 71.540000000000006),
                "Математика профильная": (30, 2, 5, 0, 62.5),
                "Математика базовая": (22, 1, "х", "-", 4.21),
                "Информатика и ИКТ (КЕГЭ)": (0, 0, 0, 0, 0),  # did not sit: zeros
            },
            total=52,
        ),
        SchoolRow(
            CHITA,
            "МАОУ «Лицей № 2»",
            {
                "Русский язык": (80, 0, 31, 3, 80.25),
                "Математика профильная": (61, 0, 20, 1, 70),
                "Математика базовая": None,  # «X» in every cell
                "Информатика и ИКТ (КЕГЭ)": (25, 1, 9, 0, "71,5"),
            },
            profile="физико-математический",
            total=80,
        ),
        SchoolRow(
            AGINSK,
            s11,
            {
                "Русский язык": (9, 1, 0, 0, 58),
                "Математика профильная": (3, "—", None, None, 44.333333333333336),
                "Математика базовая": (6, 0, None, None, "3,83"),
                "Информатика и ИКТ (КЕГЭ)": (None, None, None, None, None),
            },
            total=9,
        ),
        SchoolRow(
            AGINSK,
            'МБОУ "Агинская СОШ № 4"',
            {
                "Русский язык": (40, 1, 6, 0, 66.1),
                "Математика профильная": (21, 3, 2, 0, 51.7),
                "Математика базовая": (19, 0, None, None, 4.05),
                "Информатика и ИКТ (КЕГЭ)": (4, 0, 1, 0, 60),
            },
            total=40,
        ),
    ]


ALL_SUBJECTS = (
    "Русский язык",
    "Математика профильная",
    "Математика базовая",
    "Физика",
    "Химия",
    "Информатика и ИКТ (КЕГЭ)",
    "Биология",
    "История",
    "География",
    "Обществознание",
    "Литература",
    "Английский язык",
    "Английский язык (устный)",
    "Немецкий язык",
    "Немецкий язык (устный)",
    "Французский язык",
    "Французский язык (устный)",
    "Китайский язык",
    "Китайский язык (устный)",
    "Иностранные языки",
)


def big_report(
    n_schools: int, n_subjects: int = 20, *, seed: int = 1, municipalities: int = 30
) -> list[SchoolRow]:
    """``n_schools`` schools over ``municipalities`` municipalities, ``n_subjects`` subjects each (the bench's
    1,000 × 20 × 5 report); about one subject in ten not sat («X»)."""
    import random

    rng = random.Random(seed)
    rows = []
    for i in range(n_schools):
        values: dict[str, Values] = {}
        for subject in ALL_SUBJECTS[:n_subjects]:
            if rng.random() < 0.1:
                values[subject] = None
                continue
            n = rng.randint(3, 120)
            low = rng.randint(0, n // 5)
            high = rng.randint(0, (n - low) // 3)
            top = rng.randint(0, min(2, n - low - high))
            mean = (
                round(rng.uniform(3.0, 4.9), 2)
                if subject == "Математика базовая"
                else round(rng.uniform(35, 85), 2)
            )
            values[subject] = (
                n,
                low,
                None if subject == "Математика базовая" else high,
                None if subject == "Математика базовая" else top,
                mean,
            )
        rows.append(
            SchoolRow(
                f"Управление образования администрации муниципального района «Район {i % municipalities + 1}»",
                f'МБОУ "СОШ № {i // municipalities + 1} с. Село-{i % municipalities + 1}"',
                values,
            )
        )
    return rows
