"""Deterministic synthetic data: regions of schools, student-level rows, and the Minusinsk demo (docs R11).

Nothing here is real data. Each school has a latent context ``c`` (higher = more favourable) and a latent
quality ``q`` per year; context shares, assessment results (mark or level counts drawn from a normal model of
students' scores) and risk inputs are generated from them with noise, using ``numpy.random.Generator`` seeded
by the caller, so the same seed always gives the same frames.

The demo region contains the 13 demo schools of ``opora/data/demo/minusinsk_schools.csv`` with latent values
chosen so that the default configuration reproduces the 2023 classification of SEED-B Прил. 2 (the test
``tests/analytics/test_demo.py`` checks it); the categories are never written into the data.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from opora.schema import RISK_SCHEMA, STUDENT_SCHEMA, conform_results

__all__ = [
    "DEMO_OFFICIAL_2023",
    "DEMO_YEARS",
    "SYNTHETIC_CELLS",
    "SyntheticData",
    "demo_minusinsk",
    "demo_schools",
    "synthetic_region",
    "synthetic_students",
    "write_demo_files",
    "write_region_files",
]

#: (procedure, subject, grade, max primary score, month, day): the synthetic assessment cells of one year.
SYNTHETIC_CELLS: Final = (
    ("vpr", "rus", 4, 38, 4, 18),
    ("vpr", "math", 4, 20, 4, 20),
    ("vpr", "env", 4, 32, 4, 25),
    ("vpr", "rus", 5, 45, 4, 12),
    ("vpr", "math", 5, 20, 4, 14),
    ("vpr", "hist", 5, 15, 4, 19),
    ("vpr", "bio", 5, 29, 4, 21),
    ("vpr", "rus", 6, 51, 4, 13),
    ("vpr", "math", 6, 20, 4, 15),
    ("vpr", "rus", 7, 47, 4, 12),
    ("vpr", "math", 7, 19, 4, 14),
    ("vpr", "rus", 8, 51, 4, 13),
    ("vpr", "math", 8, 25, 4, 15),
    ("oge", "rus", 9, 33, 6, 1),
    ("oge", "math", 9, 31, 6, 6),
    ("ege", "rus", 11, 50, 6, 3),
    ("ege", "math_profile", 11, 32, 6, 7),
    ("kdr", "read", 4, 25, 3, 15),
    ("kdr", "read", 6, 30, 3, 17),
    ("kdr", "sci", 8, 28, 3, 22),
    ("vpr", "hist", 11, 21, 3, 10),
)

DEMO_YEARS: Final = (2021, 2022, 2023)

#: The seeds' 2023 classification (SEED-B Прил. 2) as an official list: ШНОР и ШНСУ; зона риска снижения
#: результатов; зона риска по ≥ 2 муниципальным факторам.
DEMO_OFFICIAL_2023: Final = (
    ("MNS-OOSH01", "low_results"),
    ("MNS-OOSH01", "adverse_context"),
    ("MNS-OOSH01", "at_risk"),
    ("MNS-SOSH02", "low_results"),
    ("MNS-SOSH02", "adverse_context"),
    ("MNS-OSOSH14", "low_results"),
    ("MNS-OSOSH14", "adverse_context"),
    ("MNS-OSOSH14", "at_risk"),
    ("MNS-SOSH03", "at_risk"),
    ("MNS-SOSH05", "at_risk"),
    ("MNS-SOSH47", "at_risk"),
)

# Latent values of the demo schools: context c, quality q in 2021/2022/2023, and risk inputs (vacancies, Mbit/s,
# % first/highest category, % trained in 3 years, all subjects equipped, enough computers). The risk inputs say
# what SEED-B Прил. 2 says about each school (docs/methodology.md R11 quotes it line by line); a school the order
# says nothing about has no risk. The 2023 classification then follows from the rules.
_DEMO_LATENT: Final = {
    # «низким уровнем оснащения», «не достаточностью материально-технического оснащения»; in the risk zone by the
    # infrastructure factors, so (the order names no staff shortage here) no stable Internet.
    "MNS-OOSH01": (-1.7, (-1.5, -1.55, -1.6), (0, 20.0, 75.0, 96.0, False, False)),
    # «не достаточностью материально-технического оснащения …, дефицитом педагогических кадров».
    "MNS-SOSH02": (-1.6, (-1.25, -1.3, -1.3), (2, 100.0, 78.0, 97.0, False, True)),
    # «дефицитом педагогических кадров, низкой долей педагогов, которые прошли повышение квалификации … 3-х лет».
    "MNS-SOSH03": (0.1, (0.6, 0.15, -0.3), (1, 100.0, 80.0, 90.0, True, True)),
    "MNS-SOSH04": (0.3, (0.35, 0.35, 0.35), (0, 100.0, 82.0, 98.0, True, True)),
    # «не достаточностью материально-технического оснащения школы».
    "MNS-SOSH05": (-0.05, (0.55, 0.1, -0.35), (0, 100.0, 75.0, 97.0, False, True)),
    "MNS-SOSH06": (0.5, (0.45, 0.45, 0.45), (0, 150.0, 85.0, 100.0, True, True)),
    "MNS-SOSH09": (-0.15, (0.0, 0.0, 0.0), (0, 100.0, 76.0, 96.0, True, True)),
    "MNS-SOSH12": (0.4, (0.4, 0.4, 0.4), (0, 100.0, 80.0, 97.0, True, True)),
    # As ООШ № 1 (the order describes them together).
    "MNS-OSOSH14": (-2.2, (-1.9, -1.9, -1.95), (0, 30.0, 72.0, 96.0, False, False)),
    "MNS-SOSH16": (0.6, (0.5, 0.5, 0.5), (0, 200.0, 88.0, 99.0, True, True)),
    # «низким уровнем оснащения школы …, дефицитом педагогических кадров, не достаточностью
    # материально-технического оснащения».
    "MNS-SOSH47": (0.9, (0.3, -0.1, -0.5), (1, 100.0, 72.0, 96.0, False, False)),
    "MNS-GYM01": (1.2, (1.6, 1.6, 1.6), (0, 200.0, 92.0, 100.0, True, True)),
    "MNS-LYC07": (1.1, (1.5, 1.5, 1.5), (0, 200.0, 90.0, 100.0, True, True)),
}

#: SEED-B Прил. 2: «высокой долей обучающихся с ОВЗ» for ООШ № 1, О(С)ОШ № 14, СОШ № 5, 2, 47 and 3, and
#: «20% дети-инофоны» for СОШ № 47 (context shares in %, the same in each year).
_DEMO_CONTEXT: Final = {
    "MNS-OOSH01": {"special_needs_share": 15.0},
    "MNS-OSOSH14": {"special_needs_share": 18.0},
    "MNS-SOSH02": {"special_needs_share": 12.0},
    "MNS-SOSH03": {"special_needs_share": 11.0},
    "MNS-SOSH05": {"special_needs_share": 11.0},
    "MNS-SOSH47": {"special_needs_share": 12.0, "non_native_share": 20.0},
}

_CONTEXT_VARS: Final = (
    # name, base, slope on c, noise SD
    ("low_income_share", 18.0, 8.0, 4.0),
    ("tzhs_share", 4.0, 2.5, 1.5),
    ("special_needs_share", 5.0, 2.5, 1.5),
    ("registered_share", 2.5, 1.5, 1.0),
    ("parents_no_higher_edu_share", 55.0, 12.0, 6.0),
    ("single_parent_share", 24.0, 6.0, 4.0),
    ("non_native_share", 3.0, 1.5, 1.5),
)

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SyntheticData:
    """``results`` (RESULTS_SCHEMA), ``context`` (wide, CONTEXT_KEY + variables + ``students``), ``risk``
    (RISK_SCHEMA) and ``schools`` (school_id, kind, rural, students, c)."""

    results: pl.DataFrame
    context: pl.DataFrame
    risk: pl.DataFrame
    schools: pl.DataFrame


def _phi(x: FloatArray) -> FloatArray:
    from scipy.special import ndtr

    return np.asarray(ndtr(x), dtype=np.float64)


def _kind_grades(kind: str) -> tuple[int, int]:
    return {"oosh": (1, 9), "evening": (9, 12)}.get(kind, (1, 11))


def _results(
    rng: np.random.Generator,
    ids: list[str],
    kinds: list[str],
    students: FloatArray,
    quality: FloatArray,
    years: tuple[int, ...],
    cells: tuple[tuple[str, str, int, int, int, int], ...],
) -> pl.DataFrame:
    """Cell results of every school × year × cell allowed by the school's grades; ``quality`` is schools × years."""
    s_idx, y_idx, c_idx = [], [], []
    for i, kind in enumerate(kinds):
        lo, hi = _kind_grades(kind)
        ok = [
            j
            for j, cell in enumerate(cells)
            if lo <= cell[2] <= hi and not (kind == "evening" and cell[0] in ("vpr", "kdr"))
        ]
        for t in range(len(years)):
            s_idx.extend([i] * len(ok))
            y_idx.extend([t] * len(ok))
            c_idx.extend(ok)
    si, yi, ci = np.array(s_idx), np.array(y_idx), np.array(c_idx)
    m = len(si)
    proc = np.array([c[0] for c in cells])[ci]
    grade = np.array([c[2] for c in cells])[ci]
    maxs = np.array([c[3] for c in cells], dtype=np.float64)[ci]
    kind_arr = np.array(kinds)[si]
    per_grade = np.where(
        kind_arr == "evening",
        students[si] / 4.0,
        np.where(kind_arr == "oosh", students[si] / 9.0, students[si] / 11.0),
    )
    part = np.select([proc == "ege", proc == "oge"], [0.7, 0.95], 0.9)
    n = np.maximum(1, np.round(per_grade * part * rng.uniform(0.85, 1.15, m))).astype(np.int64)
    difficulty = rng.normal(0.0, 4.0, len(cells))[ci]
    # A school's strength in a subject persists over the years; only a small part varies from year to year.
    persistent = rng.normal(0.0, 3.0, (len(ids), len(cells)))[si, ci]
    mu = 55.0 + 12.0 * quality[si, yi] + difficulty + persistent + rng.normal(0.0, 1.5, m)
    sd_student = 18.0
    cuts = np.array([30.0, 50.0, 75.0])
    cdf = _phi((cuts[None, :] - mu[:, None]) / sd_student)
    probs = np.diff(np.concatenate([np.zeros((m, 1)), cdf, np.ones((m, 1))], axis=1), axis=1)
    probs = np.clip(probs, 0.0, 1.0)
    probs /= probs.sum(axis=1, keepdims=True)
    counts = rng.multinomial(n, probs)
    # A real cell never averages below 1 % of the maximum (the engine refuses such values as placeholders).
    mean_pct = np.clip(mu + rng.normal(0.0, 1.0, m) * sd_student / np.sqrt(n), 1.0, 100.0)
    mean_mark = (counts * np.array([2.0, 3.0, 4.0, 5.0])).sum(axis=1) / n
    is_kdr = proc == "kdr"
    is_ege = proc == "ege"
    month = np.array([c[4] for c in cells])[ci]
    day = np.array([c[5] for c in cells])[ci]
    yr = np.array(years)[yi]
    dates = [date(int(a), int(b), int(c)) for a, b, c in zip(yr, month, day, strict=True)]

    def marks(col: int) -> npt.NDArray[np.int64]:
        return np.where(is_kdr, -1, counts[:, col])

    def levels(col: int) -> npt.NDArray[np.int64]:
        return np.where(is_kdr, counts[:, col], -1)

    frame = pl.DataFrame(
        {
            "school_id": np.array(ids)[si],
            "procedure": proc,
            "subject": np.array([c[1] for c in cells])[ci],
            "grade": grade,
            "grade_program": grade,
            "year": yr,
            "date": dates,
            "n": n,
            "n_2": marks(0),
            "n_3": marks(1),
            "n_4": marks(2),
            "n_5": marks(3),
            "n_insufficient": levels(0),
            "n_reduced": levels(1),
            "n_basic": levels(2),
            "n_advanced": levels(3),
            "mean_pct": np.round(mean_pct, 2),
            "mean_score": np.round(np.where(is_ege, mean_pct, mean_pct * maxs / 100.0), 2),
            "mean_mark": np.where(is_kdr, np.nan, np.round(mean_mark, 3)),
        }
    )
    frame = frame.with_columns(
        [
            pl.when(pl.col(c) < 0).then(None).otherwise(pl.col(c)).alias(c)
            for c in ("n_2", "n_3", "n_4", "n_5", "n_insufficient", "n_reduced", "n_basic", "n_advanced")
        ]
        + [pl.col("mean_mark").fill_nan(None)]
    )
    return conform_results(frame)


