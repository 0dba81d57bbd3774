"""The identification engine: checks → indices → regression → categories with explanations (docs R1–R10).

``identify`` checks its inputs (:mod:`opora.inputs`), standardises every result component once, then for each
evaluated year (the target year and up to ``evaluation_years − 1`` before it) builds the results index over the
year's window, the context index, fits the model on ``fit_schools`` (the region) and applies it to
``apply_schools`` (the municipality); then it applies the stability rule across years, the trend rule over the
single-year indices and the risk-factor rule of the target year. Every year not evaluated, school without an
index, row or value left out is listed in ``IdentificationResult.excluded`` with its reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import polars as pl

from opora.classify import (
    CATEGORY_ORDER,
    Category,
    Reason,
    Thresholds,
    rule_flags,
    stable_counts,
    trend_drops,
)
from opora.config import IdentificationConfig
from opora.contextindex import ContextIndex, context_index, context_rows
from opora.errors import AnalyticsError, InsufficientDataError
from opora.indices import (
    COMPONENT_COLUMNS,
    ResultCells,
    build_cells,
    components_frame,
    coverage_reason,
    group_sums,
    standardize_cells,
    window_index,
)
from opora.inputs import check_inputs, exclusions
from opora.modelfit import YearModel, fit_year
from opora.plural import SCHOOL, count
from opora.reasons import ReasonMap, factor_reasons, trend_reasons, yearly_reasons
from opora.risk_factors import RiskFlag, RiskFlags, factor_texts, risk_flag_frame

__all__ = [
    "SCHOOL_COLUMNS",
    "IdentificationResult",
    "ModelSummary",
    "compare_with_official",
    "identify",
]

#: Columns of ``IdentificationResult.schools`` (one row per reported school).
SCHOOL_COLUMNS = (
    "school_id",
    "in_fit",
    "results_index",
    "context_index",
    "n_components",
    "n_participants",
    "n_variables",
    "expected",
    "residual",
    "std_residual",
    "studentized_residual",
    "leverage",
    "ci_low",
    "ci_high",
    "pi_low",
    "pi_high",
    "shrinkage_lambda",
    "shrunk_residual",
    "trend_drop",
    "risk_factor_count",
    "categories",
)

_YEARLY = ("adverse_context", "low_results", "resilient", "above_expected")


@dataclass(frozen=True)
class ModelSummary:
    """The fitted model of one year (R5, R6, R9) and the run's configuration snapshot.

    ``coefficients``/``se``: by name (``intercept``, ``context_index``); ``intercept``/``slope``: the same two
    numbers; ``s_e``: residual SD; ``cov_params``: 2 × 2; ``t_quantile``: t_{1−α/2, n−2} of ``ci_level``;
    ``thresholds``: the year's cut-offs; ``fit_points``: (context_index, results_index) of up to 5,000 fit
    schools, for charts; ``years_evaluated``/``years_skipped``: the stability window; ``results_years``: the
    years of results averaged into the index; ``context_unused``: configured context variables not used, with why.
    """

    year: int
    n: int
    coefficients: dict[str, float]
    se: dict[str, float]
    intercept: float
    slope: float
    r_squared: float
    s_e: float
    df_resid: int
    weighted: bool
    ci_level: float
    t_quantile: float
    cov_params: list[list[float]]
    thresholds: dict[str, float]
    shrinkage: dict[str, Any]
    context_method: str
    context_variables: list[str]
    context_loadings: dict[str, float]
    years_evaluated: list[int]
    years_skipped: dict[int, str]
    fit_points: list[tuple[float, float]]
    config: dict[str, Any] = field(default_factory=dict)
    results_years: list[int] = field(default_factory=list)
    context_unused: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IdentificationResult:
    """Output of :func:`identify`.

    ``schools``: SCHOOL_COLUMNS for every reported school (null indices when it was excluded);
    ``components``: per school per component (results of the window and context) raw value and z — built on
    first use, since a region of 40,000 schools has millions of them and most callers never look (pass a frame
    or a function that makes it as ``_components``);
    ``model``: the target year's ModelSummary; ``models``: by year; ``reasons``: school_id → list of Reason
    (``reasons.table`` is the same as one frame); ``excluded``: the exclusions report (opora.inputs
    EXCLUSION_COLUMNS: years not evaluated, context variables not used, rows and values left out, schools
    without an index); ``yearly``: per school per evaluated year indices, residual measure and rule flags;
    ``risk_flags``: school_id → six RiskFlag.
    """

    year: int
    schools: pl.DataFrame
    _components: pl.DataFrame | Callable[[], pl.DataFrame]
    model: ModelSummary
    models: dict[int, ModelSummary]
    reasons: Mapping[str, list[Reason]]
    excluded: pl.DataFrame
    yearly: pl.DataFrame
    risk_flags: Mapping[str, list[RiskFlag]]

    @property
    def components(self) -> pl.DataFrame:
        made = self._components
        if callable(made):
            made = made()
            object.__setattr__(self, "_components", made)
        return made


def _window_text(cfg: IdentificationConfig, year: int) -> str:
    first = year - cfg.results.window_years + 1
    return f"{year} год" if first == year else f"{first}–{year} годы (окно индекса)"


def _row_mask(cells: ResultCells, wanted: set[str]) -> np.ndarray:
    codes = np.array([i for i, s in enumerate(cells.schools) if s in wanted], dtype=np.int64)
    return np.isin(cells.school, codes)


def _context_ready(
    context: pl.DataFrame, config: IdentificationConfig, years: list[int]
) -> dict[int, set[str]]:
    """Per year, the schools with enough context values to get a context index (for the R2 reference)."""
    names = [v for v, _ in config.context.variables if v in context.columns]
    need = min(config.context.min_variables, max(1, len(names)))
    out: dict[int, set[str]] = {}
    for y in years:
        if not names:
            out[y] = set()
            continue
        rows = context_rows(context, y)
        known = rows.select(
            "school_id", pl.sum_horizontal(pl.col(v).is_not_null() for v in names).alias("k")
        ).filter(pl.col("k") >= need)
        out[y] = set(known["school_id"].cast(pl.String).to_list())
    return out


def _why_no_model(
    year: int,
    config: IdentificationConfig,
    fit: list[str],
    index: pl.DataFrame,
    ctx: ContextIndex,
    joined: pl.DataFrame,
) -> str:
    """The real reason a year's model cannot be fitted (issue 16, item 7), most basic first."""
    need = config.regression.min_schools
    in_fit = set(fit)
    with_rows = index.filter(pl.col("school_id").is_in(fit) & (pl.col("n_cells") > 0)).height
    raw_rows = index.filter(pl.col("school_id").is_in(fit) & (pl.col("n_rows") > 0)).height
    with_index = index.filter(pl.col("school_id").is_in(fit) & pl.col("results_index").is_not_null()).height
    with_ctx = ctx.index.filter(pl.col("school_id").is_in(list(in_fit))).height
    fitting = joined.filter(pl.col("in_fit")).height
    if len(in_fit) < need:
        return f"в выборке модели {count(len(in_fit), SCHOOL)}, а для регрессии нужно не менее {need} школ"
    if raw_rows < need:
        return (
            f"результаты за {_window_text(config, year)} есть у {raw_rows} из {len(in_fit)} школ выборки, а для "
            f"регрессии нужно не менее {need} школ"
        )
    if with_rows == 0:
        return (
            f"ни у одной из {len(in_fit)} школ выборки нет используемых результатов: в каждой ячейке "
            f"(процедура, предмет, класс, год) меньше {config.results.min_schools_per_cell} школ с данными и "
            f"контекстом для стандартизации или меньше {config.results.min_participants} участников"
        )
    if with_index < need:
        return (
            f"индекс результатов рассчитан у {with_index} из {len(in_fit)} школ выборки (нужны данные не менее чем "
            f"по {config.results.min_components} группам процедур), а для регрессии нужно не менее {need} школ"
        )
    if with_ctx < need:
        return (
            f"индекс контекста рассчитан у {with_ctx} из {len(in_fit)} школ выборки (нужно не менее "
            f"{config.context.min_variables} контекстных переменных у школы), а для регрессии нужно не менее {need}"
        )
    return (
        f"индексы результатов и контекста есть одновременно у {fitting} школ выборки, а для регрессии нужно не "
        f"менее {need} школ"
    )


