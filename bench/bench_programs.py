"""Benchmark of the Конструктор's documents: one ШППКО as DOCX + PDF, and all 13 demo schools.

Run: ``uv run python bench/bench_programs.py [--quick]`` (a fresh test database: SQLite in memory, or
``test_<name>`` on the server of DATABASE_URL, dropped at the end).

Data: the demo municipality (13 schools, the identification demo's results and risk inputs, risk profiles and
ООШ № 1's approved program from the programs demo); a draft ШППКО is drafted for each of the other 12 schools
and completed where the data leave a goal without numbers.

Measured, after one warm-up (fonts, matplotlib, docxtpl and WeasyPrint imports):
- one ШППКО (ООШ № 1): chart PNG + DOCX + PDF, N runs: median and p95 — limit (issue 5): median < 1 s;
- all 13 schools: drafting (the expert rules) and DOCX + PDF of each — limit: < 15 s;
- beside them, a naive baseline for one program: each format draws its own chart and the PDF stylesheet is parsed
  again for every document (what ``portal.lib.documents`` avoids), and the ratio baseline / ours.
Exit code 1 when a full run misses a limit.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")

import django

django.setup()

import logging  # noqa: E402

from django.test.utils import setup_databases, setup_test_environment, teardown_databases  # noqa: E402

from portal.identification.demo import load_identification_demo  # noqa: E402
from portal.lib import documents as docs  # noqa: E402
from portal.programs import documents, services  # noqa: E402
from portal.programs.demo import load_programs_demo  # noqa: E402
from portal.programs.models import Program  # noqa: E402
from portal.schools.demo import MUNICIPALITY_CODE, load_demo  # noqa: E402
from portal.schools.models import Municipality, School  # noqa: E402

LIMIT_ONE_S = 1.0
LIMIT_ALL_S = 15.0


def ours(program: Program) -> tuple[bytes, bytes]:
    chart = documents.chart_png(program)
    return documents.render_docx(program, chart=chart), documents.render_pdf(program, chart=chart)


def naive(program: Program) -> tuple[bytes, bytes]:
    from weasyprint import CSS, HTML

    docx = documents.render_docx(program)  # draws the chart
    html = documents.render_html(program, for_pdf=True)  # draws it again
    pdf = HTML(string=html).write_pdf(stylesheets=[CSS(string=docs.PDF_CSS)])
    return docx, bytes(pdf)


def timed(fn: object, program: Program, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn(program)  # type: ignore[operator]
        out.append(time.perf_counter() - start)
    return out


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 runs, no limits (smoke test)")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    runs = 3 if args.quick else args.runs
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    setup_test_environment()
    old = setup_databases(verbosity=0, interactive=False)
    try:
        load_demo(password="bench-password-1", write=lambda s: None, extensions=False)
        municipality = Municipality.objects.get(code=MUNICIPALITY_CODE)
        load_identification_demo(municipality, lambda s: None)
        load_programs_demo(municipality, lambda s: None)
        oosh1 = Program.objects.get(school__code="MNS-OOSH01")
        ours(oosh1)  # warm-up
        one = timed(ours, oosh1, runs)
        base = timed(naive, oosh1, runs)
        docx, pdf = ours(oosh1)
        start = time.perf_counter()
        programs = [oosh1]
        for school in School.objects.in_municipality(municipality).exclude(pk=oosh1.school_id):
            programs.append(services.create_program(school, "shppko", by=None, profile_year=2023))
        drafting = time.perf_counter() - start
        start = time.perf_counter()
        sizes = [sum(len(b) for b in ours(p)) for p in programs]
        generation = time.perf_counter() - start
        start = time.perf_counter()
        batch = documents.render_many(programs)
        batched = time.perf_counter() - start
        start = time.perf_counter()
        for p in programs:
            documents.cached(p, "docx"), documents.cached(p, "pdf")
        start = time.perf_counter()
        for p in programs:
            documents.cached(p, "docx"), documents.cached(p, "pdf")
        repeat = time.perf_counter() - start
    finally:
        teardown_databases(old, verbosity=0)
    med, med_base = statistics.median(one), statistics.median(base)
    ok_one, ok_all = med < LIMIT_ONE_S, min(generation, batched) < LIMIT_ALL_S
    tag = lambda ok: "quick" if args.quick else ("ok" if ok else "SLOW")  # noqa: E731
    print(
        f"ООШ № 1: {oosh1.measures.count()} measures, DOCX {len(docx) // 1024} KB, PDF {len(pdf) // 1024} KB, runs={runs}"
    )
    print(
        f"one ШППКО DOCX+PDF: median={med * 1000:.0f} ms p95={p95(one) * 1000:.0f} ms "
        f"(limit {LIMIT_ONE_S * 1000:.0f} ms) {tag(ok_one)}"
    )
    print(
        f"naive baseline:     median={med_base * 1000:.0f} ms p95={p95(base) * 1000:.0f} ms "
        f"ratio baseline/ours={med_base / med:.2f}×"
    )
    print(
        f"all {len(programs)} demo schools: drafting={drafting:.2f} s, DOCX+PDF one by one={generation:.2f} s, "
        f"batch (render_many, {os.cpu_count()} processes)={batched:.2f} s "
        f"(limit {LIMIT_ALL_S:.0f} s; {sum(sizes) // 1024} KB) {tag(ok_all)}"
    )
    print(
        f"repeat download of the {len(batch)} unchanged programs (documents.cached): {repeat * 1000:.0f} ms in all"
    )
    return 0 if args.quick or (ok_one and ok_all) else 1


if __name__ == "__main__":
    sys.exit(main())
