"""A hand-made municipality for the reports: two published identification runs, risk data and a monitoring year."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from portal.identification.models import IdentificationRun, SchoolOutcome
from portal.monitoring.tests.conftest import period, sets, slot, submission  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def _isolated(settings: Any, tmp_path: Path) -> None:
    from django.core.cache import cache

    cache.clear()
    settings.MEDIA_ROOT = tmp_path / "media"


MODEL = {"intercept": 0.1, "slope": 0.8, "r_squared": 0.5, "n": 2, "fit_points": []}


def _run(world: dict[str, Any], year: int, outcomes: dict[str, dict[str, Any]]) -> IdentificationRun:
    from django.utils import timezone

    run = IdentificationRun.objects.create(
        municipality=world["M"],
        year=year,
        status=IdentificationRun.Status.PUBLISHED,
        config={},
        fit_description="муниципальный набор (2 школы)",
        data_version="test",
        model=MODEL,
        n_fit=2,
        published_at=timezone.now(),
    )
    for school, values in outcomes.items():
        SchoolOutcome.objects.create(run=run, school=world[school], **values)
    return run


@pytest.fixture
def runs(world: dict[str, Any]) -> dict[int, IdentificationRun]:
    """2023: S1 ШНОР; 2024: S1 ШНОР again (2 years in a row) and S2 newly at risk.

    S1 2024: results −1,50, context −1,00, expected 0,1 + 0,8 · (−1,00) = −0,70, standardised residual −2,10.
    """
    reason = {
        "rule": "low_results",
        "category": "low_results",
        "fired": True,
        "text_ru": "Индекс результатов −1,50 ниже порога −1,00",
    }
    return {
        2023: _run(world, 2023, {"S1": {"categories": ["low_results"]}, "S2": {"categories": []}}),
        2024: _run(
            world,
            2024,
            {
                "S1": {
                    "categories": ["low_results"],
                    "results_index": -1.5,
                    "context_index": -1.0,
                    "expected": -0.7,
                    "std_residual": -2.1,
                    "reasons": [reason],
                },
                "S2": {
                    "categories": ["at_risk"],
                    "results_index": 0.4,
                    "context_index": 0.2,
                    "expected": 0.26,
                    "std_residual": 0.37,
                },
            },
        ),
    }