@dataclass(frozen=True)
class _YearRun:
    frame: pl.DataFrame
    index: pl.DataFrame
    context: ContextIndex
    thresholds: Thresholds
    model: ModelSummary


def _run_year(
    cells: ResultCells,
    sums: Any,
    context: pl.DataFrame,
    config: IdentificationConfig,
    *,
    year: int,
    fit: list[str],
    apply: list[str],
    has_rows: Callable[[int, int], set[str]],
    explain: bool,
) -> _YearRun:
    """One year's indices, fit, diagnostics and rule flags (R3–R7)."""
    first = year - config.results.window_years + 1
    index = window_index(cells, sums, first=first, last=year, min_components=config.results.min_components)
    reference = has_rows(first, year)
    keep = set(fit) | set(apply)
    ci = context_index(
        context,
        config.context,
        year=year,
        fit_schools=fit,
        reference=reference,
        schools=keep,
        explain=apply if explain else (),
    )
    joined = (
        index.filter(pl.col("results_index").is_not_null() & pl.col("school_id").is_in(list(keep)))
        .join(ci.index, on="school_id", how="inner")
        .sort("school_id")
        .with_columns(pl.col("school_id").is_in(fit).alias("in_fit"))
    )
    fitting = joined.filter(pl.col("in_fit"))
    if fitting.height < config.regression.min_schools:
        raise InsufficientDataError(
            f"{year} год: модель не построена — {_why_no_model(year, config, fit, index, ci, joined)}."
        )
    model: YearModel = fit_year(joined, config, year=year)
    frame = rule_flags(model.frame, model.thresholds, config.categories)
    years_present = [y for y in cells.years if first <= y <= year]
    summary = ModelSummary(
        **model.summary,
        context_method=config.context.method,
        context_variables=list(ci.variables),
        context_loadings=ci.loadings,
        years_evaluated=[year],
        years_skipped={},
        config=config.to_mapping(),
        results_years=years_present,
        context_unused=dict(ci.unused),
    )
    return _YearRun(frame=frame, index=index, context=ci, thresholds=model.thresholds, model=summary)


