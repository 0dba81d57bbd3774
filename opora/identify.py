"""The identification engine: indices → regression → categories with explanations (docs/methodology.md R1–R10).

``identify`` runs every evaluated year (the target year and up to ``evaluation_years − 1`` before it), fits the
model on ``fit_schools`` (the region), applies it to ``apply_schools`` (the municipality), then applies the
stability rule across years, the trend rule and the municipal risk factors of the target year.
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
    explain_factors,
    explain_trend,
    explain_yearly,
    rule_flags,
    stable_counts,
    thresholds_from_fit,
    trend_drops,
)
from opora.config import IdentificationConfig
from opora.errors import AnalyticsError, InsufficientDataError
from opora.indices import COMPONENT_COLUMNS, context_index, results_index
from opora.regression import diagnostics, fit_ols, t_quantile
from opora.risk_factors import RiskFlag, risk_flags
from opora.shrinkage import shrink_residuals

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

_MAX_FIT_POINTS = 5000


@dataclass(frozen=True)
class ModelSummary:
    """The fitted model of the target year (R5, R6, R9) and the run's configuration snapshot.

    ``coefficients``/``se``: by name (``intercept``, ``context_index``); ``intercept``/``slope``: the same two
    numbers; ``s_e``: residual SD; ``cov_params``: 2 × 2; ``t_quantile``: t_{1−α/2, n−2} of ``ci_level``;
    ``thresholds``: the year's cut-offs; ``fit_points``: (context_index, results_index) of up to 5,000 fit
    schools, for charts; ``years_evaluated``/``years_skipped``: the stability window.
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


@dataclass(frozen=True)
class IdentificationResult:
    """Output of :func:`identify`.

    ``schools``: SCHOOL_COLUMNS for every reported school (null indices when it was excluded);
    ``components``: per school per component (results of the window and context) raw value and z;
    ``model``: the target year's ModelSummary; ``models``: by year; ``reasons``: school_id → list of Reason;
    ``excluded``: school_id, year, stage, reason; ``yearly``: per school per evaluated year indices, residual
    measure and rule flags; ``risk_flags``: school_id → five RiskFlag.
    """

    year: int
    schools: pl.DataFrame
    components: pl.DataFrame
    model: ModelSummary
    models: dict[int, ModelSummary]
    reasons: dict[str, list[Reason]]
    excluded: pl.DataFrame
    yearly: pl.DataFrame
    risk_flags: dict[str, list[RiskFlag]]


@dataclass(frozen=True)
class _YearRun:
    frame: pl.DataFrame
    components: pl.DataFrame
    excluded: pl.DataFrame
    thresholds: Thresholds
    model: ModelSummary


_EXCLUDED_SCHEMA = {"school_id": pl.String, "year": pl.Int64, "stage": pl.String, "reason": pl.String}


def _check_results(results: pl.DataFrame) -> None:
    missing = [
        c for c in ("school_id", "procedure", "subject", "grade", "year", "n") if c not in results.columns
    ]
    if missing:
        raise AnalyticsError(
            "В таблице результатов нет обязательных столбцов: " + ", ".join(f"«{c}»" for c in missing) + "."
        )
    keys = ["school_id", "procedure", "subject", "grade", "year"]
    dup = results.group_by(keys).len().filter(pl.col("len") > 1)
    if dup.height:
        first = dup.row(0, named=True)
        raise AnalyticsError(
            f"В таблице результатов {dup.height} повторяющихся строк; например, школа «{first['school_id']}», "
            f"{first['procedure']}, {first['subject']}, {first['grade']} класс, {first['year']} год."
        )


