"""Mapping presets: a coordinator marks a layout the reader does not recognise once; the preset is applied to every
later file with the same header (opora.readers.layout.signature_at). Municipal presets are edited by the
municipality's coordinator, region presets by the regional coordinator. Saves are audited and refuse stale edits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from opora.readers.common import Grid
from opora.readers.layout import column_letter, signature_at
from opora.readers.metrics import METRIC_LABELS
from opora.readers.vocab import SUBJECTS
from portal.audit.services import actor, record, snapshot
from portal.lib import stale
from portal.results.models import MappingPreset
from portal.schools.models import Municipality, Region

#: Subject choices of the mapping form, with Russian labels (codes never shown).
SUBJECT_CHOICES = [(code, names[0][0].upper() + names[0][1:]) for code, names in SUBJECTS.items()]
METRIC_CHOICES = [(k, v) for k, v in METRIC_LABELS.items()]
PROCEDURE_CHOICES = [("ege", "ЕГЭ"), ("oge", "ОГЭ"), ("vpr", "ВПР"), ("kdr", "КДР")]
LABELS = {"name": "Название", "mapping": "Сопоставление столбцов"}


class MappingInvalid(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class Column:
    """One column of the form: its letter, its header texts, the subject and metric chosen."""

    index: int
    letter: str
    header: str
    subject: str
    metric: str


def columns_of(header_rows: list[list[str | None]], mapping: Mapping[str, Any] | None) -> list[Column]:
    width = max((len(r) for r in header_rows), default=0)
    chosen: dict[int, tuple[str, str]] = {}
    for block in (mapping or {}).get("blocks") or ():
        for metric, p in dict(block["columns"]).items():
            chosen[int(p)] = (str(block["subject"]), str(metric))
    out = []
    for p in range(width):
        texts = [r[p] for r in header_rows if p < len(r) and r[p]]
        subject, metric = chosen.get(p, ("", ""))
        out.append(Column(p, column_letter(p), " / ".join(t or "" for t in texts), subject, metric))
    return out


def mapping_from(data: Mapping[str, str], width: int) -> dict[str, Any]:
    """The preset's mapping from the form's fields; raises MappingInvalid with Russian reasons."""
    problems: list[str] = []

    def column(name: str, label: str, required: bool) -> int | None:
        value = (data.get(name) or "").strip()
        if not value:
            if required:
                problems.append(f"Укажите столбец: {label}.")
            return None
        if not value.isdigit() or int(value) >= width:
            problems.append(f"Столбец «{label}»: нет такого столбца.")
            return None
        return int(value)

    school = column("school", "школа (название образовательной организации)", True)
    municipality = column("municipality", "муниципалитет", False)
    code = column("code", "код ОО", False)
    blocks: dict[str, dict[str, int]] = {}
    subjects = dict(SUBJECT_CHOICES)
    for p in range(width):
        subject = (data.get(f"subject-{p}") or "").strip()
        metric = (data.get(f"metric-{p}") or "").strip()
        if not subject and not metric:
            continue
        if subject not in subjects or metric not in METRIC_LABELS:
            problems.append(
                f"Столбец {column_letter(p)}: выберите и предмет, и показатель (или ни того, ни другого)."
            )
            continue
        if metric in blocks.setdefault(subject, {}):
            problems.append(
                f"Столбец {column_letter(p)}: показатель «{METRIC_LABELS[metric]}» предмета «{subjects[subject]}» уже "
                f"указан в столбце {column_letter(blocks[subject][metric])}."
            )
            continue
        if p in (school, municipality, code):
            problems.append(
                f"Столбец {column_letter(p)} уже указан как столбец школы, муниципалитета или кода."
            )
            continue
        blocks[subject][metric] = p
    if not blocks:
        problems.append(
            "Отметьте хотя бы один столбец с предметом и показателем (например, «приняло участие»)."
        )
    for subject, cols in blocks.items():
        if "n" not in cols:
            problems.append(
                f"Предмет «{subjects[subject]}»: отметьте столбец числа участников («приняло участие»)."
            )
    procedure = (data.get("procedure") or "").strip()
    if procedure and procedure not in dict(PROCEDURE_CHOICES):
        problems.append("Выберите процедуру из списка.")
    if problems:
        raise MappingInvalid(problems)
    return {
        "header_rows": 1,
        "school": school,
        "municipality": municipality,
        "code": code,
        "profile": None,
        "blocks": [
            {"subject": s, "label": subjects[s], "grade": None, "columns": cols, "shares": []}
            for s, cols in blocks.items()
        ],
        "procedure": procedure or None,
    }


def header_rows(data: Mapping[str, str], grid: Grid) -> tuple[int, int]:
    """Indexes (in grid.rows) of the first and last header rows the form marks (Excel row numbers)."""
    numbers = {number: i for i, (number, _) in enumerate(grid.rows)}
    try:
        first, last = int(data.get("header_first") or 0), int(data.get("header_last") or 0)
    except ValueError:
        raise MappingInvalid(["Строки заголовка — номера строк, как в Excel."]) from None
    if first not in numbers or last not in numbers or last < first or last - first > 5:
        raise MappingInvalid(
            ["Строки заголовка: укажите первую и последнюю (не больше шести строк), как в Excel."]
        )
    return numbers[first], numbers[last]


def create(
    *,
    region: Region,
    municipality: Municipality | None,
    name: str,
    grid: Grid,
    start: int,
    end: int,
    mapping: dict[str, Any],
    by: Any,
) -> MappingPreset:
    if not name.strip():
        raise MappingInvalid(["Назовите шаблон, например «Отчёт министерства края по ЕГЭ»."])
    mapping = {**mapping, "header_rows": end - start + 1}
    header = [list(cells) for _, cells in grid.rows[start : end + 1]]
    with transaction.atomic():
        preset = MappingPreset.objects.create(
            region=region,
            municipality=municipality,
            name=name.strip()[:200],
            signature=signature_at(grid, start, end - start + 1),
            mapping=mapping,
            header=header,
            created_by=actor(by),
        )
        record(preset, "results.preset.created", by=by, after=snapshot(preset))
    return preset


def form_state(preset: MappingPreset) -> dict[str, Any]:
    return {"name": preset.name, "mapping": preset.mapping}


def update(
    preset: MappingPreset, *, name: str, mapping: dict[str, Any], expected: str | None, by: Any
) -> MappingPreset:
    if not name.strip():
        raise MappingInvalid(["Название не может быть пустым."])
    with transaction.atomic():
        locked = MappingPreset.objects.select_for_update().get(pk=preset.pk)
        stale.check(expected, form_state(locked), LABELS)
        before = snapshot(locked)
        locked.name = name.strip()[:200]
        locked.mapping = {**mapping, "header_rows": int(locked.mapping.get("header_rows") or 1)}
        locked.save()
        record(locked, "results.preset.changed", by=by, before=before, after=snapshot(locked))
    return locked


def delete(preset: MappingPreset, *, by: Any) -> None:
    with transaction.atomic():
        record(preset, "results.preset.deleted", by=by, before=snapshot(preset))
        preset.delete()