def identify(
    results: pl.DataFrame,
    context: pl.DataFrame,
    risk: pl.DataFrame | None = None,
    *,
    config: IdentificationConfig | None = None,
    fit_schools: Iterable[str] | None = None,
    apply_schools: Iterable[str] | None = None,
    year: int,
    progress: Callable[[int, int], None] | None = None,
) -> IdentificationResult:
    """Identify categories of ``apply_schools`` for ``year`` with a model fitted on ``fit_schools`` (R1–R9).

    ``results``: RESULTS_SCHEMA rows (long); ``context``: CONTEXT_KEY + one column per context variable;
    ``risk``: RISK_SCHEMA rows (optional). ``fit_schools`` default: every school in ``results``;
    ``apply_schools`` default: ``fit_schools``. The years ``year − evaluation_years + 1 … year`` that have
    results in their window are evaluated; the target year must succeed (else InsufficientDataError with the real
    reason), earlier years that cannot be fitted are skipped and listed in ``model.years_skipped`` and in
    ``excluded``. Stability (R8): a yearly category is given when its rule held in ≥ min(stability_years,
    number of evaluated years) years. ``at_risk`` (R7) is given for ≥ ``risk_min_factors`` of the configured
    ``risk_factors`` (rule ``risk_factors``) or a fall of the single-year results index by ≥ ``trend_drop`` over
    the years ``year − max(window_years, evaluation_years) + 1 … year`` (rule ``negative_trend``).
    ``progress(done, total)`` is called after each year. The same inputs give the same bits on any number of
    threads and in any row order.
    """
    cfg = config or IdentificationConfig()
    rules = cfg.categories
    window = cfg.results.window_years
    span = max(window, rules.evaluation_years)
    lowest = min(year - span + 1, year - rules.evaluation_years - window + 2)
    checked = check_inputs(results, context, risk, cfg, years=(lowest, year))
    results, context, risk = checked.results, checked.context, checked.risk
    if results.height == 0:
        raise InsufficientDataError(
            f"Нет результатов оценочных процедур за {year} год"
            + (f" и предыдущие годы окна индекса ({year - window + 1}–{year})" if window > 1 else "")
            + "."
        )
    cells = build_cells(results, cfg.results)
    fit = sorted(set(fit_schools)) if fit_schools is not None else list(cells.schools)
    apply = sorted(set(apply_schools)) if apply_schools is not None else list(fit)
    if not fit:
        raise InsufficientDataError("Нет школ для построения модели: таблица результатов пуста.")
    present = set(cells.years)
    if not any(year - window < y <= year for y in present):
        raise InsufficientDataError(f"Нет результатов оценочных процедур за {year} год.")
    in_range = list(range(year - rules.evaluation_years + 1, year + 1))
    years = [y for y in in_range if any(y - window < p <= y for p in present)]
    skipped: dict[int, str] = {
        y: "нет результатов оценочных процедур" + (" в окне индекса" if window > 1 else "") + " за этот год"
        for y in in_range
        if y not in years
    }
    # R2: the scale of each cell is set by the fit schools that also have context data in the cell's year.
    ready = _context_ready(context, cfg, cells.years)
    fit_set = set(fit)
    in_fit = _row_mask(cells, fit_set)
    ctx_ok = np.zeros(cells.size, dtype=bool)
    for pos, y in enumerate(cells.years):
        ctx_ok |= (cells.year_pos == pos) & _row_mask(cells, ready[y])
    std = standardize_cells(cells, in_fit & ctx_ok, max(2, cfg.results.min_schools_per_cell))
    sums = group_sums(cells, std)
    has_value = np.zeros(cells.size, dtype=bool)
    for name in cells.statistics:
        has_value |= ~np.isnan(cells.values[name])
    n_y = max(1, len(cells.years))
    usable = (cells.eligible & has_value & in_fit).astype(np.float64)
    per_school_year = np.bincount(
        cells.school * n_y + cells.year_pos, weights=usable, minlength=len(cells.schools) * n_y
    ).reshape(len(cells.schools), n_y)

    def has_rows(first: int, last: int) -> set[str]:
        """Fit schools with usable result rows in the years first … last (the context index's reference, R2)."""
        pos = [i for i, y in enumerate(cells.years) if first <= y <= last]
        total = per_school_year[:, pos].sum(axis=1) if pos else np.zeros(len(cells.schools))
        return {cells.schools[i] for i in np.flatnonzero(total > 0)}

    runs: dict[int, _YearRun] = {}
    for i, y in enumerate(years):
        try:
            runs[y] = _run_year(
                cells, sums, context, cfg, year=y, fit=fit, apply=apply, has_rows=has_rows, explain=y == year
            )
        except InsufficientDataError as error:
            if y == year:
                raise
            skipped[y] = str(error)
        if progress is not None:
            progress(i + 1, len(years))
    evaluated = sorted(runs)
    target = runs[year]
    required = min(rules.stability_years, len(evaluated))
    yearly = pl.concat(
        [
            r.frame.filter(pl.col("school_id").is_in(apply)).select(
                "school_id",
                pl.col("year").cast(pl.Int64),
                "results_index",
                "context_index",
                "expected",
                "residual",
                "std_residual",
                "measure",
                "adverse_context",
                "low_results",
                "low_by_quantile",
                "low_by_residual",
                "resilient",
                "above_expected",
            )
            for r in runs.values()
        ],
        how="vertical_relaxed",
    ).sort("school_id", "year")
    counts = stable_counts(yearly)
    # Trend (R7): the single-year indices over the years «в динамике».
    single = pl.concat(
        [
            window_index(cells, sums, first=y, last=y, min_components=cfg.results.min_components)
            .filter(pl.col("school_id").is_in(apply))
            .select("school_id", pl.lit(y, dtype=pl.Int64).alias("year"), "results_index")
            for y in cells.years
            if year - span < y <= year
        ]
    )
    trends = trend_drops(single, min_years=rules.trend_min_years)
    base = pl.DataFrame({"school_id": apply}, schema={"school_id": pl.String})
    cur = target.frame.filter(pl.col("school_id").is_in(apply))
    table = (
        base.join(cur.drop("year"), on="school_id", how="left")
        .join(counts, on="school_id", how="left")
        .join(trends, on="school_id", how="left")
        .with_columns(pl.col("in_fit").fill_null(pl.col("school_id").is_in(fit)))
        .sort("school_id")
    )
    # Categories (R7, R8), vectorised.
    assigned: dict[str, pl.Expr] = {}
    for code in _YEARLY:
        n_held = pl.col(f"{code}_years_n").fill_null(0)
        if code in rules.stable_categories:
            ok = (n_held >= required) & (n_held > 0)
            if rules.stability_requires_current:
                ok = ok & pl.col(f"{code}_years").list.contains(year).fill_null(False)
        else:
            ok = pl.col(code).fill_null(False)
        assigned[code] = ok.fill_null(False)
    table = table.with_columns(**{f"__{c}": e for c, e in assigned.items()})
    table = table.with_columns(
        (pl.col("__resilient") & pl.col("__adverse_context") & ~pl.col("__low_results")).alias("__resilient")
    )
    flags_frame = (
        risk_flag_frame(risk, rules, year=year).filter(pl.col("school_id").is_in(apply))
        if risk is not None and risk.height
        else None
    )
    if flags_frame is not None:
        factor_cols = [f"f_{c}" for c in rules.risk_factors]
        counted = flags_frame.select(
            "school_id",
            pl.when(pl.any_horizontal(pl.col(c).is_not_null() for c in factor_cols))
            .then(pl.sum_horizontal(pl.col(c).fill_null(False).cast(pl.Int64) for c in factor_cols))
            .alias("risk_factor_count"),
        )
        table = table.join(counted, on="school_id", how="left")
    else:
        table = table.with_columns(pl.lit(None, dtype=pl.Int64).alias("risk_factor_count"))
    by_factors = (pl.col("risk_factor_count") >= rules.risk_min_factors).fill_null(False)
    by_trend = (
        (pl.col("trend_drop") >= rules.trend_drop).fill_null(False) if rules.trend_drop > 0 else pl.lit(False)
    )
    table = table.with_columns((by_factors | by_trend).alias("__at_risk"))
    table = table.with_columns(
        pl.concat_list([pl.when(pl.col(f"__{c}")).then(pl.lit(c)) for c in CATEGORY_ORDER])
        .list.drop_nulls()
        .alias("categories")
    )
    measure_label = ("сжатый " if cfg.regression.shrinkage else "") + (
        "стандартизованный" if rules.residual_measure == "std_residual" else "стьюдентизированный"
    )
    reasons = _reasons(table, yearly, runs, cfg, flags_frame, trends, year=year, required=required)
    reason_map = ReasonMap(reasons, apply, rules, measure_label)
    schools = table.with_columns(pl.col("risk_factor_count").cast(pl.Int64)).select(SCHOOL_COLUMNS)
    model = replace(target.model, years_evaluated=evaluated, years_skipped=dict(sorted(skipped.items())))
    models = {y: r.model for y, r in runs.items()}
    models[year] = model
    excluded = _exclusions(checked.dropped, runs, target, skipped, cfg, apply=apply, fit=fit, year=year)
    return IdentificationResult(
        year=year,
        schools=schools,
        _components=lambda: _components(cells, std, cfg, target, apply=apply, year=year),
        model=model,
        models=models,
        reasons=reason_map,
        excluded=excluded,
        yearly=yearly,
        risk_flags=RiskFlags(flags_frame, rules) if flags_frame is not None else {},
    )


