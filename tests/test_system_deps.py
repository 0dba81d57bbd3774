"""A fresh machine (issue #19 item 7): `make test` installs the system packages it needs, or says how.

The check script is run with a browser path that does not exist and with fake `id` / `apt-get` on PATH, so the
three cases — root installs, a user is told the exact command, `--check` never installs — are seen without
touching the machine.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / ".ci" / "system-deps"


def _fake_bin(tmp: Path, uid: int, browser: Path) -> Path:
    """`id -u` answers ``uid``; `apt-get` logs its arguments and «installs» the browser at ``browser``."""
    folder = tmp / "bin"
    folder.mkdir()
    (folder / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    (folder / "apt-get").write_text(
        f'#!/bin/sh\necho "$@" >> {tmp}/apt.log\n'
        f'case "$*" in *install*) printf "#!/bin/sh\\n" > {browser}; chmod +x {browser};; esac\n'
    )
    for name in ("id", "apt-get"):
        (folder / name).chmod(0o755)
    return folder


def _run(tmp: Path, *args: str, uid: int) -> subprocess.CompletedProcess[str]:
    browser = tmp / "chromium"
    env = {
        **os.environ,
        "PATH": f"{_fake_bin(tmp, uid, browser)}:{os.environ['PATH']}",
        "OPORA_CHROMIUM": str(browser),
    }
    env.pop("OPORA_SKIP_E2E", None)
    return subprocess.run(["bash", str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=60)


def test_without_a_browser_a_user_is_told_the_exact_command_in_russian_and_english(tmp_path: Path) -> None:
    result = _run(tmp_path, uid=1000)
    assert result.returncode == 1
    assert "apt-get update && apt-get install -y chromium" in result.stderr
    assert "Для тестов не хватает системных пакетов" in result.stderr
    assert "The tests need system packages that are missing" in result.stderr
    assert not (tmp_path / "apt.log").exists()  # nothing was installed


def test_as_root_it_installs_what_is_missing(tmp_path: Path) -> None:
    result = _run(tmp_path, uid=0)
    assert result.returncode == 0, result.stderr
    log = (tmp_path / "apt.log").read_text()
    assert "update" in log and re.search(r"install -y -qq .*chromium", log)
    assert (tmp_path / "chromium").exists()


def test_check_only_never_installs(tmp_path: Path) -> None:
    result = _run(tmp_path, "--check", uid=0)
    assert result.returncode == 1 and "chromium" in result.stderr
    assert not (tmp_path / "apt.log").exists()


def test_make_test_installs_the_system_packages_first_and_ci_runs_exactly_make_test() -> None:
    plan = subprocess.run(
        ["make", "-n", "test"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert plan.index("bash .ci/system-deps") < plan.index("pytest")
    ci = (ROOT / ".ci" / "run").read_text()
    commands = [
        line.strip()
        for line in ci.splitlines()
        if re.search(r"\bmake\b", line) and not line.strip().startswith(("#", "echo"))
    ]
    assert commands and all(c.endswith("make test") for c in commands)
    assert "pytest" not in ci and "apt-get" not in ci  # CI does what a developer's `make test` does
