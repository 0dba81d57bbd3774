"""Charts of the reports (matplotlib → PNG, in the documents' serif font) and the results table they draw on."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import polars as pl

from opora.indices import statistic_values
from opora.schema import RESULTS_SCHEMA
from portal.identification.charts import COLOURS, PRIORITY
from portal.identification.models import SHORT_LABELS, SchoolOutcome
from portal.identification.templatetags.opora_labels import procedure_label, subject_label
from portal.lib.documents import CHART_RC, figure_png, pyplot
from portal.reports.facts import YearData
from portal.results.models import AssessmentResult
from portal.schools.models import Municipality

_RC = {**CHART_RC, "font.size": 9}


def _comma_axes(ax: Any) -> None:
    """Tick labels with a decimal comma and a true minus sign, as in the text of Russian documents."""
    from matplotlib.ticker import FuncFormatter

    fmt = FuncFormatter(lambda v, _pos: f"{v:g}".replace(".", ",").replace("-", "−"))
    ax.xaxis.set_major_formatter(fmt)
    ax.yaxis.set_major_formatter(fmt)


def _ru(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}f}".replace(".", ",").replace("-", "−")


def scatter_png(outcomes: Sequence[SchoolOutcome], model: dict[str, Any]) -> bytes:
    """Results index against context index, coloured by the most important category, with the regression line."""
    plt = pyplot()
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(6.3, 4.2))
        fit = model.get("fit_points") or []
        if fit:
            ax.scatter([p[0] for p in fit], [p[1] for p in fit], s=6, color="#c9ced6", label="школы модели")
        groups: dict[str, list[SchoolOutcome]] = defaultdict(list)
        for o in outcomes:
            top = next((c for c in PRIORITY if c in o.categories), "")
            groups[top].append(o)
        for code in ("", *PRIORITY):
            members = groups.get(code)
            if not members:
                continue
            ax.scatter(
                [o.context_index for o in members],
                [o.results_index for o in members],
                s=28,
                color=COLOURS.get(code, "#3c4654"),
                edgecolors="white",
                linewidths=0.5,
                label=SHORT_LABELS.get(code, "без категории"),
                zorder=3,
            )
        xs = [o.context_index for o in outcomes if o.context_index is not None] + [p[0] for p in fit]
        if xs and model.get("slope") is not None and model.get("intercept") is not None:
            lo, hi = min(xs), max(xs)
            ax.plot(
                [lo, hi],
                [model["intercept"] + model["slope"] * lo, model["intercept"] + model["slope"] * hi],
                color="#1f2933",
                linewidth=1,
                label="ожидаемый результат",
            )
        _comma_axes(ax)
        ax.set_xlabel("Индекс социального контекста (выше — благополучнее)")
        ax.set_ylabel("Индекс результатов")
        ax.grid(color="#e5e7eb", linewidth=0.5)
        ax.legend(fontsize=8, loc="best", frameon=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        return figure_png(fig)


def targets_png(rows: Sequence[Any]) -> bytes:
    """Each indicator's value (bar) and the year's target (mark), for the shares with a target."""
    plt = pyplot()
    rows = list(rows)[:24]
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(6.3, 0.9 + 0.3 * len(rows)))
        positions = list(range(len(rows)))[::-1]
        colours = ["#1e7a46" if r.status == "met" else "#b3261e" for r in rows]
        ax.barh(positions, [r.value for r in rows], color=colours, height=0.6)
        targets = [
            (p, float(r.target.value))
            for p, r in zip(positions, rows, strict=True)
            if not isinstance(r.target.value, bool)
        ]
        ax.scatter(
            [t for _, t in targets],
            [p for p, _ in targets],
            marker="|",
            s=160,
            color="#1f2933",
            label="цель",
            zorder=3,
        )
        ax.set_yticks(positions, labels=[f"{r.indicator.code} {r.label}"[:40] for r in rows], fontsize=8)
        ax.set_xlim(0, 105)
        ax.set_xlabel("%")
        ax.grid(axis="x", color="#e5e7eb", linewidth=0.5)
        ax.legend(fontsize=8, loc="lower right", frameon=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        return figure_png(fig)


def _means(rows: Sequence[tuple[Any, ...]]) -> dict[tuple[str, str, int], float]:
    """Participant-weighted mean of the school means per (procedure, subject, grade)."""
    total: dict[tuple[str, str, int], float] = defaultdict(float)
    weight: dict[tuple[str, str, int], float] = defaultdict(float)
    for procedure, subject, grade, n, value in rows:
        if value is None or not n:
            continue
        key = (procedure, subject, grade)
        total[key] += value * n
        weight[key] += n
    return {k: total[k] / weight[k] for k in total}


def _mean_pct_rows(municipality: Municipality, years: list[int]) -> list[tuple[Any, ...]]:
    """(school, year, procedure, subject, grade, n, mean % done) of the stored results, the value taken as the
    identification takes it (R1: ЕГЭ without a % done — its mean test score, a 100-point scale)."""
    names = ("school_id", "year", "procedure", "subject", "grade", "n", "mean_pct", "mean_score")
    rows = list(
        AssessmentResult.objects.filter(school__municipality=municipality, year__in=years).values_list(*names)
    )
    frame = pl.DataFrame(
        rows, schema={"school_id": pl.Int64, **{c: RESULTS_SCHEMA[c] for c in names[1:]}}, orient="row"
    )
    values = statistic_values(frame, "mean_pct")
    return [(*r[:6], None if math.isnan(v) else float(v)) for r, v in zip(rows, values, strict=True)]


def results_table(municipality: Municipality, data: YearData, year: int) -> list[list[str]]:
    """Rows «procedure, subject, grade | program schools | all schools | difference | change» (mean % done)."""
    run = data.run
    program: set[int] = set()
    if run is not None:
        program = {
            school_id
            for (run_id, school_id), o in data.outcomes.items()
            if run_id == run.pk and ({"low_results", "at_risk"} & set(o.categories))
        }
    rows = _mean_pct_rows(municipality, [year - 1, year])
    current = [r for r in rows if r[1] == year]
    everyone = _means([r[2:] for r in current])
    ours = _means([r[2:] for r in current if r[0] in program])
    before = _means([r[2:] for r in rows if r[1] == year - 1 and r[0] in program])
    out = []
    for key in sorted(everyone):
        procedure, subject, grade = key
        mine = ours.get(key)
        change = mine - before[key] if mine is not None and key in before else None
        out.append(
            [
                f"{procedure_label(procedure)}, {subject_label(subject).lower()}, {grade} кл.",
                _ru(mine) if mine is not None else "—",
                _ru(everyone[key]),
                _ru(mine - everyone[key]) if mine is not None else "—",
                (("+" if change > 0 else "") + _ru(change)) if change is not None else "—",
            ]
        )
    return out


def results_png(table: Sequence[Sequence[str]]) -> bytes | None:
    """The difference «program schools − all schools» per row of :func:`results_table`, as bars."""
    rows = [(r[0], float(r[3].replace(",", ".").replace("−", "-"))) for r in table if r[3] != "—"][:30]
    if not rows:
        return None
    plt = pyplot()
    with plt.rc_context(_RC):
        fig, ax = plt.subplots(figsize=(6.3, 0.9 + 0.26 * len(rows)))
        positions = list(range(len(rows)))[::-1]
        ax.barh(
            positions,
            [v for _, v in rows],
            color=["#b3261e" if v < 0 else "#1e7a46" for _, v in rows],
            height=0.6,
        )
        ax.set_yticks(positions, labels=[label[:45] for label, _ in rows], fontsize=7)
        ax.axvline(0, color="#1f2933", linewidth=0.8)
        _comma_axes(ax)
        ax.set_xlabel("п.п.")
        ax.grid(axis="x", color="#e5e7eb", linewidth=0.5)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        return figure_png(fig)