def _reasons(
    table: pl.DataFrame,
    yearly: pl.DataFrame,
    runs: dict[int, _YearRun],
    cfg: IdentificationConfig,
    flags: pl.DataFrame | None,
    trends: pl.DataFrame,
    *,
    year: int,
    required: int,
) -> pl.DataFrame:
    rules = cfg.categories
    measure_label = ("сжатый " if cfg.regression.shrinkage else "") + (
        "стандартизованный" if rules.residual_measure == "std_residual" else "стьюдентизированный"
    )
    parts = []
    th = pl.DataFrame(
        {
            "year": list(runs),
            "context_threshold": [r.thresholds.context_q for r in runs.values()],
            "results_threshold": [r.thresholds.results_q for r in runs.values()],
        },
        schema={"year": pl.Int64, "context_threshold": pl.Float64, "results_threshold": pl.Float64},
    )
    for code in _YEARLY:
        rows = table.select(
            "school_id",
            pl.lit(code).alias("code"),
            pl.col(f"__{code}").alias("assigned"),
            pl.col(f"{code}_years").fill_null(pl.lit([], dtype=pl.List(pl.Int64))).alias("held"),
        ).filter(pl.col("assigned") | (pl.col("held").list.len() > 0))
        rows = rows.with_columns(
            pl.when(pl.col("held").list.len() > 0)
            .then(pl.col("held").list.max())
            .otherwise(pl.lit(year))
            .cast(pl.Int64)
            .alias("year")
        )
        rows = rows.join(
            yearly.select(
                "school_id",
                "year",
                "context_index",
                "results_index",
                "measure",
                "low_by_quantile",
                "low_by_residual",
            ),
            on=["school_id", "year"],
            how="left",
        ).join(th, on="year", how="left")
        parts.append(
            yearly_reasons(
                rows,
                rules,
                measure_label=measure_label,
                n_years=len(runs),
                required=required,
                current_year=year if rules.stability_requires_current else None,
            )
        )
    if flags is not None:
        parts.append(factor_reasons(flags, rules, factor_texts(rules)))
    parts.append(trend_reasons(trends, rules))
    frames = [p for p in parts if p.height]
    if not frames:
        from opora.reasons import REASON_COLUMNS

        return pl.DataFrame(schema=REASON_COLUMNS)
    return pl.concat(frames, how="vertical_relaxed").sort("school_id", "order")


