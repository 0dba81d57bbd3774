"""Benchmark of a whole synthetic region: generation, region-wide identification, the regional dashboard.

Run: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/opora uv run python bench/bench_region.py [--quick]``.
A fresh test database (``test_<name>``) is created on the server of DATABASE_URL and dropped at the end
(SQLite in memory without DATABASE_URL).

Data: ``portal.synthetic`` generates the region — 60 municipalities × ~17 schools (1,020 schools; ``--quick``:
6 × 5), 3 years (2022–2024) of results, context and risk inputs, users, open 2024 monitoring periods with values.

Measured and printed:

* (a) generation time, by step (``manage.py generate_region`` does the same);
* (b) identification of 2024 fitted on the whole region: ``run_region_identification`` (one model, applied to
  every school, one stored run per municipality) against the baseline of the same result made the way a
  municipality made it before: the region's data loaded as a regional reference set, then one
  ``run_identification`` per municipality (each fits the same regional model again) — times side by side, the
  ratio, and whether both give every school the same categories;
* (c) the regional dashboard ``/regions/<pk>/`` (comparison of municipalities) as the region viewer: p50/p95 of
  20 GETs with the Django test client after one warm-up, and its SQL query count; beside it the municipal
  dashboard of one municipality as a reference. (The monitoring dashboard of 1,000 schools is
  bench/bench_monitoring.py.)

No limit is stated for the region; the region-wide run is marked against the 10 s of the identification
benchmark (bench/bench_identification.py, 40,000 schools). Exit code 1 when a step fails or the region-wide run
and the baseline disagree on a category.
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

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_databases,
    setup_test_environment,
    teardown_databases,
)

from opora.synthetic_region import synthetic_municipal_region  # noqa: E402
from portal.accounts.models import User  # noqa: E402
from portal.identification import services as ident  # noqa: E402
from portal.identification.models import IdentificationRun, SchoolOutcome  # noqa: E402
from portal.synthetic.services import generate_region, region_reference  # noqa: E402

YEAR = 2024
YEARS = (2022, 2023, 2024)
LIMIT_S = 10.0


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def page(client: Client, url: str, runs: int) -> tuple[list[float], int]:
    """Times (ms) of ``runs`` GETs after one warm-up, and the SQL queries of one more GET."""
    assert client.get(url).status_code == 200, url
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return times, len(ctx.captured_queries)


def categories(runs: list[IdentificationRun]) -> dict[int, tuple[str, ...]]:
    rows = SchoolOutcome.objects.filter(run__in=runs).values_list("school_id", "categories")
    return {school: tuple(sorted(cats or [])) for school, cats in rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="6 municipalities × 5 schools, 5 GETs (smoke test)"
    )
    parser.add_argument("--municipalities", type=int, default=60)
    parser.add_argument("--schools", type=int, default=17, help="schools per municipality on average")
    parser.add_argument("--runs", type=int, default=20, help="GETs of each page")
    args = parser.parse_args(argv)
    m, s, runs = (6, 5, 5) if args.quick else (args.municipalities, args.schools, args.runs)
    setup_test_environment()
    old = setup_databases(verbosity=0, interactive=False)
    failed = []
    try:
        vendor = connection.vendor
        made = generate_region(municipalities=m, schools=s, years=YEARS, seed=1, write=lambda _: None)
        region, munis = made.region, made.municipalities
        gen = made.timings
        n_schools = sum(x.schools.count() for x in munis)
        first_size = munis[0].schools.count()

        # (b) region-wide identification vs. one run per municipality on the same regional data
        # The first run in a process also imports and warms the engine (scipy, statsmodels): printed apart.
        start = time.perf_counter()
        ident.run_region_identification(region, YEAR, by=None)
        cold_s = time.perf_counter() - start
        start, cpu = time.perf_counter(), time.process_time()
        region_run = ident.run_region_identification(region, YEAR, by=None)
        region_s, region_cpu = time.perf_counter() - start, time.process_time() - cpu
        if region_run.error:
            failed.append(f"region run: {region_run.error}")
        region_runs = list(region_run.runs.all())
        start = time.perf_counter()
        plan = synthetic_municipal_region(m, s, YEARS, seed=1, municipality_prefix="sr")
        reference = region_reference(munis[0], plan)
        reference_s = time.perf_counter() - start
        start, cpu = time.perf_counter(), time.process_time()
        baseline_runs = [ident.run_identification(x, YEAR, by=None, reference=reference) for x in munis]
        baseline_s, baseline_cpu = time.perf_counter() - start, time.process_time() - cpu
        ours, theirs = categories(region_runs), categories(baseline_runs)
        same = sum(1 for k, v in ours.items() if theirs.get(k) == v)
        if len(region_runs) != len(munis) or same != len(ours) or len(ours) != n_schools:
            failed.append(f"categories differ: {same} of {len(ours)} schools agree")
        flagged = sum(1 for v in ours.values() if v)

        # (c) the regional dashboard after publication, as the region viewer
        ident.publish_region_run(region_run, by=None)
        viewer = User.objects.get(username="sr-region")
        coordinator = User.objects.get(username="sr-coord-01")
        client = Client()
        client.force_login(viewer)
        region_times, region_queries = page(client, f"/regions/{region.pk}/", runs)
        client.force_login(coordinator)
        muni_times, muni_queries = page(client, f"/municipalities/{munis[0].pk}/", runs)
    finally:
        teardown_databases(old, verbosity=0)

    tag = (
        "quick"
        if args.quick
        else ("ok" if region_s < LIMIT_S else f"SLOW (identification limit {LIMIT_S:.0f} s)")
    )
    steps = ", ".join(f"{k} {v:.1f}s" for k, v in gen.items() if k != "total")
    print(f"database={vendor} municipalities={m} schools={n_schools} years={YEARS[0]}–{YEARS[-1]}")
    print(
        f"(a) generation: {gen['total']:.1f}s ({steps}); rows: "
        + ", ".join(f"{k}={v}" for k, v in made.counts.items())
    )
    print(
        f"(b) identification {YEAR}, model fitted on the whole region: region-wide {region_s:.2f}s "
        f"(CPU of this process {region_cpu:.2f}s) "
        f"({len(region_runs)} municipal runs; first run in the process {cold_s:.2f}s) {tag}"
    )
    print(
        f"    baseline, {len(munis)} municipal runs each fitted on the regional reference set: {baseline_s:.2f}s "
        f"(CPU {baseline_cpu:.2f}s) "
        f"(+ reference import {reference_s:.2f}s) — ratio {baseline_s / region_s:.1f}×"
    )
    print(f"    same categories in {same} of {len(ours)} schools; schools with a category: {flagged}")
    print(
        f"(c) regional dashboard /regions/<pk>/ ({m} municipalities): p50={statistics.median(region_times):.1f} ms "
        f"p95={p95(region_times):.1f} ms queries={region_queries} runs={runs}"
    )
    print(
        f"    municipal dashboard (one municipality, {first_size} schools): "
        f"p50={statistics.median(muni_times):.1f} ms p95={p95(muni_times):.1f} ms queries={muni_queries}"
    )
    for problem in failed:
        print(f"FAILED: {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
