"""Login throttling: after too many failed logins for one login name or from one address, refuse for a while.

Counts live in the cache shared by the web workers (``CACHE_DIR``), keyed by the login name (case-folded) and by
the client address; each failure extends the window. A success clears the name's count. Settings:
``OPORA_LOGIN_MAX_FAILURES`` (5) and ``OPORA_LOGIN_LOCK_MINUTES`` (15).
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

logger = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str:
    """The client's address. Behind the local nginx (README) every request comes from 127.0.0.1, so the address nginx
    appended last to X-Forwarded-For is used; a client cannot forge that last entry. Without a local proxy the
    connection's own address is used and the header is ignored. An empty address is gunicorn's unix socket
    (deploy/gunicorn.conf.py), which only the local nginx can reach."""
    remote = str(request.META.get("REMOTE_ADDR", "") or "")
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", "") or "")
    if remote in ("127.0.0.1", "::1", "") and forwarded:
        return forwarded.split(",")[-1].strip() or remote
    return remote or "unknown"


def _keys(request: HttpRequest, username: str) -> list[str]:
    name = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
    return [f"login-fail:user:{name}", f"login-fail:addr:{client_address(request)}"]


def _limit() -> tuple[int, int]:
    return int(settings.OPORA_LOGIN_MAX_FAILURES), int(settings.OPORA_LOGIN_LOCK_MINUTES) * 60


def is_locked(request: HttpRequest, username: str) -> bool:
    """True when the name or the address has reached the number of failures allowed in the window."""
    limit, _window = _limit()
    # an address serves many users (a school's network): it gets four times the allowance of one name
    user_key, addr_key = _keys(request, username)
    return int(cache.get(user_key, 0)) >= limit or int(cache.get(addr_key, 0)) >= 4 * limit


def failed(request: HttpRequest, username: str) -> None:
    _limit_count, window = _limit()
    for key in _keys(request, username):
        count = int(cache.get(key, 0)) + 1
        cache.set(key, count, timeout=window)
    logger.warning("failed login for %r from %s", username[:150], client_address(request))


def succeeded(request: HttpRequest, username: str) -> None:
    cache.delete(_keys(request, username)[0])