def _components(
    cells: ResultCells, std: Any, cfg: IdentificationConfig, target: _YearRun, *, apply: list[str], year: int
) -> pl.DataFrame:
    """The target year's components of the reported schools: results of the window, then context."""
    res = components_frame(
        cells, std, cfg.results, schools=apply, first=year - cfg.results.window_years + 1, last=year
    )
    ctx = target.context.components.filter(pl.col("school_id").is_in(apply)).select(COMPONENT_COLUMNS)
    return pl.concat([res.select(COMPONENT_COLUMNS), ctx], how="vertical_relaxed").sort(
        "school_id", "kind", maintain_order=True
    )


def _exclusions(
    dropped: pl.DataFrame,
    runs: dict[int, _YearRun],
    target: _YearRun,
    skipped: dict[int, str],
    cfg: IdentificationConfig,
    *,
    apply: list[str],
    fit: list[str],
    year: int,
) -> pl.DataFrame:
    """The exclusions report: years, unused variables, rows and values left out, schools without an index."""
    rows: list[dict[str, Any]] = [
        {"year": y, "stage": "year", "reason": f"{y} год не оценивался: {reason}"}
        for y, reason in sorted(skipped.items())
    ]
    for name, reason in target.context.unused.items():
        rows.append({"year": year, "stage": "variable", "column": name, "reason": reason})
    known = set(fit) | set(apply)
    parts = [
        exclusions(rows),
        dropped.filter(pl.col("school_id").is_null() | pl.col("school_id").is_in(list(known))),
    ]
    mine = pl.DataFrame({"school_id": apply}, schema={"school_id": pl.String})
    for y, run in sorted(runs.items()):
        status = (
            mine.join(run.frame.select("school_id"), on="school_id", how="anti")
            .join(run.index, on="school_id", how="left")
            .join(
                run.context.excluded.select("school_id", pl.col("reason").alias("ctx_reason")),
                on="school_id",
                how="left",
            )
        )
        no_rows = pl.col("n_rows").fill_null(0) == 0
        parts.append(
            status.select(
                pl.lit(y, dtype=pl.Int64).alias("year"),
                "school_id",
                pl.when(no_rows | pl.col("results_index").is_null())
                .then(pl.lit("results"))
                .otherwise(pl.lit("context"))
                .alias("stage"),
                pl.lit(None, dtype=pl.String).alias("column"),
                pl.lit(None, dtype=pl.String).alias("value"),
                pl.when(no_rows)
                .then(pl.lit(f"нет результатов оценочных процедур за {_window_text(cfg, y)}"))
                .when(pl.col("results_index").is_null())
                .then(coverage_reason(cfg.results))
                .when(pl.col("ctx_reason").is_not_null())
                .then(pl.col("ctx_reason"))
                .otherwise(pl.lit("нет контекстных данных за этот или предыдущие годы"))
                .alias("reason"),
            )
        )
    out = pl.concat([p for p in parts if p.height] or [exclusions()], how="vertical_relaxed")
    return out.sort(["year", "school_id", "stage"], nulls_last=False)


#: Accepted spellings of categories in an official list (codes, and the usual Russian names).
OFFICIAL_ALIASES: Mapping[str, str] = {
    "шнор": "low_results",
    "шнро": "low_results",
    "шнсу": "adverse_context",
    "зона риска": "at_risk",
    "резильентная": "resilient",
    **{c.value: c.value for c in Category},
}


def compare_with_official(result: IdentificationResult, official: pl.DataFrame) -> pl.DataFrame:
    """Put an official list (ФИОКО/ЦОКО; columns school_id, category) beside the computed categories (R10).

    Categories are compared for the codes in the official list plus low_results, adverse_context and at_risk.
    Returns one row per school (reported or listed): ``school_id, computed, official, only_computed,
    only_official, agree`` (lists of codes; ``agree`` is True when the compared sets are equal).
    """
    if "school_id" not in official.columns or "category" not in official.columns:
        raise AnalyticsError("Официальный список должен содержать столбцы «school_id» и «category».")
    codes: dict[str, set[str]] = {}
    for sid, cat in official.select("school_id", "category").iter_rows():
        key = str(cat).strip().lower()
        if key not in OFFICIAL_ALIASES:
            raise AnalyticsError(f"Официальный список: неизвестная категория «{cat}» у школы «{sid}».")
        codes.setdefault(str(sid), set()).add(OFFICIAL_ALIASES[key])
    compared = {"low_results", "adverse_context", "at_risk"} | {c for s in codes.values() for c in s}
    computed = {r[0]: set(r[1] or []) for r in result.schools.select("school_id", "categories").iter_rows()}
    rows = []
    for sid in sorted(set(computed) | set(codes)):
        ours = computed.get(sid, set()) & compared
        theirs = codes.get(sid, set())
        order = [c for c in CATEGORY_ORDER if c in compared]
        rows.append(
            {
                "school_id": sid,
                "computed": [c for c in order if c in ours],
                "official": [c for c in order if c in theirs],
                "only_computed": [c for c in order if c in ours - theirs],
                "only_official": [c for c in order if c in theirs - ours],
                "agree": ours == theirs,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "school_id": pl.String,
            "computed": pl.List(pl.String),
            "official": pl.List(pl.String),
            "only_computed": pl.List(pl.String),
            "only_official": pl.List(pl.String),
            "agree": pl.Boolean,
        },
    )