def _run_year(
    results: pl.DataFrame,
    context: pl.DataFrame,
    config: IdentificationConfig,
    *,
    year: int,
    fit: list[str],
    apply: list[str],
    explain: bool = True,
) -> _YearRun:
    """One year's indices, fit, diagnostics and rule flags (R3–R7)."""
    keep = sorted(set(fit) | set(apply))
    ri = results_index(
        results, config.results, year=year, fit_schools=fit, schools=keep, explain=apply if explain else []
    )
    ci = context_index(context, config.context, year=year, fit_schools=fit, schools=keep)
    joined = ri.index.join(ci.index, on="school_id", how="inner").with_columns(
        pl.col("school_id").is_in(fit).alias("in_fit")
    )
    no_ctx = ri.index.join(ci.index, on="school_id", how="anti").select(
        "school_id",
        pl.lit("context").alias("stage"),
        pl.lit("нет контекстных данных за этот или предыдущие годы").alias("reason"),
    )
    no_res = (
        ci.index.join(ri.index, on="school_id", how="anti")
        .join(ri.excluded, on="school_id", how="anti")
        .select(
            "school_id",
            pl.lit("results").alias("stage"),
            pl.lit("нет результатов оценочных процедур за этот год").alias("reason"),
        )
    )
    excluded = (
        pl.concat([ri.excluded, ci.excluded, no_ctx, no_res])
        .unique("school_id", keep="first")
        .with_columns(pl.lit(year, dtype=pl.Int64).alias("year"))
        .select(list(_EXCLUDED_SCHEMA))
    )
    fitting = joined.filter(pl.col("in_fit"))
    if fitting.height < config.regression.min_schools:
        raise InsufficientDataError(
            f"{year} год: для регрессии нужно не менее {config.regression.min_schools} школ с индексами результатов "
            f"и контекста, есть {fitting.height}."
        )
    x_fit = fitting["context_index"].to_numpy().astype(np.float64)
    y_fit = fitting["results_index"].to_numpy().astype(np.float64)
    n_fit = fitting["n_participants"].fill_null(0).cast(pl.Float64).to_numpy()
    n_known = bool(np.all(n_fit > 0))
    w_fit = None
    scale_w = 1.0
    if config.regression.weighted:
        if not n_known:
            raise AnalyticsError(
                "Взвешенная регрессия требует числа участников у всех школ модели; "
                "отключите regression.weighted или добавьте столбец n."
            )
        scale_w = float(n_fit.mean())
        w_fit = n_fit / scale_w
    fit_res = fit_ols(x_fit, y_fit, weights=w_fit, names=("context_index",))
    x_all = joined["context_index"].to_numpy().astype(np.float64)
    y_all = joined["results_index"].to_numpy().astype(np.float64)
    n_all = joined["n_participants"].fill_null(0).cast(pl.Float64).to_numpy()
    w_all = n_all / scale_w if config.regression.weighted else None
    diag = diagnostics(
        fit_res,
        x_all,
        y_all,
        weights=w_all,
        in_fit=joined["in_fit"].to_numpy(),
        level=config.regression.ci_level,
    )
    if n_known:
        shrink = shrink_residuals(fit_res.resid, n_fit, within_variance=config.regression.within_variance)
        tau2, sigma2, estimated = shrink.tau2, shrink.sigma2_within, shrink.estimated_within
        with np.errstate(divide="ignore", invalid="ignore"):
            denom = tau2 + sigma2 / n_all
            lam = np.where((n_all > 0) & (denom > 0), tau2 / np.where(denom > 0, denom, 1.0), np.nan)
    else:
        # Without participant counts there is nothing to shrink by (R6): λ = 1.
        tau2, sigma2, estimated = float("nan"), float("nan"), False
        lam = np.ones(len(n_all))
    rules = config.categories
    base = diag.std_residual if rules.residual_measure == "std_residual" else diag.studentized_residual
    measure = lam * base if config.regression.shrinkage else base
    frame = joined.with_columns(
        pl.Series("expected", diag.expected),
        pl.Series("residual", diag.residual),
        pl.Series("std_residual", diag.std_residual),
        pl.Series("studentized_residual", diag.studentized_residual),
        pl.Series("leverage", diag.leverage),
        pl.Series("ci_low", diag.ci_low),
        pl.Series("ci_high", diag.ci_high),
        pl.Series("pi_low", diag.pi_low),
        pl.Series("pi_high", diag.pi_high),
        pl.Series("shrinkage_lambda", lam),
        pl.Series("shrunk_residual", lam * diag.residual),
        pl.Series("measure", measure),
        pl.lit(year, dtype=pl.Int64).alias("year"),
    )
    th = thresholds_from_fit(x_fit, y_fit, rules)
    frame = rule_flags(frame, th, rules)
    pts = list(zip(x_fit.tolist(), y_fit.tolist(), strict=True))
    if len(pts) > _MAX_FIT_POINTS:
        step = len(pts) / _MAX_FIT_POINTS
        pts = [pts[int(i * step)] for i in range(_MAX_FIT_POINTS)]
    model = ModelSummary(
        year=year,
        n=fit_res.n,
        coefficients={"intercept": float(fit_res.params[0]), "context_index": float(fit_res.params[1])},
        se={"intercept": float(fit_res.bse[0]), "context_index": float(fit_res.bse[1])},
        intercept=float(fit_res.params[0]),
        slope=float(fit_res.params[1]),
        r_squared=float(fit_res.r_squared),
        s_e=float(fit_res.sigma),
        df_resid=fit_res.df_resid,
        weighted=config.regression.weighted,
        ci_level=config.regression.ci_level,
        t_quantile=t_quantile(config.regression.ci_level, fit_res.df_resid),
        cov_params=[[float(v) for v in row] for row in fit_res.cov_params],
        thresholds={
            "q_ctx": rules.q_ctx,
            "context_threshold": th.context_q,
            "q_res": rules.q_res,
            "results_threshold": th.results_q,
            "low_results_k": rules.low_results_k,
            "above_expected_k": rules.above_expected_k,
        },
        shrinkage={
            "tau2": tau2,
            "sigma2_within": sigma2,
            "estimated_within": estimated,
            "available": n_known,
            "used_in_rules": config.regression.shrinkage,
        },
        context_method=config.context.method,
        context_variables=list(ci.variables),
        context_loadings=ci.loadings,
        years_evaluated=[year],
        years_skipped={},
        fit_points=[(float(a), float(b)) for a, b in pts],
        config=config.to_mapping(),
    )
    comps = pl.concat([ri.components, ci.components.select(COMPONENT_COLUMNS)], how="vertical_relaxed")
    return _YearRun(frame=frame, components=comps, excluded=excluded, thresholds=th, model=model)


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
    results are evaluated; the target year must succeed (else InsufficientDataError), earlier years that cannot
    be fitted are skipped and listed in ``model.years_skipped``. Stability (R8): a yearly category is given
    when its rule held in ≥ min(stability_years, number of evaluated years) years. ``at_risk`` (R7) is given
    for ≥ ``risk_min_factors`` municipal factors (rule ``risk_factors``) or a fall of the results index by
    ≥ ``trend_drop`` (rule ``negative_trend``). ``progress(done, total)`` is called after each year.
    """
    cfg = config or IdentificationConfig()
    rules = cfg.categories
    _check_results(results)
    fit = (
        sorted(set(fit_schools))
        if fit_schools is not None
        else sorted(results["school_id"].unique().drop_nulls().to_list())
    )
    apply = sorted(set(apply_schools)) if apply_schools is not None else list(fit)
    if not fit:
        raise InsufficientDataError("Нет школ для построения модели: таблица результатов пуста.")
    present = set(results["year"].cast(pl.Int64).unique().drop_nulls().to_list())
    if year not in present and not any(year - cfg.results.window_years < y <= year for y in present):
        raise InsufficientDataError(f"Нет результатов оценочных процедур за {year} год.")
    years = [
        y
        for y in range(year - rules.evaluation_years + 1, year + 1)
        if any(y - cfg.results.window_years < p <= y for p in present)
    ]
    runs: dict[int, _YearRun] = {}
    skipped: dict[int, str] = {}
    for i, y in enumerate(years):
        try:
            runs[y] = _run_year(results, context, cfg, year=y, fit=fit, apply=apply, explain=y == year)
        except InsufficientDataError as error:
            if y == year:
                raise
            skipped[y] = str(error)
        if progress is not None:
            progress(i + 1, len(years))
    evaluated = sorted(runs)
    apply_set = set(apply)
    target = runs[year]
    required = min(rules.stability_years, len(evaluated))
    yearly = pl.concat(
        [
            r.frame.filter(pl.col("school_id").is_in(apply)).select(
                "school_id",
                "year",
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
    trends = trend_drops(yearly, min_years=rules.trend_min_years)
    flags = risk_flags(risk, rules, year=year) if risk is not None and risk.height else {}
    base = pl.DataFrame({"school_id": apply}, schema={"school_id": pl.String})
    cur = target.frame.filter(pl.col("school_id").is_in(apply))
    table = (
        base.join(cur, on="school_id", how="left")
        .join(counts, on="school_id", how="left")
        .join(trends, on="school_id", how="left")
        .with_columns(pl.col("in_fit").fill_null(pl.col("school_id").is_in(fit)))
    )
    measure_label = ("сжатый " if cfg.regression.shrinkage else "") + (
        "стандартизованный" if rules.residual_measure == "std_residual" else "стьюдентизированный"
    )
    held_any = pl.any_horizontal("adverse_context", "low_results", "resilient", "above_expected")
    by_year = {
        (r["school_id"], r["year"]): r
        for r in yearly.filter(held_any)
        .select(
            "school_id",
            "year",
            "results_index",
            "context_index",
            "measure",
            "low_by_quantile",
            "low_by_residual",
        )
        .iter_rows(named=True)
    }
    reasons: dict[str, list[Reason]] = {}
    categories: list[list[str]] = []
    factor_counts: list[int | None] = []
    needed = [c for c in table.columns if c.endswith("_years") or c.startswith("trend_")] + [
        "school_id",
        "results_index",
        "context_index",
        "measure",
        "low_by_quantile",
        "low_by_residual",
        "year",
    ]
    for row in table.select(needed).iter_rows(named=True):
        sid = row["school_id"]
        got: set[str] = set()
        why: list[Reason] = []
        for code in ("adverse_context", "low_results", "resilient", "above_expected"):
            held = row.get(f"{code}_years") or []
            if code in rules.stable_categories:
                ok = len(held) >= required and len(held) > 0
                if rules.stability_requires_current:
                    ok = ok and year in held
            else:
                ok = bool(row.get(code))
            if code == "resilient" and ok:
                ok = "adverse_context" in got and "low_results" not in got
            if ok:
                got.add(code)
            if ok or held:
                # Explain with the numbers of the latest year in which the rule held.
                last = max(held) if held else year
                why.append(
                    explain_yearly(
                        code,
                        by_year.get((sid, last), row),
                        runs[last].thresholds,
                        rules,
                        measure_label=measure_label,
                        held_years=held,
                        n_years=len(evaluated),
                        required=required,
                        assigned=ok,
                        current_year=year if rules.stability_requires_current else None,
                    )
                )
        school_flags = flags.get(sid, [])
        n_hit = sum(1 for f in school_flags if f.flag) if school_flags else None
        factor_counts.append(n_hit)
        if school_flags:
            fired = (n_hit or 0) >= rules.risk_min_factors
            if fired:
                got.add(Category.AT_RISK.value)
            if fired or n_hit:
                why.append(explain_factors(school_flags, rules, fired=fired))
        drop = row.get("trend_drop")
        if rules.trend_drop > 0 and drop is not None and drop >= rules.trend_drop:
            got.add(Category.AT_RISK.value)
            why.append(explain_trend(row, rules))
        reasons[sid] = why
        categories.append([c for c in CATEGORY_ORDER if c in got])
    table = table.with_columns(
        pl.Series("risk_factor_count", factor_counts, dtype=pl.Int64),
        pl.Series("categories", categories, dtype=pl.List(pl.String)),
    ).select(SCHOOL_COLUMNS)
    model = replace(target.model, years_evaluated=evaluated, years_skipped=skipped)
    models = {y: r.model for y, r in runs.items()}
    models[year] = model
    excluded = (
        pl.concat([r.excluded for r in runs.values()], how="vertical_relaxed")
        .filter(pl.col("school_id").is_in(apply))
        .sort("school_id", "year")
    )
    target_excluded = excluded.filter(pl.col("year") == year)
    unknown = base.join(cur, on="school_id", how="anti").join(target_excluded, on="school_id", how="anti")
    if unknown.height:
        excluded = pl.concat(
            [
                excluded,
                unknown.select(
                    "school_id",
                    pl.lit(year, dtype=pl.Int64).alias("year"),
                    pl.lit("results").alias("stage"),
                    pl.lit("нет данных о школе за этот год").alias("reason"),
                ),
            ]
        ).sort("school_id", "year")
    components = target.components.filter(pl.col("school_id").is_in(apply)).sort(
        "school_id", "kind", maintain_order=True
    )
    return IdentificationResult(
        year=year,
        schools=table.sort("school_id"),
        components=components,
        model=model,
        models=models,
        reasons=reasons,
        excluded=excluded,
        yearly=yearly,
        risk_flags={k: v for k, v in flags.items() if k in apply_set},
    )


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