def _context(
    rng: np.random.Generator,
    ids: list[str],
    c: FloatArray,
    rural: npt.NDArray[np.bool_],
    students: FloatArray,
    years: tuple[int, ...],
    overrides: dict[str, dict[str, float]] | None = None,
    noise: FloatArray | None = None,
) -> pl.DataFrame:
    k = len(ids)
    scale = np.ones(k) if noise is None else noise
    base = {name: b - slope * c + scale * rng.normal(0.0, sd, k) for name, b, slope, sd in _CONTEXT_VARS}
    base["non_native_share"] = base["non_native_share"] + scale * (3.0 * rng.lognormal(0.0, 1.0, k) - 3.0)
    fixed = {
        (ids.index(sid), name): v for sid, values in (overrides or {}).items() for name, v in values.items()
    }
    frames = []
    for t, year in enumerate(years):
        cols: dict[str, object] = {"school_id": ids, "year": [year] * k}
        for name, _, _, sd in _CONTEXT_VARS:
            drift = scale * rng.normal(0.0, sd * 0.15, k) if t else np.zeros(k)
            values = np.round(np.clip(base[name] + drift, 0.0, 100.0), 1)
            for (i, var), v in fixed.items():
                if var == name:  # a stated fact holds in every year
                    values[i] = v
            cols[name] = values
        cols["rural"] = rural.astype(np.float64)
        cols["students"] = np.round(students * (1.0 + 0.02 * t)).astype(np.float64)
        frames.append(pl.DataFrame(cols))
    return pl.concat(frames).with_columns(pl.col("year").cast(pl.Int16))


