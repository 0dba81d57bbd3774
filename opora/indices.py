"""Results index and context index of schools (docs/methodology.md R1–R4).

Both indices are on the scale of the model's schools: z-scores are computed against the mean and SD of the
reference schools (the fit schools that have both results and context, R2) and then applied to every school, so
a municipality can be placed on the region's scale. Per-component z-scores are returned so that every index can
be explained.

**Determinism (issue 16, item 5).** Every sum over schools is taken by numpy in one canonical order — rows sorted
by school and cell — and never by a parallel group-by, whose partial sums are combined in an order that depends
on the number of threads and changed the last bits of the index from run to run. The same data therefore give
byte-identical numbers whatever the thread count and whatever the order of the input rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from opora.config import ResultsIndexConfig
from opora.contextindex import ContextIndex, context_index
from opora.errors import AnalyticsError
from opora.standardize import has_spread

__all__ = [
    "COMPONENT_COLUMNS",
    "ContextIndex",
    "ResultCells",
    "ResultsIndex",
    "build_cells",
    "context_index",
    "procedure_group",
    "results_index",
    "statistic_values",
    "unit_statistics",
    "window_index",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

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

_KEY = ("school_id", "procedure", "subject", "grade", "year")


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
    """One row per cell with a column ``v_<statistic>`` per configured statistic (R1), computed by the engine's
    own :func:`_statistics` so that what is shown and what is standardised are one formula."""
    for name in (*_KEY, "n"):
        if name not in results.columns:
            raise AnalyticsError(f"В таблице результатов нет обязательного столбца «{name}».")
    frame = results
    if "grade_program" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.Int16).alias("grade_program"))
    if config.procedures:
        frame = frame.filter(pl.col("procedure").is_in(list(config.procedures)))
    frame = frame.with_columns(pl.col("procedure").cast(pl.String))
    procedures, proc = _codes(frame["procedure"])
    names = tuple(name for name, _ in config.statistics)
    raw = _statistics(frame, proc, procedures, names)
    return frame.select(
        pl.col("school_id").cast(pl.String),
        pl.col("procedure"),
        pl.col("subject").cast(pl.String),
        pl.col("grade").cast(pl.Int16),
        pl.col("year").cast(pl.Int16),
        procedure_group(config.split_vpr_by_level).alias("group"),
        pl.col("n").cast(pl.Int64),
    ).with_columns(pl.Series(f"v_{name}", raw[name], dtype=pl.Float64).fill_nan(None) for name in names)


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


def statistic_values(results: pl.DataFrame, name: str) -> FloatArray:
    """One unit statistic of R1 for every row of ``results`` (NaN = missing): the formula the index, the shown
    statistics and the dynamics of monitoring (M1) share."""
    if results.height == 0:
        return np.empty(0)
    procedures, proc = _codes(results["procedure"].cast(pl.String))
    return _statistics(results, proc, procedures, (name,))[name]


def _codes(series: pl.Series) -> tuple[list[str], npt.NDArray[np.int64]]:
    """Sorted distinct values of a string column and each row's position among them."""
    values = series.unique().drop_nulls().sort().to_list()
    codes = series.cast(pl.Enum(values)).to_physical().cast(pl.Int64).to_numpy()
    return values, codes


def _take(frame: pl.DataFrame, rows: npt.NDArray[np.int64]) -> pl.DataFrame:
    """The rows ``rows`` of ``frame``, in that order."""
    return frame.select(pl.all().gather(pl.Series(rows, dtype=pl.Int64)))


def _group_sum(ids: IntArray, weights: FloatArray, size: int) -> FloatArray:
    """Σ weights per id, summed in row order (the rows are in canonical order): one result on any thread count."""
    return np.bincount(ids, weights=weights, minlength=size).astype(np.float64)


