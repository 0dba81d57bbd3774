"""Fixtures: the library in the database, S1's municipal risk inputs for 2023 and a hand-made risk profile."""

from __future__ import annotations

from typing import Any

import pytest

from portal.programs import approval, risk, services
from portal.programs.models import Program
from portal.results.models import AssessmentResult, ImportBatch, RiskInput

#: S1 (world fixture), 2023: one vacancy, 20 Мбит/с, 60 % with categories, 80 % trained, equipment incomplete.
#: Rules of risk_factors.yaml: low_equipment — both municipal factors → высокий; teacher_shortage — 1 vacancy →
#: средний; low_teacher_competence and no_pd_system — see the YAML thresholds (asserted in test_services).
S1_INPUTS = {
    "staff_vacancies": 1,
    "internet_mbps": 20.0,
    "share_category_first_highest": 60.0,
    "share_trained_3y": 80.0,
    "equipment_complete": False,
}
#: Levels the school states by self-diagnosis (factors without a data rule).
S1_SELF = {
    "high_failure_risk_share": ("high", ""),
    "low_environment_quality": ("medium", ""),
    "high_special_needs_share": ("low", ""),
    "low_parent_involvement": ("high", ""),
}


@pytest.fixture
def library(db: Any) -> None:
    services.sync_library(by=None)


@pytest.fixture
def s1_data(world: dict[str, Any], library: None) -> dict[str, Any]:
    batch = ImportBatch.objects.create(
        municipality=world["M"],
        kind=ImportBatch.Kind.RISK,
        filename="risk.csv",
        sha256="0" * 64,
        status="imported",
    )
    RiskInput.objects.create(school=world["S1"], batch=batch, year=2023, **S1_INPUTS)
    results = ImportBatch.objects.create(
        municipality=world["M"],
        kind=ImportBatch.Kind.RESULTS,
        filename="r.csv",
        sha256="1" * 64,
        status="imported",
    )
    # ВПР 2023: 40 + 60 participants, 6 + 9 «2» → 15 / 100 = 15 %.
    for subject, n, n2 in (("rus", 40, 6), ("math", 60, 9)):
        AssessmentResult.objects.create(
            school=world["S1"], batch=results, procedure="vpr", subject=subject, grade=5, grade_program=4,
            year=2023, n=n, n_2=n2, n_3=n - n2, n_4=0, n_5=0,
        )  # fmt: skip
    risk.compute_profile(world["S1"], 2023, by=None)
    risk.set_levels(world["S1"], 2023, S1_SELF, by=None)
    return world


@pytest.fixture
def program(s1_data: dict[str, Any]) -> Program:
    return services.create_program(s1_data["S1"], "shppko", by=None, profile_year=2023)


def complete(program: Program) -> Program:
    """Fill what the data cannot: baselines and targets of goals without numbers (hand-chosen)."""
    rows = {}
    for g in program.goals.all():
        rows[g.pk] = {
            "baseline": 30.0 if g.baseline is None else g.baseline,
            "target": 45.0 if g.target is None else g.target,
        }
    services.update_goals(program, rows, by=None, director="Иванова И. И., директор")
    return program


def approve(program: Program) -> Program:
    """The school sends the program, the coordinator approves it (portal.programs.approval)."""
    approval.submit(program, by=None)
    return approval.approve(program, by=None)