def _risk(
    rng: np.random.Generator,
    ids: list[str],
    years: tuple[int, ...],
    fixed: dict[str, tuple[int, float, float, float, bool, bool]],
) -> pl.DataFrame:
    k = len(ids)
    vac = rng.poisson(0.25, k)
    net = np.round(rng.lognormal(math.log(90.0), 0.5, k), 0)
    cat = np.clip(rng.normal(80.0, 7.0, k), 30.0, 100.0)
    trained = np.clip(rng.normal(97.0, 2.5, k), 60.0, 100.0)
    equip = rng.random(k) < 0.85
    computers = rng.random(k) < 0.85
    rows = []
    for year in years:
        for i, sid in enumerate(ids):
            if sid in fixed:
                v, mb, ct, tr, eq, pc = fixed[sid]
            else:
                v, mb, ct, tr, eq, pc = (
                    int(vac[i]),
                    float(net[i]),
                    float(cat[i]),
                    float(trained[i]),
                    bool(equip[i]),
                    bool(computers[i]),
                )
            rows.append((sid, year, v, mb, round(ct, 1), round(tr, 1), eq, pc))
    return pl.DataFrame(rows, schema=dict(RISK_SCHEMA), orient="row")


def _region_latent(
    rng: np.random.Generator, n_schools: int, n_years: int
) -> tuple[list[str], FloatArray, FloatArray, npt.NDArray[np.bool_], FloatArray]:
    kinds = rng.choice(
        ["sosh", "oosh", "evening", "gymnasium", "lyceum"], size=n_schools, p=[0.66, 0.2, 0.04, 0.05, 0.05]
    ).tolist()
    shift = np.array(
        [{"sosh": 0.0, "oosh": -0.5, "evening": -1.5, "gymnasium": 0.9, "lyceum": 0.9}[k] for k in kinds]
    )
    c = rng.normal(0.0, 1.0, n_schools) * 0.9 + shift
    u = rng.normal(0.0, 0.55, n_schools) + np.where(shift > 0.5, 0.4, 0.0)
    drift = rng.normal(0.0, 0.08, n_schools)
    t = np.arange(n_years) - (n_years - 1) / 2.0
    q = (0.6 * c + u)[:, None] + drift[:, None] * t[None, :] + rng.normal(0.0, 0.08, (n_schools, n_years))
    rural = rng.random(n_schools) < 1.0 / (1.0 + np.exp(0.8 + 1.2 * c))
    size = np.where(
        np.array(kinds) == "oosh",
        rng.lognormal(math.log(150), 0.4, n_schools),
        np.where(
            np.array(kinds) == "evening",
            rng.lognormal(math.log(120), 0.3, n_schools),
            rng.lognormal(math.log(700), 0.45, n_schools),
        ),
    )
    return kinds, c, q, rural, np.round(size).astype(np.float64)