@dataclass(frozen=True)
class ResultCells:
    """Every result component of the years asked for, in canonical order (school, procedure, subject, grade,
    year), as numpy arrays: the input of the standardisation and of every results index (R1–R3).

    ``school``/``cell``/``group``/``year_pos``: integer codes into ``schools``, ``cells`` (procedure, subject,
    grade, year), ``groups`` and ``years``; ``n``: participants (NaN = unknown); ``values``/``signs``: raw value
    and direction (+1 = higher is better) of each statistic; ``eligible``: the row may be used (n unknown or
    ≥ min_participants); ``frame``/``order``: the input rows and the permutation that puts them in canonical
    order (``frame`` row ``order[i]`` is component row ``i``).
    """

    schools: list[str]
    years: list[int]
    groups: list[str]
    cells: int
    school: IntArray
    cell: IntArray
    group: IntArray
    year_pos: IntArray
    n: FloatArray
    statistics: tuple[str, ...]
    values: dict[str, FloatArray]
    signs: dict[str, FloatArray]
    eligible: npt.NDArray[np.bool_]
    frame: pl.DataFrame
    order: IntArray

    @property
    def size(self) -> int:
        return len(self.school)


def _floats(frame: pl.DataFrame, name: str) -> FloatArray:
    if name not in frame.columns:
        return np.full(frame.height, np.nan)
    return frame[name].cast(pl.Float64).fill_null(np.nan).to_numpy()


def _statistics(
    frame: pl.DataFrame, proc: IntArray, procedures: list[str], names: tuple[str, ...]
) -> dict[str, FloatArray]:
    """The unit statistics of R1 as numpy arrays (NaN = missing); see :func:`unit_statistics`."""
    n = _floats(frame, "n")
    kdr = proc == (procedures.index("kdr") if "kdr" in procedures else -1)
    is_ege = proc == (procedures.index("ege") if "ege" in procedures else -1)
    out: dict[str, FloatArray] = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for name in names:
            if name == "mean_pct":
                v = _floats(frame, "mean_pct")
                ege = np.where(is_ege, _floats(frame, "mean_score"), np.nan)
                v = np.where(np.isnan(v), ege, v)
            elif name == "low_share":
                # ЕГЭ from regional reports: below the minimum score when the count is given (R1, «ЕГЭ»).
                below = _floats(frame, "n_below_min")
                v = np.where(
                    kdr,
                    (_floats(frame, "n_insufficient") + _floats(frame, "n_reduced")) * 100.0 / n,
                    np.where(is_ege & ~np.isnan(below), below, _floats(frame, "n_2")) * 100.0 / n,
                )
            elif name == "high_share":
                # ЕГЭ: 80 points and more when either count is given (a missing one of the two counts as 0).
                top, full = _floats(frame, "n_80_99"), _floats(frame, "n_100")
                ege_high = is_ege & ~(np.isnan(top) & np.isnan(full))
                v = np.where(
                    kdr,
                    _floats(frame, "n_advanced") * 100.0 / n,
                    np.where(
                        ege_high,
                        np.nan_to_num(top) + np.nan_to_num(full),
                        _floats(frame, "n_4") + _floats(frame, "n_5"),
                    )
                    * 100.0
                    / n,
                )
            else:
                v = _floats(frame, "mean_mark")
            out[name] = np.where(np.isfinite(v), v, np.nan)
    return out


