"""Region-wide identification: one model fitted on every school of the region, applied per municipality."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import statsmodels.api as sm
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from opora.config import IdentificationConfig
from portal.audit.models import AuditEntry
from portal.identification import services
from portal.identification.models import IdentificationRun, RegionRun, SchoolOutcome
from portal.identification.tests.helpers import settings_post
from portal.jobs.models import Job
from portal.results.models import AssessmentResult, ContextValue, ImportBatch
from portal.schools.models import Municipality, Region, School

#: One statistic (mean % of the maximum), one context variable, one year: the results index of a school is the
#: z-score of its mean % among the fitted schools and the context index the z-score of −(low-income share)
#: (docs/methodology.md R2, R4), so the model is a plain OLS of one z on the other.
SIMPLE = {
    "results": {"statistics": {"mean_pct": 1}, "min_components": 1, "split_vpr_by_level": False},
    "context": {"variables": {"low_income_share": -1}, "min_variables": 1},
    "categories": {"evaluation_years": 1, "stability_years": 1, "trend_drop": 0},
}
YEAR = 2023


def make_region(code: str, municipalities: int, schools: int, *, seed: int = 1) -> dict[str, Any]:
    """A region of ``municipalities`` × ``schools`` schools, each with one ВПР result and one context value.

    Mean % falls with the low-income share plus noise; the municipalities differ in level, so a fit on one
    municipality differs from the fit on the pooled region.
    """
    rng = np.random.default_rng(seed)
    region = Region.objects.create(code=code, name=f"Регион {code}")
    raw: dict[str, tuple[float, float]] = {}
    made: dict[str, list[School]] = {}
    results, context = [], []
    for m in range(municipalities):
        municipality = Municipality.objects.create(
            region=region, code=f"{code}-m{m}", name=f"Округ {code}-{m}"
        )
        batch = ImportBatch.objects.create(
            municipality=municipality, kind="results", filename="r.csv", sha256="0" * 64, status="imported"
        )
        made[municipality.code] = []
        for s in range(schools):
            school = School.objects.create(
                municipality=municipality,
                code=f"{code}-{m}-{s}",
                name=f"Школа {m}-{s}",
                short_name=f"СОШ № {m}{s}",
                kind="sosh",
            )
            made[municipality.code].append(school)
            poverty = float(rng.uniform(5, 60))
            pct = float(75 - 0.5 * poverty + 4 * m + rng.normal(0, 4))
            raw[school.code] = (pct, poverty)
            results.append(
                AssessmentResult(
                    school=school,
                    batch=batch,
                    procedure="vpr",
                    subject="math",
                    grade=5,
                    grade_program=5,
                    year=YEAR,
                    n=25,
                    mean_pct=pct,
                )
            )
            context.append(
                ContextValue(
                    school=school, batch=batch, year=YEAR, variable="low_income_share", value=poverty
                )
            )
    AssessmentResult.objects.bulk_create(results)
    ContextValue.objects.bulk_create(context)
    return {"region": region, "raw": raw, "schools": made}


@pytest.fixture
def region(db: Any) -> dict[str, Any]:
    return make_region("rg", 3, 6)


def simple() -> IdentificationConfig:
    return IdentificationConfig.from_mapping(SIMPLE)


def test_the_regional_fit_is_the_ols_fit_on_the_pooled_schools(region: dict[str, Any]) -> None:
    region_run = services.run_region_identification(region["region"], YEAR, by=None, config=simple())
    outcomes = list(SchoolOutcome.objects.filter(run__region_run=region_run).select_related("school"))
    assert len(outcomes) == 18 and region_run.n_fit == 18
    # statsmodels OLS of the stored results index on the stored context index of ALL 18 schools (pooled).
    x = np.array([o.context_index for o in outcomes])
    y = np.array([o.results_index for o in outcomes])
    fit = sm.OLS(y, sm.add_constant(x)).fit()
    assert region_run.model["intercept"] == pytest.approx(fit.params[0], abs=1e-9)
    assert region_run.model["slope"] == pytest.approx(fit.params[1], rel=1e-9)
    assert region_run.model["r_squared"] == pytest.approx(fit.rsquared, rel=1e-9)
    # The indices themselves are pooled z-scores: with both standardised over the same 18 schools the OLS slope
    # is Pearson's r of (mean %, −low-income share) over the region, and the intercept is 0.
    pct = np.array([region["raw"][o.school.code][0] for o in outcomes])
    poverty = np.array([region["raw"][o.school.code][1] for o in outcomes])
    assert region_run.model["slope"] == pytest.approx(np.corrcoef(pct, -poverty)[0, 1], rel=1e-9)
    assert region_run.model["intercept"] == pytest.approx(0.0, abs=1e-9)
    # and every school's expected value is read off this one line
    for o in outcomes:
        assert o.expected == pytest.approx(fit.params[0] + fit.params[1] * o.context_index, abs=1e-9)


def test_each_municipality_gets_its_own_run_with_its_own_schools(region: dict[str, Any]) -> None:
    region_run = services.run_region_identification(region["region"], YEAR, by=None, config=simple())
    runs = list(region_run.runs.select_related("municipality"))
    assert len(runs) == 3 and region_run.n_municipalities == 3 and region_run.n_schools == 18
    for run in runs:
        own = {s.code for s in region["schools"][run.municipality.code]}
        assert {o.school.code for o in run.outcomes.select_related("school")} == own
        assert run.n_fit == 18 and run.model == region_run.model
        assert run.fit_description == "все школы региона (18 школ, 3 муниципалитета)"
        assert run.data_version == region_run.data_version and run.status == IdentificationRun.Status.FINISHED
    assert region_run.fit_description == "все школы региона (18 школ, 3 муниципалитета)"
    assert AuditEntry.objects.filter(action="identification.run.created").count() == 3


def test_a_municipality_alone_is_too_small_but_the_region_is_enough(region: dict[str, Any]) -> None:
    """Six schools are fewer than regression.min_schools (10): the municipal fit is refused, the pooled one runs."""
    municipality = Municipality.objects.get(code="rg-m0")
    with pytest.raises(services.IdentificationError, match="не менее 10 школ"):
        services.run_identification(municipality, YEAR, by=None, config=simple())
    assert services.run_region_identification(region["region"], YEAR, by=None, config=simple()).n_fit == 18


def test_the_region_run_matches_the_core_on_the_pooled_frames(region: dict[str, Any]) -> None:
    import opora

    region_run = services.run_region_identification(region["region"], YEAR, by=None, config=simple())
    results, context, risk = services.region_frames(region["region"])
    direct = opora.identify(results, context, risk, config=simple(), year=YEAR)
    assert region_run.model["slope"] == pytest.approx(direct.model.slope, rel=1e-12)
    stored = {
        o.school.code: o.residual
        for o in SchoolOutcome.objects.filter(run__region_run=region_run).select_related("school")
    }
    for row in direct.schools.iter_rows(named=True):
        assert stored[row["school_id"]] == pytest.approx(row["residual"], abs=1e-11)


def test_a_foreign_region_is_not_in_the_fit(region: dict[str, Any]) -> None:
    make_region("other", 2, 6, seed=7)
    region_run = services.run_region_identification(region["region"], YEAR, by=None, config=simple())
    assert region_run.n_fit == 18
    assert not SchoolOutcome.objects.filter(
        run__region_run=region_run, school__municipality__region__code="other"
    )


def test_it_refuses_without_data_and_marks_the_run_failed(db: Any) -> None:
    empty = Region.objects.create(code="e", name="Пустой")
    Municipality.objects.create(region=empty, code="e1", name="Пусто")
    with pytest.raises(services.IdentificationError, match="нет школ"):
        services.run_region_identification(empty, YEAR, by=None)
    assert RegionRun.objects.get(region=empty).status == RegionRun.Status.FAILED


def test_publishing_a_region_run_publishes_every_municipal_run(region: dict[str, Any]) -> None:
    municipality = Municipality.objects.get(code="rg-m1")
    # an earlier regional run published in the municipality is archived by the new publication
    first = services.publish_region_run(
        services.run_region_identification(region["region"], YEAR, by=None, config=simple()), by=None
    )
    second = services.publish_region_run(
        services.run_region_identification(region["region"], YEAR, by=None, config=simple()), by=None
    )
    assert second.status == RegionRun.Status.PUBLISHED
    assert set(second.runs.values_list("status", flat=True)) == {"published"}
    assert set(first.runs.values_list("status", flat=True)) == {"archived"}
    latest = services.latest_published(municipality)
    assert latest is not None and latest.region_run_id == second.pk
    assert AuditEntry.objects.filter(action="identification.region_run.published").count() == 2
    assert AuditEntry.objects.filter(action="identification.run.published").count() == 6
    with pytest.raises(services.IdentificationError, match="Опубликовать можно только"):
        services.publish_region_run(second, by=None)


def _queries(region: Region) -> int:
    with CaptureQueriesContext(connection) as ctx:
        services.run_region_identification(region, YEAR, by=None, config=simple())
    return len(ctx.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_municipalities(db: Any) -> None:
    """2 and 5 municipalities: the same reads; only the audit entries (one per municipal run) are added."""
    small, large = make_region("s", 2, 6).get("region"), make_region("l", 5, 6, seed=3).get("region")
    n_small, n_large = _queries(small), _queries(large)
    # audit: one INSERT per municipal run (3 more municipalities → 3 more entries); nothing else grows
    assert n_large - n_small <= 3, (n_small, n_large)


def test_the_coordinator_starts_a_background_run_and_follows_it(
    client: Client, region: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    services.save_region_config(region["region"], SIMPLE, by=None)
    user = _region_user("region_coordinator", region["region"])
    client.force_login(user)
    url = reverse("identification:region_runs", args=[region["region"].pk])
    response = client.post(url, {"year": YEAR})
    region_run = RegionRun.objects.get(region=region["region"])
    assert response.status_code == 302 and response["Location"] == region_run.get_absolute_url()
    assert region_run.status == RegionRun.Status.FINISHED  # OPORA_JOBS_MODE=inline in tests
    assert region_run.job is not None and region_run.job.status == Job.Status.DONE
    assert region_run.job.progress == 100
    page = client.get(region_run.get_absolute_url()).content.decode()
    assert "все школы региона (18 школ, 3 муниципалитета)" in page
    assert "Опубликовать во всех муниципалитетах" in page
    publish_url = reverse("identification:region_publish", args=[region_run.pk])
    confirm = client.get(publish_url).content.decode()  # asks first, naming the municipalities that change
    assert "Округ rg-2" in confirm and 'name="confirmed"' in confirm
    region_run.refresh_from_db()
    assert region_run.status == RegionRun.Status.FINISHED
    client.post(publish_url, {"confirmed": "1"})
    region_run.refresh_from_db()
    assert region_run.status == RegionRun.Status.PUBLISHED
    # the municipal run page links back to the region run
    run = region_run.runs.first()
    assert run is not None
    assert region_run.get_absolute_url() in client.get(run.get_absolute_url()).content.decode()


def test_a_failed_background_run_shows_the_reason(client: Client, db: Any) -> None:
    empty = Region.objects.create(code="e", name="Пустой")
    Municipality.objects.create(region=empty, code="e1", name="Пусто")
    client.force_login(_region_user("region_coordinator", empty))
    client.post(reverse("identification:region_runs", args=[empty.pk]), {"year": YEAR})
    region_run = RegionRun.objects.get(region=empty)
    assert region_run.status == RegionRun.Status.FAILED and region_run.job.status == Job.Status.FAILED
    assert "В регионе нет школ" in client.get(region_run.get_absolute_url()).content.decode()


def _region_user(role: str, region: Region) -> Any:
    from portal.accounts.models import RoleAssignment, User

    user = User.objects.create_user(f"{role}-{region.code}", password="x-test-password-1")
    RoleAssignment.objects.create(user=user, role=role, region=region)
    return user


def test_a_queued_run_page_polls_and_the_empty_list_says_so(client: Client, region: dict[str, Any]) -> None:
    client.force_login(_region_user("region_viewer", region["region"]))
    listing = client.get(reverse("identification:region_runs", args=[region["region"].pk])).content.decode()
    assert "Региональных расчётов ещё не было." in listing and "Рассчитать по региону" not in listing
    queued = RegionRun.objects.create(region=region["region"], year=YEAR)
    page = client.get(queued.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 1s"' in page and "В очереди" in page
    services.run_region_identification(region["region"], YEAR, by=None, config=simple(), region_run=queued)
    page = client.get(queued.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 1s"' not in page and "Округ rg-2" in page


def test_the_regional_coordinator_saves_the_region_settings(client: Client, region: dict[str, Any]) -> None:
    from portal.identification.models import RegionIdentificationSettings

    client.force_login(_region_user("region_coordinator", region["region"]))
    url = reverse("identification:region_settings", args=[region["region"].pk])
    bad = client.post(url, settings_post() | {"categories__q_ctx": "1,5"})
    html = bad.content.decode()
    assert bad.status_code == 200 and "вне допустимого диапазона" in html
    assert "«ШНСУ: доля школ с самым низким индексом контекста»" in html and "categories.q_ctx" not in html
    assert not RegionIdentificationSettings.objects.exists()
    assert client.post(url, settings_post({"categories": {"q_ctx": 0.2}})).status_code == 302
    assert services.region_config(region["region"]).categories.q_ctx == 0.2
    assert AuditEntry.objects.filter(action="identification.region_settings.changed").count() == 1
