"""The five municipal risk factors of a school (SEED-B Прил. 1–2; docs/methodology.md R7, rule at_risk)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import polars as pl

from opora.config import CategoryRules
from opora.errors import AnalyticsError

__all__ = ["RISK_FACTORS", "RiskFlag", "risk_flags"]

#: Risk-factor codes in the order of SEED-B Прил. 2, with their Russian labels (shown at the edge).
RISK_FACTORS: Final = {
    "staff_vacancies": "Дефицит педагогических кадров (наличие вакансий)",
    "internet_slow": "Низкий уровень Интернета",
    "low_categories": "Низкая доля педагогов с первой и высшей категориями",
    "low_training": "Низкая доля педагогов, прошедших повышение квалификации за 3 года",
    "equipment_gap": "Недостаточность материально-технического оснащения",
}


@dataclass(frozen=True, slots=True)
class RiskFlag:
    """One factor of one school: ``flag`` is True/False, or None when the input value is missing."""

    code: str
    label: str
    value: float | bool | None
    threshold: float | bool
    threshold_text: str
    flag: bool | None


def _num(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def risk_flags(risk: pl.DataFrame, rules: CategoryRules, *, year: int) -> dict[str, list[RiskFlag]]:
    """Each school's five flags from its latest RISK_SCHEMA row of a year ≤ ``year``.

    A factor holds when: vacancies > ``vacancies_max`` (0); Internet < ``internet_min_mbps`` (50 Мбит/с);
    share of teachers with the first or highest category < ``categories_min_share`` (70 %); share trained in
    the last 3 years < ``trained_min_share`` (95 %); equipment incomplete. A missing value gives flag None
    (not counted).
    """
    if risk.height == 0:
        return {}
    if "school_id" not in risk.columns:
        raise AnalyticsError("В таблице факторов риска нет обязательного столбца «school_id».")
    frame = risk
    if "year" in frame.columns:
        frame = frame.filter(pl.col("year").cast(pl.Int32) <= year).sort("school_id", "year")
    frame = frame.unique("school_id", keep="last", maintain_order=True)
    for name, dtype in (
        ("staff_vacancies", pl.Float64),
        ("internet_mbps", pl.Float64),
        ("share_category_first_highest", pl.Float64),
        ("share_trained_3y", pl.Float64),
        ("equipment_complete", pl.Boolean),
    ):
        frame = frame.with_columns(
            pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype=dtype).alias(name)
        )
    # Flags are computed column-wise; only the small RiskFlag objects are built row by row.
    flags = frame.select(
        pl.col("school_id").cast(pl.String),
        pl.col("staff_vacancies"),
        (pl.col("staff_vacancies") > rules.vacancies_max).alias("f1"),
        pl.col("internet_mbps"),
        (pl.col("internet_mbps") < rules.internet_min_mbps).alias("f2"),
        pl.col("share_category_first_highest"),
        (pl.col("share_category_first_highest") < rules.categories_min_share).alias("f3"),
        pl.col("share_trained_3y"),
        (pl.col("share_trained_3y") < rules.trained_min_share).alias("f4"),
        pl.col("equipment_complete"),
        ((~pl.col("equipment_complete")) & rules.equipment_required).alias("f5"),
    )
    static = _static(rules)
    out: dict[str, list[RiskFlag]] = {}
    for row in flags.iter_rows():
        out[row[0]] = [
            RiskFlag(code, label, row[1 + 2 * k], threshold, text, row[2 + 2 * k])
            for k, (code, label, threshold, text) in enumerate(static)
        ]
    return out


def _static(rules: CategoryRules) -> list[tuple[str, str, float | bool, str]]:
    return [
        (
            "staff_vacancies",
            RISK_FACTORS["staff_vacancies"],
            float(rules.vacancies_max),
            f"вакансий больше {rules.vacancies_max}",
        ),
        (
            "internet_slow",
            RISK_FACTORS["internet_slow"],
            rules.internet_min_mbps,
            f"менее {_num(rules.internet_min_mbps)} Мбит/с",
        ),
        (
            "low_categories",
            RISK_FACTORS["low_categories"],
            rules.categories_min_share,
            f"менее {_num(rules.categories_min_share)} %",
        ),
        (
            "low_training",
            RISK_FACTORS["low_training"],
            rules.trained_min_share,
            f"менее {_num(rules.trained_min_share)} %",
        ),
        ("equipment_gap", RISK_FACTORS["equipment_gap"], True, "не все предметы оснащены по ООП"),
    ]