def build_cells(results: pl.DataFrame, config: ResultsIndexConfig) -> ResultCells:
    """The components of ``results`` in canonical order; refuses duplicated (school, procedure, subject, grade,
    year) rows, naming the first ones (they would silently count twice)."""
    for name in (*_KEY, "n"):
        if name not in results.columns:
            raise AnalyticsError(f"В таблице результатов нет обязательного столбца «{name}».")
    frame = results
    if config.procedures:
        frame = frame.filter(pl.col("procedure").is_in(list(config.procedures)))
    frame = frame.with_columns(
        pl.col("school_id").cast(pl.String),
        pl.col("procedure").cast(pl.String),
        pl.col("subject").cast(pl.String),
        pl.col("grade").cast(pl.Int16),
        pl.col("year").cast(pl.Int16),
    )
    schools, school = _codes(frame["school_id"])
    procedures, proc = _codes(frame["procedure"])
    subjects, subj = _codes(frame["subject"])
    years = sorted(int(y) for y in frame["year"].unique().drop_nulls().to_list())
    year_pos = np.searchsorted(np.array(years, dtype=np.int64), frame["year"].cast(pl.Int64).to_numpy())
    grade = frame["grade"].cast(pl.Int64).fill_null(0).to_numpy()
    g_lo, g_hi = (int(grade.min()), int(grade.max())) if len(grade) else (0, 0)
    n_g, n_y = g_hi - g_lo + 1, max(1, len(years))
    cell_code = ((proc * max(1, len(subjects)) + subj) * n_g + (grade - g_lo)) * n_y + year_pos
    space = max(1, len(procedures)) * max(1, len(subjects)) * n_g * n_y
    key = school * space + cell_code
    order = np.argsort(key, kind="stable")
    key = key[order]
    if len(key) > 1 and np.any(key[1:] == key[:-1]):
        first = np.flatnonzero(key[1:] == key[:-1])
        from opora.inputs import describe_row

        rows = _take(frame, order[first[:5]])
        examples = "; ".join(describe_row(r) for r in rows.iter_rows(named=True))
        raise AnalyticsError(
            f"В таблице результатов есть повторяющиеся строки (повторов: {len(first)}), например: {examples}. "
            "Одна школа, процедура, предмет, класс и год — одна строка; удалите повторы или объедините их."
        )
    school, cell_code, year_pos = school[order], cell_code[order], year_pos[order]
    present = np.zeros(space, dtype=bool)
    present[cell_code] = True
    cell = (np.cumsum(present) - 1)[cell_code]
    # Procedure groups (R3) from the procedure and the programme's grade: ВПР НОО ≤ 4, ООО 5–9, СОО 10–11.
    proc_sorted = proc[order]
    names = list(procedures)
    code = proc_sorted.copy()
    if config.split_vpr_by_level and "vpr" in procedures:
        program = _floats(frame, "grade_program")[order]
        level = np.where(np.isnan(program), grade[order], program)
        vpr = proc_sorted == procedures.index("vpr")
        extra = len(names)
        names += ["vpr_noo", "vpr_ooo", "vpr_soo"]
        code = np.where(vpr, np.where(level <= 4, extra, np.where(level <= 9, extra + 1, extra + 2)), code)
    used = np.zeros(len(names), dtype=bool)
    used[code] = True
    ranked = sorted((i for i in range(len(names)) if used[i]), key=lambda i: names[i])
    remap = np.full(len(names), -1, dtype=np.int64)
    remap[ranked] = np.arange(len(ranked))
    groups = [names[i] for i in ranked]
    group = remap[code]
    n = _floats(frame, "n")[order]
    eligible = np.isnan(n) | (n >= config.min_participants)
    lower = [procedures.index(p) for p in config.lower_is_better if p in procedures]
    flip = np.where(np.isin(proc_sorted, lower), -1.0, 1.0) if lower else np.ones(len(n))
    stat_names = tuple(name for name, _ in config.statistics)
    raw = _statistics(frame, proc, procedures, stat_names)
    return ResultCells(
        schools=schools,
        years=years,
        groups=groups,
        cells=int(present.sum()),
        school=school,
        cell=cell.astype(np.int64),
        group=group,
        year_pos=year_pos.astype(np.int64),
        n=n,
        statistics=stat_names,
        values={name: raw[name][order] for name in stat_names},
        signs={name: float(sign) * flip for name, sign in config.statistics},
        eligible=eligible,
        frame=frame,
        order=order,
    )


