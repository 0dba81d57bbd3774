"""``manage.py run_jobs`` — the background worker (OPORA_JOBS_MODE=worker): runs queued jobs as they come."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from portal.jobs import services


class Command(BaseCommand):
    help = "Выполнять фоновые задачи из очереди (формирование документов и т. п.)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--once", action="store_true", help="выполнить задачи, что есть в очереди, и выйти"
        )
        parser.add_argument("--sleep", type=float, default=1.0, help="пауза между опросами очереди, с")
        parser.add_argument(
            "--stale-minutes",
            type=int,
            default=30,
            help="через сколько минут без признаков жизни задача считается прерванной",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            if not connection.in_atomic_block:  # (a test calls the command inside its transaction)
                close_old_connections()  # a long-lived worker drops broken or expired connections between polls
            stale = services.fail_stale(minutes=options["stale_minutes"])
            if stale:
                self.stderr.write(f"Прерванных задач отмечено: {stale}")
            ran = services.run_pending()
            if ran:
                self.stdout.write(f"Выполнено задач: {ran}")
            if options["once"]:
                return
            time.sleep(options["sleep"])
