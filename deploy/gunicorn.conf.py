"""gunicorn settings of Опора (sample; used by deploy/systemd/opora-web.service).

    gunicorn --config deploy/gunicorn.conf.py portal.wsgi

Environment (all optional): OPORA_GUNICORN_BIND, OPORA_GUNICORN_WORKERS, OPORA_GUNICORN_TIMEOUT.
"""

from __future__ import annotations

import multiprocessing
import os

# nginx talks to gunicorn over a unix socket in /run/opora (systemd RuntimeDirectory); nothing else can reach it.
bind = os.environ.get("OPORA_GUNICORN_BIND", "unix:/run/opora/gunicorn.sock")
umask = 0o007  # the socket is read-write for the group (www-data, nginx) and nobody else

# Sync workers: the work is CPU and database bound; long tasks go to the jobs queue (opora-jobs.service).
# 2 × cores + 1 is gunicorn's rule of thumb, capped so a big host does not exhaust PostgreSQL connections.
workers = int(os.environ.get("OPORA_GUNICORN_WORKERS", "0")) or min(2 * multiprocessing.cpu_count() + 1, 12)
worker_class = "sync"
# An import of a large workbook is validated whole in the request; 120 s covers it. Documents and region-wide
# identification run in the jobs queue and never hold a worker.
timeout = int(os.environ.get("OPORA_GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then (memory of big imports is returned to the system).
max_requests = 1000
max_requests_jitter = 100
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Logs go to stdout/stderr, that is the systemd journal: `journalctl -u opora-web`.
accesslog = "-"
errorlog = "-"
loglevel = "info"
# The client address is the one nginx saw (X-Forwarded-For); %(L)s is the request time in seconds.
access_log_format = '%({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(L)ss "%(a)s"'
proc_name = "opora-web"
