"""Backup and restore, tested end to end on SQLite and on PostgreSQL, plus the refusals of a bad archive."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dj_database_url
import pytest

from portal.ops import backup

ROOT = Path(__file__).resolve().parents[3]
SCRATCH_PG = "opora_ops_restore"

CREATE = """
from pathlib import Path
from django.conf import settings
from portal.schools.models import Municipality, Region
r = Region.objects.create(code="r", name="Регион до копии")
Municipality.objects.create(region=r, code="m", name="Город до копии")
f = Path(settings.MEDIA_ROOT) / "roadmap" / "приказ.pdf"
f.parent.mkdir(parents=True, exist_ok=True)
f.write_bytes(b"%PDF-1.4 evidence " * 100)
"""
DAMAGE = """
from pathlib import Path
from django.conf import settings
from portal.schools.models import Municipality, Region
Municipality.objects.all().delete()
Region.objects.filter(code="r").update(name="Испорчено")
Region.objects.create(code="new", name="После копии")
media = Path(settings.MEDIA_ROOT)
(media / "roadmap" / "приказ.pdf").unlink()
(media / "лишний.txt").write_text("после копии")
"""
STATE = """
import json
from pathlib import Path
from django.conf import settings
from portal.schools.models import Municipality, Region
media = Path(settings.MEDIA_ROOT)
print(json.dumps({
    "regions": sorted(Region.objects.values_list("code", "name")),
    "municipalities": sorted(Municipality.objects.values_list("code", "name")),
    "files": sorted(p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file()),
}, ensure_ascii=False))
"""


def _pg_url() -> str | None:
    """A PostgreSQL server to restore into: the one of DATABASE_URL if it is PostgreSQL, else the local default."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        url = os.environ.get("OPORA_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    try:
        import psycopg

        config = dj_database_url.parse(url)
        with psycopg.connect(
            dbname="postgres",
            user=config["USER"],
            password=config.get("PASSWORD") or None,
            host=config["HOST"],
            port=config.get("PORT") or 5432,
            connect_timeout=3,
        ):
            pass
    except Exception:
        return None
    return url


def _recreate_pg(url: str) -> str:
    """Drop and create the scratch database (never the test database the runner holds open)."""
    import psycopg

    config = dj_database_url.parse(url)
    with psycopg.connect(
        dbname="postgres",
        user=config["USER"],
        password=config.get("PASSWORD") or None,
        host=config["HOST"],
        port=config.get("PORT") or 5432,
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_PG}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{SCRATCH_PG}"')
    auth = config["USER"] + (f":{config['PASSWORD']}" if config.get("PASSWORD") else "")
    return f"postgres://{auth}@{config['HOST']}:{config.get('PORT') or 5432}/{SCRATCH_PG}"


@pytest.fixture(params=["sqlite", "postgresql"])
def installation(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[..., subprocess.CompletedProcess[str]]]:
    """A separate installation (its own database, MEDIA_ROOT and backup directory) driven by manage.py."""
    if request.param == "sqlite":
        database_url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    else:
        server = _pg_url()
        if server is None:
            pytest.skip("PostgreSQL недоступен")
        database_url = _recreate_pg(server)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "OPORA_", "MEDIA_ROOT", "PYTEST"))
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "true",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "OPORA_BACKUP_DIR": str(tmp_path / "backups"),
        "CACHE_DIR": str(tmp_path / "cache"),
    }

    def manage(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=600,
        )

    manage.vendor = request.param  # type: ignore[attr-defined]
    manage.backups = tmp_path / "backups"  # type: ignore[attr-defined]
    result = manage("migrate", "--noinput")
    assert result.returncode == 0, result.stderr
    yield manage
    if request.param == "postgresql":
        _recreate_pg(server)  # leave an empty scratch database, not a copy of the data


