"""Excel export of an identification run: schools, reasons, the model of each year, exclusions and parameters —
every sheet a Russian table (categories by name, no JSON), written by the core's byte-identical writer."""

from __future__ import annotations

from typing import Any

from opora.export import EXCLUSION_HEADER, model_rows, xlsx_bytes
from opora.inputs import STAGE_LABELS
from opora.params import params_table
from portal.identification.models import IdentificationRun, category_label

SCHOOL_COLUMNS = [
    ("Школа", lambda o: o.school.short_name),
    ("Код ОО", lambda o: o.school.code),
    ("Индекс результатов", lambda o: o.results_index),
    ("Индекс контекста", lambda o: o.context_index),
    ("Ожидаемое значение", lambda o: o.expected),
    ("Остаток", lambda o: o.residual),
    ("Стандартизованный остаток", lambda o: o.std_residual),
    ("Стьюдентизированный остаток", lambda o: o.studentized_residual),
    ("ДИ среднего, от", lambda o: o.ci_low),
    ("ДИ среднего, до", lambda o: o.ci_high),
    ("Интервал прогноза, от", lambda o: o.pi_low),
    ("Интервал прогноза, до", lambda o: o.pi_high),
    ("Остаток со сжатием", lambda o: o.shrunk_residual),
    ("Групп процедур", lambda o: o.n_components),
    ("Участников", lambda o: o.n_participants),
    ("Категории", lambda o: "; ".join(category_label(c) for c in o.categories) or "—"),
    ("Причина исключения", lambda o: o.excluded_reason or ""),
]

RULE_RESULT = {True: "да", False: "проверено, категория не присвоена"}


def run_xlsx(run: IdentificationRun, rows: list[dict[str, Any]]) -> bytes:
    has_official = any(r["has_official"] for r in rows)
    header = [name for name, _ in SCHOOL_COLUMNS] + (
        ["Официальный список", "Расхождение"] if has_official else []
    )
    table = []
    for r in rows:
        line = [get(r["o"]) for _, get in SCHOOL_COLUMNS]
        if has_official:
            line += ["; ".join(c["label"] for c in r["official"]) or "—", "да" if r["differs"] else "нет"]
        table.append(line)
    reasons = [
        [
            r["o"].school.short_name,
            category_label(reason.get("category", "")),
            RULE_RESULT[bool(reason.get("fired", True))],
            reason.get("text_ru", ""),
        ]
        for r in rows
        for reason in r["o"].reasons
    ]
    model = run.model or {}
    by_year = {int(y): m for y, m in (model.get("by_year") or {}).items()} or (
        {run.year: model} if model else {}
    )
    model_header, model_table = model_rows(by_year, model.get("years_skipped") or {})
    about = [
        ["Год идентификации", run.year, *([None] * (len(model_header) - 2))],
        ["Модель построена на", run.fit_description, *([None] * (len(model_header) - 2))],
        ["Версия данных (SHA-256)", run.data_version, *([None] * (len(model_header) - 2))],
    ]
    names = dict(run.municipality.schools.values_list("code", "short_name"))
    excluded = [
        [
            e.get("year"),
            names.get(e.get("school_id") or "", e.get("school_id") or "все школы"),
            STAGE_LABELS.get(e.get("stage") or "", "исключено"),
            e.get("column") or "",
            e.get("value") or "",
            e.get("reason") or "",
        ]
        for e in run.excluded or []
    ]
    return xlsx_bytes(
        [
            ("Школы", header, table),
            ("Обоснование", ["Школа", "Категория", "Правило сработало", "Пояснение"], reasons),
            ("Модель", model_header, about + model_table),
            ("Исключения", EXCLUSION_HEADER, excluded),
            ("Параметры", ["Раздел", "Параметр", "Значение", "По умолчанию"], params_table(run.config)),
        ]
    )
