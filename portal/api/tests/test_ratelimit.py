"""Rate limits: per token, reads and writes counted apart; per address for failed authentication; 429 + Retry-After."""

from __future__ import annotations

from typing import Any

from portal.api.tests.conftest import Call

READ_URL = "/api/v1/municipalities"
WRITE_URL = "/api/v1/municipalities/m/risk-factors"


def _is_429(response: Any) -> None:
    assert response.status_code == 429
    assert response.json()["detail"].startswith("Слишком много запросов. Повторите через ")
    assert 1 <= int(response["Retry-After"]) <= 60


def test_reads_beyond_the_limit_are_429_and_writes_are_counted_apart(
    call: Call, tokens: dict[str, str], settings: Any
) -> None:
    settings.OPORA_API_RATE_READ, settings.OPORA_API_RATE_WRITE = 3, 2
    assert [call("GET", READ_URL, tokens["M"]).status_code for _ in range(3)] == [200, 200, 200]
    _is_429(call("GET", READ_URL, tokens["M"]))
    # Another token of the same municipality has its own budget.
    assert call("GET", READ_URL, tokens["M-read"]).status_code == 200
    # Writes have their own budget (2 a minute): the third is refused.
    body = {"rows": [{"school_id": "S1", "year": 2023, "staff_vacancies": 1}], "replace": True}
    assert call("POST", WRITE_URL, tokens["M"], json_body=body).status_code == 201
    assert call("POST", WRITE_URL, tokens["M"], json_body=body).status_code == 201
    _is_429(call("POST", WRITE_URL, tokens["M"], json_body=body))


def test_failed_authentications_from_one_address_are_limited(
    call: Call, tokens: dict[str, str], settings: Any
) -> None:
    settings.OPORA_API_RATE_WRITE = 2
    assert [call("GET", READ_URL, "opora_guess").status_code for _ in range(2)] == [401, 401]
    _is_429(call("GET", READ_URL, "opora_guess"))
    # The address is blocked for the rest of the window, even with a valid token.
    _is_429(call("GET", READ_URL, tokens["M"]))


def test_behind_the_proxy_each_client_address_has_its_own_failure_budget(
    client: Any, tokens: dict[str, str], settings: Any
) -> None:
    settings.OPORA_API_RATE_WRITE = 1
    first = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}
    second = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.6"}
    bad = {"Authorization": "Bearer opora_guess"}
    assert client.get(READ_URL, headers=bad, **first).status_code == 401
    assert client.get(READ_URL, headers=bad, **first).status_code == 429
    # Another client behind the same nginx is not blocked by the first one's failures.
    good = {"Authorization": f"Bearer {tokens['M']}"}
    assert client.get(READ_URL, headers=good, **second).status_code == 200
