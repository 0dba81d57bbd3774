from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portal.schools.demo import load_demo


class Command(BaseCommand):
    help = (
        "Загружает демонстрационный муниципалитет «г. Минусинск (демо)»: 13 синтетических школ и по одному "
        "пользователю на каждую роль. Повторный запуск обновляет данные и выдаёт новые пароли. "
        "Пароль можно задать переменной OPORA_DEMO_PASSWORD или ключом --password."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password", help="один пароль для всех демо-пользователей (по умолчанию — случайные)"
        )
        parser.add_argument(
            "--skip-extensions",
            action="store_true",
            help="только школы и пользователи, без демо-данных разделов (результаты, идентификация …)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = options["password"] or os.environ.get("OPORA_DEMO_PASSWORD") or None
        accounts = load_demo(
            password=password, write=self.stdout.write, extensions=not options["skip_extensions"]
        )
        self.stdout.write(
            self.style.SUCCESS("Демо-данные загружены: г. Минусинск (демо), 13 школ (синтетические данные).")
        )
        self.stdout.write(
            "Демо-пользователи (только для знакомства с системой; не используйте в рабочей среде):"
        )
        width = max(len(a.username) for a in accounts)
        for a in accounts:
            role = a.role.label if a.role else "Администратор (суперпользователь)"
            self.stdout.write(f"  {a.username.ljust(width)}  пароль: {a.password}   {role}")
