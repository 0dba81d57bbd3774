"""Benchmark of the student-level import: 1 M and 10 M pseudonymous result rows (CSV) through ``import_file``.

Run: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/opora uv run python bench/bench_import.py [--quick]``
(``nice -n 10`` on a shared machine). A fresh test database (``test_<name>``) is created on the server of
DATABASE_URL and dropped at the end (SQLite in memory without DATABASE_URL).

Data: ``opora.synthetic.synthetic_students(n, n_schools=1000)`` — 3 years × 1,000 schools × 21 assessment cells,
procedures written in Russian («ВПР»), written once as CSV to ``$TMPDIR/opora-bench-import/`` (kept for the next
run; ~50 bytes a row, 0.5 GB for 10 M) by a child process, so the generator's memory is not counted here.
Sizes: 1 M and 10 M rows (``--quick``: 20,000 and 100,000).

Measured, for each size, in this process (sizes in increasing order, so the peak RSS printed after a size is the
peak of that import):

* the stages of the reader, timed one by one (``opora.readers.students``): encoding check, streamed CSV scan
  with typed columns and vectorised checks, procedure/subject codes, duplicate check, aggregation;
* the whole ``import_file(kind="students")``: reading, validation, aggregation, the DB write of the aggregated
  rows (63,000 at full size) and the audit entry — total time, rows/s and peak RSS (``resource.getrusage``);
* the same file with every 2021 row made invalid (year 1900: a third of the rows): the time to reject it and
  the size of the error list (bounded: the first 200 errors and the total count).

Baseline (side by side): the naive import — ``csv`` module, per-row Python validation (the checks of the
reader), pure-Python aggregation into dictionaries — on the 1 M file, measured, and extrapolated linearly to
10 M (``--quick``: the smaller file). The DB write is not in the baseline (it is the same for both).
Wall and CPU seconds are printed: on a shared machine the CPU seconds of the process (all threads) are the
steadier figure.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, setup_test_environment, teardown_databases  # noqa: E402

from opora.readers import students as reader  # noqa: E402
from opora.readers.vocab import procedure_code, subject_code  # noqa: E402
from portal.results import services  # noqa: E402
from portal.results.models import AssessmentResult  # noqa: E402
from portal.schools.models import Municipality, Region, School  # noqa: E402

N_SCHOOLS = 1000
DATA_DIR = Path(tempfile.gettempdir()) / "opora-bench-import"
GENERATE = """
import sys
from opora.synthetic import synthetic_students
n, path = int(sys.argv[1]), sys.argv[2]
f = synthetic_students(n, n_schools={schools})
f = f.with_columns(f["procedure"].replace({{"vpr": "ВПР", "oge": "ОГЭ", "ege": "ЕГЭ", "kdr": "КДР"}}))
f.write_csv(path + ".part")
"""


def students_csv(n: int) -> Path:
    """The CSV of ``n`` synthetic rows, generated once by a child process (deterministic seed)."""
    DATA_DIR.mkdir(exist_ok=True)
    path = DATA_DIR / f"students_{n}.csv"
    if not path.exists():
        code = GENERATE.format(schools=N_SCHOOLS)
        subprocess.run([sys.executable, "-c", code, str(n), str(path)], check=True)
        Path(str(path) + ".part").rename(path)
    return path


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def build() -> Municipality:
    region = Region.objects.create(code="bench-import", name="Регион (бенчмарк импорта)")
    municipality = Municipality.objects.create(
        region=region, code="bench-im", name="Муниципалитет (бенчмарк)"
    )
    width = max(4, len(str(N_SCHOOLS)))
    School.objects.bulk_create(
        [
            School(
                municipality=municipality,
                code=f"SYN-{i + 1:0{width}d}",
                name=f"Школа {i + 1}",
                short_name=f"Школа № {i + 1}",
                kind="sosh",
                sort_key=i,
            )
            for i in range(N_SCHOOLS)
        ]
    )
    return municipality


def stages(data: bytes, filename: str) -> dict[str, float]:
    """The reader's stages, one by one (the same calls ``read_students`` makes), in seconds."""
    times: dict[str, float] = {}
    start = time.perf_counter()
    source = reader.to_utf8(data, sample=reader._CHUNK)
    assert source is not None
    times["encoding"] = time.perf_counter() - start
    first = source[: source.find(b"\n")].decode()
    sep, headers = reader._header(first)
    positions = {reader._LOOKUP[reader.norm(h)]: i for i, h in enumerate(headers)}
    start = time.perf_counter()
    frame = reader._typed(reader._plan(source, sep, len(headers)), positions).collect(engine="streaming")
    times["scan + checks"] = time.perf_counter() - start
    start = time.perf_counter()
    frame = reader._codes(frame)
    times["codes"] = time.perf_counter() - start
    start = time.perf_counter()
    reader._duplicates(frame)
    times["duplicates"] = time.perf_counter() - start
    start = time.perf_counter()
    reader.aggregate_students(frame.select(reader.STUDENT_SCHEMA.names()).cast(reader.STUDENT_SCHEMA))
    times["aggregate"] = time.perf_counter() - start
    return times


