"""Load one indicator catalogue (YAML) into the database: a new order's indicators without code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.monitoring.services import MonitoringError, load_indicator_set_text


class Command(BaseCommand):
    help = "Проверяет файл каталога показателей (YAML) целиком и создаёт или обновляет набор по его коду."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="путь к YAML-файлу в формате opora/data/indicators/*.yaml")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            obj = load_indicator_set_text(path.read_text(encoding="utf-8"), by=None, name=str(path))
        except (OSError, MonitoringError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{obj.code}: показателей {obj.indicators.count()}")
