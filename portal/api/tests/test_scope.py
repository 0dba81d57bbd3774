"""Scope: a municipality token sees and writes its municipality only; a region token its region's municipalities.
Everything else answers 404, exactly as an object that does not exist."""

from __future__ import annotations

from typing import Any

import pytest

from portal.api.tests.conftest import Call
from portal.identification.models import IdentificationRun
from portal.results.models import AssessmentResult, ContextValue, RiskInput


def _run(municipality: Any) -> IdentificationRun:
    return IdentificationRun.objects.create(
        municipality=municipality, year=2023, fit_description="тест", config={}, data_version="0" * 64
    )


def test_the_municipalities_listed_are_the_tokens(
    call: Call, tokens: dict[str, str], world: dict[str, Any]
) -> None:
    from portal.schools.models import Municipality

    Municipality.objects.create(region=world["R"], code="m3", name="Третий город")
    listed = {
        t: [m["code"] for m in call("GET", "/api/v1/municipalities", tokens[t]).json()["items"]]
        for t in tokens
    }
    assert listed == {"M": ["m"], "M-read": ["m"], "R": ["m", "m3"]}  # R holds M and m3; M2 is in R2


@pytest.mark.parametrize("token", ["M", "R"])
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/municipalities/m2/schools",
        "/api/v1/municipalities/m2/identification-runs",
        "/api/v1/municipalities/m2/monitoring-periods",
        "/api/v1/municipalities/m2/documents",
        "/api/v1/municipalities/nowhere/schools",
    ],
)
def test_reads_outside_the_scope_are_404(call: Call, tokens: dict[str, str], token: str, path: str) -> None:
    response = call("GET", path, tokens[token])
    assert response.status_code == 404
    assert response.json()["detail"] == "Объект не найден или не входит в область действия токена."


def test_a_run_of_another_municipality_is_404_like_a_missing_one(
    call: Call, tokens: dict[str, str], world: dict[str, Any]
) -> None:
    own, other = _run(world["M"]), _run(world["M2"])
    assert call("GET", f"/api/v1/identification-runs/{own.pk}", tokens["M"]).status_code == 200
    assert call("GET", f"/api/v1/identification-runs/{own.pk}", tokens["R"]).status_code == 200
    foreign = call("GET", f"/api/v1/identification-runs/{other.pk}", tokens["M"])
    missing = call("GET", f"/api/v1/identification-runs/{other.pk + 1000}", tokens["M"])
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()


def _counts() -> tuple[int, int, int]:
    return AssessmentResult.objects.count(), ContextValue.objects.count(), RiskInput.objects.count()


def test_writes_outside_the_scope_are_404_and_write_nothing(call: Call, tokens: dict[str, str]) -> None:
    body = {"rows": [{"school_id": "S3", "year": 2023, "staff_vacancies": 1}]}
    for token in ("M", "R"):
        assert (
            call("POST", "/api/v1/municipalities/m2/risk-factors", tokens[token], json_body=body).status_code
            == 404
        )
        staff = call("POST", "/api/v1/municipalities/m2/schools/S3/staff", tokens[token], json_body={})
        assert staff.status_code == 404
    # A school of M2 addressed under M is not found either.
    assert (
        call("POST", "/api/v1/municipalities/m/schools/S3/staff", tokens["M"], json_body={}).status_code
        == 404
    )
    assert _counts() == (0, 0, 0)


def test_a_school_code_of_another_municipality_is_an_error_naming_it(
    call: Call, tokens: dict[str, str]
) -> None:
    body = {
        "rows": [{"school_id": "S1", "year": 2023, "staff_vacancies": 1}, {"school_id": "S3", "year": 2023}]
    }
    response = call("POST", "/api/v1/municipalities/m/risk-factors", tokens["R"], json_body=body)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert (
        error["column"] == "Код ОО"
        and "«S3»" in error["reason"]
        and "не найдены среди школ" in error["reason"]
    )
    assert _counts() == (0, 0, 0)


def test_a_region_token_writes_to_a_municipality_of_its_region(call: Call, tokens: dict[str, str]) -> None:
    body = {"rows": [{"school_id": "S1", "year": 2023, "staff_vacancies": 1}]}
    response = call("POST", "/api/v1/municipalities/m/risk-factors", tokens["R"], json_body=body)
    assert response.status_code == 201
    assert RiskInput.objects.get().school.code == "S1"
