"""Codes of procedures and subjects, and the Russian names users type for them."""

from __future__ import annotations

import re

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

#: Subject codes and the names that map to them (matched after normalisation); the first name is the label.
#: Regional reports write subjects many ways: «Математика (профиль)», «Информатика и ИКТ (КЕГЭ)», «ИКТ»,
#: «Английский язык (устный)»; each language of a report is its own subject, «Иностранные языки» their sum.
SUBJECTS: dict[str, tuple[str, ...]] = {
    "rus": ("русский язык", "русский", "рус"),
    "math": ("математика", "мат", "алгебра"),
    "math_profile": (
        "математика профильная",
        "математика (профильный уровень)",
        "профильная математика",
        "математика (профиль)",
        "математика профиль",
        "математика профильного уровня",
        "математика п",
        "математика (п)",
    ),
    "math_base": (
        "математика базовая",
        "математика (базовый уровень)",
        "базовая математика",
        "математика (база)",
        "математика база",
        "математика (базовая)",
        "математика базового уровня",
        "математика б",
        "математика (б)",
    ),
    "env": ("окружающий мир",),
    "hist": ("история", "история россии"),
    "soc": ("обществознание",),
    "bio": ("биология",),
    "geo": ("география",),
    "phys": ("физика",),
    "chem": ("химия",),
    "inf": (
        "информатика",
        "информатика и икт",
        "икт",
        "информатика и икт (кегэ)",
        "информатика (кегэ)",
        "кегэ",
        "информатика кегэ",
    ),
    "lit": ("литература",),
    "litread": ("литературное чтение",),
    "foreign": ("иностранный язык", "иностранные языки", "иностранный язык (письменная часть)"),
    "eng": (
        "английский язык",
        "английский",
        "английский язык (письменный)",
        "английский язык (письменная часть)",
    ),
    "eng_oral": ("английский язык (устный)", "английский язык (устная часть)", "английский язык устный"),
    "deu": ("немецкий язык", "немецкий", "немецкий язык (письменный)", "немецкий язык (письменная часть)"),
    "deu_oral": ("немецкий язык (устный)", "немецкий язык (устная часть)"),
    "fra": ("французский язык", "французский", "французский язык (письменный)"),
    "fra_oral": ("французский язык (устный)", "французский язык (устная часть)"),
    "spa": ("испанский язык", "испанский", "испанский язык (письменный)"),
    "spa_oral": ("испанский язык (устный)", "испанский язык (устная часть)"),
    "chi": ("китайский язык", "китайский", "китайский язык (письменный)"),
    "chi_oral": ("китайский язык (устный)", "китайский язык (устная часть)"),
    "read": ("читательская грамотность", "чг", "кдр чг"),
    "sci": ("естественнонаучная грамотность", "енг"),
    "mathlit": ("математическая грамотность", "мг"),
}
_SUBJECT_LOOKUP = {norm(name): code for code, names in SUBJECTS.items() for name in (code, *names)}


def find_subject(text: str) -> str | None:
    """The subject a report's header names, or None: «Русский язык, 9 класс», «Математика (профиль), чел.»."""
    key = norm(text)
    if key in _SUBJECT_LOOKUP:
        return _SUBJECT_LOOKUP[key]
    key = re.sub(r"\b\d{1,2} ?(?:класс|классы|кл)\b|\bчел\b|\bегэ\b|\bогэ\b|\bвпр\b|\bкдр\b", " ", key)
    key = re.sub(r"\s+", " ", key).strip()
    if key in _SUBJECT_LOOKUP:
        return _SUBJECT_LOOKUP[key]
    return None


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
