"""Reads: the numbers stored (identification outcomes, monitoring values) and published documents only."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from portal.api.tests.conftest import Call
from portal.identification.models import IdentificationRun, SchoolOutcome
from portal.monitoring import services as monitoring
from portal.monitoring.models import IndicatorSet, MonitoringPeriod, SchoolSubmission
from portal.monitoring.values import Slot
from portal.public import services as public
from portal.public.models import Section


@pytest.fixture
def run(world: dict[str, Any]) -> IdentificationRun:
    r = IdentificationRun.objects.create(
        municipality=world["M"],
        year=2023,
        fit_description="региональный набор, 300 школ",
        config={},
        data_version="a" * 64,
        model={"intercept": 0.12, "slope": -0.8, "r2": 0.61},
        n_fit=300,
    )
    SchoolOutcome.objects.create(
        run=r,
        school=world["S1"],
        results_index=-1.25,
        context_index=0.4,
        expected=-0.2,
        residual=-1.05,
        std_residual=-2.1,
        n_participants=41,
        categories=["low_results", "at_risk"],
        reasons=[{"rule": "R6", "text": "остаток −2,1 ниже порога −1"}],
        risk_factors=["staff_vacancies"],
    )
    SchoolOutcome.objects.create(run=r, school=world["S2"], excluded_reason="меньше 10 участников")
    return r


def test_runs_are_listed_with_pagination(call: Call, tokens: dict[str, str], run: IdentificationRun) -> None:
    body = call("GET", "/api/v1/municipalities/m/identification-runs?page_size=1", tokens["M"]).json()
    assert body["count"] == 1
    assert body["items"][0] | {"created_at": None} == {
        "id": run.pk,
        "municipality": "m",
        "year": 2023,
        "status": "finished",
        "status_label": "Рассчитан",
        "created_at": None,
        "published_at": None,
        "fit_description": "региональный набор, 300 школ",
        "n_fit": 300,
        "region_wide": False,
    }


def test_a_run_shows_each_schools_numbers_and_explanation(
    call: Call, tokens: dict[str, str], run: IdentificationRun
) -> None:
    body = call("GET", f"/api/v1/identification-runs/{run.pk}", tokens["M"]).json()
    assert body["model"] == {"intercept": 0.12, "slope": -0.8, "r2": 0.61}
    # In registry order (sort key, then short name): «ООШ № 2» before «СОШ № 1».
    assert [o["school_code"] for o in body["outcomes"]] == ["S2", "S1"]
    s2, s1 = body["outcomes"]
    assert [c["code"] for c in s1["categories"]] == ["low_results", "at_risk"]
    assert s1["categories"][0]["label"] == "ШНОР (низкие результаты)"
    assert (s1["results_index"], s1["context_index"], s1["residual"], s1["std_residual"]) == (
        -1.25,
        0.4,
        -1.05,
        -2.1,
    )
    assert s1["reasons"] == [{"rule": "R6", "text": "остаток −2,1 ниже порога −1"}]
    assert s1["risk_factors"] == ["staff_vacancies"] and s1["n_participants"] == 41
    assert (s2["school_code"], s2["categories"], s2["excluded_reason"]) == ("S2", [], "меньше 10 участников")


@pytest.fixture
def period(world: dict[str, Any]) -> MonitoringPeriod:
    """2024, order_2023_41: indicator 3.8 (КМЦ) answered «да» by S1 and «нет» by S2, both forms submitted."""
    sets = {s.code: s for s in monitoring.sync_builtin_sets(by=None)}
    indicator_set: IndicatorSet = sets["order_2023_41"]
    p = monitoring.open_period(world["M"], indicator_set, 2024, by=None)
    monitoring.set_target_schools(p, shnor=[world["S1"].pk], at_risk=[world["S2"].pk], by=None)
    slot = Slot(indicator_set.indicators.get(code="3.8"), "kmc", "school")
    for school, answer in (("S1", True), ("S2", False)):
        sub = SchoolSubmission.objects.get(period=p, school=world[school])
        monitoring.save_school_values(sub, {slot.key: {"bool_value": answer}}, [slot], by=None)
        monitoring.submit(sub, by=None)
    p.refresh_from_db()
    return p


def test_municipal_values_are_the_dashboards(
    call: Call, tokens: dict[str, str], period: MonitoringPeriod
) -> None:
    periods = call("GET", "/api/v1/municipalities/m/monitoring-periods", tokens["R"]).json()
    assert [(p["id"], p["year"], p["status"]) for p in periods["items"]] == [(period.pk, 2024, "open")]
    values = call("GET", f"/api/v1/monitoring-periods/{period.pk}/values", tokens["M"]).json()
    kmc = next(v for v in values if (v["indicator"], v["subitem"]) == ("3.8", "kmc"))
    # S1 «да», S2 «нет» → 1 of 2 = 50 %; the 2024 target «не менее 50% ШНРО» counts ШНРО only (S1: 100 %) → met
    # (as in monitoring's own tests).
    assert (kmc["value"], kmc["status"], kmc["target"]) == (
        50.0,
        "met",
        "не менее 50 % — ШНРО (Приложение 1 к приказу № 41)",
    )
    only_shnor = call(
        "GET", f"/api/v1/monitoring-periods/{period.pk}/values?category=shnor", tokens["M"]
    ).json()
    assert next(v for v in only_shnor if (v["indicator"], v["subitem"]) == ("3.8", "kmc"))["value"] == 100.0


def test_school_values_are_the_stored_ones(
    call: Call, tokens: dict[str, str], period: MonitoringPeriod
) -> None:
    values = call("GET", f"/api/v1/monitoring-periods/{period.pk}/schools/S2/values", tokens["M"]).json()
    got = [(v["indicator"], v["subitem"], v["bool_value"], v["origin"]) for v in values]
    assert ("3.8", "kmc", False, "form") in got
    # the answers the records decide (1.1, 1.3, 4.1, 5.4 …) come as the dashboard reads them, with their origin
    assert ("5.4", "", False, "system") in got and {o for *_, o in got} == {"form", "system"}
    assert (
        call("GET", f"/api/v1/monitoring-periods/{period.pk}/schools/S3/values", tokens["M"]).status_code
        == 404
    )


def test_only_published_documents_are_listed_with_their_public_address(
    call: Call, tokens: dict[str, str], world: dict[str, Any]
) -> None:
    published = public.create_document(
        world["M"],
        None,
        section=Section.PROGRAMS,
        title="Муниципальная программа",
        url="https://uo.example.ru/program.pdf",
        document_date=datetime.date(2023, 9, 1),
        by=None,
    )
    public.publish(published, by=None)
    public.create_document(
        world["M"],
        world["S1"],
        section=Section.REPORTS,
        title="Черновик школы",
        url="https://s1.example.ru/x",
        by=None,
    )
    body = call("GET", "/api/v1/municipalities/m/documents", tokens["M"]).json()
    assert body["count"] == 1
    doc = body["items"][0]
    assert (doc["title"], doc["section"], doc["section_label"], doc["document_date"], doc["format"]) == (
        "Муниципальная программа",
        "programs",
        "Программы",
        "2023-09-01",
        "ссылка",
    )
    assert doc["url"] == f"http://testserver/p/m/d/{published.pk}/"
