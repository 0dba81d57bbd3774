"""``manage.py demo_passwords`` — show the demo users' logins and passwords again."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from portal.accounts.models import User
from portal.demo.accounts import USERNAMES, accounts, passwords_file, print_accounts


class Command(BaseCommand):
    help = "Показывает логины и пароли демо-пользователей (созданных командой load_demo)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not User.objects.filter(username__in=USERNAMES).exists():
            raise CommandError(
                "Демо-пользователей нет: сначала загрузите демо-данные (make run или load_demo)."
            )
        password = os.environ.get("OPORA_DEMO_PASSWORD") or None
        if password:
            self.stdout.write("Задан OPORA_DEMO_PASSWORD: он и есть пароль каждого демо-пользователя.")
        print_accounts(accounts(password=password, apply=False), self.stdout.write)
        if not password:
            self.stdout.write(f"Пароли хранятся в {passwords_file()} (доступ только владельцу).")