@dataclass(frozen=True)
class Standardized:
    """z of every component (NaN when not standardised) and, per cell and statistic, the reference size."""

    z: dict[str, FloatArray]
    ref_n: dict[str, FloatArray]
    zsum: FloatArray
    zn: FloatArray


def standardize_cells(
    cells: ResultCells, reference: npt.NDArray[np.bool_], min_reference: int
) -> Standardized:
    """z = sign·(x − mean_ref)/sd_ref within each (procedure, subject, grade, year) cell (R2).

    Means and sample SDs (ddof = 1, two passes) are sums in canonical row order. A cell with fewer than
    ``min_reference`` reference values or no spread (``has_spread``) gives NaN; an ineligible row (too few participants) gives NaN.
    """
    size = cells.cells
    z: dict[str, FloatArray] = {}
    ref_n: dict[str, FloatArray] = {}
    for name in cells.statistics:
        x = cells.values[name]
        ok = reference & cells.eligible & ~np.isnan(x)
        xr = np.where(ok, x, 0.0)
        count = _group_sum(cells.cell, ok.astype(np.float64), size)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = _group_sum(cells.cell, xr, size) / count
            dev = np.where(ok, x - mean[cells.cell], 0.0)
            var = _group_sum(cells.cell, dev * dev, size) / (count - 1.0)
            sd = np.sqrt(var)
            good = (count >= min_reference) & has_spread(cells.cell, x, ok, mean, sd)
            zz = cells.signs[name] * (x - mean[cells.cell]) / sd[cells.cell]
        z[name] = np.where(good[cells.cell] & cells.eligible & ~np.isnan(x), zz, np.nan)
        ref_n[name] = count[cells.cell]
    zsum = np.zeros(cells.size)
    zn = np.zeros(cells.size)
    for name in cells.statistics:  # across statistics, always in the configured order
        col = z[name]
        known = ~np.isnan(col)
        zsum = zsum + np.where(known, col, 0.0)
        zn = zn + known
    return Standardized(z=z, ref_n=ref_n, zsum=zsum, zn=zn)


@dataclass(frozen=True)
class GroupSums:
    """Per school × procedure group × year: Σ z, number of z, Σ participants and number of used cells."""

    zsum: FloatArray  # schools × groups × years
    zn: FloatArray
    participants: FloatArray  # schools × years (NaN-free: unknown n counts 0)
    known_n: FloatArray  # schools × years: used cells with a known n
    cells: FloatArray  # schools × years: used cells
    rows: FloatArray  # schools × years: every row, used or not


def group_sums(cells: ResultCells, std: Standardized) -> GroupSums:
    """Sums of the standardised components per school, procedure group and year (canonical order)."""
    n_s, n_g, n_y = len(cells.schools), max(1, len(cells.groups)), max(1, len(cells.years))
    gid = (cells.school * n_g + cells.group) * n_y + cells.year_pos
    used = std.zn > 0
    zsum = _group_sum(gid, np.where(used, std.zsum, 0.0), n_s * n_g * n_y).reshape(n_s, n_g, n_y)
    zn = _group_sum(gid, std.zn, n_s * n_g * n_y).reshape(n_s, n_g, n_y)
    sid = cells.school * n_y + cells.year_pos
    known = used & ~np.isnan(cells.n)
    participants = _group_sum(sid, np.where(known, cells.n, 0.0), n_s * n_y).reshape(n_s, n_y)
    known_n = _group_sum(sid, known.astype(np.float64), n_s * n_y).reshape(n_s, n_y)
    count = _group_sum(sid, used.astype(np.float64), n_s * n_y).reshape(n_s, n_y)
    rows = np.bincount(sid, minlength=n_s * n_y).astype(np.float64).reshape(n_s, n_y)
    return GroupSums(zsum=zsum, zn=zn, participants=participants, known_n=known_n, cells=count, rows=rows)


