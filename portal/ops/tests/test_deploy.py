"""The production path: `check --deploy` is clean with production variables, `make run` stays plain http, and the
deploy samples (gunicorn, nginx, systemd, env.example) agree with the settings."""

from __future__ import annotations

import json
import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "portal.settings",
    "DEBUG": "false",
    "SECRET_KEY": "p" * 10 + "Qw8!zX3@rT6#yU1$iO4%aS7^dF2&gH5*jK9(lZ0)",
    "OPORA_HTTPS": "true",
    "ALLOWED_HOSTS": "opora.example.ru",
    "CSRF_TRUSTED_ORIGINS": "https://opora.example.ru",
    "DATABASE_URL": "sqlite:////tmp/opora-ops-deploy-check.sqlite3",
}
SHOW = (
    "from django.conf import settings as s; import json; print(json.dumps({k: getattr(s, k) for k in "
    "['SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', "
    "'SESSION_COOKIE_HTTPONLY', 'SESSION_COOKIE_SAMESITE', 'CSRF_COOKIE_SAMESITE', 'SESSION_COOKIE_AGE', "
    "'X_FRAME_OPTIONS', 'SECURE_CONTENT_TYPE_NOSNIFF', 'SECURE_REFERRER_POLICY', 'CSRF_TRUSTED_ORIGINS', "
    "'SECURE_PROXY_SSL_HEADER']}))"
)


def _show(env: dict[str, str]) -> dict[str, object]:
    result = _manage(env, "shell", "-c", SHOW)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])  # shell first reports its automatic imports


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "OPORA_", "SECURE_", "SESSION_", "CSRF_"))
        and k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


def test_the_deploy_check_is_clean_with_production_variables() -> None:
    result = _manage(PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_the_deploy_check_warns_when_https_is_off() -> None:
    result = _manage({**PRODUCTION, "OPORA_HTTPS": "false"}, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stdout + result.stderr  # HSTS, SSL redirect, session and CSRF cookies


def test_production_settings_follow_the_environment() -> None:
    env = {**PRODUCTION, "SESSION_COOKIE_AGE": "3600", "SECURE_HSTS_SECONDS": "600"}
    values = _show(env)
    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 600,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_AGE": 3600,
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": "same-origin",
        "CSRF_TRUSTED_ORIGINS": ["https://opora.example.ru"],
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    }


def test_make_run_stays_plain_http_on_localhost() -> None:
    values = _show({"DEBUG": "true"})  # what `make run` sets
    assert values["SESSION_COOKIE_SECURE"] is False and values["CSRF_COOKIE_SECURE"] is False
    assert values["SECURE_SSL_REDIRECT"] is False and values["SECURE_HSTS_SECONDS"] == 0
    assert values["SESSION_COOKIE_AGE"] == 8 * 3600  # the default: one working day


def _settings_variables() -> set[str]:
    text = (ROOT / "portal" / "settings.py").read_text(encoding="utf-8")
    return set(re.findall(r'env_(?:bool|int|str|list)\(\s*"([A-Z0-9_]+)"', text))


def _gunicorn_variables() -> set[str]:
    text = (DEPLOY / "gunicorn.conf.py").read_text(encoding="utf-8")
    return set(re.findall(r'os\.environ\.get\("([A-Z0-9_]+)"', text))


def test_env_example_lists_every_variable_the_settings_read() -> None:
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (DEPLOY / "env.example").read_text(), re.MULTILINE))
    wanted = _settings_variables() | _gunicorn_variables()
    assert len(wanted) > 30 and "OPORA_HTTPS" in wanted
    assert wanted - listed == set(), "add these to deploy/env.example"
    assert listed - wanted - {"DJANGO_SETTINGS_MODULE"} == set(), "deploy/env.example names unknown variables"


def test_the_gunicorn_config_imports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPORA_GUNICORN_WORKERS", raising=False)
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert config["bind"] == "unix:/run/opora/gunicorn.sock"
    assert config["workers"] == min(2 * os.cpu_count() + 1, 12)  # type: ignore[operator]
    assert config["timeout"] == 120 and config["accesslog"] == "-"
    monkeypatch.setenv("OPORA_GUNICORN_WORKERS", "3")
    assert runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))["workers"] == 3
    # gunicorn itself accepts the file
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            str(DEPLOY / "gunicorn.conf.py"),
            "--check-config",
            "portal.wsgi",
        ],
        cwd=ROOT,
        env={**os.environ, **PRODUCTION},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_nginx_and_systemd_samples_agree_with_the_settings() -> None:
    from django.conf import settings

    nginx = (DEPLOY / "nginx.conf").read_text()
    assert f"client_max_body_size {settings.OPORA_IMPORT_MAX_MB}m;" in nginx  # the largest default upload cap
    assert settings.OPORA_IMPORT_MAX_MB >= settings.OPORA_UPLOAD_MAX_MB
    assert "unix:/run/opora/gunicorn.sock" in nginx and "X-Forwarded-Proto $scheme" in nginx
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in nginx
    units = {p.name: p.read_text() for p in (DEPLOY / "systemd").iterdir()}
    assert set(units) == {
        "opora-web.service",
        "opora-jobs.service",
        "opora-backup.service",
        "opora-backup.timer",
    }
    assert "gunicorn --config deploy/gunicorn.conf.py portal.wsgi" in units["opora-web.service"]
    assert "RuntimeDirectory=opora" in units["opora-web.service"]
    assert "manage.py run_jobs" in units["opora-jobs.service"]
    assert "manage.py backup --keep" in units["opora-backup.service"]
    assert "OnCalendar=*-*-* 02:30:00" in units["opora-backup.timer"]
    for name, unit in units.items():
        if name.endswith(".service"):
            assert "EnvironmentFile=/etc/opora.env" in unit and "User=opora" in unit
