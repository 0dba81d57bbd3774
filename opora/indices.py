"""Results index and context index of schools (docs/methodology.md R1, R3, R4).

Both indices are on the scale of the fit schools (the region): their z-scores are computed against the mean
and SD of the fit schools and then applied to every school, so a municipality can be placed on the region's
scale. Per-component z-scores are returned so that every index can be explained.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import polars as pl

from opora.config import ContextConfig, ResultsIndexConfig
from opora.errors import AnalyticsError, InsufficientDataError
from opora.standardize import standardize

__all__ = [
    "COMPONENT_COLUMNS",
    "ContextIndex",
    "ResultsIndex",
    "context_index",
    "procedure_group",
    "results_index",
    "unit_statistics",
]

#: Columns of the components frame (results and context components of every school).
COMPONENT_COLUMNS = (
    "school_id",
    "year",
    "kind",
    "group",
    "procedure",
    "subject",
    "grade",
    "statistic",
    "value",
    "n",
    "z",
    "used",
    "note",
)

_CELL = ("procedure", "subject", "grade", "year", "statistic")
_EXCLUDED_SCHEMA = {"school_id": pl.String, "stage": pl.String, "reason": pl.String}


def procedure_group(split_vpr_by_level: bool = True) -> pl.Expr:
    """Expression for the procedure group (R3): ВПР split into НОО (≤ 4), ООО (5–9), СОО (10–11) when asked."""
    grade = pl.coalesce(pl.col("grade_program"), pl.col("grade"))
    if not split_vpr_by_level:
        return pl.col("procedure")
    return (
        pl.when(pl.col("procedure") != "vpr")
        .then(pl.col("procedure"))
        .when(grade <= 4)
        .then(pl.lit("vpr_noo"))
        .when(grade <= 9)
        .then(pl.lit("vpr_ooo"))
        .otherwise(pl.lit("vpr_soo"))
    )


def _wide_statistics(results: pl.DataFrame, config: ResultsIndexConfig) -> pl.DataFrame:
    """One row per cell with a column ``v_<statistic>`` per configured statistic (R1)."""
    for name in ("school_id", "procedure", "subject", "grade", "year", "n"):
        if name not in results.columns:
            raise AnalyticsError(f"В таблице результатов нет обязательного столбца «{name}».")
    frame = results
    for name in (
        "grade_program",
        "n_2",
        "n_4",
        "n_5",
        "n_insufficient",
        "n_reduced",
        "n_advanced",
        "n_below_min",
        "n_80_99",
        "n_100",
        "mean_pct",
        "mean_score",
        "mean_mark",
    ):
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.Float64).alias(name))
    if config.procedures:
        frame = frame.filter(pl.col("procedure").is_in(list(config.procedures)))
    n = pl.col("n").cast(pl.Float64)
    is_kdr = pl.col("procedure") == "kdr"
    # ЕГЭ from regional reports: below the minimum and 80+ points (methodology R1, «ЕГЭ»); marks otherwise.
    ege_low = (pl.col("procedure") == "ege") & pl.col("n_below_min").is_not_null()
    ege_high = (pl.col("procedure") == "ege") & (
        pl.col("n_80_99").is_not_null() | pl.col("n_100").is_not_null()
    )
    stats = {
        "mean_pct": pl.coalesce(
            pl.col("mean_pct").cast(pl.Float64),
            pl.when(pl.col("procedure") == "ege").then(pl.col("mean_score").cast(pl.Float64)),
        ),
        "low_share": pl.when(is_kdr)
        .then((pl.col("n_insufficient") + pl.col("n_reduced")).cast(pl.Float64) * 100.0 / n)
        .when(ege_low)
        .then(pl.col("n_below_min").cast(pl.Float64) * 100.0 / n)
        .otherwise(pl.col("n_2").cast(pl.Float64) * 100.0 / n),
        "high_share": pl.when(is_kdr)
        .then(pl.col("n_advanced").cast(pl.Float64) * 100.0 / n)
        .when(ege_high)
        .then((pl.col("n_80_99").fill_null(0) + pl.col("n_100").fill_null(0)).cast(pl.Float64) * 100.0 / n)
        .otherwise((pl.col("n_4") + pl.col("n_5")).cast(pl.Float64) * 100.0 / n),
        "mean_mark": pl.col("mean_mark").cast(pl.Float64),
    }
    value = {name: stats[name] for name, _ in config.statistics}
    return frame.select(
        pl.col("school_id").cast(pl.String),
        pl.col("procedure").cast(pl.String),
        pl.col("subject").cast(pl.String),
        pl.col("grade").cast(pl.Int16),
        pl.col("year").cast(pl.Int16),
        procedure_group(config.split_vpr_by_level).alias("group"),
        pl.col("n").cast(pl.Int64),
        *[pl.when(e.is_finite()).then(e).alias(f"v_{name}") for name, e in value.items()],
    )


def unit_statistics(results: pl.DataFrame, config: ResultsIndexConfig) -> pl.DataFrame:
    """One row per (school, procedure, subject, grade, year, statistic) with its raw value (R1).

    - ``mean_pct``: mean primary score in % of the maximum; for ЕГЭ, when it is missing, the mean test score
      (a 100-point scale);
    - ``low_share``: % of «2» (ВПР, ОГЭ; ЕГЭ: below the minimum, ``n_below_min`` when given, else ``n_2``), for
      КДР % of «недостаточный» + «пониженный»;
    - ``high_share``: % of «4» + «5», for КДР % of «повышенный», for ЕГЭ with ``n_80_99``/``n_100`` given % of
      80–100 points;
    - ``mean_mark``: mean mark.

    Returns columns ``school_id, procedure, subject, grade, year, group, n, statistic, value, sign``.
    """
    wide = _wide_statistics(results, config)
    signs = dict(config.statistics)
    long = wide.unpivot(
        index=["school_id", "procedure", "subject", "grade", "year", "group", "n"],
        on=[f"v_{name}" for name in signs],
        variable_name="statistic",
        value_name="value",
    ).with_columns(pl.col("statistic").str.strip_prefix("v_"))
    sign_frame = pl.DataFrame(
        {"statistic": list(signs), "sign": [float(s) for s in signs.values()]},
        schema={"statistic": pl.String, "sign": pl.Float64},
    )
    return long.filter(pl.col("value").is_not_null()).join(sign_frame, on="statistic", how="left")


@dataclass(frozen=True)
class ResultsIndex:
    """``index``: school_id, results_index, n_components, n_participants, n_cells; ``components``: COMPONENT_COLUMNS
    rows of kind "result"; ``excluded``: school_id, stage, reason; ``cells``: the reference mean/SD per cell."""

    index: pl.DataFrame
    components: pl.DataFrame
    excluded: pl.DataFrame


def results_index(
    results: pl.DataFrame,
    config: ResultsIndexConfig,
    *,
    year: int,
    fit_schools: Iterable[str] | None = None,
    schools: Iterable[str] | None = None,
    explain: Iterable[str] | None = None,
) -> ResultsIndex:
    """Results index of each school for ``year`` (R1–R3).

    Components are the unit statistics of the years ``year − window_years + 1 … year``; a component is used
    when its cell has ≥ ``min_participants`` participants (null n: the rule is not applied) and its
    (procedure, subject, grade, year, statistic) cell has ≥ ``min_schools_per_cell`` fit schools with a
    non-zero SD. z is sign-aligned (higher = better). The index is the mean over procedure groups of the mean
    z within the group (equal weight per group); a school with fewer than ``min_components`` groups is excluded.
    ``schools`` limits the schools returned (default: all); the scale always comes from ``fit_schools``
    (default: all schools in the data). ``explain``: schools whose components are returned (default: ``schools``).
    """
    lo = year - config.window_years + 1
    window = results.filter(pl.col("year").cast(pl.Int32).is_between(lo, year))
    wide = _wide_statistics(window, config)
    fit = None if fit_schools is None else list(fit_schools)
    eligible = pl.col("n").is_null() | (pl.col("n") >= config.min_participants)
    in_fit = pl.lit(True) if fit is None else pl.col("school_id").is_in(fit)
    wide = wide.with_columns(eligible.alias("eligible"), (in_fit & eligible).alias("__ref"))
    names = [name for name, _ in config.statistics]
    for name, sign in config.statistics:
        wide = standardize(
            wide,
            f"v_{name}",
            by=list(_CELL[:4]),
            reference="__ref",
            sign=sign,
            out=f"z_{name}",
            min_reference=max(2, config.min_schools_per_cell),
        ).with_columns(pl.when(pl.col("eligible")).then(pl.col(f"z_{name}")).alias(f"z_{name}"))
    if schools is not None:
        wide = wide.filter(pl.col("school_id").is_in(list(schools)))
    zs = [pl.col(f"z_{name}") for name in names]
    wide = wide.with_columns(
        pl.sum_horizontal(zs).alias("__zsum"),
        pl.sum_horizontal([z.is_not_null() for z in zs]).alias("__zn"),
    )
    used = wide.filter(pl.col("__zn") > 0)
    per_group = used.group_by("school_id", "group").agg(
        (pl.col("__zsum").sum() / pl.col("__zn").sum()).alias("gz")
    )
    cells = used.group_by("school_id").agg(
        pl.when(pl.col("n").count() > 0).then(pl.col("n").sum()).alias("n_participants"),
        pl.len().alias("n_cells"),
    )
    index = (
        per_group.group_by("school_id")
        .agg(pl.col("gz").mean().alias("results_index"), pl.len().alias("n_components"))
        .join(cells, on="school_id", how="left")
        .with_columns(pl.col("n_components").cast(pl.Int64), pl.col("n_participants").cast(pl.Int64))
    )
    all_schools = wide.select("school_id").unique()
    low_cov = all_schools.join(index, on="school_id", how="left").filter(
        pl.col("n_components").is_null() | (pl.col("n_components") < config.min_components)
    )
    excluded = low_cov.select(
        "school_id",
        pl.lit("results").alias("stage"),
        pl.format(
            "индекс результатов не рассчитан: данные есть по {} группам процедур из минимально {} "
            "(учитываются ячейки с числом участников не менее {})",
            pl.col("n_components").fill_null(0),
            pl.lit(config.min_components),
            pl.lit(config.min_participants),
        ).alias("reason"),
    )
    index = index.filter(pl.col("n_components") >= config.min_components).sort("school_id")
    shown = wide if explain is None else wide.filter(pl.col("school_id").is_in(list(explain)))
    parts = []
    for name in names:
        z, ref_n = pl.col(f"z_{name}"), pl.col(f"z_{name}_ref_n")
        note = (
            pl.when(~pl.col("eligible"))
            .then(pl.format("мало участников: n = {} < {}", pl.col("n"), pl.lit(config.min_participants)))
            .when(z.is_null())
            .then(pl.format("в ячейке мало школ модели для стандартизации ({})", ref_n))
            .otherwise(pl.lit(""))
        )
        parts.append(
            shown.filter(pl.col(f"v_{name}").is_not_null()).select(
                pl.col("school_id"),
                pl.col("year"),
                pl.lit("result").alias("kind"),
                pl.col("group"),
                pl.col("procedure"),
                pl.col("subject"),
                pl.col("grade"),
                pl.lit(name).alias("statistic"),
                pl.col(f"v_{name}").alias("value"),
                pl.col("n"),
                z.alias("z"),
                z.is_not_null().alias("used"),
                note.alias("note"),
            )
        )
    components = pl.concat(parts) if parts else pl.DataFrame()
    return ResultsIndex(index=index, components=components, excluded=excluded.sort("school_id"))


@dataclass(frozen=True)
class ContextIndex:
    """``index``: school_id, context_index, n_variables; ``components``: rows of kind "context"; ``excluded``;
    ``loadings``: variable → PCA loading (empty for the mean method); ``variables``: variables used."""

    index: pl.DataFrame
    components: pl.DataFrame
    excluded: pl.DataFrame
    loadings: dict[str, float]
    variables: tuple[str, ...]


def _context_rows(context: pl.DataFrame, year: int) -> pl.DataFrame:
    """Each school's latest context row of a year ≤ ``year`` (КИАСУО data lag behind; R4)."""
    if "school_id" not in context.columns:
        raise AnalyticsError("В таблице контекстных данных нет обязательного столбца «school_id».")
    if "year" not in context.columns:
        return context.unique("school_id", keep="last")
    return (
        context.filter(pl.col("year").cast(pl.Int32) <= year)
        .sort("school_id", "year")
        .unique("school_id", keep="last", maintain_order=True)
    )


