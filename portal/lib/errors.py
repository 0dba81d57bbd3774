"""Russian error pages also under ``make run`` (DEBUG on): no Django page listing URL patterns or settings.

With DEBUG off Django renders ``404.html`` and ``500.html`` itself. With DEBUG on (``make run``, a developer's
server) it would show its technical pages instead — the URL patterns of the whole site for a mistyped address,
the settings and a traceback for an error. :class:`FriendlyErrorsMiddleware` puts the product's pages in their
place in that case too; the traceback goes to the server's console (the ``django.request`` log), where a developer
reads it. Decided over serving ``make run`` with DEBUG off, which would need a generated SECRET_KEY, HTTPS off and
``collectstatic`` after every stylesheet edit (issue #17).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader

logger = logging.getLogger("django.request")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # The same template Django's own handler500 uses: plain HTML, no context processors that could fail again.
    return HttpResponse(loader.get_template("500.html").render(), status=500)


class FriendlyErrorsMiddleware:
    """Only acts with DEBUG on: Django's technical 404 and 500 pages become the product's Russian pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and response.get("Content-Type", "").startswith("text/html")
            and not getattr(response, "opora_page", False)
        ):
            # An address no URL pattern matches: Django answered with its list of every URL pattern.
            response = page_not_found(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not settings.DEBUG or isinstance(exception, PermissionDenied):
            return None  # DEBUG off: Django's handlers render our templates; 403 is never technical
        if isinstance(exception, Http404):
            response = page_not_found(request)
        else:
            logger.error(
                "Internal Server Error: %s", request.path, exc_info=exception, extra={"request": request}
            )
            response = server_error(request)
        response.opora_page = True  # type: ignore[attr-defined]
        return response
