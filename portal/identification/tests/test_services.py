"""Identification runs through the portal: stored data → core → stored outcomes, reproducible, publishable."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from portal.audit.models import AuditEntry
from portal.identification import services
from portal.identification.demo import demo_files
from portal.identification.models import IdentificationRun, SchoolOutcome
from portal.results import services as imports
from portal.results.models import ReferenceDataset
from portal.schools.models import Municipality

# SEED-B Прил. 2 (shared/seeds/002_…txt, lines ~1100–1111): the 2023 classification the demo must reproduce.
SEED_LOW_AND_ADVERSE = {"MNS-OOSH01", "MNS-SOSH02", "MNS-OSOSH14"}
SEED_AT_RISK = {"MNS-SOSH03", "MNS-SOSH05", "MNS-SOSH47", "MNS-OOSH01", "MNS-OSOSH14"}


@pytest.fixture
def municipality(db: Any) -> Municipality:
    call_command("load_demo", password="x-demo-pass-1", skip_extensions=True, stdout=io.StringIO())
    return Municipality.objects.get(code="demo-minusinsk")


@pytest.fixture
def loaded(municipality: Municipality, tmp_path: Path) -> ReferenceDataset:
    files = demo_files(tmp_path)
    for kind in ("results", "context", "risk"):
        report = imports.import_file(
            municipality, kind, files[kind].read_bytes(), filename=files[kind].name, by=None
        )
        assert report.ok, report.errors[:3]
    ref = imports.import_reference(
        municipality,
        name="Регион (тест)",
        results=(files["region_results"].name, files["region_results"].read_bytes()),
        context=(files["region_context"].name, files["region_context"].read_bytes()),
        by=None,
    )
    assert ref.ok, ref.errors[:3]
    assert ref.batch.reference is not None
    return ref.batch.reference


def _codes(run: IdentificationRun, category: str) -> set[str]:
    return {o.school.code for o in run.outcomes.select_related("school") if category in o.categories}


def test_it_reproduces_the_seed_classification_through_the_portal(
    municipality: Municipality, loaded: ReferenceDataset
) -> None:
    run = services.run_identification(municipality, 2023, by=None, reference=loaded)
    assert run.outcomes.count() == 13
    assert _codes(run, "low_results") & _codes(run, "adverse_context") == SEED_LOW_AND_ADVERSE
    assert _codes(run, "at_risk") == SEED_AT_RISK
    assert run.n_fit > 250  # fitted on the synthetic region, not on 13 schools (docs/methodology.md R9)
    outcome = SchoolOutcome.objects.get(run=run, school__code="MNS-SOSH02")
    assert outcome.reasons and all(r["text_ru"] for r in outcome.reasons)
    assert outcome.components, "the index keeps its components for the explanation"
    assert run.model["intercept"] + run.model["slope"] * outcome.context_index == pytest.approx(
        outcome.expected
    )
    assert outcome.results_index - outcome.expected == pytest.approx(outcome.residual)


def test_the_same_inputs_give_the_same_data_version_and_numbers(
    municipality: Municipality, loaded: ReferenceDataset
) -> None:
    first = services.run_identification(municipality, 2023, by=None, reference=loaded)
    second = services.run_identification(municipality, 2023, by=None, reference=loaded)
    assert first.data_version == second.data_version
    assert first.config == second.config
    a = {o.school_id: (o.residual, o.categories) for o in first.outcomes.all()}
    b = {o.school_id: (o.residual, o.categories) for o in second.outcomes.all()}
    assert a == b


def test_publishing_archives_the_previous_run_of_the_year(
    municipality: Municipality, loaded: ReferenceDataset
) -> None:
    first = services.publish_run(
        services.run_identification(municipality, 2023, by=None, reference=loaded), by=None
    )
    second = services.publish_run(
        services.run_identification(municipality, 2023, by=None, reference=loaded), by=None
    )
    first.refresh_from_db()
    assert first.status == IdentificationRun.Status.ARCHIVED
    assert second.status == IdentificationRun.Status.PUBLISHED
    assert services.latest_published(municipality) == second
    assert AuditEntry.objects.filter(action="identification.run.published").count() == 2
    with pytest.raises(services.IdentificationError, match="Опубликовать можно только"):
        services.publish_run(second, by=None)


def test_it_refuses_to_run_without_data(municipality: Municipality) -> None:
    with pytest.raises(services.IdentificationError, match="Нет загруженных результатов"):
        services.run_identification(municipality, 2023, by=None)


def test_a_bad_configuration_is_refused_with_the_key_named(municipality: Municipality) -> None:
    from opora.errors import ConfigError

    with pytest.raises(ConfigError, match="no_such_key"):
        services.save_config(municipality, {"no_such_key": 1}, by=None)


def test_the_full_demo_publishes_the_seed_classification(db: Any) -> None:
    out = io.StringIO()
    call_command("load_demo", password="x-demo-pass-1", stdout=out)
    municipality = Municipality.objects.get(code="demo-minusinsk")
    run = services.latest_published(municipality)
    assert run is not None and run.year == 2023 and run.reference is not None
    assert _codes(run, "low_results") & _codes(run, "adverse_context") == SEED_LOW_AND_ADVERSE
    assert _codes(run, "at_risk") == SEED_AT_RISK
    assert "Идентификация 2023 (демо)" in out.getvalue()
    # Loading the demo again replaces its identification data instead of duplicating it.
    call_command("load_demo", password="x-demo-pass-1", stdout=io.StringIO())
    assert IdentificationRun.objects.filter(municipality=municipality).count() == 1
