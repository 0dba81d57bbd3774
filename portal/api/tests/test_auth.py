"""Authentication: a valid, unrevoked, unexpired token is needed for every operation; only its hash is stored."""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from portal.api import services
from portal.api.models import ApiToken
from portal.api.tests.conftest import Call
from portal.audit.models import AuditEntry

URL = "/api/v1/municipalities"


def _is_401(response: Any) -> None:
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert "Нужен действующий токен" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_missing_header_is_401(call: Call, tokens: dict[str, str]) -> None:
    _is_401(call("GET", URL))


@pytest.mark.parametrize("header", ["Bearer opora_wrong", "Bearer ", "Basic dXNlcjpwYXNz", "opora_x"])
def test_an_unknown_or_malformed_token_is_401(client: Client, tokens: dict[str, str], header: str) -> None:
    _is_401(client.get(URL, headers={"Authorization": header}))


def test_a_revoked_token_is_401(call: Call, tokens: dict[str, str]) -> None:
    assert call("GET", URL, tokens["M"]).status_code == 200
    services.revoke(ApiToken.objects.get(prefix=tokens["M"][:12]), by=None)
    _is_401(call("GET", URL, tokens["M"]))


def test_an_expired_token_is_401(call: Call, tokens: dict[str, str]) -> None:
    ApiToken.objects.filter(prefix=tokens["M"][:12]).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    _is_401(call("GET", URL, tokens["M"]))


def test_only_the_hash_and_a_prefix_are_stored(world: dict[str, Any], tokens: dict[str, str]) -> None:
    secret = tokens["M"]
    token = ApiToken.objects.get(prefix=secret[:12])
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = [
        str(v) for v in ApiToken.objects.values_list(*[f.attname for f in ApiToken._meta.concrete_fields])
    ]
    assert not any(secret in row for row in stored)
    # The audit log of the issue has neither the secret nor the hash.
    entry = AuditEntry.objects.get(action="api.token.created", object_id=str(token.pk))
    assert secret not in str(entry.after) and "token_hash" not in (entry.after or {})


def test_a_successful_call_records_last_use(call: Call, tokens: dict[str, str]) -> None:
    assert ApiToken.objects.get(prefix=tokens["M"][:12]).last_used_at is None
    call("GET", URL, tokens["M"])
    assert ApiToken.objects.get(prefix=tokens["M"][:12]).last_used_at is not None


def test_a_read_only_token_cannot_write(call: Call, tokens: dict[str, str]) -> None:
    response = call(
        "POST", "/api/v1/municipalities/m/risk-factors", tokens["M-read"], json_body={"rows": [{}]}
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "Токен «Чтение» не даёт права записи."


def test_csrf_does_not_apply_to_token_calls(tokens: dict[str, str]) -> None:
    strict = Client(enforce_csrf_checks=True)
    body = '{"rows": [{"school_id": "S1", "year": 2023, "staff_vacancies": 1}]}'
    response = strict.post(
        "/api/v1/municipalities/m/risk-factors",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {tokens['M']}"},
    )
    assert response.status_code == 201, response.content


def test_the_schema_is_public_json_and_there_is_no_swagger_page(client: Client, db: Any) -> None:
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["info"] == {
        "title": "Опора API",
        "version": "1",
        "description": schema.json()["info"]["description"],
    }
    assert client.get("/api/v1/docs").status_code == 404


def test_unknown_addresses_and_errors_are_json(call: Call, tokens: dict[str, str]) -> None:
    response = call("GET", "/api/v1/nothing/here", tokens["M"])
    assert response.status_code == 404 and "Такого адреса в API нет" in response.json()["detail"]
    bad = call("GET", "/api/v1/identification-runs/0", tokens["M"])
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["message"] == "адрес, поле «run_id»: значение должно быть не меньше 1."


def test_a_wrong_method_and_a_broken_body_answer_json(
    call: Call, tokens: dict[str, str], client: Client
) -> None:
    wrong = call("DELETE", URL, tokens["M"])
    assert wrong.status_code == 405 and wrong["Allow"] == "GET"
    assert wrong.json()["detail"] == "Метод DELETE здесь не поддерживается. Допустимы: GET."
    broken = client.post(
        "/api/v1/municipalities/m/results",
        "{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {tokens['M']}"},
    )
    assert broken.status_code == 400 and broken["Content-Type"].startswith("application/json")
    assert broken.json()["detail"].startswith("Тело запроса не читается: ожидается JSON")
