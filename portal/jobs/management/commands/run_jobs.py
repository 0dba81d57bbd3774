"""``manage.py run_jobs`` — the background worker (OPORA_JOBS_MODE=worker): runs queued jobs as they come.

Between polls it puts back in the queue the jobs whose worker died (no heartbeat), so any live worker retries them.
"""

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
            "--stale-seconds",
            type=float,
            default=None,
            help="через сколько секунд без признаков жизни задача считается прерванной и повторяется "
            "(по умолчанию OPORA_JOBS_STALE_SECONDS = 60)",
        )
        parser.add_argument(
            "--heartbeat",
            type=float,
            default=None,
            help="как часто выполняемая задача подаёт признак жизни, с (по умолчанию 10)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            if not connection.in_atomic_block:  # (a test calls the command inside its transaction)
                close_old_connections()  # a long-lived worker drops broken or expired connections between polls
            requeued = services.recover_stale(seconds=options["stale_seconds"])
            if requeued:
                self.stderr.write(f"Прерванные задачи снова в очереди: {', '.join(map(str, requeued))}")
            ran = services.run_pending(heartbeat=options["heartbeat"])
            if ran:
                self.stdout.write(f"Выполнено задач: {ran}")
            if options["once"]:
                return
            time.sleep(options["sleep"])
