"""The synthetic region generator writes a consistent region that the portal's own services accept."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from opora.synthetic_region import synthetic_municipal_region
from portal.accounts.models import Role, RoleAssignment, User
from portal.identification.models import IdentificationRun
from portal.identification.services import run_identification
from portal.monitoring.models import IndicatorValue, MonitoringPeriod, SchoolSubmission
from portal.results.models import AssessmentResult, ContextValue, RiskInput
from portal.results.services import import_file
from portal.schools.models import Municipality, Region, School
from portal.synthetic.services import (
    DEFAULT_PASSWORD,
    GenerationError,
    generate_region,
    region_reference,
)

SMALL: dict[str, Any] = {"municipalities": 3, "schools": 4, "years": (2022, 2023, 2024), "seed": 5}


def quiet(_: str) -> None:
    pass


@pytest.fixture
def small(db: Any) -> Any:
    return generate_region(**SMALL, write=quiet)


def test_counts_match_the_core_frames(small: Any) -> None:
    plan = synthetic_municipal_region(3, 4, (2022, 2023, 2024), seed=5, municipality_prefix="sr")
    region = small.region
    assert Municipality.objects.filter(region=region).count() == 3
    schools = School.objects.filter(municipality__region=region)
    assert schools.count() == 12  # 3 × 4, sizes vary around 4 but the total is exact
    assert AssessmentResult.objects.filter(school__in=schools).count() == plan.data.results.height
    # context is stored long: one row per school × year × non-null variable (9 columns besides the key)
    variables = [c for c in plan.data.context.columns if c not in ("school_id", "year")]
    expected_ctx = sum(plan.data.context[v].is_not_null().sum() for v in variables)
    assert ContextValue.objects.filter(school__in=schools).count() == expected_ctx
    assert RiskInput.objects.filter(school__in=schools).count() == 12 * 3
    assert small.counts["results"] == plan.data.results.height


def test_codes_are_unique_and_every_municipality_has_a_coordinator(small: Any) -> None:
    codes = list(School.objects.filter(municipality__region=small.region).values_list("code", flat=True))
    assert len(codes) == len(set(codes)) == 12
    assert all(c.startswith("SR-") for c in codes)
    for m in small.municipalities:
        assert RoleAssignment.objects.filter(role=Role.COORDINATOR, municipality=m).count() == 1
        assert RoleAssignment.objects.filter(role=Role.METHOD_CENTRE, municipality=m).count() == 1
        # two school teams per municipality (the default), each on a school of that municipality
        teams = RoleAssignment.objects.filter(role=Role.SCHOOL_TEAM, school__municipality=m)
        assert teams.count() == 2
    assert RoleAssignment.objects.filter(role=Role.REGION_VIEWER, region=small.region).count() == 1


def test_accounts_log_in_with_the_documented_password(small: Any) -> None:
    client = Client()
    assert client.login(username="sr-coord-01", password=DEFAULT_PASSWORD)
    municipality = small.municipalities[0]
    assert client.get(f"/municipalities/{municipality.pk}/").status_code == 200
    # a coordinator of municipality 1 does not see municipality 2 (scope rules apply to generated data)
    assert client.get(f"/municipalities/{small.municipalities[1].pk}/").status_code == 404
    assert Client().login(username="sr-region", password=DEFAULT_PASSWORD)
    assert not Client().login(username="sr-coord-01", password="wrong-password-1")


def test_the_data_passes_identification_of_one_municipality(small: Any) -> None:
    from opora.synthetic_region import synthetic_municipal_region as plan_of

    municipality = small.municipalities[0]
    plan = plan_of(3, 4, (2022, 2023, 2024), seed=5, municipality_prefix="sr")
    reference = region_reference(municipality, plan)
    run = run_identification(municipality, 2024, by=None, reference=reference)
    outcomes = run.outcomes.all()
    assert outcomes.count() == School.objects.filter(municipality=municipality).count()
    assert run.n_fit >= 10  # the regression's minimum (config min_schools = 10): 12 schools of the region
    assert all(o.results_index is not None for o in outcomes if not o.excluded_reason)


def test_monitoring_periods_are_open_with_values(small: Any) -> None:
    for m in small.municipalities:
        period = MonitoringPeriod.objects.get(municipality=m, year=2024)
        assert period.status == MonitoringPeriod.Status.OPEN
        assert period.target_schools.exists()
        assert IndicatorValue.objects.filter(period=period, origin=IndicatorValue.Origin.FORM).exists()
        team_schools = RoleAssignment.objects.filter(
            role=Role.SCHOOL_TEAM, school__municipality=m
        ).values_list("school_id", flat=True)
        # the school teams' forms stay editable drafts (the load test posts into them)
        drafts = SchoolSubmission.objects.filter(period=period, school_id__in=list(team_schools))
        assert {s.status for s in drafts} == {SchoolSubmission.Status.DRAFT}
        assert set(team_schools) <= set(period.target_schools.values_list("school_id", flat=True))
        for school_id in team_schools:
            assert IndicatorValue.objects.filter(period=period, school_id=school_id).exists()


def test_refuses_an_existing_region_unless_replace(small: Any) -> None:
    with pytest.raises(GenerationError, match="уже есть"):
        generate_region(**SMALL, write=quiet)
    again = generate_region(**SMALL, replace=True, write=quiet)
    assert Region.objects.filter(code="synth-region").count() == 1
    assert School.objects.filter(municipality__region=again.region).count() == 12
    assert User.objects.filter(username="sr-coord-01").count() == 1


def test_identify_publishes_runs_that_monitoring_targets_follow(db: Any) -> None:
    made = generate_region(**SMALL, identify=True, write=quiet)
    for m in made.municipalities:
        run = IdentificationRun.objects.get(municipality=m, year=2024)
        assert run.status == IdentificationRun.Status.PUBLISHED
        period = MonitoringPeriod.objects.get(municipality=m, year=2024)
        assert str(run.pk) in period.targets_source
        flagged = {o.school_id for o in run.outcomes.all() if {"low_results", "at_risk"} & set(o.categories)}
        teams = RoleAssignment.objects.filter(role=Role.SCHOOL_TEAM, school__municipality=m)
        targets = set(period.target_schools.values_list("school_id", flat=True))
        assert targets == flagged | set(teams.values_list("school_id", flat=True))


def test_student_files_import_through_the_portal(db: Any, tmp_path: Path) -> None:
    made = generate_region(**SMALL, monitoring=False, students=3000, students_dir=tmp_path, write=quiet)
    files = sorted((tmp_path / "students").glob("*.csv"))
    assert [f.stem for f in files] == [m.code for m in made.municipalities]
    rows = sum(len(f.read_text(encoding="utf-8").splitlines()) - 1 for f in files)
    assert abs(rows - 3000) < 60  # stochastic rounding of n × f per result row: ±√(rows) at most in practice
    municipality = made.municipalities[0]
    path = tmp_path / "students" / f"{municipality.code}.csv"
    report = import_file(
        municipality, "students", path.read_bytes(), filename=path.name, by=None, replace=True
    )
    assert report.ok, report.errors[:3]


def test_command_prints_the_accounts_and_rejects_a_second_run(db: Any) -> None:
    out = StringIO()
    call_command("generate_region", "--municipalities", "2", "--schools", "3", "--no-monitoring", stdout=out)
    text = out.getvalue()
    assert "sr-coord-01" in text and DEFAULT_PASSWORD in text
    with pytest.raises(CommandError, match="--replace"):
        call_command("generate_region", "--municipalities", "2", "--schools", "3", stdout=StringIO())
