"""Login throttling and the security headers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

PASSWORD = "x-test-password-1"  # conftest.user_with_role


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def test_five_failures_lock_the_login_even_with_the_right_password(
    client: Client, user_with_role: Callable[..., Any], settings: Any
) -> None:
    settings.OPORA_LOGIN_MAX_FAILURES, settings.OPORA_LOGIN_LOCK_MINUTES = 5, 15
    user = user_with_role("coordinator", "M")
    url = reverse("accounts:login")
    for _ in range(5):
        response = client.post(url, {"username": user.username, "password": "wrong-password"})
        assert response.status_code == 200 and "Неверный логин или пароль" in response.content.decode()
    response = client.post(url, {"username": user.username.upper(), "password": PASSWORD})
    assert response.status_code == 429
    assert (
        "Слишком много неудачных попыток входа" in response.content.decode()
        and "через 15 мин" in response.content.decode()
    )
    assert "_auth_user_id" not in client.session
    cache.clear()  # the lock expires
    response = client.post(url, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_a_success_clears_the_failures_of_the_name(
    client: Client, user_with_role: Callable[..., Any]
) -> None:
    user = user_with_role("coordinator", "M")
    url = reverse("accounts:login")
    for _ in range(4):
        client.post(url, {"username": user.username, "password": "wrong-password"})
    assert client.post(url, {"username": user.username, "password": PASSWORD}).status_code == 302
    client.logout()
    for _ in range(4):  # four more failures: still below five since the success
        client.post(url, {"username": user.username, "password": "wrong-password"})
    assert client.post(url, {"username": user.username, "password": PASSWORD}).status_code == 302


def test_pages_forbid_inline_scripts_and_framing(client: Client, world: dict[str, Any]) -> None:
    response = client.get(reverse("accounts:login"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp and response["X-Frame-Options"] == "DENY"
    assert "<script>" not in response.content.decode()  # no inline script on the page
    public = client.get(reverse("public:authority", args=[world["M"].code]))
    assert public["Content-Security-Policy"] == csp


def test_behind_the_local_proxy_the_address_nginx_saw_counts() -> None:
    from django.test import RequestFactory

    from portal.accounts.throttle import client_address

    rf = RequestFactory()
    proxied = rf.post("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="10.0.0.9, 203.0.113.7")
    assert client_address(proxied) == "203.0.113.7"  # the entry nginx appended; «10.0.0.9» may be forged
    direct = rf.post("/", REMOTE_ADDR="198.51.100.2", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(direct) == "198.51.100.2"  # no local proxy: the header is ignored