def _state(manage: Callable[..., subprocess.CompletedProcess[str]]) -> dict[str, Any]:
    result = manage("shell", "-c", STATE)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_backup_then_restore_brings_back_the_data_and_the_files(installation: Any) -> None:
    manage = installation
    assert manage("shell", "-c", CREATE).returncode == 0
    before = _state(manage)
    assert before == {
        "regions": [["r", "Регион до копии"]],
        "municipalities": [["m", "Город до копии"]],
        "files": ["roadmap/приказ.pdf"],
    }
    made = manage("backup", "--keep", "2")
    assert made.returncode == 0, made.stderr
    archive = backup.archives(manage.backups)[-1]
    assert f"Резервная копия: {archive}" in made.stdout and "файлов: 1" in made.stdout

    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
        names = set(tar.getnames())
    assert manifest["database"]["vendor"] == manage.vendor
    assert "schools.0001_initial" in manifest["migrations"]
    pdf = next(f for f in manifest["files"] if f["path"] == "media/roadmap/приказ.pdf")
    assert pdf["sha256"] == hashlib.sha256(b"%PDF-1.4 evidence " * 100).hexdigest()
    assert names == {"manifest.json", *(f["path"] for f in manifest["files"])}

    assert manage("shell", "-c", DAMAGE).returncode == 0
    assert _state(manage) != before

    refused = manage("restore", str(archive), stdin="нет\n")  # asks first; anything but «да» cancels
    assert refused.returncode != 0 and "Восстановление отменено" in refused.stderr
    restored = manage("restore", str(archive), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert "Контрольные суммы совпадают" in restored.stdout
    assert _state(manage) == before
    assert manage("migrate", "--check").returncode == 0  # the restored database is at this code's migrations

    for _ in range(2):
        assert manage("backup", "--keep", "2").returncode == 0
    assert len(backup.archives(manage.backups)) == 2  # three made, the oldest removed


def _archive(tmp_path: Path, manifest: dict[str, Any], files: dict[str, bytes]) -> Path:
    path = tmp_path / "opora-test.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name, content in {"manifest.json": json.dumps(manifest).encode(), **files}.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return path


def _manifest(vendor: str, files: dict[str, bytes], migrations: list[str] | None = None) -> dict[str, Any]:
    return {
        "format": 1,
        "application": "opora",
        "version": "0.1.0",
        "created_at": "2026-11-23T12:00:00+00:00",
        "database": {"vendor": vendor, "file": "db.sqlite3", "name": "db.sqlite3"},
        "migrations": migrations or ["schools.0001_initial"],
        "files": [
            {"path": n, "size": len(c), "sha256": hashlib.sha256(c).hexdigest()} for n, c in files.items()
        ],
    }


def test_a_damaged_archive_is_refused(tmp_path: Path) -> None:
    files = {"db.sqlite3": b"database", "media/a.pdf": b"%PDF"}
    manifest = _manifest("sqlite", files)
    archive = _archive(tmp_path, manifest, {**files, "media/a.pdf": b"%PDX"})
    with pytest.raises(
        backup.BackupError, match=re.escape("контрольная сумма файла «media/a.pdf» не совпадает")
    ):
        backup.read_manifest(archive)
    climbing = _archive(tmp_path, manifest, {**files, "../evil": b"x"})
    with pytest.raises(backup.BackupError, match=re.escape("недопустимые элементы: ../evil")):
        backup.read_manifest(climbing)


@pytest.mark.django_db
def test_a_vendor_mismatch_or_a_newer_version_is_refused() -> None:
    from django.db import connection

    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    with pytest.raises(backup.BackupError, match=f"Архив сделан из базы {other}, а сейчас настроена база"):
        backup.check_compatible(_manifest(other, {}))
    newer = _manifest(connection.vendor, {}, ["schools.0001_initial", "schools.9999_from_the_future"])
    with pytest.raises(
        backup.BackupError, match=r"более новой версией Опоры .*schools\.9999_from_the_future"
    ):
        backup.check_compatible(newer)
    backup.check_compatible(_manifest(connection.vendor, {}))  # the same state passes
