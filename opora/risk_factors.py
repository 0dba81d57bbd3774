"""Risk factors of a school (SEED-B Прил. 1–2; docs/methodology.md R7, rule at_risk, and M3).

Six factors are computed from a school's risk inputs: the five of the municipal monitoring programme (Прил. 1)
and the lack of computer equipment named by the order's risk-zone rule (Прил. 2). Which of them count towards the
risk zone, and how many are needed, is configured (``categories.risk_factors``, ``categories.risk_min_factors``;
by default the order's rule: at least two of no stable Internet, not enough computers, staff shortage).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl

from opora.catalogue import RISK_FACTORS, RISK_INPUTS
from opora.config import CategoryRules
from opora.errors import AnalyticsError

__all__ = ["RISK_FACTORS", "RiskFlag", "RiskFlags", "factor_texts", "risk_flag_frame", "risk_flags"]


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


_INPUT_TYPES = {
    "staff_vacancies": pl.Float64,
    "internet_mbps": pl.Float64,
    "share_category_first_highest": pl.Float64,
    "share_trained_3y": pl.Float64,
    "equipment_complete": pl.Boolean,
    "computers_sufficient": pl.Boolean,
}


def _static(rules: CategoryRules) -> dict[str, tuple[float | bool, str]]:
    """Each factor's threshold and its words."""
    return {
        "staff_vacancies": (float(rules.vacancies_max), f"вакансий больше {rules.vacancies_max}"),
        "internet_slow": (rules.internet_min_mbps, f"менее {_num(rules.internet_min_mbps)} Мбит/с"),
        "low_categories": (rules.categories_min_share, f"менее {_num(rules.categories_min_share)} %"),
        "low_training": (rules.trained_min_share, f"менее {_num(rules.trained_min_share)} %"),
        "equipment_gap": (True, "не все предметы оснащены по ООП"),
        "computers_lacking": (True, "компьютерной техники недостаточно"),
    }


def _flag_exprs(rules: CategoryRules) -> dict[str, pl.Expr]:
    return {
        "staff_vacancies": pl.col("staff_vacancies") > rules.vacancies_max,
        "internet_slow": pl.col("internet_mbps") < rules.internet_min_mbps,
        "low_categories": pl.col("share_category_first_highest") < rules.categories_min_share,
        "low_training": pl.col("share_trained_3y") < rules.trained_min_share,
        "equipment_gap": (~pl.col("equipment_complete")) & rules.equipment_required,
        "computers_lacking": ~pl.col("computers_sufficient"),
    }


def risk_flag_frame(risk: pl.DataFrame, rules: CategoryRules, *, year: int) -> pl.DataFrame:
    """Each school's latest risk row of a year ≤ ``year`` with the inputs and a boolean ``f_<code>`` per factor
    (null when the input is missing), sorted by school."""
    if "school_id" not in risk.columns:
        raise AnalyticsError("В таблице факторов риска нет обязательного столбца «school_id».")
    frame = risk.with_columns(pl.col("school_id").cast(pl.String))
    if "year" in frame.columns:
        frame = frame.filter(pl.col("year").cast(pl.Int32) <= year).sort("school_id", "year")
    else:
        frame = frame.sort("school_id")
    frame = frame.unique("school_id", keep="last", maintain_order=True)
    for name, dtype in _INPUT_TYPES.items():
        frame = frame.with_columns(
            pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype=dtype).alias(name)
        )
    return frame.select(
        "school_id",
        *_INPUT_TYPES,
        *[expr.alias(f"f_{code}") for code, expr in _flag_exprs(rules).items()],
    )


def factor_texts(rules: CategoryRules) -> dict[str, pl.Expr]:
    """Per factor, an expression «название: значение (порог)» over a risk_flag_frame."""
    from opora.reasons import fmt_expr

    static = _static(rules)

    def number(col: str, unit: str) -> pl.Expr:
        c = pl.col(col)
        whole = (c.round(1) == c.round(0)).fill_null(False)
        return pl.when(whole).then(fmt_expr(c, 0)).otherwise(fmt_expr(c, 1)) + pl.lit(unit)

    value = {
        "staff_vacancies": number("staff_vacancies", ""),
        "internet_slow": number("internet_mbps", " Мбит/с"),
        "low_categories": number("share_category_first_highest", " %"),
        "low_training": number("share_trained_3y", " %"),
    }
    out = {}
    for code, label in RISK_FACTORS.items():
        if code in ("equipment_gap", "computers_lacking"):
            out[code] = pl.lit(static[code][1])  # a yes/no input: the words say it all
        else:
            name = label[0].lower() + label[1:]
            out[code] = pl.lit(name + ": ") + value[code] + pl.lit(f" ({static[code][1]})")
    return out


class RiskFlags(Mapping[str, list[RiskFlag]]):
    """``school_id → [RiskFlag, …]`` (one per factor, in RISK_FACTORS order) over a risk_flag_frame; a school's
    flags are made when it is looked up."""

    def __init__(self, frame: pl.DataFrame, rules: CategoryRules, schools: set[str] | None = None) -> None:
        self.frame = frame if schools is None else frame.filter(pl.col("school_id").is_in(list(schools)))
        self._static = _static(rules)
        ids = self.frame["school_id"].to_list()
        self._row = {sid: i for i, sid in enumerate(ids)}
        self._cache: dict[str, list[RiskFlag]] = {}

    def __getitem__(self, school_id: str) -> list[RiskFlag]:
        if school_id in self._cache:
            return self._cache[school_id]
        i = self._row[school_id]
        row = self.frame.row(i, named=True)
        flags = []
        for code, label in RISK_FACTORS.items():
            threshold, text = self._static[code]
            value = row[RISK_INPUTS[code]]
            if isinstance(value, float) and np.isnan(value):
                value = None
            flags.append(RiskFlag(code, label, value, threshold, text, row[f"f_{code}"]))
        self._cache[school_id] = flags
        return flags

    def __iter__(self) -> Iterator[str]:
        return iter(self._row)

    def __len__(self) -> int:
        return len(self._row)


def risk_flags(risk: pl.DataFrame, rules: CategoryRules, *, year: int) -> Mapping[str, list[RiskFlag]]:
    """Each school's six flags from its latest risk row of a year ≤ ``year``.

    A factor holds when: vacancies > ``vacancies_max`` (0); Internet < ``internet_min_mbps`` (50 Мбит/с);
    share of teachers with the first or highest category < ``categories_min_share`` (70 %); share trained in
    the last 3 years < ``trained_min_share`` (95 %); equipment incomplete; computer equipment not sufficient.
    A missing value gives flag None (not counted).
    """
    if risk.height == 0:
        return {}
    return RiskFlags(risk_flag_frame(risk, rules, year=year), rules)
