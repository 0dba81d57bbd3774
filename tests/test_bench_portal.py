"""The portal's benchmark scripts run end to end in quick mode (they must not rot between full runs)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("bench_monitoring.py", "dashboard after a write"),
        ("bench_reports.py", "monitoring report docx"),
        ("bench_import.py", "student rows"),
        ("bench_region.py", "(b) identification"),
    ],
)
def test_it_runs_in_quick_mode(script: str, expected: str) -> None:
    # SQLite in memory: on PostgreSQL the bench's test database would be the one this test session is using.
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    out = subprocess.run(
        [sys.executable, str(BENCH / script), "--quick"],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
        env=env,
    )
    assert expected in out.stdout and " quick" in out.stdout


def _postgres_reachable(url: str) -> bool:
    try:
        import psycopg

        server = url.replace("postgres://", "postgresql://", 1).rpartition("/")[0] + "/postgres"
        with psycopg.connect(server, connect_timeout=3):
            return True
    except Exception:
        return False


def test_load_test_runs_in_quick_mode() -> None:
    """The load test (gunicorn + locust against PostgreSQL) in quick mode: only in the PostgreSQL leg of CI."""
    import importlib.util

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("the load test needs PostgreSQL (DATABASE_URL=postgres://…)")
    if importlib.util.find_spec("gunicorn") is None or importlib.util.find_spec("locust") is None:
        pytest.skip("gunicorn and locust are needed for the load test")
    if not _postgres_reachable(url):
        pytest.skip("PostgreSQL of DATABASE_URL is not reachable")
    # its own scratch database, so parallel runs on one server never share it
    out = subprocess.run(
        [sys.executable, str(BENCH / "bench_load.py"), "--quick", "--db-name", f"opora_load_{os.getpid()}"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "load test: errors=0 server errors=0 quick" in out.stdout
    assert "ALL pages (without login)" in out.stdout