def synthetic_region(
    n_schools: int = 300,
    years: tuple[int, ...] = DEMO_YEARS,
    *,
    n_procedures: int = 20,
    seed: int = 1,
    prefix: str = "REG",
) -> SyntheticData:
    """A synthetic region of ``n_schools`` schools (codes ``REG-0001``…) over ``years`` with ``n_procedures``
    assessment cells per year (the first cells of SYNTHETIC_CELLS; ≤ 21), deterministic in ``seed``."""
    rng = np.random.default_rng(seed)
    cells = SYNTHETIC_CELLS[: max(1, min(n_procedures, len(SYNTHETIC_CELLS)))]
    kinds, c, q, rural, size = _region_latent(rng, n_schools, len(years))
    width = max(4, len(str(n_schools)))
    ids = [f"{prefix}-{i + 1:0{width}d}" for i in range(n_schools)]
    results = _results(rng, ids, kinds, size, q, years, cells)
    context = _context(rng, ids, c, rural, size, years)
    risk = _risk(rng, ids, years, {})
    schools = pl.DataFrame({"school_id": ids, "kind": kinds, "rural": rural, "students": size, "c": c})
    return SyntheticData(results=results, context=context, risk=risk, schools=schools)


def demo_schools() -> pl.DataFrame:
    """The 13 demo schools (opora/data/demo/minusinsk_schools.csv): code, short_name, kind, locality, students."""
    text = resources.files("opora").joinpath("data/demo/minusinsk_schools.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    return pl.DataFrame(
        {
            "code": [r["code"] for r in rows],
            "short_name": [r["short_name"] for r in rows],
            "kind": [r["kind"] for r in rows],
            "locality": [r["locality"] for r in rows],
            "students": [int(r["students"]) for r in rows],
        }
    )


