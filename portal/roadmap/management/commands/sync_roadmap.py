"""Load the shipped roadmaps (opora/data/roadmaps) into the tracking tables of municipalities (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.roadmap.services import sync_builtin
from portal.schools.models import Municipality


class Command(BaseCommand):
    help = (
        "Создаёт или обновляет пункты дорожных карт 2022–2023 и 2023–2025 (opora/data/roadmaps/*.yaml) для "
        "муниципалитета (--municipality КОД) или всех муниципалитетов (--all). Повторный запуск ничего не меняет; "
        "статусы, комментарии и документы сохраняются; пункт, исчезнувший из файла, удаляется, только если по "
        "нему ничего не отмечено (иначе помечается «не действует»)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--municipality", action="append", default=[], help="код муниципалитета")
        parser.add_argument("--all", action="store_true", help="все муниципалитеты")

    def handle(self, *args: Any, **options: Any) -> None:
        codes: list[str] = options["municipality"]
        if options["all"] == bool(codes):
            raise CommandError("Укажите --municipality КОД (можно несколько раз) или --all.")
        municipalities = list(
            Municipality.objects.all() if options["all"] else Municipality.objects.filter(code__in=codes)
        )
        missing = sorted(set(codes) - {m.code for m in municipalities})
        if missing:
            raise CommandError(f"Нет муниципалитета с кодом: {', '.join(missing)}.")
        for municipality in municipalities:
            for code, r in sync_builtin(municipality, by=None).items():
                self.stdout.write(
                    f"{municipality.code} / {code}: создано пунктов {r.created}, обновлено {r.updated}, "
                    f"лет добавлено {r.entries_created}, снято {r.retired}, удалено {r.deleted}"
                )
