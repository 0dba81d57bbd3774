"""Backup and restore of one installation: the database, the uploaded files (MEDIA_ROOT) and a manifest.

An archive ``opora-YYYYMMDD-HHMMSS-micros.tar.gz`` (UTC) holds ``manifest.json``, the database (``db.dump``: ``pg_dump
--format=custom``; or ``db.sqlite3``: a consistent copy made with SQLite's online backup API) and ``media/…``. The
manifest records the version, the time, the database vendor, the applied migrations and every file with its size and
SHA-256. Restore checks all of it before touching anything: a damaged archive, a different database vendor or an
archive made by a newer version (migrations this code does not know) is refused with a Russian message.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

FORMAT = 1
MANIFEST = "manifest.json"
PREFIX = "opora-"
SUFFIX = ".tar.gz"


class BackupError(Exception):
    """Backup or restore refused or failed; ``str(error)`` is Russian for the administrator."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _version() -> str:
    try:
        return metadata.version("opora")
    except metadata.PackageNotFoundError:
        return "unknown"


def _db(alias: str = "default") -> dict[str, Any]:
    return dict(connections[alias].settings_dict)


def _pg_env(db: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for pg_dump / pg_restore (the password goes by PGPASSWORD)."""
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(
            f"Не найдена программа {command[0]}: установите клиент PostgreSQL той же версии, что и сервер."
        ) from None
    if result.returncode != 0:
        raise BackupError(f"{command[0]} завершился с ошибкой: {result.stderr.strip()[-2000:]}")


def applied_migrations(alias: str = "default") -> list[str]:
    """``app.name`` of every migration applied to the database."""
    recorder = MigrationRecorder(connections[alias])
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def known_migrations() -> set[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return {f"{app}.{name}" for app, name in loader.disk_migrations}


def _dump_database(target: Path, alias: str = "default") -> str:
    """Write the database into ``target`` (a directory); return the file name."""
    connection = connections[alias]
    db = _db(alias)
    if connection.vendor == "postgresql":
        args, env = _pg_env(db)
        path = target / "db.dump"
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(path), *args, str(db["NAME"])], env)
        return path.name
    if connection.vendor == "sqlite":
        path = target / "db.sqlite3"
        source = sqlite3.connect(str(db["NAME"]))
        copy = sqlite3.connect(str(path))
        try:
            source.backup(copy)  # a consistent snapshot even while the site writes
        finally:
            copy.close()
            source.close()
        return path.name
    raise BackupError(f"Резервное копирование базы {connection.vendor} не поддерживается.")


def _media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def archives(directory: Path) -> list[Path]:
    """Backups in ``directory``, oldest first (names carry the UTC time)."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.name.startswith(PREFIX) and p.name.endswith(SUFFIX))


@dataclass(frozen=True)
class BackupResult:
    path: Path
    files: int
    size: int
    removed: list[Path]


def create_backup(
    directory: Path | None = None, *, keep: int | None = None, now: datetime.datetime | None = None
) -> BackupResult:
    """Write one archive into ``directory`` (``OPORA_BACKUP_DIR``); keep only the newest ``keep`` archives."""
    directory = Path(directory or settings.OPORA_BACKUP_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    now = now or datetime.datetime.now(datetime.UTC)
    media_root = Path(settings.MEDIA_ROOT)
    connection = connections["default"]
    with tempfile.TemporaryDirectory(prefix="opora-backup-") as tmp:
        work = Path(tmp)
        db_name = _dump_database(work)
        files: list[dict[str, Any]] = [
            {"path": db_name, "size": (work / db_name).stat().st_size, "sha256": sha256_file(work / db_name)}
        ]
        media = _media_files(media_root)
        for path in media:
            relative = path.relative_to(media_root).as_posix()
            files.append(
                {"path": f"media/{relative}", "size": path.stat().st_size, "sha256": sha256_file(path)}
            )
        manifest = {
            "format": FORMAT,
            "application": "opora",
            "version": _version(),
            "created_at": now.isoformat(timespec="seconds"),
            "database": {"vendor": connection.vendor, "file": db_name, "name": Path(str(_db()["NAME"])).name},
            "migrations": applied_migrations(),
            "files": files,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        name = f"{PREFIX}{now:%Y%m%d-%H%M%S-%f}{SUFFIX}"
        partial = directory / f".{name}.partial"
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(work / MANIFEST, arcname=MANIFEST)
            archive.add(work / db_name, arcname=db_name)
            for path in media:
                archive.add(path, arcname=f"media/{path.relative_to(media_root).as_posix()}")
        final = directory / name
        os.replace(partial, final)  # never a half-written archive under the final name
    removed: list[Path] = []
    if keep is not None and keep > 0:
        for old in archives(directory)[:-keep]:
            old.unlink()
            removed.append(old)
    return BackupResult(final, len(media), final.stat().st_size, removed)


def _safe_member(member: tarfile.TarInfo) -> bool:
    path = PurePosixPath(member.name)
    return (member.isfile() or member.isdir()) and not path.is_absolute() and ".." not in path.parts


def unpack(archive: Path, target: Path) -> dict[str, Any]:
    """Extract ``archive`` into ``target`` after checking its members; verify every checksum; return the manifest."""
    if not archive.is_file():
        raise BackupError(f"Архив «{archive}» не найден.")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = tar.getmembers()
            bad = [m.name for m in members if not _safe_member(m)]
            if bad:
                raise BackupError(
                    f"Архив «{archive.name}» содержит недопустимые элементы: {', '.join(bad[:5])}."
                )
            tar.extractall(target, members=members, filter="data")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(
            f"Архив «{archive.name}» повреждён или это не резервная копия Опоры: {exc}."
        ) from None
    manifest_path = target / MANIFEST
    if not manifest_path.is_file():
        raise BackupError(f"В архиве «{archive.name}» нет {MANIFEST}: это не резервная копия Опоры.")
    try:
        manifest: dict[str, Any] = json.loads(manifest_path.read_text(encoding="utf-8"))
    except ValueError:
        raise BackupError(f"{MANIFEST} в архиве «{archive.name}» повреждён.") from None
    if manifest.get("application") != "opora" or manifest.get("format") != FORMAT:
        raise BackupError(f"Архив «{archive.name}»: неизвестный формат резервной копии.")
    listed = {f["path"] for f in manifest["files"]}
    present = {p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()} - {MANIFEST}
    if listed != present:
        missing, extra = sorted(listed - present), sorted(present - listed)
        raise BackupError(
            f"Архив «{archive.name}» не совпадает с описью: нет файлов {missing[:5]}, лишние файлы {extra[:5]}."
        )
    for entry in manifest["files"]:
        if sha256_file(target / entry["path"]) != entry["sha256"]:
            raise BackupError(
                f"Архив «{archive.name}»: контрольная сумма файла «{entry['path']}» не совпадает."
            )
    return manifest


def check_compatible(manifest: dict[str, Any], alias: str = "default") -> None:
    """Refuse a vendor mismatch or an archive from a newer version of Опора."""
    vendor = connections[alias].vendor
    theirs = manifest["database"]["vendor"]
    if theirs != vendor:
        raise BackupError(
            f"Архив сделан из базы {theirs}, а сейчас настроена база {vendor}. Восстановить можно только в базу "
            "того же типа (для переноса между базами используйте dumpdata/loaddata)."
        )
    unknown = sorted(set(manifest["migrations"]) - known_migrations())
    if unknown:
        shown = ", ".join(unknown[:5]) + (f" и ещё {len(unknown) - 5}" if len(unknown) > 5 else "")
        raise BackupError(
            f"Архив сделан более новой версией Опоры ({manifest.get('version')}): в нём применены миграции, "
            f"которых нет в этой версии ({shown}). Обновите Опору до той же версии и повторите восстановление."
        )


def _restore_database(work: Path, manifest: dict[str, Any], alias: str = "default") -> None:
    connection = connections[alias]
    db = _db(alias)
    source = work / manifest["database"]["file"]
    connection.close()
    if connection.vendor == "postgresql":
        args, env = _pg_env(db)
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *args,
                "--dbname",
                str(db["NAME"]),
                str(source),
            ],
            env,
        )
        return
    target = Path(str(db["NAME"]))
    temporary = target.with_name(f".{target.name}.restore")
    shutil.copyfile(source, temporary)
    os.replace(temporary, target)  # atomic on one file system: the old or the new database, never a mix
    for leftover in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        leftover.unlink(missing_ok=True)


def _restore_media(work: Path) -> int:
    media_root = Path(settings.MEDIA_ROOT)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    incoming = media_root.with_name(f".{media_root.name}.restore")
    shutil.rmtree(incoming, ignore_errors=True)
    source = work / "media"
    if source.is_dir():
        shutil.copytree(source, incoming)
    else:
        incoming.mkdir()
    old = media_root.with_name(f".{media_root.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if media_root.exists():
        os.replace(media_root, old)
    os.replace(incoming, media_root)
    shutil.rmtree(old, ignore_errors=True)
    return sum(1 for p in media_root.rglob("*") if p.is_file())


def read_manifest(archive: Path) -> dict[str, Any]:
    """Unpack into a scratch directory only to check: the manifest of a valid archive."""
    with tempfile.TemporaryDirectory(prefix="opora-restore-") as tmp:
        return unpack(archive, Path(tmp))


def restore_backup(archive: Path) -> dict[str, Any]:
    """Check ``archive`` completely, then replace the database and the uploaded files with its content."""
    scratch_parent = Path(settings.OPORA_BACKUP_DIR)
    scratch_parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".opora-restore-", dir=scratch_parent) as tmp:
        work = Path(tmp)
        manifest = unpack(archive, work)
        check_compatible(manifest)
        _restore_database(work, manifest)
        manifest["restored_media"] = _restore_media(work)
    return manifest
