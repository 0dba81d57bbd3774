"""``manage.py load_demo`` — load the demo region once; later runs change nothing users made."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from portal.demo.accounts import passwords_file, print_accounts
from portal.demo.services import load_demo


class Command(BaseCommand):
    help = (
        "Загружает демонстрационный регион: «г. Минусинск (демо)» (13 синтетических школ) и два меньших "
        "муниципалитета, по одному пользователю на каждую роль. Загружается один раз: повторный запуск ничего "
        "не меняет (изменения, опубликованные расчёты и загруженные файлы сохраняются), пароли остаются "
        "прежними. Один пароль для всех — переменная OPORA_DEMO_PASSWORD или ключ --password."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            help="один пароль для всех демо-пользователей (по умолчанию — случайные, созданные один раз)",
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
            self.style.SUCCESS(
                "Демо-данные готовы: «г. Минусинск (демо)» и ещё два муниципалитета (синтетические данные)."
            )
        )
        self.stdout.write(
            "Демо-пользователи (только для знакомства с системой; не используйте в рабочей среде):"
        )
        print_accounts(accounts, self.stdout.write)
        if not password:
            self.stdout.write(
                f"Пароли хранятся в {passwords_file()} (доступ только владельцу); "
                "показать снова: python manage.py demo_passwords"
            )
