"""The context index of schools (docs/methodology.md R4): higher = more favourable social conditions.

Each configured variable is standardised over the reference schools (the fit schools that also have results,
R2) and multiplied by its declared direction; the index is the mean of a school's z (``mean``) or the first
principal component (``pca``). Sums are numpy reductions over rows sorted by school, so the numbers do not
depend on the number of threads or on the order of the input rows.

Degenerate inputs are refused with their real reason (issue 16, item 7): a variable that is the same at every
reference school, two variables that cancel each other (v and 100 − v declared in the same direction), an index
that does not separate the schools.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import polars as pl

from opora.catalogue import context_label
from opora.config import ContextConfig
from opora.errors import AnalyticsError, InsufficientDataError
from opora.standardize import has_spread

__all__ = ["ContextIndex", "context_index", "context_rows"]

FloatArray = npt.NDArray[np.float64]

#: Two sign-aligned variables with a correlation at or below this cancel each other in the mean.
MIRROR_LIMIT = -0.999


@dataclass(frozen=True)
class ContextIndex:
    """``index``: school_id, context_index, n_variables; ``components``: rows of kind "context"; ``excluded``:
    school_id, stage, reason; ``loadings``: variable → PCA loading (empty for the mean method); ``variables``:
    variables used; ``unused``: variable → why it was not used (absent, empty, the same at every school)."""

    index: pl.DataFrame
    components: pl.DataFrame
    excluded: pl.DataFrame
    loadings: dict[str, float]
    variables: tuple[str, ...]
    unused: dict[str, str] = field(default_factory=dict)


def context_rows(context: pl.DataFrame, year: int) -> pl.DataFrame:
    """Each school's latest context row of a year ≤ ``year`` (КИАСУО data lag behind; R4), sorted by school."""
    if "school_id" not in context.columns:
        raise AnalyticsError("В таблице контекстных данных нет обязательного столбца «school_id».")
    if "year" not in context.columns:
        return context.unique("school_id", keep="last", maintain_order=True).sort("school_id")
    return (
        context.filter(pl.col("year").cast(pl.Int32) <= year)
        .sort("school_id", "year")
        .unique("school_id", keep="last", maintain_order=True)
    )


def _sum(x: FloatArray) -> float:
    return float(np.sum(x))


def context_index(
    context: pl.DataFrame,
    config: ContextConfig,
    *,
    year: int,
    fit_schools: Iterable[str] | None = None,
    schools: Iterable[str] | None = None,
    reference: Iterable[str] | None = None,
    explain: Iterable[str] | None = None,
) -> ContextIndex:
    """Context index of each school for ``year`` (R4).

    ``fit_schools``: the model's sample (default: every school); ``reference``: the schools whose values set the
    scale (default: the fit schools); ``schools``: schools returned (default: all); ``explain``: schools whose
    components are returned (default: ``schools``). Variables absent from the data,
    empty or constant over the reference schools are not used and listed in ``unused``; if none is left, or two
    variables cancel each other, or the index is the same at every reference school, AnalyticsError names why.
    """
    rows = context_rows(context, year)
    ids = rows["school_id"].cast(pl.String).to_list()
    fit = set(ids) if fit_schools is None else set(fit_schools)
    ref_set = fit if reference is None else set(reference) & fit
    ref = np.array([s in ref_set for s in ids], dtype=bool)
    unused: dict[str, str] = {}
    usable: list[tuple[str, int]] = []
    columns: dict[str, FloatArray] = {}
    zs: dict[str, FloatArray] = {}
    for name, direction in config.variables:
        label = context_label(name)
        if name not in rows.columns:
            unused[name] = f"переменной «{label}» нет в контекстных данных"
            continue
        x = rows[name].cast(pl.Float64).fill_null(np.nan).to_numpy()
        ok = ref & ~np.isnan(x)
        count = int(ok.sum())
        if count == 0:
            unused[name] = f"переменная «{label}» не заполнена ни у одной школы модели за {year} год"
            continue
        mean = _sum(np.where(ok, x, 0.0)) / count
        dev = np.where(ok, x - mean, 0.0)
        sd = float(np.sqrt(_sum(dev * dev) / (count - 1))) if count > 1 else 0.0
        if not has_spread(np.zeros(len(x), dtype=np.int64), x, ok, np.array([mean]), np.array([sd]))[0]:
            shown = f"{mean:g}".replace(".", ",")
            unused[name] = (
                f"переменная «{label}» одинакова у всех школ модели (значение {shown}): она не различает школы"
            )
            continue
        usable.append((name, direction))
        columns[name] = x
        zs[name] = direction * (x - mean) / sd
    if not usable:
        wanted = ", ".join(f"«{context_label(v)}»" for v, _ in config.variables)
        why = "; ".join(unused.values())
        raise InsufficientDataError(
            f"Индекс контекста за {year} год не рассчитать: ни одна переменная модели ({wanted}) не годится"
            + (f" — {why}." if why else ".")
        )
    _refuse_mirrors(usable, zs, ref)
    names = [v for v, _ in usable]
    known = np.column_stack([~np.isnan(zs[v]) for v in names])
    counts = known.sum(axis=1)
    loadings: dict[str, float] = {}
    if config.method == "mean":
        total = np.zeros(len(ids))
        for v in names:  # always in the configured order
            total = total + np.where(np.isnan(zs[v]), 0.0, zs[v])
        with np.errstate(invalid="ignore", divide="ignore"):
            index = np.where(counts > 0, total / np.maximum(counts, 1), np.nan)
    else:
        index, loadings = _first_component(names, zs, ref)
    need = min(config.min_variables, len(names))
    with_index = ref & (counts >= need) & ~np.isnan(index)
    if with_index.sum() >= 2:
        vals = index[with_index]
        mu = _sum(vals) / len(vals)
        spread = float(np.sqrt(_sum((vals - mu) ** 2) / (len(vals) - 1)))
        if spread < 1e-9:
            raise AnalyticsError(
                f"Индекс контекста за {year} год одинаков у всех школ модели (разброс {spread:.1e}): переменные "
                + ", ".join(f"«{context_label(v)}»" for v in names)
                + " вместе не различают школы. Проверьте направления переменных."
            )
    frame = pl.DataFrame(
        {"school_id": ids, "context_index": index, "n_variables": counts.astype(np.int64)},
        schema={"school_id": pl.String, "context_index": pl.Float64, "n_variables": pl.Int64},
    ).with_columns(pl.col("context_index").fill_nan(None))
    shown_list = schools if explain is None else explain
    explained = None if shown_list is None else set(shown_list)
    rows_shown = np.array(
        [i for i, s in enumerate(ids) if explained is None or s in explained], dtype=np.int64
    )
    shown_ids = [ids[i] for i in rows_shown]
    long = pl.concat(
        [
            pl.DataFrame(
                {
                    "school_id": shown_ids,
                    "subject": [v] * len(shown_ids),
                    "value": columns[v][rows_shown],
                    "z": zs[v][rows_shown],
                },
                schema={"school_id": pl.String, "subject": pl.String, "value": pl.Float64, "z": pl.Float64},
            )
            for v in names
        ]
    ).with_columns(pl.col("value").fill_nan(None), pl.col("z").fill_nan(None))
    if schools is not None:
        frame = frame.filter(pl.col("school_id").is_in(list(schools)))
    excluded = frame.filter(pl.col("n_variables") < need).select(
        "school_id",
        pl.lit("context").alias("stage"),
        pl.format(
            "индекс контекста не рассчитан: известны {} контекстных переменных из минимально {}",
            pl.col("n_variables"),
            pl.lit(need),
        ).alias("reason"),
    )
    index_frame = frame.filter((pl.col("n_variables") >= need) & pl.col("context_index").is_not_null())
    components = long.sort("school_id", "subject").select(
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
        index=index_frame.sort("school_id"),
        components=components,
        excluded=excluded.sort("school_id"),
        loadings=loadings,
        variables=tuple(names),
        unused=unused,
    )


