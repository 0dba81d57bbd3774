"""The benchmark script runs end to end in quick mode (bench/bench_identification.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_identification.py"


def test_it_runs_the_benchmark_in_quick_mode() -> None:
    out = subprocess.run(
        [sys.executable, str(BENCH), "--quick"], capture_output=True, text=True, check=True, timeout=300
    )
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 4  # header + cases (a), (b), (c)
    assert lines[1].startswith("(a)") and lines[3].startswith("(c)")
    assert all(line.rstrip().endswith("quick") for line in lines[1:])