def demo_minusinsk(seed: int = 2023, n_region: int = 287) -> SyntheticData:
    """Three years (2021–2023) of a synthetic region of ``n_region`` + 13 schools including the demo schools.

    The latent context and quality of the 13 demo schools are fixed (their trajectories follow SEED-B Прил. 2:
    low results in adverse conditions, or falling results) and their risk inputs and high ОВЗ shares say what
    Прил. 2 says about each school; everything is drawn with noise from ``seed``. Fitted on the whole region and
    applied to the 13 schools for 2023, the default configuration (results over the window of years, the order's
    risk-zone rule) gives: ООШ № 1, СОШ № 2, О(С)ОШ № 14 — low_results and adverse_context; СОШ № 3, 5, 47 —
    at_risk by a falling results index; ООШ № 1, О(С)ОШ № 14, СОШ № 47 — at_risk by ≥ 2 of the order's three
    factors; no other demo school gets low_results, adverse_context or at_risk.
    """
    rng = np.random.default_rng(seed)
    years = DEMO_YEARS
    kinds, c, q, rural, size = _region_latent(rng, n_region, len(years))
    ids = [f"REG-{i + 1:04d}" for i in range(n_region)]
    demo = demo_schools()
    d_ids = demo["code"].to_list()
    d_kind = ["sosh" if k in ("sosh",) else k for k in demo["kind"].to_list()]
    d_c = np.array([_DEMO_LATENT[s][0] for s in d_ids])
    d_q = np.array([_DEMO_LATENT[s][1] for s in d_ids])
    d_rural = np.array([loc == "rural" for loc in demo["locality"].to_list()])
    d_size = demo["students"].cast(pl.Float64).to_numpy()
    all_ids = ids + d_ids
    all_kinds = kinds + d_kind
    all_c = np.concatenate([c, d_c])
    all_q = np.vstack([q, d_q])
    all_rural = np.concatenate([rural, d_rural])
    all_size = np.concatenate([size, d_size])
    results = _results(rng, all_ids, all_kinds, all_size, all_q, years, SYNTHETIC_CELLS)
    context = _context(
        rng,
        all_ids,
        all_c,
        all_rural,
        all_size,
        years,
        overrides={k: dict(v) for k, v in _DEMO_CONTEXT.items()},
        noise=np.concatenate([np.ones(n_region), np.full(len(d_ids), 0.3)]),
    )
    fixed = {s: _DEMO_LATENT[s][2] for s in d_ids}
    risk = _risk(rng, all_ids, years, fixed)
    schools = pl.DataFrame(
        {"school_id": all_ids, "kind": all_kinds, "rural": all_rural, "students": all_size, "c": all_c}
    )
    return SyntheticData(results=results, context=context, risk=risk, schools=schools)