def context_index(
    context: pl.DataFrame,
    config: ContextConfig,
    *,
    year: int,
    fit_schools: Iterable[str] | None = None,
    schools: Iterable[str] | None = None,
) -> ContextIndex:
    """Context index of each school for ``year`` (R4): higher = more favourable conditions.

    Each configured variable present in the data is z-standardised over the fit schools and multiplied by its
    direction. ``mean``: the index is the mean of a school's available z (≥ ``min_variables`` needed, capped at the
    number of variables present). ``pca``: the first principal component of the z matrix of the fit schools
    (missing z imputed by 0, the fit mean), sign-aligned so that its loadings sum to a positive number, scaled to
    SD 1 over the fit schools.
    """
    rows = _context_rows(context, year)
    present = [(v, d) for v, d in config.variables if v in rows.columns]
    if not present:
        wanted = ", ".join(v for v, _ in config.variables)
        raise InsufficientDataError(f"В контекстных данных нет ни одной из переменных модели ({wanted}).")
    fit = None if fit_schools is None else list(fit_schools)
    ref = pl.lit(True) if fit is None else pl.col("school_id").is_in(fit)
    long = (
        rows.select(
            pl.col("school_id").cast(pl.String),
            *[pl.col(v).cast(pl.Float64) for v, _ in present],
        )
        .unpivot(index="school_id", variable_name="subject", value_name="value")
        .join(
            pl.DataFrame({"subject": [v for v, _ in present], "sign": [float(d) for _, d in present]}),
            on="subject",
            how="left",
        )
        .with_columns(ref.alias("__ref"))
    )
    long = standardize(long, "value", by=["subject"], reference="__ref", sign="sign", out="z")
    need = min(config.min_variables, len(present))
    names = [v for v, _ in present]
    loadings: dict[str, float] = {}
    if config.method == "mean":
        index = long.group_by("school_id").agg(
            pl.col("z").mean().alias("context_index"), pl.col("z").count().alias("n_variables")
        )
    else:
        wide = long.pivot(on="subject", index="school_id", values="z").sort("school_id")
        for v in names:
            if v not in wide.columns:
                wide = wide.with_columns(pl.lit(None, dtype=pl.Float64).alias(v))
        counts = wide.select(pl.sum_horizontal(*[pl.col(v).is_not_null() for v in names])).to_series()
        z = wide.select(names).fill_null(0.0).to_numpy().astype(np.float64)
        fit_mask = (
            np.ones(wide.height, dtype=bool) if fit is None else wide["school_id"].is_in(fit).to_numpy()
        )
        if fit_mask.sum() < 3:
            raise InsufficientDataError("Для главной компоненты контекста нужно не менее трёх школ модели.")
        zf = z[fit_mask]
        _, _, vt = np.linalg.svd(zf - zf.mean(axis=0), full_matrices=False)
        v1 = vt[0]
        if v1.sum() < 0:
            v1 = -v1
        scores = z @ v1
        sd = float(np.std(scores[fit_mask], ddof=1))
        mu = float(np.mean(scores[fit_mask]))
        scores = (scores - mu) / sd if sd > 0 else scores - mu
        loadings = {v: float(x) for v, x in zip(names, v1, strict=True)}
        index = pl.DataFrame(
            {"school_id": wide["school_id"], "context_index": scores, "n_variables": counts},
            schema={"school_id": pl.String, "context_index": pl.Float64, "n_variables": pl.Int64},
        )
    index = index.with_columns(pl.col("n_variables").cast(pl.Int64))
    if schools is not None:
        keep = list(schools)
        index = index.filter(pl.col("school_id").is_in(keep))
        long = long.filter(pl.col("school_id").is_in(keep))
    excluded = index.filter(pl.col("n_variables") < need).select(
        "school_id",
        pl.lit("context").alias("stage"),
        pl.format(
            "индекс контекста не рассчитан: известны {} контекстных переменных из минимально {}",
            pl.col("n_variables"),
            pl.lit(need),
        ).alias("reason"),
    )
    index = index.filter(pl.col("n_variables") >= need).sort("school_id")
    components = long.select(
        pl.col("school_id"),
        pl.lit(year, dtype=pl.Int16).alias("year"),
        pl.lit("context").alias("kind"),
        pl.lit("context").alias("group"),
        pl.lit(None, dtype=pl.String).alias("procedure"),
        pl.col("subject"),
        pl.lit(None, dtype=pl.Int16).alias("grade"),
        pl.lit("share").alias("statistic"),
        pl.col("value"),
        pl.lit(None, dtype=pl.Int64).alias("n"),
        pl.col("z"),
        pl.col("z").is_not_null().alias("used"),
        pl.when(pl.col("value").is_null()).then(pl.lit("нет данных")).otherwise(pl.lit("")).alias("note"),
    )
    return ContextIndex(
        index=index,
        components=components,
        excluded=excluded.sort("school_id"),
        loadings=loadings,
        variables=tuple(names),
    )


def empty_excluded() -> pl.DataFrame:
    """An empty frame with the excluded-schools schema."""
    return pl.DataFrame(schema=_EXCLUDED_SCHEMA)
