"""Rate limits of the API: per token (reads and writes counted apart) and per address for failed authentication.

Fixed one-minute windows counted in the Django cache, which every web worker shares (files under CACHE_DIR), so
the limit holds across gunicorn processes. Limits are read from settings at each request:
``OPORA_API_RATE_READ`` (GET requests a minute per token), ``OPORA_API_RATE_WRITE`` (writes a minute per token);
failed authentications from one address are limited to ``OPORA_API_RATE_WRITE`` a minute.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from portal.accounts import throttle as login_throttle

WINDOW = 60  # seconds
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _window() -> tuple[int, int]:
    """(window number, seconds until it ends)."""
    now = int(time.time())
    return now // WINDOW, WINDOW - now % WINDOW


def hit(key: str, limit: int) -> int | None:
    """Count one request under ``key``; None when within ``limit``, else the seconds until the window ends."""
    number, left = _window()
    full = f"opora:api:rate:{key}:{number}"
    if cache.add(full, 1, timeout=WINDOW + 5):
        count = 1
    else:
        try:
            count = cache.incr(full)
        except ValueError:  # expired between add and incr
            cache.set(full, 1, timeout=WINDOW + 5)
            count = 1
    return None if count <= limit else left


def blocked(key: str, limit: int) -> int | None:
    """Seconds to wait when ``key`` already used up ``limit`` in this window (without counting), else None."""
    number, left = _window()
    count = cache.get(f"opora:api:rate:{key}:{number}") or 0
    return left if count >= limit else None


def client_address(request: HttpRequest) -> str:
    """The client's address as the login throttle sees it (behind the local nginx: the last X-Forwarded-For)."""
    return login_throttle.client_address(request)


def read_limit() -> int:
    return int(settings.OPORA_API_RATE_READ)


def write_limit() -> int:
    return int(settings.OPORA_API_RATE_WRITE)


class TokenThrottle(BaseThrottle):
    """Per-token limit: reads (GET) and writes counted separately."""

    def __init__(self) -> None:
        self._local = threading.local()  # one instance serves every request; the wait is per thread

    def allow_request(self, request: HttpRequest) -> bool:
        token = getattr(request, "auth", None)
        if token is None:
            return True
        write = request.method not in SAFE_METHODS
        kind, limit = ("write", write_limit()) if write else ("read", read_limit())
        self._local.wait = hit(f"token:{token.pk}:{kind}", limit)
        return self._local.wait is None

    def wait(self) -> float | None:
        wait = getattr(self._local, "wait", None)
        return float(wait) if wait is not None else None