def window_index(
    cells: ResultCells, sums: GroupSums, *, first: int, last: int, min_components: int
) -> pl.DataFrame:
    """The results index of every school over the years ``first … last`` (R3): per procedure group the mean of its
    components over the window, then the mean over groups (equal weights). Columns: ``school_id, results_index,
    n_components, n_participants, n_cells, n_rows`` (index null below ``min_components`` groups; ``n_cells``:
    components used, ``n_rows``: result rows in the window, used or not)."""
    pos = [i for i, y in enumerate(cells.years) if first <= y <= last]
    n_s, n_g = len(cells.schools), max(1, len(cells.groups))
    s = np.zeros((n_s, n_g))
    c = np.zeros((n_s, n_g))
    p = np.zeros(n_s)
    k = np.zeros(n_s)
    m = np.zeros(n_s)
    r = np.zeros(n_s)
    for i in pos:  # years in ascending order
        r = r + sums.rows[:, i]
        s = s + sums.zsum[:, :, i]
        c = c + sums.zn[:, :, i]
        p = p + sums.participants[:, i]
        k = k + sums.known_n[:, i]
        m = m + sums.cells[:, i]
    total = np.zeros(n_s)
    groups = np.zeros(n_s)
    for g in range(n_g):  # groups in a fixed (sorted) order
        has = c[:, g] > 0
        total = total + np.where(has, s[:, g] / np.where(has, c[:, g], 1.0), 0.0)
        groups = groups + has
    with np.errstate(invalid="ignore", divide="ignore"):
        index = np.where(groups >= min_components, total / groups, np.nan)
    return pl.DataFrame(
        {
            "school_id": cells.schools,
            "results_index": index,
            "n_components": groups.astype(np.int64),
            "n_participants": np.where(k > 0, p, np.nan),
            "n_cells": m.astype(np.int64),
            "n_rows": r.astype(np.int64),
        },
        schema={
            "school_id": pl.String,
            "results_index": pl.Float64,
            "n_components": pl.Int64,
            "n_participants": pl.Float64,
            "n_cells": pl.Int64,
            "n_rows": pl.Int64,
        },
    ).with_columns(
        pl.col("results_index").fill_nan(None),
        pl.col("n_participants").fill_nan(None).cast(pl.Int64),
    )


def coverage_reason(config: ResultsIndexConfig) -> pl.Expr:
    """The Russian reason of a school without a results index (coverage rule, R3)."""
    return pl.format(
        "индекс результатов не рассчитан: групп процедур с данными — {} при минимуме {} "
        "(учитываются ячейки с числом участников не менее {})",
        pl.col("n_components").fill_null(0),
        pl.lit(config.min_components),
        pl.lit(config.min_participants),
    )


def components_frame(
    cells: ResultCells,
    std: Standardized,
    config: ResultsIndexConfig,
    *,
    schools: Iterable[str],
    first: int,
    last: int,
) -> pl.DataFrame:
    """COMPONENT_COLUMNS rows of kind "result" for ``schools`` and the years ``first … last``, in canonical order
    (school, procedure, subject, grade, year, then the statistics in their configured order)."""
    wanted = set(schools)
    codes = np.array([i for i, s in enumerate(cells.schools) if s in wanted], dtype=np.int64)
    years = (
        np.array(cells.years, dtype=np.int64)[cells.year_pos] if cells.size else np.array([], dtype=np.int64)
    )
    rows = np.flatnonzero(np.isin(cells.school, codes) & (years >= first) & (years <= last))
    k = len(cells.statistics)
    if not k or not len(rows):
        return empty_components()
    value = np.column_stack([cells.values[name][rows] for name in cells.statistics]).ravel()
    z = np.column_stack([std.z[name][rows] for name in cells.statistics]).ravel()
    ref = np.column_stack([std.ref_n[name][rows] for name in cells.statistics]).ravel()
    rep = np.repeat(rows, k)
    keep = ~np.isnan(value)
    rep, value, z, ref = rep[keep], value[keep], z[keep], ref[keep]
    stat = np.tile(np.arange(k), len(rows))[keep]
    base = _take(
        cells.frame.select("school_id", "procedure", "subject", "grade", "year", "n"), cells.order[rep]
    )
    eligible = cells.eligible[rep]
    note = np.full(len(rep), "", dtype=object)
    few = ~eligible
    if few.any():
        n_few = cells.n[rep[few]]
        note[few] = [f"мало участников: n = {int(v)} < {config.min_participants}" for v in n_few]
    unscaled = eligible & np.isnan(z)
    if unscaled.any():
        note[unscaled] = [f"в ячейке мало школ модели для стандартизации ({int(v)})" for v in ref[unscaled]]
    groups = np.array(cells.groups, dtype=object)[cells.group[rep]]
    return base.select(
        "school_id",
        "year",
        pl.lit("result").alias("kind"),
        pl.Series("group", groups, dtype=pl.String),
        "procedure",
        "subject",
        "grade",
        pl.Series("statistic", np.array(cells.statistics, dtype=object)[stat], dtype=pl.String),
        pl.Series("value", value),
        pl.col("n").cast(pl.Int64),
        pl.Series("z", z).fill_nan(None),
        pl.Series("used", ~np.isnan(z)),
        pl.Series("note", note, dtype=pl.String),
    )


