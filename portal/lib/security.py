"""Security headers the framework does not set: Content-Security-Policy and a restrictive Permissions-Policy.

The policy (``settings.OPORA_CSP``) allows scripts only from the site itself — no inline scripts, no CDN (htmx is
served from /static/) — images from the site and ``data:`` (charts), and no framing. Styles allow ``'unsafe-inline'``
for the ``style`` attributes of charts and progress bars; scripts never do.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.OPORA_CSP)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
        )
        return response