def _refuse_mirrors(
    usable: list[tuple[str, int]], zs: dict[str, FloatArray], ref: npt.NDArray[np.bool_]
) -> None:
    """Two sign-aligned variables with correlation ≤ −0.999 cancel each other: refuse, naming them."""
    for i, (a, _) in enumerate(usable):
        for b, _ in usable[i + 1 :]:
            both = ref & ~np.isnan(zs[a]) & ~np.isnan(zs[b])
            if both.sum() < 3:
                continue
            x, y = zs[a][both], zs[b][both]
            x = x - _sum(x) / len(x)
            y = y - _sum(y) / len(y)
            den = float(np.sqrt(_sum(x * x) * _sum(y * y)))
            r = _sum(x * y) / den if den > 0 else 0.0
            if r <= MIRROR_LIMIT:
                shown = f"{r:.3f}".replace(".", ",").replace("-", "−")
                raise AnalyticsError(
                    f"Переменные контекста «{context_label(a)}» и «{context_label(b)}» взаимно гасят друг друга "
                    f"(корреляция с учётом направлений {shown}): их среднее не различает школы. Скорее всего, одна "
                    "из них — «100 минус другая», а направление у обеих указано одинаковое: исправьте направление "
                    "или оставьте одну из них."
                )


def _first_component(
    names: list[str], zs: dict[str, FloatArray], ref: npt.NDArray[np.bool_]
) -> tuple[FloatArray, dict[str, float]]:
    """First principal component of the z matrix (missing z = 0, the reference mean), sign-aligned so that its
    loadings sum to a positive number, scaled to mean 0 and SD 1 over the reference schools. The covariance is
    built from numpy sums and decomposed with eigh (k × k), not an SVD of the tall matrix."""
    z = np.column_stack([np.where(np.isnan(zs[v]), 0.0, zs[v]) for v in names])
    if ref.sum() < 3:
        raise InsufficientDataError("Для главной компоненты контекста нужно не менее трёх школ модели.")
    zf = z[ref]
    centred = zf - np.array([_sum(zf[:, j]) for j in range(zf.shape[1])]) / len(zf)
    k = len(names)
    cov = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            cov[i, j] = _sum(centred[:, i] * centred[:, j])
    _, vectors = np.linalg.eigh(cov)
    v1 = vectors[:, -1]
    if _sum(v1) < 0:
        v1 = -v1
    scores = np.zeros(len(z))
    for j in range(k):
        scores = scores + z[:, j] * v1[j]
    fitted = scores[ref]
    mu = _sum(fitted) / len(fitted)
    sd = float(np.sqrt(_sum((fitted - mu) ** 2) / (len(fitted) - 1)))
    scores = (scores - mu) / sd if sd > 0 else scores - mu
    return scores, {v: float(x) for v, x in zip(names, v1, strict=True)}
