"""Benchmarks of regional report files (issue #15) beside plain baselines, in one process.

Run: ``uv run python bench/bench_report_import.py [--quick]`` (``nice -n 10`` on a shared machine).

- (a) **Read** a 1,000-school report, 20 subjects × 5 metrics (a title block, a merged two-row header, a
  column-number row, 100 metric columns; ``tests/report_files.big_report``) with ``opora.readers.reports.read_report``
  — layout recognition, placeholders, checks, the canonical long table (~18,000 rows). Limit: < 2 s.
  Baseline: the same XLSX opened with openpyxl (read-only) and every cell turned into text — what any reader pays
  before it understands anything.
- (b) **Reconcile** 1,000 school names against a 1,000-school registry with the core's matching
  (``opora.readers.names``: normalised key, exact lookup, rapidfuzz candidates with the school-number guard for the
  names that are not exact). Names: 70 % written another way (full legal name, case and spacing), 20 % with a typo,
  10 % unknown. Limit: < 1 s. Baselines: a plain lower-case dictionary lookup (finds only identical strings) and
  ``difflib.get_close_matches`` over the registry for each name (the standard library's fuzzy matching).

``--quick``: 100 schools and names, no limits (the smoke test). Exit code 1 when a full run misses a limit.
Wall seconds, best of 3.
"""

from __future__ import annotations

import argparse
import difflib
import io
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from opora.readers.names import candidates, school_key
from opora.readers.reports import read_report
from tests.report_files import ALL_SUBJECTS, Sheet, big_report, workbook


def _best(func: Callable[[], Any], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def _plain_cells(data: bytes) -> int:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    cells = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            cells += sum(1 for v in row if v is not None and str(v))
    wb.close()
    return cells


def _names(n: int, seed: int = 3) -> tuple[list[str], list[str]]:
    """A registry of ``n`` short names and ``n`` names as a file writes them."""
    rng = random.Random(seed)
    villages = [
        "Волочаевка",
        "Агинское",
        "Дульдурга",
        "Могойтуй",
        "Оловянная",
        "Карымское",
        "Шилка",
        "Нерчинск",
    ]
    registry, written = [], []
    for i in range(n):
        kind = rng.choice(["СОШ", "ООШ", "Лицей", "Гимназия"])
        short = f"{kind} № {i // 8 + 1} с. {villages[i % 8]}-{i // 64}"
        registry.append(short)
        r = rng.random()
        if r < 0.7:
            full = short.replace("СОШ", "Средняя общеобразовательная школа").replace(
                "ООШ", "Основная общеобразовательная школа"
            )
            written.append(f"Муниципальное бюджетное общеобразовательное учреждение «{full.upper()}»")
        elif r < 0.9:
            pos = rng.randrange(len(short) - 6) + 6
            written.append(short[:pos] + short[pos + 1 :])  # a letter lost
        else:
            written.append(f"МБОУ «Новая школа {i}»")
    return registry, written


def _reconcile_core(registry: list[str], written: list[str]) -> tuple[int, int]:
    keys = [school_key(s) for s in registry]
    index: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        index.setdefault(k, []).append(i)
    exact = fuzzy = 0
    for name in written:
        key = school_key(name)
        if key in index:
            exact += 1
        elif candidates(key, keys, limit=3):
            fuzzy += 1
    return exact, fuzzy


def _plain_lookup(registry: list[str], written: list[str]) -> int:
    index = {s.lower(): i for i, s in enumerate(registry)}
    return sum(1 for name in written if name.lower() in index)


def _difflib(registry: list[str], written: list[str]) -> int:
    lowered = [s.lower() for s in registry]
    return sum(1 for name in written if difflib.get_close_matches(name.lower(), lowered, n=3, cutoff=0.6))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    n = 100 if args.quick else 1000
    tag = "quick" if args.quick else "full"
    data = workbook([Sheet("2023", 2023, big_report(n, 20), ALL_SUBJECTS)])
    out = read_report(data, filename="report.xlsx")
    assert out.ok and out.frame is not None, out.errors[:3]
    read_s = _best(lambda: read_report(data, filename="report.xlsx"))
    plain_s = _best(lambda: _plain_cells(data))
    registry, written = _names(n)
    exact, fuzzy = _reconcile_core(registry, written)
    rec_s = _best(lambda: _reconcile_core(registry, written))
    lookup_s = _best(lambda: _plain_lookup(registry, written))
    found_plain = _plain_lookup(registry, written)
    diff_s = _best(lambda: _difflib(registry, written), repeat=1)
    found_diff = _difflib(registry, written)
    print("case | ours, s | baseline, s | ratio | notes")
    print(
        f"(a) read {n} schools x 20 subjects x 5 metrics | {read_s:.3f} | {plain_s:.3f} (openpyxl cells) | "
        f"{read_s / plain_s:.2f} | {out.frame.height} rows, {len(data) // 1024} KB | {tag}"
    )
    print(
        f"(b) reconcile {n} names vs {n} registry | {rec_s:.3f} | {lookup_s:.4f} (dict, finds {found_plain}); "
        f"{diff_s:.3f} (difflib, {found_diff} with candidates) | {rec_s / diff_s:.2f} vs difflib | "
        f"exact after normalisation {exact}, fuzzy candidates {fuzzy} | {tag}"
    )
    if not args.quick and (read_s >= 2.0 or rec_s >= 1.0):
        print("LIMIT MISSED: read < 2 s, reconcile < 1 s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
