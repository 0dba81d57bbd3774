"""A slow, idempotent job kind for the crash tests (registered in the test process and in the worker process)."""

from __future__ import annotations

import time

from portal.jobs import services
from portal.jobs.models import Job


@services.register("tests.slow")
def slow(job: Job, progress: services.Progress) -> services.JobResult:
    steps, pause = int(job.params.get("steps", 20)), float(job.params.get("pause", 0.2))
    for i in range(steps):
        progress(100 * i / steps, f"Шаг {i + 1} из {steps}")
        time.sleep(pause)
    # Idempotent: the result depends only on the parameters, so a second attempt gives the same file.
    return services.JobResult("итог.txt", "text/plain; charset=utf-8", f"шагов: {steps}".encode(), "Готово.")
