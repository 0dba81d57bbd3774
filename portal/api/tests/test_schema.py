"""Schemathesis against the published OpenAPI schema: every operation, generated requests with a valid token and
data in the database; the answers must conform to the schema (status, content type, body) and never be a 5xx."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.api import services
from portal.api.models import READ, WRITE
from portal.identification.models import IdentificationRun, SchoolOutcome
from portal.monitoring import services as monitoring

#: Examples per operation; a deeper run: OPORA_API_FUZZ_EXAMPLES=200 uv run pytest portal/api/tests/test_schema.py
EXAMPLES = int(os.environ.get("OPORA_API_FUZZ_EXAMPLES", "25"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def keep_connection() -> Iterator[None]:
    """The WSGI handler closes the database connection after each request, which would end the test's transaction
    (PostgreSQL); Django's test client avoids it the same way, by disconnecting ``close_old_connections``."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def data(world: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A region token (R ⊃ M), a run with an outcome and a monitoring period of M: what requests can reach."""
    run = IdentificationRun.objects.create(
        municipality=world["M"], year=2023, fit_description="тест", config={}, data_version="0" * 64
    )
    SchoolOutcome.objects.create(run=run, school=world["S1"], results_index=-1.0, categories=["low_results"])
    sets = {s.code: s for s in monitoring.sync_builtin_sets(by=None)}
    period = monitoring.open_period(world["M"], sets["order_2023_41"], 2024, by=None)
    secret = services.issue(name="schemathesis", region=world["R"], permissions=[READ, WRITE], by=None).secret
    # Path parameters of existing objects, so that generated bodies and queries reach the importers and readers
    # (half of the examples); the other half uses generated paths (mostly 404).
    known = {"code": "m", "school_code": "S1", "run_id": run.pk, "period_id": period.pk}
    return secret, known


def test_every_operation_conforms_to_the_schema(
    data: tuple[str, dict[str, Any]], keep_connection: None
) -> None:
    secret, known = data
    # The project's WSGI application (portal.wsgi adds only a production SECRET_KEY guard).
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    assert len(operations) == 18
    headers = {"Authorization": f"Bearer {secret}"}
    with override_settings(OPORA_API_RATE_READ=100_000, OPORA_API_RATE_WRITE=100_000):
        for operation in operations:
            names = {p.name for p in operation.path_parameters}
            fixed = {name: value for name, value in known.items() if name in names}
            cases = st.one_of(
                operation.as_strategy(headers=headers, path_parameters=fixed),
                operation.as_strategy(headers=headers),
            )

            @given(case=cases)
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case: Any) -> None:
                case.call_and_validate(headers=headers, checks=CHECKS)

            check()
