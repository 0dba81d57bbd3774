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
