"""Load the indicator catalogues shipped with the core into the database (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from portal.monitoring.services import sync_builtin_sets


class Command(BaseCommand):
    help = (
        "Создаёт или обновляет наборы показателей из opora/data/indicators/*.yaml. Повторный запуск ничего не "
        "меняет; показатель, по которому уже введены значения, удалить нельзя."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for obj in sync_builtin_sets(by=None):
            self.stdout.write(f"{obj.code}: показателей {obj.indicators.count()}")