def write_csv(frame: pl.DataFrame, path: Path) -> Path:
    """``frame`` as CSV at ``path`` (dates as ISO ГГГГ-ММ-ДД); returns ``path``."""
    out = frame
    for name, dtype in frame.schema.items():
        if dtype == pl.Date:
            out = out.with_columns(pl.col(name).dt.strftime("%Y-%m-%d"))
    out.write_csv(path)
    return path


def write_demo_files(directory: str | Path, *, seed: int = 2023) -> dict[str, Path]:
    """Write the demo as canonical CSV files (UTF-8, ISO dates, true/false) and return them by role.

    Roles: ``results`` (long, the 13 demo schools), ``context`` (wide), ``risk``, ``official``
    (official_list_2023.csv: school_id, category), ``region_results`` and ``region_context`` (all schools of the
    synthetic region, the demo schools included: the model is fitted on them).
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    data = demo_minusinsk(seed)
    demo_ids = demo_schools()["code"].to_list()
    mine = pl.col("school_id").is_in(demo_ids)
    official = pl.DataFrame(
        list(DEMO_OFFICIAL_2023), schema={"school_id": pl.String, "category": pl.String}, orient="row"
    )
    return {
        "results": write_csv(data.results.filter(mine), out / "demo_results.csv"),
        "context": write_csv(data.context.filter(mine), out / "demo_context.csv"),
        "risk": write_csv(data.risk.filter(mine), out / "demo_risk.csv"),
        "official": write_csv(official, out / "official_list_2023.csv"),
        "region_results": write_csv(data.results, out / "region_results.csv"),
        "region_context": write_csv(data.context, out / "region_context.csv"),
    }


def write_region_files(
    directory: str | Path, *, n_schools: int, seed: int = 1, years: tuple[int, ...] = DEMO_YEARS
) -> dict[str, Path]:
    """Write a synthetic region as canonical CSV files (results, context, risk) and return them by role."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    data = synthetic_region(n_schools, years, seed=seed)
    return {
        "results": write_csv(data.results, out / "region_results.csv"),
        "context": write_csv(data.context, out / "region_context.csv"),
        "risk": write_csv(data.risk, out / "region_risk.csv"),
    }


def synthetic_students(
    n_rows: int,
    *,
    n_schools: int = 1000,
    years: tuple[int, ...] = DEMO_YEARS,
    seed: int = 7,
) -> pl.DataFrame:
    """``n_rows`` student-level rows (STUDENT_SCHEMA) spread over schools, years and SYNTHETIC_CELLS."""
    rng = np.random.default_rng(seed)
    cells = SYNTHETIC_CELLS
    school = rng.integers(0, n_schools, n_rows)
    cell = rng.integers(0, len(cells), n_rows)
    year = np.array(years, dtype=np.int16)[rng.integers(0, len(years), n_rows)]
    quality = rng.normal(0.0, 0.8, n_schools)
    maxs = np.array([c[3] for c in cells], dtype=np.float64)
    pct = np.clip(55.0 + 12.0 * quality[school] + rng.normal(0.0, 18.0, n_rows), 0.0, 100.0)
    score = np.round(pct * maxs[cell] / 100.0)
    mark = (2 + (pct >= 30) + (pct >= 50) + (pct >= 75)).astype(np.int8)
    width = max(4, len(str(n_schools)))
    codes = pl.Series([f"SYN-{i + 1:0{width}d}" for i in range(n_schools)], dtype=pl.String)
    frame = pl.DataFrame(
        {
            "school_id": codes.gather(school),
            "procedure": pl.Series([c[0] for c in cells]).gather(cell),
            "subject": pl.Series([c[1] for c in cells]).gather(cell),
            "grade": pl.Series([c[2] for c in cells], dtype=pl.Int16).gather(cell),
            "year": year,
            "primary_score": score,
            "max_score": maxs[cell],
            "mark": mark,
        }
    ).with_columns(pl.concat_str([pl.lit("ST"), pl.int_range(pl.len()).cast(pl.String)]).alias("student_id"))
    return frame.select(STUDENT_SCHEMA.names()).cast(STUDENT_SCHEMA)
