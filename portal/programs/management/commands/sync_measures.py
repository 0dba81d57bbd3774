"""Seed the risk factors and the measures library from opora/data (risk_factors.yaml, measures.yaml)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from opora.measures_catalogue import CatalogueError
from portal.programs import services


class Command(BaseCommand):
    help = (
        "Загружает факторы риска и библиотеку мер из opora/data в базу. Без --force существующие записи не "
        "меняются (правки методического центра сохраняются); с --force перезаписываются значениями из YAML."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="перезаписать изменённые в базе меры и факторы"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            factors, measures = services.sync_library(by=None, force=options["force"])
        except CatalogueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Факторов риска записано: {factors}; мер: {measures}.")
