"""Edit forms refuse stale saves (issue #19 item 2), targets on the seeds' base and the coordinator's targets page,
closing with the impact listed first (issue #17)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from portal.monitoring import derive, services, targets
from portal.monitoring.models import IndicatorValue, MonitoringPeriod, MunicipalTarget, SchoolSubmission
from portal.monitoring.tests.conftest import slot, submission


def _loaded_state(page: str) -> str:
    marker = 'name="loaded_state" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def test_a_save_from_a_form_loaded_earlier_is_refused_with_the_changes_and_comes_back_filled(
    period: MonitoringPeriod, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    """Two coordinators open S1's form; A saves 2.2, then B saves 4.2 from the form loaded before A's save: B is
    refused (A's 2.2 is not reverted), B sees what A changed, and B's 4.2 is still in the form."""
    a, b = Client(), Client()
    a.force_login(user_with_role("coordinator", "M"))
    b.force_login(user_with_role("region_coordinator", "R"))
    url = reverse("monitoring:school_form", args=[period.pk, world["S1"].pk])
    form_a, form_b = a.get(url).content.decode(), b.get(url).content.decode()
    response = a.post(
        url,
        {"totals-staff_total": "40", "v_2_2_bool": "yes", "save": "1", "loaded_state": _loaded_state(form_a)},
    )
    assert response.status_code == 302
    response = b.post(
        url,
        {"totals-staff_total": "40", "v_4_2_bool": "yes", "save": "1", "loaded_state": _loaded_state(form_b)},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert (
        "Пока форма была открыта, эти данные изменил другой пользователь, поэтому ничего не сохранено" in page
    )
    assert "Показатель 2.2: было «пусто», теперь «да»" in page
    assert "Численность педагогических и руководящих работников: было «пусто», теперь «40»" in page
    assert 'name="v_4_2_bool" value="yes" id="id_v_4_2_bool_1" checked' in page  # B's answer is in the form
    values = {
        v.indicator.code: v.bool_value
        for v in IndicatorValue.objects.filter(period=period, school=world["S1"])
    }
    assert values == {"2.2": True}  # A's save stands, B's wrote nothing
    # B reads the list and saves again with the fresh snapshot: both answers are kept
    response = b.post(
        url,
        {
            "totals-staff_total": "40",
            "v_2_2_bool": "yes",
            "v_4_2_bool": "yes",
            "save": "1",
            "loaded_state": _loaded_state(page),
        },
    )
    assert response.status_code == 302
    values = {
        v.indicator.code: v.bool_value
        for v in IndicatorValue.objects.filter(period=period, school=world["S1"])
    }
    assert values == {"2.2": True, "4.2": True}


def test_the_municipal_form_and_the_target_schools_refuse_stale_saves(
    client: Client, period: MonitoringPeriod, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("coordinator", "M"))
    url = reverse("monitoring:municipal_form", args=[period.pk])
    loaded = _loaded_state(client.get(url).content.decode())
    services.save_municipal_values(
        period, {"6.4|": {"bool_value": True}}, [slot(period, "6.4", "", "municipal")], by=None
    )
    response = client.post(url, {"v_6_4_bool": "no", "loaded_state": loaded})
    assert (
        response.status_code == 409
        and "Показатель 6.4: было «пусто», теперь «да»" in response.content.decode()
    )
    assert IndicatorValue.objects.get(indicator__code="6.4", school=None).bool_value is True
    url = reverse("monitoring:targets", args=[period.pk])
    loaded = _loaded_state(client.get(url).content.decode())
    services.set_target_schools(period, shnor=[world["S1"].pk, world["S2"].pk], at_risk=[], by=None)
    response = client.post(url, {"action": "manual", "shnor": [world["S1"].pk], "loaded_state": loaded})
    assert response.status_code == 409
    assert "ООШ № 2: было «зона риска», теперь «ШНОР»" in response.content.decode()
    assert sorted(period.target_schools.values_list("school_id", flat=True)) == sorted(
        [world["S1"].pk, world["S2"].pk]
    )


def test_the_coordinator_sets_targets_the_documents_do_not_give(
    client: Client, period: MonitoringPeriod, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("coordinator", "M"))
    url = reverse("monitoring:goals", args=[period.pk])
    page = client.get(url).content.decode()
    # the seeds' targets are shown read-only with their source and base
    assert "не менее 50 %</strong> — ШНРО" in page and "002, стр. 362-364" in page
    assert 'name="g_3_8__kmc_value"' not in page and 'name="g_3_1_value"' in page
    rows = targets.goal_rows(period)
    settable = [r for r in rows if r.settable]
    assert len(settable) + sum(1 for r in rows if r.catalogue) + sum(
        1 for r in rows if not r.catalogue and not r.settable
    ) == len(rows)
    response = client.post(
        url,
        {
            "g_3_1_op": ">=",
            "g_3_1_value": "40,5",
            "g_3_1_base": "shnor",
            "g_3_1_note": "решение совета",
            "g_1_2_value": "yes",
            "loaded_state": _loaded_state(page),
        },
    )
    assert response.status_code == 302
    own = {t.indicator.code: t for t in MunicipalTarget.objects.select_related("indicator")}
    assert (own["3.1"].op, own["3.1"].value, own["3.1"].base) == (">=", 40.5, "shnor")
    assert own["1.2"].bool_value is True
    data = derive.load(MonitoringPeriod.objects.get(pk=period.pk))
    row = derive.derive_row(data, period.indicator_set.indicators.get(code="3.1"), "")
    (check,) = row.checks
    assert check.target_text == "не менее 40,5 % — ШНРО (цель координатора)" and check.base == "shnor"
    # a value out of range is refused naming the indicator; nothing changes
    page = client.get(url).content.decode()
    response = client.post(url, {"g_3_1_value": "140", "loaded_state": _loaded_state(page)})
    assert "Показатель 3.1: процент — от 0 до 100." in response.content.decode()
    assert MunicipalTarget.objects.get(indicator__code="3.1").value == 40.5
    # a stale save is refused
    response = client.post(url, {"g_3_1_value": "", "loaded_state": _loaded_state(page)})
    assert response.status_code == 302  # (the page was loaded after the last save: not stale)
    assert not MunicipalTarget.objects.filter(indicator__code="3.1").exists()
    response = client.post(url, {"g_3_1_value": "10", "loaded_state": _loaded_state(page)})
    assert response.status_code == 409


def test_targets_are_checked_on_their_base_and_both_documents_are_shown(
    period: MonitoringPeriod, world: dict[str, Any]
) -> None:
    # S1 (ШНОР) got a десант, S2 (at risk) did not: 50 % of the indicator's schools, 100 % of ШНРО
    for school, answer in (("S1", True), ("S2", False)):
        sub = submission(period, world[school])
        services.save_school_values(
            sub,
            {"3.8|support_visits": {"bool_value": answer}},
            [slot(period, "3.8", "support_visits")],
            by=None,
        )
        services.submit(sub, by=None)
    data = derive.load(period)
    row = derive.derive_row(data, period.indicator_set.indicators.get(code="3.8"), "support_visits")
    assert row.value == pytest.approx(50.0)
    appendix, roadmap = row.checks
    # 2024: Приложение 1 «не менее 75% школ» (002:384) on the indicator's schools → 50 % → not met;
    # the roadmap «не менее чем в 75% ШНРО» (002:2475-2477) on ШНРО → 100 % → met
    assert (appendix.document, appendix.base, appendix.value, appendix.status) == (
        "Приложение 1 к приказу № 41",
        "program_schools",
        pytest.approx(50.0),
        "not_met",
    )
    assert (roadmap.document, roadmap.base, roadmap.value, roadmap.status) == (
        "Дорожная карта 2023–2025",
        "shnor",
        pytest.approx(100.0),
        "met",
    )
    assert row.status == "not_met"  # one of the two is not met
    assert (
        row.target_display
        == "не менее 75 % (Приложение 1 к приказу № 41); не менее 75 % — ШНРО (Дорожная карта 2023–2025)"
    )


def test_mentoring_in_100_percent_of_shnro_is_checked_on_schools_not_teachers(
    period: MonitoringPeriod, world: dict[str, Any]
) -> None:
    sub = submission(period, world["S1"])
    services.save_school_values(
        sub, {"3.6|mentoring": {"numerator": 1}}, [slot(period, "3.6", "mentoring")], by=None, staff_total=40
    )
    services.submit(sub, by=None)
    row = derive.derive_row(derive.load(period), period.indicator_set.indicators.get(code="3.6"), "mentoring")
    assert row.value == pytest.approx(2.5)  # 1 teacher of 40: the teacher share
    (check,) = row.checks  # 002:2480-2484 «практики наставничества не менее чем в 100% ШНРО»
    assert (check.base, check.value, check.status) == (
        "shnor",
        pytest.approx(100.0),
        "met",
    )  # S1: 1 of 1 ШНРО


def test_closing_lists_the_forms_not_counted_and_asks(
    client: Client, period: MonitoringPeriod, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    services.submit(submission(period, world["S1"]), by=None)
    client.force_login(user_with_role("coordinator", "M"))
    url = reverse("monitoring:close", args=[period.pk])
    page = client.get(url).content.decode()
    assert "Закрыть период мониторинга 2024 г.?" in page
    assert (
        "Не отправлены и не войдут в муниципальные значения — 1 анкета:" in page
        and "ООШ № 2 — черновик" in page
    )
    assert "Отправлены, но не проверены — 1 анкета (войдут как есть):" in page and "СОШ № 1" in page
    assert "Часть школ не отправила анкеты" in page
    assert MonitoringPeriod.objects.get(pk=period.pk).is_open
    client.post(url, {"confirmed": "1"})
    assert not MonitoringPeriod.objects.get(pk=period.pk).is_open
    assert SchoolSubmission.objects.filter(period=period, status="draft").count() == 1
