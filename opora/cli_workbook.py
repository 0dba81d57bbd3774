"""The command line's Excel workbook of a run: every sheet a Russian table (docs/methodology.md, «Выгрузки»)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

import polars as pl

from opora.config import IdentificationConfig
from opora.export import xlsx_bytes
from opora.params import CATEGORY_LABELS, params_table

__all__ = ["SCHOOL_HEADERS", "workbook"]

#: Russian headers of the «Школы» sheet (columns of the CLI's table).
SCHOOL_HEADERS: Final = {
    "school_id": "Код ОО",
    "in_fit": "В выборке модели",
    "results_index": "Индекс результатов",
    "context_index": "Индекс контекста",
    "n_components": "Групп процедур",
    "n_participants": "Участников",
    "n_variables": "Переменных контекста",
    "expected": "Ожидаемое значение",
    "residual": "Остаток",
    "std_residual": "Стандартизованный остаток",
    "studentized_residual": "Стьюдентизированный остаток",
    "leverage": "Рычаг",
    "ci_low": "ДИ среднего, от",
    "ci_high": "ДИ среднего, до",
    "pi_low": "Интервал прогноза, от",
    "pi_high": "Интервал прогноза, до",
    "shrinkage_lambda": "Коэффициент сжатия λ",
    "shrunk_residual": "Остаток со сжатием",
    "trend_drop": "Снижение индекса по тренду",
    "risk_factor_count": "Факторов риска",
    "categories": "Категории",
    "reasons": "Обоснование",
    "excluded": "Причина исключения",
    "official": "Официальный список",
    "agree": "Совпадает с официальным",
}
_CATEGORY_SHORT: Final = {**CATEGORY_LABELS, "at_risk": "зона риска"}


def _cell(column: str, value: Any) -> Any:
    if isinstance(value, bool):
        return "да" if value else "нет"
    if column in ("categories", "official") and isinstance(value, str):
        return "; ".join(_CATEGORY_SHORT.get(c, c) for c in value.split(";") if c)
    return value


def workbook(
    table: pl.DataFrame,
    result: Any,
    models: Mapping[int, Mapping[str, Any]],
    exclusion_header: list[str],
    exclusion_rows: Callable[[pl.DataFrame], list[list[Any]]],
    model_rows: Callable[..., tuple[list[str], list[list[Any]]]],
    config: IdentificationConfig,
) -> bytes:
    """«Школы», «Обоснование», «Модель», «Исключения», «Параметры» as XLSX bytes (the same run, the same bytes)."""
    columns = table.columns
    schools = [[_cell(c, v) for c, v in zip(columns, row, strict=True)] for row in table.iter_rows()]
    reasons = [
        [
            sid,
            _CATEGORY_SHORT.get(r.category, r.category),
            "да" if r.fired else "нет (проверено, не сработало)",
            r.text_ru,
        ]
        for sid in table["school_id"].to_list()
        for r in result.reasons.get(sid, [])
    ]
    header, model = model_rows(models, result.model.years_skipped)
    return xlsx_bytes(
        [
            ("Школы", [SCHOOL_HEADERS.get(c, c) for c in columns], schools),
            ("Обоснование", ["Код ОО", "Категория", "Правило сработало", "Пояснение"], reasons),
            ("Модель", header, model),
            ("Исключения", exclusion_header, exclusion_rows(result.excluded)),
            (
                "Параметры",
                ["Раздел", "Параметр", "Значение", "По умолчанию"],
                params_table(config.to_mapping()),
            ),
        ]
    )
