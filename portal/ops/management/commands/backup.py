"""manage.py backup [--dir DIR] [--keep N]: one .tar.gz with the database, uploaded files and a manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.ops.backup import BackupError, create_backup


class Command(BaseCommand):
    help = "Резервная копия: база данных, загруженные файлы (MEDIA_ROOT) и опись в одном архиве .tar.gz."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dir", type=Path, default=None, help="Каталог архивов (по умолчанию OPORA_BACKUP_DIR)."
        )
        parser.add_argument(
            "--keep", type=int, default=None, help="Оставить N последних архивов, старые удалить."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        keep = options["keep"]
        if keep is not None and keep < 1:
            raise CommandError("--keep должно быть не меньше 1.")
        try:
            result = create_backup(options["dir"], keep=keep)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Резервная копия: {result.path} ({result.size / 1024 / 1024:.1f} МБ, файлов: {result.files})."
        )
        for old in result.removed:
            self.stdout.write(f"Удалена старая копия: {old.name}")
