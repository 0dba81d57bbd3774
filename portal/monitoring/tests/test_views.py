"""Pages: the dashboard (values, targets, status, derivation, filters, bounded queries), the school form, exports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from portal.monitoring import services
from portal.monitoring.models import IndicatorSet, MonitoringPeriod, SchoolSubmission
from portal.monitoring.tests.conftest import slot, submission
from portal.schools.models import School


def test_the_dashboard_shows_value_target_status_and_derivation(
    client: Client, period: MonitoringPeriod, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    for school, answer in (("S1", True), ("S2", False)):
        sub = submission(period, world[school])
        services.save_school_values(
            sub, {"3.8|kmc": {"bool_value": answer}}, [slot(period, "3.8", "kmc")], by=None
        )
        services.submit(sub, by=None)
    client.force_login(user_with_role("coordinator", "M"))
    page = client.get(reverse("monitoring:period", args=[period.pk])).content.decode()
    row = page[page.index('id="row-38-kmc"') :]
    row = row[: row.index("</tr>")]
    # 1 of 2 target schools «да» = 50 %; target 2024 «не менее 50% ШНРО» (002, стр. 362-364) counts ШНРО only:
    # S1 → 100 % → met, shown beside the value with its base
    assert (
        "50 %" in row and "не менее 50 % — ШНРО (Приложение 1 к приказу № 41)" in row and "достигнуто" in row
    )
    assert "по базе «ШНРО»: 100 %" in row
    assert "Доля целевых школ с ответом «да»: 1 из 2 = 50 %" in row
    # the direction filter leaves only direction 5
    page = client.get(reverse("monitoring:period", args=[period.pk]), {"direction": "5"}).content.decode()
    assert 'id="row-51"' in page and 'id="row-38-kmc"' not in page
    # htmx asks for the table only
    partial = client.get(
        reverse("monitoring:period", args=[period.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in partial and 'id="row-38-kmc"' in partial


def test_the_dashboard_needs_a_bounded_number_of_queries(
    client: Client,
    period: MonitoringPeriod,
    world: dict[str, Any],
    user_with_role: Callable[..., Any],
    django_assert_max_num_queries: Any,
    sets: dict[str, IndicatorSet],
) -> None:
    from django.core.cache import cache

    client.force_login(user_with_role("coordinator", "M"))
    url = reverse("monitoring:period", args=[period.pk])
    client.get(url)
    cache.clear()
    with django_assert_max_num_queries(20) as cold:
        client.get(url)
    with django_assert_max_num_queries(len(cold.captured_queries) - 4):  # warm: derived values are cached
        client.get(url)
    # 40 more schools, with values, and an earlier closed year: the count must not grow.
    earlier = services.open_period(world["M"], sets["order_2023_41"], 2023, by=None)
    schools = [
        School.objects.create(
            municipality=world["M"], code=f"X{i}", name=f"Школа {i}", short_name=f"№ {i}", kind="sosh"
        )
        for i in range(40)
    ]
    services.set_target_schools(period, shnor=[s.pk for s in schools], at_risk=[], by=None)
    for school in schools[:10]:
        sub = SchoolSubmission.objects.create(period=period, school=school)
        services.save_school_values(sub, {"4.2|": {"bool_value": True}}, [slot(period, "4.2")], by=None)
        services.submit(sub, by=None)
    services.close_period(earlier, by=None)
    # every write above bumped the revision: this request recomputes (cold) and must not need more queries
    with django_assert_max_num_queries(len(cold.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    # the new values are seen at once (no stale cache): 4.2 — the 10 schools with data all answered «да» → 100 %
    page = response.content.decode()
    row = page[page.index('id="row-42"') :]
    assert "100 %" in row[: row.index("</tr>")]


def test_the_school_form_is_generated_from_the_catalogue(
    client: Client, period: MonitoringPeriod, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("school_team", "S1"))
    url = reverse("monitoring:school_form", args=[period.pk, world["S1"].pk])
    page = client.get(url).content.decode()
    assert "Направление 3. Методическое сопровождение" in page
    # the school's wording from the source is the help text
    assert (
        "Наличие в школе деятельности по ликвидации выявленных профессиональных дефицитов педагогов" in page
    )
    assert 'name="v_3_8__kmc_bool"' in page
    assert 'name="v_7_1__math_bool"' not in page  # dynamics are computed, never typed
    # 1.3 and «Конструктор» are decided by the records: shown read-only with their source, never an input
    assert 'name="v_1_3_bool"' not in page and 'name="v_3_8__constructor_bool"' not in page
    computed = page[page.index('id="computed-13"') :]
    assert "из записей системы" in computed[:2000] and "Конструктор ШППКО" in computed[:2000]
    response = client.post(
        url, {"totals-staff_total": "40", "v_3_4_bool": "yes", "v_3_1_numerator": "10", "submit": "1"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Показатель 3.4: при ответе «да» нужна ссылка на документ." in page
    assert submission(period, world["S1"]).status == SchoolSubmission.Status.DRAFT
    response = client.post(
        url,
        {
            "totals-staff_total": "40",
            "v_3_4_bool": "yes",
            "v_3_4_links": "https://s1.example.ru/deficits.pdf",
            "v_3_1_numerator": "10",
            "submit": "1",
            "loaded_state": _loaded_state(page),
        },
    )
    assert response.status_code == 302
    assert submission(period, world["S1"]).status == SchoolSubmission.Status.SUBMITTED
    card = client.get(response["Location"]).content.decode()
    assert "10 чел. (25 %)" in card  # 10 of 40 = 25 %


def _loaded_state(page: str) -> str:
    """The stale-save snapshot a rendered form carries."""
    start = page.index('name="loaded_state" value="') + len('name="loaded_state" value="')
    return page[start : page.index('"', start)]


def test_opening_a_period_from_the_page(
    client: Client, world: dict[str, Any], sets: dict[str, IndicatorSet], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("coordinator", "M"))
    url = reverse("monitoring:periods", args=[world["M"].pk])
    assert "Периодов мониторинга пока нет" in client.get(url).content.decode()
    response = client.post(
        url, {"indicator_set": sets["order_2023_41"].pk, "year": "2025", "deadline": "15.12.2025"}
    )
    period = MonitoringPeriod.objects.get(year=2025)
    assert response["Location"] == period.get_absolute_url()
    assert period.deadline.isoformat() == "2025-12-15"
    client.force_login(user_with_role("region_viewer", "R"))
    assert client.post(url, {"indicator_set": sets["order_2023_41"].pk, "year": "2026"}).status_code == 404


@pytest.mark.parametrize("role", ["coordinator", "region_viewer"])
def test_the_dashboard_exports_to_excel(
    client: Client, period: MonitoringPeriod, user_with_role: Callable[..., Any], role: str
) -> None:
    import io

    from openpyxl import load_workbook

    client.force_login(user_with_role(role, "M" if role == "coordinator" else "R"))
    response = client.get(reverse("monitoring:period", args=[period.pk]), {"format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content))["Показатели"]
    header = [c.value for c in ws[2]]
    assert header[:9] == [
        "Направление",
        "№",
        "Показатель",
        "Подпункт",
        "Расчёт",
        "Значение",
        "Интервал",
        "Цель 2024",
        "Статус",
    ]
    codes = [ws.cell(row=r, column=2).value for r in range(3, ws.max_row + 1)]
    assert codes[0] == "1.1" and "7.7" in codes


def test_the_sparkline_is_drawn_with_svg_numbers() -> None:
    from portal.monitoring.derive import sparkline

    spark = sparkline([(2023, 33.3), (2024, None), (2025, 50.0)])
    # 3 years over 96 px: x = 4, 48, 92; y = 24 − 3 − 18·v/100 → 15.0 for 33.3 %, 12.0 for 50 %
    assert spark["points"] == "4.0,15.0 92.0,12.0"
    assert spark["dots"] == [("4.0", "15.0"), ("92.0", "12.0")]  # text, never a decimal comma
    assert spark["title"] == "2023: 33,3; 2024: нет данных; 2025: 50"
    assert sparkline([(2024, 10.0)])["points"] == ""  # one year: no line


def test_the_school_form_shows_its_risk_factor_flags_read_only(
    client: Client, period: MonitoringPeriod, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    from portal.results.models import ImportBatch, RiskInput

    batch = ImportBatch.objects.create(
        municipality=world["M"], kind="risk", filename="risk.xlsx", sha256="2" * 64, status="imported"
    )
    RiskInput.objects.create(school=world["S1"], batch=batch, year=2024, internet_mbps=20.0)
    services.refresh_computed(period, by=None)
    client.force_login(user_with_role("school_team", "S1"))
    page = client.get(reverse("monitoring:school_form", args=[period.pk, world["S1"].pk])).content.decode()
    section = page[page.index("Рассчитано, а не введено") :]
    # 20 Мбит/с < 50 (SEED-B 002:95-107) → the factor holds; no input field for it
    assert "Низкий уровень Интернета: 20 (порог: менее 50 Мбит/с) — фактор выявлен." in section
    assert "internet_slow_bool" not in page
