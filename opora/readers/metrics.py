"""Metric names of regional reports («приняло участие», «не преодолен min порог», «средний балл», «2», «качество»…)
→ canonical columns, and the placeholders that mean «no value» in those reports."""

from __future__ import annotations

import re

from opora.readers.common import norm

__all__ = [
    "COUNT_METRICS",
    "METRIC_LABELS",
    "PLACEHOLDERS",
    "REGISTRATION",
    "is_share_header",
    "metric_of",
]

#: Canonical metric → its Russian label (for messages, the CLI summary and the mapping form).
METRIC_LABELS: dict[str, str] = {
    "n": "приняло участие",
    "n_below_min": "не преодолели минимальный порог",
    "n_80_99": "80–99 баллов",
    "n_100": "100 баллов",
    "mean_score": "средний балл",
    "mean_mark": "средняя отметка",
    "mean_pct": "средний % выполнения",
    "n_2": "«2»",
    "n_3": "«3»",
    "n_4": "«4»",
    "n_5": "«5»",
    "pass_share": "успеваемость, %",
    "quality_share": "качество, %",
    "n_insufficient": "недостаточный уровень",
    "n_reduced": "пониженный уровень",
    "n_basic": "базовый уровень",
    "n_advanced": "повышенный уровень",
}
#: Metrics that count participants (integers, never more than ``n``).
COUNT_METRICS = (
    "n_below_min",
    "n_80_99",
    "n_100",
    "n_2",
    "n_3",
    "n_4",
    "n_5",
    "n_insufficient",
    "n_reduced",
    "n_basic",
    "n_advanced",
)
#: A column of registrations for the exam (not results): a sheet of only these is skipped.
REGISTRATION = "registered"

#: Cell texts that mean «no value» (compared after strip and lower-casing): Latin and Cyrillic x, dashes.
PLACEHOLDERS = frozenset(
    {"x", "х", "-", "—", "–", "−", "‒", "--", "н/д", "нд", "*", "/", "нет", "не сдавали"}
)

_NOISE = re.compile(r"\b(?:чел|человек|кол-во|количество|число|доля|ед|абс)\b")


def is_share_header(text: str) -> bool:
    """The column gives shares in %, not counts: «% «2»», «доля «5», %», «качество, %»."""
    lowered = text.lower()
    return "%" in lowered or "доля" in lowered or "процент" in lowered


def metric_of(text: str) -> str | None:
    """The canonical metric a header cell names, or None (also for a subject name or a column number)."""
    key = norm(text.replace("-", " - "))
    if not key:
        return None
    squeezed = _NOISE.sub(" ", key)
    squeezed = re.sub(r"\s+", " ", squeezed).strip()
    if any(w in key for w in ("зарегистр", "заявлен", "заявок", "заявк", "выбрал", "регистрац")):
        return REGISTRATION
    if "100 балл" in key or "стобалл" in key or squeezed in ("100", "получили 100"):
        return "n_100"
    if "высокобалл" in key or re.search(r"\b80\b.*\b99\b", key) or "от 80" in key or "80 и выше" in key:
        return "n_80_99"
    if (
        ("не преодол" in key)
        or ("ниже мин" in key)
        or ("не набрал" in key)
        or ("min порог" in key and "не " in key)
        or "не сдали" in key
        or "не прошли порог" in key
    ):
        return "n_below_min"
    if "средн" in key:
        if "отметк" in key or "оценк" in key:
            return "mean_mark"
        if "выполн" in key or "%" in text:
            return "mean_pct"
        return "mean_score"
    if "выполнени" in key:
        return "mean_pct"
    if "успеваем" in key:
        return "pass_share"
    if "качеств" in key:
        return "quality_share"
    for word, metric in (
        ("недостаточн", "n_insufficient"),
        ("пониженн", "n_reduced"),
        ("базов", "n_basic"),
        ("повышенн", "n_advanced"),
    ):
        if (word in key and "уров" in key) or key.startswith(word):
            return metric
    if any(w in key for w in ("приняло участ", "приняли участ", "участник", "сдавал", "писал", "явил")):
        return "n"
    mark = re.sub(r"\b(?:отметка|отметки|оценка|оценки|получили|на|кол-во)\b", " ", squeezed).split()
    if mark in (["2"], ["3"], ["4"], ["5"]):
        return f"n_{mark[0]}"
    return None
