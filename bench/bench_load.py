"""Load test: gunicorn + PostgreSQL on loopback, locust users doing the main flows; p50/p95/p99 and errors.

Run: ``DATABASE_URL=postgres://postgres@127.0.0.1:5432/opora uv run python bench/bench_load.py [--quick]``.

What it does (nothing is written into the repository: database, static files, media, cache and the CSV
statistics live in a scratch database and a temporary directory, both removed at the end):

1. creates the scratch database ``opora_load`` (``--db-name``) on the PostgreSQL server of DATABASE_URL with
   psycopg, runs ``migrate``, ``collectstatic`` (whitenoise, compressed manifest) and ``generate_region`` with
   ``--identify`` (default 10 municipalities × 17 schools; 3 school teams per municipality), and writes the plan
   of accounts and objects the locust users open;
2. starts gunicorn (``portal.wsgi``, ``--workers`` 3 gthread workers × 4 threads, DEBUG off, jobs mode
   ``thread``) on a free loopback port;
3. a short warm-up (not reported); the baseline: locust headless with 1 user asking without pauses
   (0.1–0.3 s) for ``--baseline-seconds`` (30) — each flow's latency without contention; then the load:
   ``--users`` (50) users log in (spawn rate 5/s) and, once all have, run the flows together with a think time
   ``--wait`` (2–8 s: a coordinator reading dashboards clicks every few seconds) for ``--seconds`` (60);
4. prints, per flow, for the pages without the login and overall: requests, errors, p50/p95/p99 under load
   (exact nearest-rank percentiles of every request, logged by the locustfile) beside the 1-user p50/p95 and the
   ratio of the p95s; requests/s. Exit code 1 when any request failed (an unexpected status, a login refused,
   a form not saved) or the server logged an error.

The login is listed apart: Django's PBKDF2 hash (production settings) costs CPU by design, and 50 users logging
in within 10 s is the heaviest moment of the run.

Each locust user logs in once with its own account (the generator makes enough: coordinators, methodists, school
teams, the region's viewer and coordinator); logins never fail, so the login throttle is not involved.
``--quick``: 10 users (spawn 10/s, think 1–3 s) for 15 s against 3 × 5 schools, baseline 8 s (the smoke test of
the PostgreSQL CI leg).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_url(database_url: str) -> tuple[str, str]:
    """(conninfo of the server's maintenance database, URL without the database name)."""
    base, _, _name = database_url.rpartition("/")
    if not database_url.startswith(("postgres://", "postgresql://")) or not base:
        raise SystemExit("bench_load: нужен PostgreSQL — задайте DATABASE_URL=postgres://…/<база>.")
    return f"{base}/postgres".replace("postgres://", "postgresql://", 1), base


def create_database(maintenance: str, name: str) -> None:
    import psycopg

    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(maintenance: str, name: str) -> None:
    import psycopg

    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if out.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
    return out.stdout


def write_plan(path: Path, password: str, year: int) -> None:
    """The accounts and the objects each may open (run inside the load database's settings)."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from portal.accounts.models import RoleAssignment, User
    from portal.identification.models import IdentificationRun
    from portal.monitoring.models import MonitoringPeriod
    from portal.schools.models import Municipality, Region

    region = Region.objects.get(code="synth-region")
    munis = []
    by_pk: dict[int, dict[str, Any]] = {}
    for m in Municipality.objects.filter(region=region).order_by("code"):
        run = IdentificationRun.objects.filter(municipality=m, year=year, status="published").first()
        period = MonitoringPeriod.objects.filter(municipality=m, year=year).first()
        entry = {
            "pk": m.pk,
            "code": m.code,
            "schools": list(m.schools.values_list("pk", flat=True)),
            "run": run.pk if run else None,
            "period": period.pk if period else None,
        }
        munis.append(entry)
        by_pk[m.pk] = entry
    accounts = []
    assignments = RoleAssignment.objects.select_related("user", "school").filter(
        user__username__startswith="sr-"
    )
    for a in assignments.order_by("user__username"):
        muni_pk = a.municipality_id or (a.school.municipality_id if a.school else None)
        muni = by_pk.get(muni_pk) if muni_pk else None
        accounts.append(
            {
                "username": a.user.username,
                "role": a.role,
                "region": region.pk,
                "municipality": muni["pk"] if muni else None,
                "municipality_code": muni["code"] if muni else None,
                "schools": muni["schools"] if muni else [],
                "school": a.school_id,
                "period": muni["period"] if muni else None,
                "run": muni["run"] if muni else None,
            }
        )
    # Interleave roles so that any number of users gets a mix of them.
    order = {
        "coordinator": 0,
        "school_team": 1,
        "method_centre": 2,
        "region_viewer": 3,
        "region_coordinator": 4,
    }
    buckets: dict[str, list[dict[str, Any]]] = {}
    for account in accounts:
        buckets.setdefault(account["role"], []).append(account)
    mixed = []
    while any(buckets.values()):
        for role in sorted(buckets, key=lambda r: order.get(r, 9)):
            if buckets[role]:
                mixed.append(buckets[role].pop(0))
    from django.contrib.auth.hashers import check_password

    hashed = User.objects.get(username=mixed[0]["username"]).password
    start = time.process_time()
    check_password(password, hashed)  # what one login costs the server (the production hasher)
    hash_ms = (time.process_time() - start) * 1000
    plan = {
        "password": password,
        "year": year,
        "municipalities": munis,
        "accounts": mixed,
        "login_hash_cpu_ms": hash_ms,
    }
    path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer /healthz in time")


def run_locust(
    env: dict[str, str], host: str, users: int, seconds: int, prefix: Path, spawn_rate: int, wait: str
) -> tuple[list[dict[str, str]], list[tuple[str, float, int, float]]]:
    """Run locust headless; return its CSV statistics and every request (flow, ms, failed) of the run."""
    log = Path(f"{prefix}_requests.tsv")
    env = {
        **env,
        "OPORA_LOAD_WAIT": wait,
        "OPORA_LOAD_LOG": str(log),
        "OPORA_LOAD_USERS": str(users),
        "OPORA_LOAD_SECONDS": str(seconds),
    }
    subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "-u",
            str(users),
            "-r",
            str(spawn_rate),
            # the locustfile stops the run `seconds` after the last login; -t is only a safety net
            "-t",
            f"{seconds + 900}s",
            "--host",
            host,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--exit-code-on-error",
            "0",
            "--stop-timeout",
            "10",
        ],
        cwd=prefix.parent,
        env=env,
        check=True,
        capture_output=True,
        timeout=seconds + 1200,
    )
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        stats = list(csv.DictReader(f))
    requests = []
    phase = (0.0, float("inf"))
    for line in log.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if parts[0] == "#phase":
            phase = (float(parts[1]), float(parts[2]))
            continue
        name, ms, failed, started = parts
        requests.append((name, float(ms), int(failed), float(started)))
    # The logins, and the requests of the measured phase (the users still in a request when locust stopped are
    # interrupted; their half-made requests are not counted).
    logins = [r for r in requests if r[0].startswith("login")]
    measured = [r for r in requests if not r[0].startswith("login") and phase[0] <= r[3] <= phase[1]]
    return stats, logins + measured


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0–100) of ``values``; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))]


def _num(row: dict[str, str], key: str) -> float:
    value = row.get(key, "") or "0"
    return float(value) if value != "N/A" else 0.0


def failures(prefix: Path) -> list[str]:
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as f:
        return [f"{r['Method']} {r['Name']}: {r['Error']} ×{r['Occurrences']}" for r in csv.DictReader(f)]


def report(
    load: list[tuple[str, float, int, float]], base: list[tuple[str, float, int, float]]
) -> tuple[int, int, float, float]:
    """Print the per-flow table (exact nearest-rank percentiles of every request); return (requests, failures,
    p95 of all requests, p95 of the pages without the login)."""
    groups: dict[str, list[tuple[float, int]]] = {}
    for name, ms, failed, _ in load:
        groups.setdefault(name, []).append((ms, failed))
    base_groups: dict[str, list[float]] = {}
    for name, ms, _, _ in base:
        base_groups.setdefault(name, []).append(ms)
    header = (
        f"{'flow':34} {'req':>6} {'err':>4} {'p50':>7} {'p95':>7} {'p99':>7} │ "
        f"{'1u req':>6} {'1u p50':>7} {'1u p95':>7} {'×p95':>5}"
    )
    print(header)
    print("─" * len(header))

    def line(name: str, times: list[float], errs: int, btimes: list[float]) -> None:
        b95 = pct(btimes, 95)
        ratio = f"{pct(times, 95) / b95:5.1f}" if b95 else "    –"
        print(
            f"{name[:34]:34} {len(times):6d} {errs:4d} {pct(times, 50):7.0f} {pct(times, 95):7.0f} "
            f"{pct(times, 99):7.0f} │ {len(btimes):6d} {pct(btimes, 50):7.0f} {b95:7.0f} {ratio}"
        )

    for name in sorted(groups):
        rows = groups[name]
        line(name, [ms for ms, _ in rows], sum(f for _, f in rows), base_groups.get(name, []))
    print("─" * len(header))
    pages = [ms for name, ms, _, _ in load if not name.startswith("login")]
    base_pages = [ms for name, ms, _, _ in base if not name.startswith("login")]
    page_errors = sum(f for n, _, f, _ in load if not n.startswith("login"))
    line("ALL pages (without login)", pages, page_errors, base_pages)
    everything = [ms for _, ms, _, _ in load]
    errors = sum(f for _, _, f, _ in load)
    line("ALL", everything, errors, [ms for _, ms, _, _ in base])
    return len(load), errors, pct(everything, 95), pct(pages, 95)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 users, 15 s, 3 × 5 schools (smoke test)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--baseline-seconds", type=int, default=30)
    parser.add_argument("--warmup-seconds", type=int, default=10)
    parser.add_argument("--municipalities", type=int, default=10)
    parser.add_argument("--schools", type=int, default=17)
    parser.add_argument("--school-teams", type=int, default=3)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (gthread)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--db-name", default="opora_load")
    parser.add_argument("--wait", default="2,8", help="think time between a user's tasks, seconds: min,max")
    parser.add_argument("--keep", action="store_true", help="keep the database and the temporary directory")
    parser.add_argument("--plan", help=argparse.SUPPRESS)  # internal: write the plan file (Django process)
    args = parser.parse_args(argv)
    if args.plan:
        write_plan(Path(args.plan), os.environ["OPORA_LOAD_PASSWORD"], int(os.environ["OPORA_LOAD_YEAR"]))
        return 0
    if args.quick:
        args.users, args.seconds, args.baseline_seconds, args.warmup_seconds = 10, 15, 8, 4
        args.spawn_rate, args.wait = 10, "1,3"
        args.municipalities, args.schools, args.workers = 3, 5, 2
    maintenance, base = server_url(os.environ.get("DATABASE_URL", ""))
    tmp = Path(tempfile.mkdtemp(prefix="opora-load-"))
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    password = "load-" + secrets.token_urlsafe(12)
    year = 2024
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": f"{base}/{args.db_name}",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CSRF_TRUSTED_ORIGINS": host,
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": str(tmp / "static"),
        "MEDIA_ROOT": str(tmp / "media"),
        "CACHE_DIR": str(tmp / "cache"),
        "OPORA_JOBS_MODE": "thread",
        "LOG_LEVEL": "WARNING",
        "OPORA_LOAD_PASSWORD": password,
        "OPORA_LOAD_YEAR": str(year),
        "OPORA_LOAD_PLAN": str(tmp / "plan.json"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    gunicorn: subprocess.Popen[bytes] | None = None
    status = 1
    create_database(maintenance, args.db_name)
    try:
        start = time.perf_counter()
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "collectstatic", "--noinput", "-v", "0")
        generated = manage(
            env,
            "generate_region",
            "--municipalities",
            str(args.municipalities),
            "--schools",
            str(args.schools),
            "--school-teams",
            str(args.school_teams),
            "--identify",
            "--password",
            password,
        )
        subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--plan", str(tmp / "plan.json")],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=300,
        )
        prepared = time.perf_counter() - start
        plan = json.loads((tmp / "plan.json").read_text(encoding="utf-8"))
        log = (tmp / "gunicorn.log").open("wb")
        gunicorn = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--worker-class",
                "gthread",
                "--threads",
                str(args.threads),
                "--timeout",
                "120",
                # Longer than a user's think time: with gunicorn's default 2 s a pooled connection may be closed
                # by the server just as the client sends on it (a spurious connection error under load).
                "--keep-alive",
                "75",
                "--error-logfile",
                "-",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_healthy(host, gunicorn)
        # Warm-up (not reported): every worker imports, compiles templates and opens its connection.
        run_locust(env, host, args.workers * 2, args.warmup_seconds, tmp / "warmup", 10, "0.1,0.3")
        # Baseline: one user asking without a pause — each flow's latency without contention.
        base_stats, baseline = run_locust(env, host, 1, args.baseline_seconds, tmp / "baseline", 1, "0.1,0.3")
        base_failures = failures(tmp / "baseline")
        load_before = os.getloadavg()[0]
        load_stats, load = run_locust(
            env, host, args.users, args.seconds, tmp / "load", args.spawn_rate, args.wait
        )
        load_after = os.getloadavg()[0]
        load_failures = failures(tmp / "load")
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=60)
        log.close()
        server_log = (tmp / "gunicorn.log").read_text(encoding="utf-8", errors="replace")
        server_errors = [line for line in server_log.splitlines() if "Traceback" in line or " ERROR " in line]
        lines = [line for line in generated.splitlines() if "создан" in line]
        print(
            f"database=postgresql ({args.db_name}) gunicorn {args.workers}×{args.threads} gthread, DEBUG off; "
            f"region {args.municipalities} × ~{args.schools} schools, {len(plan['accounts'])} accounts; "
            f"prepared in {prepared:.0f}s"
        )
        if lines:
            print("  " + lines[0])
        print(
            f"  one login's password check costs {plan['login_hash_cpu_ms']:.0f} ms of CPU (PBKDF2, production)"
        )
        print(
            f"load: {args.users} users (spawn {args.spawn_rate}/s) for {args.seconds}s, think time {args.wait}s; "
            f"baseline: 1 user for {args.baseline_seconds}s. Times in ms. Machine: {os.cpu_count()} CPUs, "
            f"load average {load_before:.1f} before / {load_after:.1f} after the load run (other processes included)."
        )
        total, errors, p95_all, p95_pages = report(load, baseline)
        pages = sum(1 for r in load if not r[0].startswith("login"))
        base_pages = sum(1 for r in baseline if not r[0].startswith("login"))
        print(
            f"total requests={total} errors={errors}; pages/s in the measured {args.seconds}s: "
            f"{pages / args.seconds:.1f} (1 user without pauses: {base_pages / args.baseline_seconds:.1f}); "
            f"p95 of the pages={p95_pages:.0f} ms, of everything with the logins={p95_all:.0f} ms"
        )
        _ = (load_stats, base_stats)
        for problem in base_failures + load_failures:
            print(f"FAILED: {problem}")
        for line in server_errors[:10]:
            print(f"SERVER: {line}")
        bad = errors + len(base_failures) + len(server_errors)
        tag = "quick" if args.quick else ("ok" if not bad else "ERRORS")
        print(f"load test: errors={errors} server errors={len(server_errors)} {tag}")
        status = 1 if bad else 0
    finally:
        if gunicorn is not None and gunicorn.poll() is None:
            gunicorn.send_signal(signal.SIGTERM)
            try:
                gunicorn.wait(timeout=30)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        if args.keep:
            print(f"kept: database {args.db_name}, directory {tmp}")
        else:
            drop_database(maintenance, args.db_name)
            shutil.rmtree(tmp, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
