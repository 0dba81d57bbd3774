"""Benchmark of the reports: the monitoring report for a 1,000-school municipality and one school card.

Run: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/opora_bench uv run python bench/bench_reports.py [--quick]``
(SQLite in memory without DATABASE_URL). Data: the monitoring benchmark's municipality (bench_monitoring.build:
1,000 schools, 30 indicators, 2023 closed and 2024 open with every value filled) plus a published identification
run of 2024 with an outcome for every school (40 % ШНОР, 20 % at risk) and risk data for each.

Limits (issue 7): the monitoring report (DOCX, and PDF) < 60 s; one school card (facts, recommendations and the
DOCX) < 1 s median after a warm-up. Beside them, the baseline: the facts of all schools read school by school (the
queries of a school card repeated for each school) against one read for the municipality.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")

import django

django.setup()

from bench_monitoring import build  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, setup_test_environment, teardown_databases  # noqa: E402
from django.utils import timezone  # noqa: E402

from portal.identification.models import IdentificationRun, SchoolOutcome  # noqa: E402
from portal.reports.document import to_docx, to_pdf  # noqa: E402
from portal.reports.facts import load_year, school_facts  # noqa: E402
from portal.reports.registry import REGISTRY, school_card  # noqa: E402
from portal.results.models import ImportBatch, RiskInput  # noqa: E402
from portal.schools.models import School  # noqa: E402

LIMIT_REPORT_S = 60.0
LIMIT_CARD_S = 1.0


def add_identification(period: object, seed: int = 11) -> None:
    rng = random.Random(seed)
    municipality = period.municipality  # type: ignore[attr-defined]
    run = IdentificationRun.objects.create(
        municipality=municipality,
        year=2024,
        status="published",
        config={},
        fit_description="бенчмарк",
        data_version="bench",
        model={"intercept": 0.0, "slope": 0.8, "r_squared": 0.5, "n": 1000, "fit_points": []},
        published_at=timezone.now(),
    )
    batch = ImportBatch.objects.create(
        municipality=municipality, kind="risk", filename="risk.xlsx", sha256="b" * 64, status="imported"
    )
    outcomes, risks = [], []
    for i, school in enumerate(School.objects.filter(municipality=municipality).order_by("sort_key")):
        ctx = rng.gauss(0, 1)
        res = 0.8 * ctx + rng.gauss(0, 0.6)
        cats = ["low_results"] if i % 5 < 2 else (["at_risk"] if i % 5 == 2 else [])
        outcomes.append(
            SchoolOutcome(
                run=run,
                school=school,
                categories=cats,
                results_index=res,
                context_index=ctx,
                expected=0.8 * ctx,
                std_residual=(res - 0.8 * ctx) / 0.6,
            )
        )
        risks.append(
            RiskInput(
                school=school,
                batch=batch,
                year=2024,
                staff_vacancies=rng.randint(0, 3),
                internet_mbps=rng.choice([8.0, 30.0, 100.0]),
                share_category_first_highest=rng.uniform(40, 90),
                share_trained_3y=rng.uniform(70, 100),
                equipment_complete=rng.random() < 0.7,
            )
        )
    SchoolOutcome.objects.bulk_create(outcomes, batch_size=2000)
    RiskInput.objects.bulk_create(risks, batch_size=2000)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 schools, no limits (smoke test)")
    args = parser.parse_args(argv)
    n = 50 if args.quick else 1000
    setup_test_environment()
    old = setup_databases(verbosity=0, interactive=False)
    try:
        period = build(n)
        add_identification(period)
        municipality = period.municipality
        figures = {}
        for fmt in ("docx", "pdf"):
            start = time.perf_counter()
            _name, _mime, content = REGISTRY["monitoring"].render(municipality, {"year": 2024}, fmt)  # type: ignore[arg-type]
            figures[fmt] = (time.perf_counter() - start, len(content))
        schools = list(School.objects.filter(municipality=municipality).order_by("sort_key")[:11])
        school_card(schools[0], 2024)  # warm-up
        card_times, card_pdf = [], []
        for school in schools[1:]:
            start = time.perf_counter()
            report, _found = school_card(school, 2024)
            to_docx(report)
            card_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            to_pdf(report)
            card_pdf.append(time.perf_counter() - start)
        everyone = list(School.objects.filter(municipality=municipality))
        start = time.perf_counter()
        data = load_year(municipality, 2024)
        for school in everyone:
            school_facts(data, school)
        ours = time.perf_counter() - start
        sample = everyone[: max(10, n // 20)]
        start = time.perf_counter()
        for school in sample:
            school_facts(load_year(municipality, 2024, schools=[school.pk]), school)
        naive = (time.perf_counter() - start) * len(everyone) / len(sample)
        vendor = connection.vendor
    finally:
        teardown_databases(old, verbosity=0)
    card = statistics.median(card_times)
    ok = all(t < LIMIT_REPORT_S for t, _ in figures.values()) and card < LIMIT_CARD_S
    tag = "quick" if args.quick else ("OK" if ok else "FAIL")
    print(f"database={vendor} schools={n}")
    for fmt, (seconds, size) in figures.items():
        print(f"monitoring report {fmt}: {seconds:.1f} s ({size / 1e6:.1f} MB), limit {LIMIT_REPORT_S:.0f} s")
    print(
        f"school card (facts + recommendations + DOCX): median {card * 1000:.0f} ms, limit {LIMIT_CARD_S * 1000:.0f} ms;"
        f" its PDF: median {statistics.median(card_pdf) * 1000:.0f} ms"
    )
    print(
        f"facts of all {n} schools: {ours:.2f} s read once for the municipality; baseline, read per school: "
        f"{naive:.1f} s (estimated from {len(sample)} schools) — {naive / ours:.1f}× {tag}"
    )
    return 0 if args.quick or ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
