"""Russian 404 and 500 pages, also with DEBUG on (`make run`): never Django's pages listing URL patterns,
settings or a traceback (issue #17). The traceback still reaches the server log."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import clear_url_caches, path

from portal import urls as root_urls


def _boom(request: Any) -> Any:
    raise ZeroDivisionError("secret detail")


@pytest.fixture
def failing_url() -> Iterator[None]:
    root_urls.urlpatterns.append(path("tests/boom/", _boom))
    clear_url_caches()
    yield
    root_urls.urlpatterns.pop()
    clear_url_caches()


@pytest.mark.parametrize("debug", [True, False])
def test_an_unknown_address_gets_the_russian_404(client: Client, settings: Any, debug: bool, db: Any) -> None:
    settings.DEBUG = debug
    response = client.get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Страница не найдена" in html
    assert "URLconf" not in html and "Using the URLconf" not in html and "admin/" not in html


@pytest.mark.parametrize("debug", [True, False])
def test_a_missing_object_gets_the_russian_404(
    client: Client, settings: Any, debug: bool, world: dict[str, Any], user_with_role: Any
) -> None:
    settings.DEBUG = debug
    client.force_login(user_with_role("coordinator", "M"))
    response = client.get(
        f"/municipalities/{world['M2'].pk}/"
    )  # another region's: 404, as if it did not exist
    assert response.status_code == 404
    html = response.content.decode()
    assert "Страница не найдена" in html and "Traceback" not in html and "Raised by" not in html


@pytest.mark.parametrize("debug", [True, False])
def test_an_error_gets_the_russian_500_and_the_log_gets_the_traceback(
    settings: Any, debug: bool, failing_url: None, caplog: pytest.LogCaptureFixture, db: Any
) -> None:
    settings.DEBUG = debug
    client = Client(raise_request_exception=False)
    response = client.get("/tests/boom/")
    html = response.content.decode()
    assert response.status_code == 500
    assert "Внутренняя ошибка" in html and "Что делать" in html
    assert "secret detail" not in html and "ZeroDivisionError" not in html and "SECRET_KEY" not in html
    assert "ZeroDivisionError" in caplog.text  # for the administrator
