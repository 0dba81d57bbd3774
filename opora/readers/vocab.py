"""Codes of procedures and subjects, and the Russian names users type for them."""

from __future__ import annotations

from opora.readers.common import norm, shown

PROCEDURE_NAMES = {
    "впр": "vpr",
    "огэ": "oge",
    "егэ": "ege",
    "кдр": "kdr",
    "vpr": "vpr",
    "oge": "oge",
    "ege": "ege",
    "kdr": "kdr",
    "гиа-9": "oge",
    "гиа-11": "ege",
}

#: Subject codes and the names that map to them (matched after normalisation).
SUBJECTS: dict[str, tuple[str, ...]] = {
    "rus": ("русский язык", "русский", "рус"),
    "math": ("математика", "мат", "алгебра"),
    "math_profile": ("математика профильная", "математика (профильный уровень)", "профильная математика"),
    "math_base": ("математика базовая", "математика (базовый уровень)", "базовая математика"),
    "env": ("окружающий мир",),
    "hist": ("история",),
    "soc": ("обществознание",),
    "bio": ("биология",),
    "geo": ("география",),
    "phys": ("физика",),
    "chem": ("химия",),
    "inf": ("информатика", "информатика и икт"),
    "lit": ("литература",),
    "litread": ("литературное чтение",),
    "foreign": ("иностранный язык", "английский язык", "немецкий язык", "французский язык"),
    "read": ("читательская грамотность", "чг", "кдр чг"),
    "sci": ("естественнонаучная грамотность", "енг"),
    "mathlit": ("математическая грамотность", "мг"),
}
_SUBJECT_LOOKUP = {norm(name): code for code, names in SUBJECTS.items() for name in (code, *names)}


def procedure_code(text: str) -> tuple[str | None, str | None]:
    code = PROCEDURE_NAMES.get(norm(text))
    if code is None:
        return None, f"неизвестная процедура «{shown(text)}»: ожидается ВПР, ОГЭ, ЕГЭ или КДР"
    return code, None


def subject_code(text: str) -> tuple[str | None, str | None]:
    code = _SUBJECT_LOOKUP.get(norm(text))
    if code is None:
        return None, f"неизвестный предмет «{shown(text)}» (список предметов — в docs/import-formats.md)"
    return code, None