def naive(data: bytes) -> tuple[float, int]:
    """Baseline: csv module, per-row validation in Python, dictionaries for the aggregate; (seconds, groups)."""
    start = time.perf_counter()
    text = io.StringIO(data.decode("utf-8"))
    rows = csv.reader(text)
    header = next(rows)
    col = {name: header.index(name) for name in header}
    groups: dict[tuple[Any, ...], list[float]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0.0, 0, 0.0, 0])
    errors: list[str] = []
    procedures: dict[str, str | None] = {}
    subjects: dict[str, str | None] = {}
    for number, row in enumerate(rows, start=2):
        try:
            grade, year = int(row[col["grade"]]), int(row[col["year"]])
            score = float(row[col["primary_score"]].replace(",", "."))
            top = float(row[col["max_score"]].replace(",", "."))
            mark = int(row[col["mark"]])
        except ValueError:
            errors.append(f"строка {number}: не число")
            continue
        p = row[col["procedure"]]
        if p not in procedures:
            procedures[p] = procedure_code(p)[0]
        s = row[col["subject"]]
        if s not in subjects:
            subjects[s] = subject_code(s)[0]
        if not (1 <= grade <= 11 and 2015 <= year <= 2035 and 2 <= mark <= 5 and 0 <= score <= top):
            errors.append(f"строка {number}: значение вне диапазона")
            continue
        if procedures[p] is None or subjects[s] is None or not row[col["student_id"]]:
            errors.append(f"строка {number}: неизвестный код")
            continue
        g = groups[(row[col["school_id"]], procedures[p], subjects[s], grade, year)]
        g[0] += 1
        g[mark - 1] += 1
        g[5] += score
        g[6] += 1
        g[7] += 100.0 * score / top
        g[8] += mark
    return time.perf_counter() - start, len(groups)


def run_import(municipality: Municipality, data: bytes, filename: str) -> tuple[float, float, Any]:
    """(wall seconds, CPU seconds of this process — all threads, robust on a shared machine, report)."""
    start, cpu = time.perf_counter(), time.process_time()
    report = services.import_file(municipality, "students", data, filename=filename, by=None, replace=True)
    return time.perf_counter() - start, time.process_time() - cpu, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 and 100,000 rows (smoke test)")
    args = parser.parse_args(argv)
    sizes = (20_000, 100_000) if args.quick else (1_000_000, 10_000_000)
    paths = {n: students_csv(n) for n in sizes}
    setup_test_environment()
    old = setup_databases(verbosity=0, interactive=False)
    lines: list[str] = []
    try:
        municipality = build()
        vendor = connection.vendor
        measured: dict[int, float] = {}
        measured_cpu: dict[int, float] = {}
        for n in sizes:
            data = paths[n].read_bytes()
            parts = stages(data, paths[n].name)
            seconds, cpu, report = run_import(municipality, data, paths[n].name)
            assert report.ok, report.errors[:3]
            stored = AssessmentResult.objects.filter(batch=report.batch).count()
            measured[n], measured_cpu[n] = seconds, cpu
            rss = peak_rss_mb()
            lines.append(
                f"import {n:,} student rows: {seconds:.1f} s (CPU {cpu:.1f} s), {n / seconds:,.0f} rows/s, "
                f"{stored:,} school rows written, peak RSS {rss:,.0f} MB"
            )
            read_total = sum(parts.values())
            lines.append(
                "  reader stages: "
                + ", ".join(f"{k} {v:.2f} s" for k, v in parts.items())
                + f"; reader {read_total:.1f} s, DB write + audit ≈ {max(0.0, seconds - read_total):.1f} s"
            )
            bad = data.replace(b",2021,", b",1900,")
            start, cpu = time.perf_counter(), time.process_time()
            rejected = services.import_file(municipality, "students", bad, filename="bad.csv", by=None)
            reject_s, reject_cpu = time.perf_counter() - start, time.process_time() - cpu
            del bad, data
            assert not rejected.ok
            lines.append(
                f"  rejected copy (every 2021 row → 1900): {reject_s:.1f} s (CPU {reject_cpu:.1f} s), "
                f"{len(rejected.errors)} messages; "
                f"last: {rejected.errors[-1][:90]}"
            )
        small = sizes[0]
        cpu = time.process_time()
        baseline_s, groups = naive(paths[small].read_bytes())
        baseline_cpu = time.process_time() - cpu
        factor = sizes[-1] / small
        lines.append(
            f"baseline (csv module + per-row Python + dict aggregation, no DB write) on {small:,} rows: "
            f"{baseline_s:.1f} s (CPU {baseline_cpu:.1f} s, {groups:,} groups) → {sizes[-1]:,} rows ≈ "
            f"{baseline_s * factor:.0f} s"
        )
        lines.append(
            f"side by side, {small:,} rows: import {measured[small]:.1f} s vs baseline {baseline_s:.1f} s "
            f"(×{baseline_s / measured[small]:.1f}); {sizes[-1]:,} rows: import {measured[sizes[-1]]:.1f} s "
            f"vs baseline ≈ {baseline_s * factor:.0f} s (×{baseline_s * factor / measured[sizes[-1]]:.1f})"
        )
        lines.append(
            f"side by side in CPU seconds: {small:,} rows {measured_cpu[small]:.1f} vs {baseline_cpu:.1f}; "
            f"{sizes[-1]:,} rows {measured_cpu[sizes[-1]]:.1f} vs ≈ {baseline_cpu * factor:.0f}"
        )
    finally:
        teardown_databases(old, verbosity=0)
    tag = "quick" if args.quick else "full"
    print(f"database={vendor} schools={N_SCHOOLS} sizes={', '.join(f'{n:,}' for n in sizes)} {tag}")
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
