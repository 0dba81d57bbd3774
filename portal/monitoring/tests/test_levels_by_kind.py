"""The school form does not ask an ООШ about СОО (issue 17): the levels of 7.7 (ООП НОО, ООО, СОО) follow the
school's kind (opora.indicator_types.levels_of_kind, read through School.education_levels)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse

from portal.monitoring.models import MonitoringPeriod
from portal.schools.models import School


def test_levels_by_school_kind() -> None:
    assert School(kind="oosh").education_levels == ("noo", "ooo")
    assert School(kind="sosh").education_levels == ("noo", "ooo", "soo")
    assert School(kind="evening").education_levels == ("ooo", "soo")
    assert School(kind="other").education_levels == ("noo", "ooo", "soo")


def _form(client: Client, period: MonitoringPeriod, school: School) -> str:
    response = client.get(reverse("monitoring:school_form", args=[period.pk, school.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_form_asks_an_oosh_about_noo_and_ooo_only(
    client: Client, period: MonitoringPeriod, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    # S2 is an ООШ and a target school of the period (at risk); S1 is a СОШ (ШНОР).
    client.force_login(user_with_role("school_team", "S2"))
    oosh = _form(client, period, world["S2"])
    assert 'id="slot-77-noo"' in oosh and 'id="slot-77-ooo"' in oosh
    assert 'id="slot-77-soo"' not in oosh and "· ООП СОО" not in oosh
    card = client.get(reverse("monitoring:school", args=[period.pk, world["S2"].pk])).content.decode()
    assert 'class="mon-sub">ООП ООО<' in card and 'class="mon-sub">ООП СОО<' not in card
    client.force_login(user_with_role("school_team", "S1"))
    assert 'id="slot-77-soo"' in _form(client, period, world["S1"])
