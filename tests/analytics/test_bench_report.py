"""The report benchmark runs end to end in quick mode (bench/bench_report_import.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_report_import.py"


def test_it_runs_the_report_benchmark_in_quick_mode() -> None:
    out = subprocess.run(
        [sys.executable, str(BENCH), "--quick"], capture_output=True, text=True, check=True, timeout=300
    )
    lines = out.stdout.strip().splitlines()
    assert (
        len(lines) == 3
        and lines[1].startswith("(a) read 100 schools")
        and lines[2].startswith("(b) reconcile")
    )
    assert all(line.rstrip().endswith("quick") for line in lines[1:])
