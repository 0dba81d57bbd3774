"""Fixtures of the API tests: tokens on the shared world (R ⊃ M ⊃ S1, S2; R2 ⊃ M2 ⊃ S3) and a JSON client."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from portal.api import services
from portal.api.models import READ, WRITE


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate-limit counters and the monitoring cache live in the cache: no test may see another's."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def tokens(world: dict[str, Any]) -> dict[str, str]:
    """Secrets: «M» (municipality M, read + write), «M-read» (M, read only), «R» (region R, read + write)."""
    return {
        "M": services.issue(
            name="КИАСУО", municipality=world["M"], permissions=[READ, WRITE], by=None
        ).secret,
        "M-read": services.issue(name="Чтение", municipality=world["M"], permissions=[READ], by=None).secret,
        "R": services.issue(name="Регион", region=world["R"], permissions=[READ, WRITE], by=None).secret,
    }


Call = Callable[..., Any]


@pytest.fixture
def call(client: Client) -> Call:
    """``call("GET", "/api/v1/…", token)`` → the response; ``json=`` sends a JSON body, ``files=`` multipart."""

    def make(
        method: str, path: str, token: str | None = None, *, json_body: Any = None, data: Any = None
    ) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if json_body is not None:
            return client.generic(
                method, path, json.dumps(json_body), content_type="application/json", headers=headers
            )
        if data is not None:
            return client.post(path, data, headers=headers)
        return client.generic(method, path, headers=headers)

    return make
