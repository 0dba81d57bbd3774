"""manage.py restore ARCHIVE [--yes]: check an archive made by `backup`, then replace the database and files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.ops.backup import BackupError, check_compatible, read_manifest, restore_backup


class Command(BaseCommand):
    help = "Восстановление из резервной копии: база данных и загруженные файлы заменяются содержимым архива."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="Архив, созданный командой backup.")
        parser.add_argument("--yes", action="store_true", help="Не спрашивать подтверждения.")

    def handle(self, *args: Any, **options: Any) -> None:
        archive: Path = options["archive"]
        try:
            manifest = read_manifest(archive)
            check_compatible(manifest)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        files = sum(1 for f in manifest["files"] if f["path"].startswith("media/"))
        self.stdout.write(
            f"Архив {archive.name}: создан {manifest['created_at']}, версия {manifest['version']}, "
            f"база {manifest['database']['vendor']}, файлов: {files}. Контрольные суммы совпадают."
        )
        if not options["yes"]:
            answer = input(
                "Текущие данные и файлы будут заменены содержимым архива. Продолжить? Введите «да»: "
            )
            if answer.strip().lower() not in {"да", "yes"}:
                raise CommandError("Восстановление отменено.")
        try:
            restored = restore_backup(archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Восстановлено: база данных и файлов: {restored['restored_media']}. "
            "Выполните `manage.py migrate`, если после создания копии Опора обновлялась."
        )
