"""Production settings: `check --deploy` is clean with a real configuration and refuses the development key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "portal.settings",
    "DEBUG": "false",
    "SECRET_KEY": "k" * 20 + "Zx9!qR2@vB7#nM4$wL6%tY8^pJ3&hG5*",
    "ALLOWED_HOSTS": "opora.example.org",
    "DATABASE_URL": "sqlite:////tmp/opora-deploy-check.sqlite3",
}


def _check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # The browser tests allow sync ORM calls beside Playwright's loop; a deployment never does.
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION and k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
    )


def test_it_passes_the_deploy_check_with_production_settings() -> None:
    result = _check(PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_fails_the_deploy_check_without_a_secret_key() -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = _check(env)
    assert result.returncode != 0
    assert "opora.E001" in result.stdout + result.stderr


def test_it_refuses_a_malformed_boolean() -> None:
    result = _check({**PRODUCTION, "DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr
