"""The regional dashboard: municipalities side by side, sorting, bar chart, Excel, constant number of queries."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from portal.identification.models import IdentificationRun, SchoolOutcome
from portal.monitoring.models import IndicatorSet, MonitoringPeriod, SchoolSubmission
from portal.overview import region_dashboard
from portal.roadmap.models import RoadmapEntry, RoadmapItem
from portal.schools.models import Municipality, Region, School

DAY = datetime.date(2024, 6, 1)


def _run(
    municipality: Municipality,
    schools: list[School],
    categories: list[list[str]],
    index: list[float],
    *,
    year: int = 2023,
    status: str = "published",
) -> IdentificationRun:
    run = IdentificationRun.objects.create(
        municipality=municipality,
        year=year,
        status=status,
        config={},
        data_version="0" * 64,
        fit_description="т",
    )
    SchoolOutcome.objects.bulk_create(
        SchoolOutcome(run=run, school=s, categories=c, results_index=i)
        for s, c, i in zip(schools, categories, index, strict=True)
    )
    return run


def build(code: str, n: int) -> Region:
    """A region of ``n`` municipalities, each with 4 schools, a published run, an open period and a roadmap.

    Municipality k (0-based): ШНОР = school 0, plus school 1 when k is odd; ШНСУ = school 0; at risk = school 2;
    results index of the schools: −1, 0, 1, 2 + k (mean (2 + k)/4); forms: k % 4 + 1 of 4 sent; overdue: 1 + k.
    """
    region = Region.objects.create(code=code, name=f"Регион {code}")
    indicator_set, _ = IndicatorSet.objects.get_or_create(
        code="test-set", defaults={"title": "т", "source": "т", "yaml_text": "", "sha256": "0"}
    )
    for k in range(n):
        m = Municipality.objects.create(region=region, code=f"{code}{k}", name=f"Округ {code} {k:02d}")
        schools = [
            School.objects.create(
                municipality=m, code=f"{code}{k}-{i}", name=f"Ш{i}", short_name=f"СОШ № {i}", kind="sosh"
            )
            for i in range(4)
        ]
        low = [["low_results", "adverse_context"], ["low_results"] if k % 2 else [], ["at_risk"], []]
        _run(m, schools, [[], [], [], []], [0, 0, 0, 0], year=2022)  # an older published run: not used
        _run(m, schools, low, [-1.0, 0.0, 1.0, 2.0 + k])
        _run(m, schools, [["low_results"]] * 4, [5, 5, 5, 5], year=2024, status="finished")  # not published
        period = MonitoringPeriod.objects.create(municipality=m, indicator_set=indicator_set, year=2024)
        MonitoringPeriod.objects.create(
            municipality=m, indicator_set=indicator_set, year=2023, status="closed"
        )
        sent = k % 4 + 1
        SchoolSubmission.objects.bulk_create(
            SchoolSubmission(
                period=period,
                school=s,
                status="accepted" if i == 0 and sent else ("submitted" if i < sent else "draft"),
            )
            for i, s in enumerate(schools)
        )
        for j in range(1 + k):
            item = RoadmapItem.objects.create(
                municipality=m, source="t", code=f"o{j}", direction=1, measure="м"
            )
            RoadmapEntry.objects.create(item=item, year=2024, due_dates=["2024-05-31"], status="in_progress")
        done = RoadmapItem.objects.create(municipality=m, source="t", code="d", direction=1, measure="м")
        RoadmapEntry.objects.create(item=done, year=2024, due_dates=["2024-05-31"], status="done")
        future = RoadmapItem.objects.create(municipality=m, source="t", code="f", direction=1, measure="м")
        RoadmapEntry.objects.create(item=future, year=2024, due_dates=["2024-12-31"], status="planned")
        gone = RoadmapItem.objects.create(
            municipality=m, source="t", code="g", direction=1, measure="м", is_active=False
        )
        RoadmapEntry.objects.create(item=gone, year=2024, due_dates=["2024-01-31"], status="planned")
    return region


@pytest.fixture
def region(db: Any) -> Region:
    return build("a", 3)


def test_each_municipality_row_has_its_own_numbers(region: Region) -> None:
    rows = region_dashboard.comparison(region, day=DAY)
    assert [r.municipality.name for r in rows] == ["Округ a 00", "Округ a 01", "Округ a 02"]
    for k, r in enumerate(rows):
        assert r.schools == 4 and r.identified == 4 and r.run_year == 2023
        assert r.low_results == (2 if k % 2 else 1) and r.adverse_context == 1 and r.at_risk == 1
        assert r.low_results_share == pytest.approx(r.low_results / 4)
        assert r.mean_index == pytest.approx((-1 + 0 + 1 + 2 + k) / 4)  # hand: mean of −1, 0, 1, 2 + k
        assert (r.forms, r.submitted) == (4, k % 4 + 1)  # «принята» counts as sent
        assert r.period_year == 2024  # the open period, not the closed 2023 one
        assert r.overdue == 1 + k  # done, future and retired items are not overdue


def test_a_municipality_without_data_shows_empty_cells(
    client: Client, region: Region, django_user_model: Any
) -> None:
    Municipality.objects.create(region=region, code="empty", name="Округ пустой")
    row = next(r for r in region_dashboard.comparison(region, day=DAY) if r.municipality.code == "empty")
    assert (row.schools, row.run_pk, row.period_pk, row.overdue, row.mean_index) == (0, None, None, 0, None)
    assert row.low_results_share is None and row.submitted_share is None
    client.force_login(django_user_model.objects.create_superuser("root", password="x-test-password-1"))
    html = client.get(reverse("schools:region", args=[region.pk])).content.decode()
    assert "нет опубликованной идентификации" in html and "нет открытого периода" in html


def test_the_rows_sort_by_any_column_both_ways(region: Region) -> None:
    rows = region_dashboard.comparison(region, day=DAY)
    by_overdue, key, desc = region_dashboard.sort_rows(rows, "-overdue")
    assert (key, desc) == ("overdue", True)
    assert [r.overdue for r in by_overdue] == [3, 2, 1]
    by_low, _, _ = region_dashboard.sort_rows(rows, "low_results_share")
    assert [r.low_results for r in by_low] == [1, 1, 2]
    # ties (25 % in 00 and 02) keep the names ascending, also when the column is sorted descending
    by_share, _, _ = region_dashboard.sort_rows(rows, "-low_results_share")
    assert [r.municipality.name for r in by_share] == ["Округ a 01", "Округ a 00", "Округ a 02"]
    fallback, key, _ = region_dashboard.sort_rows(rows, "nonsense")
    assert key == "name" and fallback[0].municipality.name == "Округ a 00"


def test_the_page_sorts_on_the_server_and_draws_the_chart(
    client: Client, region: Region, django_user_model: Any
) -> None:
    client.force_login(django_user_model.objects.create_superuser("root", password="x-test-password-1"))
    url = reverse("schools:region", args=[region.pk])
    html = client.get(url, {"sort": "-mean_index", "chart": "overdue"}).content.decode()
    assert html.index("Округ a 02") < html.index("Округ a 01") < html.index("Округ a 00")
    assert '<svg class="chart chart--bars"' in html and "Просроченные пункты дорожных карт" in html
    assert "<script" not in html.split("</head>")[1]  # no inline script (CSP)


def test_the_excel_export_has_one_row_per_municipality(
    client: Client, region: Region, django_user_model: Any
) -> None:
    client.force_login(django_user_model.objects.create_superuser("root", password="x-test-password-1"))
    response = client.get(reverse("schools:region_export", args=[region.pk]), {"sort": "-overdue"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content))["Муниципалитеты"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, [c.value for c in row], strict=True)) for row in ws.iter_rows(min_row=2)]
    assert [r["Муниципалитет"] for r in rows] == ["Округ a 02", "Округ a 01", "Округ a 00"]
    assert rows[1]["ШНОР"] == 2 and rows[1]["Доля ШНОР"] == pytest.approx(0.5)
    assert rows[0]["Школ"] == 4 and rows[0]["Год идентификации (опубликованной)"] == 2023


def _count(client: Client, region: Region) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("schools:region", args=[region.pk])).status_code == 200
    return len(ctx.captured_queries)


def test_the_number_of_queries_does_not_depend_on_the_municipalities(
    client: Client, db: Any, django_user_model: Any
) -> None:
    small, large = build("s", 2), build("l", 5)
    user = django_user_model.objects.create_user("rv", password="x-test-password-1")
    from portal.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=user, role="region_viewer", region=small)
    RoleAssignment.objects.create(user=user, role="region_viewer", region=large)
    client.force_login(user)
    assert _count(client, small) == _count(client, large)


def test_an_empty_region_says_so(client: Client, db: Any, django_user_model: Any) -> None:
    region = Region.objects.create(code="e", name="Пустой регион")
    client.force_login(django_user_model.objects.create_superuser("root", password="x-test-password-1"))
    html = client.get(reverse("schools:region", args=[region.pk])).content.decode()
    assert "В регионе пока нет муниципалитетов." in html