def empty_components() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "school_id": pl.String,
            "year": pl.Int16,
            "kind": pl.String,
            "group": pl.String,
            "procedure": pl.String,
            "subject": pl.String,
            "grade": pl.Int16,
            "statistic": pl.String,
            "value": pl.Float64,
            "n": pl.Int64,
            "z": pl.Float64,
            "used": pl.Boolean,
            "note": pl.String,
        }
    )


@dataclass(frozen=True)
class ResultsIndex:
    """``index``: school_id, results_index, n_components, n_participants, n_cells; ``components``:
    COMPONENT_COLUMNS rows of kind "result"; ``excluded``: school_id, stage, reason."""

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
    """Results index of each school for ``year`` (R1–R3), standardised over ``fit_schools``.

    Components are the unit statistics of the years ``year − window_years + 1 … year``; a component is used
    when its cell has ≥ ``min_participants`` participants (null n: the rule is not applied) and its
    (procedure, subject, grade, year, statistic) cell has ≥ ``min_schools_per_cell`` reference schools with a
    non-zero SD. z is sign-aligned (higher = better). The index is the mean over procedure groups of the mean
    z within the group (equal weight per group); a school with fewer than ``min_components`` groups is excluded.
    ``schools`` limits the schools returned (default: all); ``explain``: schools whose components are returned
    (default: ``schools``). :func:`opora.identify.identify` uses the same steps with a reference restricted to the
    fit schools that also have context data (R2).
    """
    lo = year - config.window_years + 1
    window = results.filter(pl.col("year").cast(pl.Int32).is_between(lo, year))
    cells = build_cells(window, config)
    fit = None if fit_schools is None else set(fit_schools)
    reference = (
        np.ones(cells.size, dtype=bool)
        if fit is None
        else np.isin(cells.school, [i for i, s in enumerate(cells.schools) if s in fit])
    )
    std = standardize_cells(cells, reference, max(2, config.min_schools_per_cell))
    sums = group_sums(cells, std)
    index = window_index(cells, sums, first=lo, last=year, min_components=config.min_components)
    keep = None if schools is None else list(schools)
    if keep is not None:
        index = index.filter(pl.col("school_id").is_in(keep))
    shown = keep if explain is None else list(explain)
    components = components_frame(
        cells, std, config, schools=cells.schools if shown is None else shown, first=lo, last=year
    )
    excluded = index.filter(pl.col("results_index").is_null()).select(
        "school_id", pl.lit("results").alias("stage"), coverage_reason(config).alias("reason")
    )
    return ResultsIndex(
        index=index.filter(pl.col("results_index").is_not_null()),
        components=components,
        excluded=excluded,
    )
