"""Positive dynamics of a school's results from one year to the next (docs/methodology.md M1).

The source (Приложение 1, 7.1–7.6) asks whether a school «достигла положительной динамики» in a procedure without
defining it. Our rule, with every constant a parameter:

1. Take the school's cells (procedure × subject × grade) of the selection in year t−1 and year t; drop a cell with
   fewer than ``min_participants`` participants or without the statistic; keep only cells present in both years
   (*comparable cells*), so that a grade written one year only does not move the school's value.
2. The school's value in each year is the participant-weighted mean of the statistic over its comparable cells.
   The statistic is R1's unit statistic (``opora.indices.statistic_values``, one formula with the index):
   ``mean_pct``: mean per cent of the maximum primary score (ЕГЭ without it: the mean test score, a 100-point
   scale); ``low_share``: per cent of participants with the lowest result («2» for ВПР/ОГЭ, below the minimum
   score for ЕГЭ when a report gives that count, недостаточный + пониженный уровень for КДР).
3. improvement = current − previous for ``mean_pct``, previous − current for ``low_share`` (fewer low results is
   better). Positive dynamics ⇔ improvement ≥ ``min_delta`` percentage points (rounded to 1e-6 first, so that
   a decimal difference such as 61,5 − 59,5 is exactly 2). No comparable cell → ``None`` («нет данных»).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import polars as pl

from opora.errors import AnalyticsError
from opora.indices import statistic_values

__all__ = [
    "DEFAULT_MIN_DELTA",
    "DEFAULT_MIN_PARTICIPANTS",
    "DYNAMICS_COLUMNS",
    "DYNAMICS_GROUPS",
    "PROCEDURE_LABELS",
    "SUBJECT_ALIASES",
    "SUBJECT_LABELS",
    "DynamicsGroup",
    "Statistic",
    "groups_for",
    "positive_dynamics",
    "school_dynamics",
]

Statistic = Literal["mean_pct", "low_share"]

#: Minimum improvement, in percentage points of the statistic, that counts as positive dynamics.
DEFAULT_MIN_DELTA: Final = 2.0
#: A cell (school × procedure × subject × grade × year) with fewer participants is not compared.
DEFAULT_MIN_PARTICIPANTS: Final = 5

#: Canonical subject codes and the codes readers and the synthetic generator use for them.
SUBJECT_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "rus": ("rus", "ru", "russian"),
    "math": ("math", "ma", "ma_profile", "math_profile"),
    "read": ("read", "reading"),
    "sci": ("sci", "science"),
    "mathlit": ("mathlit", "math_literacy"),
}
SUBJECT_LABELS: Final = {
    "rus": "русский язык",
    "math": "математика",
    "read": "читательская грамотность",
    "sci": "естественнонаучная грамотность",
    "mathlit": "математическая грамотность",
}
PROCEDURE_LABELS: Final = {"vpr": "ВПР", "oge": "ОГЭ", "ege": "ЕГЭ", "kdr": "КДР"}
_STAT_LABELS: Final = {"mean_pct": "средний % выполнения", "low_share": "доля низких результатов, %"}

#: Output columns of :func:`positive_dynamics`.
DYNAMICS_COLUMNS: Final = (
    "school_id",
    "previous_year",
    "year",
    "previous",
    "current",
    "change",
    "improvement",
    "n_previous",
    "n_current",
    "cells",
    "positive",
    "rule_ru",
)


@dataclass(frozen=True)
class DynamicsGroup:
    """Which results an indicator (or subitem) of positive dynamics compares."""

    set_code: str
    indicator_id: str
    subitem: str | None
    procedure: str
    subjects: tuple[str, ...]
    grades: tuple[int, ...]
    statistic: Statistic = "mean_pct"

    @property
    def label_ru(self) -> str:
        subjects = ", ".join(SUBJECT_LABELS.get(s, s) for s in self.subjects)
        grades = f"{self.grades[0]}–{self.grades[-1]}" if len(self.grades) > 1 else str(self.grades[0])
        return f"{PROCEDURE_LABELS.get(self.procedure, self.procedure)}, {subjects}, {grades} кл."


def _g(
    set_code: str, ind: str, sub: str | None, proc: str, subjects: tuple[str, ...], grades: tuple[int, ...]
) -> DynamicsGroup:
    return DynamicsGroup(set_code, ind, sub, proc, subjects, grades)


#: The catalogue items computed from imported results. Subitem codes are the catalogue's
#: (order_2023_41: 7.1–7.6; program_2020: 12–15); 7.7 and program_2020 11, 17 are entered by schools.
DYNAMICS_GROUPS: Final[tuple[DynamicsGroup, ...]] = (
    _g("order_2023_41", "7.1", "math", "oge", ("math",), (9,)),
    _g("order_2023_41", "7.1", "russian", "oge", ("rus",), (9,)),
    _g("order_2023_41", "7.2", "math", "ege", ("math",), (11,)),
    _g("order_2023_41", "7.2", "russian", "ege", ("rus",), (11,)),
    _g("order_2023_41", "7.3", "math", "vpr", ("math",), (5, 6, 7)),
    _g("order_2023_41", "7.3", "russian", "vpr", ("rus",), (5, 6, 7)),
    _g("order_2023_41", "7.4", None, "kdr", ("read",), (4,)),
    _g("order_2023_41", "7.5", None, "kdr", ("read",), (6,)),
    _g("order_2023_41", "7.6", "science_literacy", "kdr", ("sci",), (7, 8)),
    _g("order_2023_41", "7.6", "math_literacy", "kdr", ("mathlit",), (7, 8)),
    _g("program_2020", "12", "grade_4", "kdr", ("read",), (4,)),
    _g("program_2020", "12", "grade_6", "kdr", ("read",), (6,)),
    _g("program_2020", "13", None, "kdr", ("sci",), (8,)),
    _g("program_2020", "14", "russian", "oge", ("rus",), (9,)),
    _g("program_2020", "14", "math", "oge", ("math",), (9,)),
    _g("program_2020", "15", "russian", "ege", ("rus",), (11,)),
    _g("program_2020", "15", "math", "ege", ("math",), (11,)),
)


def groups_for(set_code: str) -> dict[tuple[str, str | None], DynamicsGroup]:
    """The dynamics groups of one indicator set, keyed by (indicator id, subitem code)."""
    return {(g.indicator_id, g.subitem): g for g in DYNAMICS_GROUPS if g.set_code == set_code}


def _num(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "нет данных"
    text = f"{abs(value):.{digits}f}".replace(".", ",")
    return ("−" if value < 0 and float(text.replace(",", ".")) != 0 else "") + text


def _signed(value: float) -> str:
    return ("+" if value > 0 else "") + _num(value)


def _check_statistic(statistic: str) -> None:
    if statistic not in ("mean_pct", "low_share"):
        raise AnalyticsError(
            f"неизвестная статистика динамики {statistic!r}: ожидается mean_pct или low_share"
        )


def positive_dynamics(
    results: pl.DataFrame,
    *,
    year: int,
    procedure: str,
    subjects: Sequence[str],
    grades: Iterable[int],
    statistic: Statistic = "mean_pct",
    min_delta: float = DEFAULT_MIN_DELTA,
    min_participants: int = DEFAULT_MIN_PARTICIPANTS,
    previous_year: int | None = None,
) -> pl.DataFrame:
    """Per school, whether its results in the selection improved from ``previous_year`` (default t−1) to ``year``.

    Parameters
    ----------
    results:
        school results in the canonical schema (``opora.schema.RESULTS_SCHEMA``; needs ``school_id, procedure,
        subject, grade, year, n`` and ``mean_pct`` or the mark/level counts).
    subjects:
        canonical codes (``rus``, ``math``, ``read``, ``sci``, ``mathlit``) or raw codes; each canonical code
        also matches its aliases in :data:`SUBJECT_ALIASES`.
    statistic, min_delta, min_participants:
        see the module docstring (defaults: ``mean_pct``, 2 п.п., 5 participants).

    Returns
    -------
    polars.DataFrame
        one row per school that has any result of the selection in either year, with columns
        :data:`DYNAMICS_COLUMNS`: ``previous``/``current`` (weighted statistic over comparable cells),
        ``change`` (current − previous), ``improvement`` (change, sign turned for ``low_share``),
        ``n_previous``/``n_current`` (participants), ``cells`` (comparable cells), ``positive`` (bool, null when
        no comparable cell) and ``rule_ru`` (the comparison in one Russian sentence).

    >>> r = pl.DataFrame({"school_id": ["A", "A"], "procedure": ["oge", "oge"], "subject": ["rus", "rus"],
    ...                   "grade": [9, 9], "year": [2023, 2024], "n": [20, 22], "mean_pct": [58.0, 61.5]})
    >>> row = positive_dynamics(r, year=2024, procedure="oge", subjects=["rus"], grades=[9]).row(0, named=True)
    >>> row["change"], row["positive"]
    (3.5, True)
    """
    if min_participants < 1:
        raise AnalyticsError("минимальное число участников должно быть не меньше 1")
    prev = year - 1 if previous_year is None else previous_year
    if prev >= year:
        raise AnalyticsError(f"предыдущий год ({prev}) должен быть раньше текущего ({year})")
    codes = sorted({alias for s in subjects for alias in SUBJECT_ALIASES.get(s, (s,))})
    grade_list = sorted(set(grades))
    _check_statistic(statistic)
    chosen = results.filter(
        (pl.col("procedure") == procedure)
        & pl.col("subject").is_in(codes)
        & pl.col("grade").cast(pl.Int64).is_in(grade_list)
        & pl.col("year").cast(pl.Int64).is_in([prev, year])
    )
    frame = chosen.select(
        pl.col("school_id").cast(pl.String),
        pl.col("subject"),
        pl.col("grade").cast(pl.Int64),
        pl.col("year").cast(pl.Int64),
        pl.col("n").cast(pl.Float64),
    ).with_columns(pl.Series("stat", statistic_values(chosen, statistic), dtype=pl.Float64).fill_nan(None))
    schools = frame.select("school_id").unique()
    usable = frame.filter(pl.col("stat").is_not_null() & (pl.col("n") >= min_participants))
    cells = usable.group_by("school_id", "subject", "grade").agg(pl.col("year").n_unique().alias("k"))
    paired = usable.join(cells.filter(pl.col("k") == 2), on=["school_id", "subject", "grade"], how="semi")
    per_year = paired.group_by("school_id", "year").agg(
        ((pl.col("stat") * pl.col("n")).sum() / pl.col("n").sum()).alias("value"),
        pl.col("n").sum().alias("n_total"),
        pl.len().alias("cells"),
    )
    cur = per_year.filter(pl.col("year") == year).select(
        "school_id", pl.col("value").alias("current"), pl.col("n_total").alias("n_current"), "cells"
    )
    old = per_year.filter(pl.col("year") == prev).select(
        "school_id", pl.col("value").alias("previous"), pl.col("n_total").alias("n_previous")
    )
    sign = -1.0 if statistic == "low_share" else 1.0
    out = (
        schools.join(old, on="school_id", how="left")
        .join(cur, on="school_id", how="left")
        .with_columns(
            pl.lit(prev, dtype=pl.Int64).alias("previous_year"),
            pl.lit(year, dtype=pl.Int64).alias("year"),
            (pl.col("current") - pl.col("previous")).alias("change"),
            pl.col("cells").fill_null(0).cast(pl.Int64),
        )
        .with_columns((sign * pl.col("change")).alias("improvement"))
        .with_columns((pl.col("improvement").round(6) >= min_delta).alias("positive"))
        .sort("school_id")
    )
    what = _STAT_LABELS[statistic]
    better = "снижение доли" if statistic == "low_share" else "прирост"
    subject_text = ", ".join(SUBJECT_LABELS.get(s, s) for s in subjects)
    label = f"{PROCEDURE_LABELS.get(procedure, procedure)} ({subject_text}; {', '.join(map(str, grade_list))} кл.)"
    texts = []
    for row in out.iter_rows(named=True):
        if row["positive"] is None:
            texts.append(
                f"{label}: нет сопоставимых результатов за {prev} и {year} гг. (нужны одни и те же предмет и класс "
                f"в оба года, не меньше {min_participants} участников) — нет данных."
            )
            continue
        verdict = "положительная динамика" if row["positive"] else "положительной динамики нет"
        sign_word = "≥" if row["positive"] else "<"
        texts.append(
            f"{label}: {what} {prev} г. — {_num(row['previous'])} (участников {int(row['n_previous'])}), "
            f"{year} г. — {_num(row['current'])} (участников {int(row['n_current'])}); {better} "
            f"{_signed(sign * row['change'])} п.п. {sign_word} {_num(min_delta)} п.п. → {verdict}."
        )
    out = out.with_columns(pl.Series("rule_ru", texts, dtype=pl.String))
    return out.select(DYNAMICS_COLUMNS)


def school_dynamics(
    results: pl.DataFrame,
    *,
    year: int,
    set_code: str,
    statistic: Statistic | None = None,
    min_delta: float = DEFAULT_MIN_DELTA,
    min_participants: int = DEFAULT_MIN_PARTICIPANTS,
) -> pl.DataFrame:
    """:func:`positive_dynamics` for every dynamics group of one indicator set, stacked.

    Columns: ``indicator_id``, ``subitem`` (null when the indicator has none) and :data:`DYNAMICS_COLUMNS`.
    ``statistic`` overrides the groups' own statistic when given.
    """
    frames = []
    for group in DYNAMICS_GROUPS:
        if group.set_code != set_code:
            continue
        part = positive_dynamics(
            results,
            year=year,
            procedure=group.procedure,
            subjects=group.subjects,
            grades=group.grades,
            statistic=statistic or group.statistic,
            min_delta=min_delta,
            min_participants=min_participants,
        )
        frames.append(
            part.with_columns(
                pl.lit(group.indicator_id).alias("indicator_id"),
                pl.lit(group.subitem, dtype=pl.String).alias("subitem"),
            )
        )
    if not frames:
        empty = positive_dynamics(
            results.clear(), year=year, procedure="-", subjects=["-"], grades=[0], min_delta=min_delta
        )
        return empty.with_columns(
            pl.lit(None, dtype=pl.String).alias("indicator_id"),
            pl.lit(None, dtype=pl.String).alias("subitem"),
        ).select("indicator_id", "subitem", *DYNAMICS_COLUMNS)
    return pl.concat(frames, how="vertical").select("indicator_id", "subitem", *DYNAMICS_COLUMNS)
