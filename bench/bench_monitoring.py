"""Benchmark of the monitoring dashboard: 1,000 schools × the 30 indicators of Приложение 1, rendered by Django.

Run: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/opora uv run python bench/bench_monitoring.py [--quick]``.
A fresh test database (``test_<name>``) is created on the server of DATABASE_URL and dropped at the end
(SQLite in memory without DATABASE_URL).

Data: one municipality with N schools (default 1,000; 40 % ШНОР, 20 % at risk), the catalogue order_2023_41
(30 indicators; 49 municipal rows, 46 school value slots), a closed 2023 period (frozen values, read by the
trend) and an open 2024 period in which every school has submitted all its values (≈ 35,000 value rows).

Measured: the dashboard GET with the Django test client (full template render), N runs after one warm-up: p50,
p95 and the number of SQL queries, in three situations:

* after a write (the case the limit is checked on): before each GET the coordinator saves a municipal value
  through the service; the write bumps the period's revision and, once committed, derives the new values into the
  shared cache (services.touch → warm), so the GET finds them ready. The writer's time is printed too;
* warm: repeated GETs with nothing written in between;
* cold: the cache cleared before every GET (a fresh deploy or an evicted entry), so all ~30,000 values are read and
  every municipal value derived inside the request.

Beside them, a naive baseline that reads the values with one query per school. Limit (issue 4): p95 after a write
< 150 ms on PostgreSQL. The query count must not depend on the number of schools (the quick run and the full run
print the same counts). Exit code 1 when a full run misses the limit.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")

import django

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_databases, setup_test_environment  # noqa: E402

from portal.accounts.models import Role, RoleAssignment, User  # noqa: E402
from portal.monitoring import services  # noqa: E402
from portal.monitoring.derive import load, target_ids  # noqa: E402
from portal.monitoring.models import (  # noqa: E402
    IndicatorValue,
    MonitoringPeriod,
    SchoolSubmission,
    TargetSchool,
)
from portal.monitoring.values import municipal_manual_slots, school_slots  # noqa: E402
from portal.schools.models import Municipality, Region, School  # noqa: E402

LIMIT_P95_MS = 150.0


def build(n_schools: int, seed: int = 7) -> MonitoringPeriod:
    rng = random.Random(seed)
    region = Region.objects.create(code="bench", name="Регион (бенчмарк)")
    municipality = Municipality.objects.create(region=region, code="bench-m", name="Муниципалитет (бенчмарк)")
    School.objects.bulk_create(
        [
            School(
                municipality=municipality,
                code=f"B{i:05d}",
                name=f"Школа {i}",
                short_name=f"Школа № {i}",
                kind="sosh",
                students=rng.randint(100, 1200),
                sort_key=i,
            )
            for i in range(n_schools)
        ]
    )
    schools = list(School.objects.filter(municipality=municipality).values_list("pk", flat=True))
    indicator_set = services.sync_builtin_sets(by=None)[0]
    periods = []
    for year in (2023, 2024):
        period = services.open_period(municipality, indicator_set, year, by=None)
        TargetSchool.objects.bulk_create(
            [
                TargetSchool(
                    period=period,
                    school_id=pk,
                    is_shnor=i % 5 < 2,
                    is_at_risk=i % 5 == 2,
                    source=TargetSchool.Source.MANUAL,
                )
                for i, pk in enumerate(schools)
                if i % 5 < 3
            ]
        )
        SchoolSubmission.objects.filter(period=period).update(
            status=SchoolSubmission.Status.SUBMITTED, staff_total=40, students_total=500
        )
        data = load(period)
        rows = []
        for ind in data.indicators:
            ids = target_ids(data, ind)
            for slot in school_slots([ind]):
                for pk in ids:
                    kind = slot.kind
                    rows.append(
                        IndicatorValue(
                            period=period,
                            school_id=pk,
                            indicator=ind,
                            subitem=slot.subitem,
                            bool_value=rng.random() < 0.6 if kind == "bool" else None,
                            numerator=float(rng.randint(0, 40)) if kind == "people" else None,
                            number=(rng.uniform(85, 100) if kind == "pct" else float(rng.randint(0, 5)))
                            if kind in ("pct", "count")
                            else None,
                            status3="present" if kind == "status3" else "",
                            origin=IndicatorValue.Origin.FORM,
                        )
                    )
        IndicatorValue.objects.bulk_create(rows, batch_size=5000)
        periods.append(period)
    services.close_period(periods[0], by=None)
    return periods[1]


def naive_values(period: MonitoringPeriod) -> int:
    """Baseline: the values read school by school, one query each (model instances)."""
    total = 0
    for school in School.objects.filter(municipality_id=period.municipality_id):
        total += len(list(IndicatorValue.objects.filter(period=period, school=school)))
    return total


def measure(
    client: Client, url: str, runs: int, *, cold: bool = False, write: Callable[[], float] | None = None
) -> tuple[list[float], int]:
    """Times of ``runs`` GETs after one warm-up, and the queries of one more GET.

    ``cold``: the cache is cleared before each GET; ``write``: called before each GET (not timed here).
    """
    client.get(url)  # warm-up: template loading, caches
    times = []
    for _ in range(runs):
        if cold:
            cache.clear()
        if write is not None:
            write()
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    if cold:
        cache.clear()
    if write is not None:
        write()
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return times, len(ctx.captured_queries)


def municipal_writer(period: MonitoringPeriod, user: User) -> tuple[Callable[[], float], list[float]]:
    """A write the coordinator makes (a municipal yes/no value, toggled), timed; returns (write, its times)."""
    slots = [
        s
        for s in municipal_manual_slots(list(period.indicator_set.indicators.all()))
        if s.kind == "bool"
        and s.indicator.record_rule(s.subitem, "municipal") is None  # typed, not from records
    ]
    slot, times, state = slots[0], [], [False]

    def write() -> float:
        state[0] = not state[0]
        start = time.perf_counter()
        services.save_municipal_values(
            period,
            {slot.key: {"bool_value": state[0], "links": ["https://example.org/doc.pdf"]}},
            [slot],
            by=user,
        )
        elapsed = (time.perf_counter() - start) * 1000
        times.append(elapsed)
        return elapsed

    return write, times


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50 schools, 5 runs, no limit (smoke test)")
    parser.add_argument("--schools", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args(argv)
    n, runs = (50, 5) if args.quick else (args.schools, args.runs)
    setup_test_environment()
    old = setup_databases(verbosity=0, interactive=False)
    try:
        start = time.perf_counter()
        period = build(n)
        built = time.perf_counter() - start
        values = IndicatorValue.objects.filter(period=period).count()
        user = User.objects.create_user("bench-coordinator", password="x-bench-password-1")
        RoleAssignment.objects.create(user=user, role=Role.COORDINATOR, municipality=period.municipality)
        client = Client()
        client.force_login(user)
        url = f"/monitoring/periods/{period.pk}/"
        write, write_times = municipal_writer(period, user)
        period.refresh_from_db()
        after, after_queries = measure(client, url, runs, write=write)
        warm, warm_queries = measure(client, url, runs)
        cold, cold_queries = measure(client, url, runs, cold=True)
        start = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            naive_values(period)
        naive_ms = (time.perf_counter() - start) * 1000
        vendor = connection.vendor
    finally:
        from django.test.utils import teardown_databases

        teardown_databases(old, verbosity=0)
    ok = p95(after) < LIMIT_P95_MS
    tag = "quick" if args.quick else ("ok" if ok else f"SLOW (limit {LIMIT_P95_MS:.0f} ms)")
    print(f"database={vendor} schools={n} values(2024)={values} build={built:.1f}s runs={runs}")
    print(
        f"dashboard after a write (derived at commit): p50={statistics.median(after):.1f} ms "
        f"p95={p95(after):.1f} ms queries={after_queries} {tag}"
    )
    print(
        f"  the write itself (save + derive for the cache): p50={statistics.median(write_times):.1f} ms "
        f"p95={p95(write_times):.1f} ms"
    )
    print(
        f"dashboard warm (nothing written): p50={statistics.median(warm):.1f} ms "
        f"p95={p95(warm):.1f} ms queries={warm_queries}"
    )
    print(
        f"dashboard cold (cache empty, derived in the request): p50={statistics.median(cold):.1f} ms "
        f"p95={p95(cold):.1f} ms queries={cold_queries}"
    )
    print(f"naive per-school read of the values only: {naive_ms:.1f} ms queries={len(ctx.captured_queries)}")
    return 0 if args.quick or ok else 1


if __name__ == "__main__":
    sys.exit(main())
