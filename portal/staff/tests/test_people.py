"""Teachers' names and records: lists sort naturally, the teacher form refuses stale saves (issue 19, item 2),
and the region viewer sees practice authors only where the practice is marked public and no other teacher names
(issue 19, item 6). The tests fail on the code before these changes."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse

from portal.staff.models import BestPractice, SupportVisit, Teacher

TEACHER_FORM = {"name": "Педагог А", "subjects": "", "category": "highest", "is_leadership": "on"}


def test_the_school_list_sorts_teachers_naturally(
    client: Client, staff: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    for name in ("Педагог 10", "Педагог 2", "Педагог 1"):
        Teacher.objects.create(school=staff["S1"], name=name)
    client.force_login(user_with_role("school_team", "S1"))
    page = client.get(reverse("staff:school", args=[staff["S1"].pk])).content.decode()
    order = [page.index(n + "<") for n in ("Педагог 1", "Педагог 2", "Педагог 10")]
    assert order == sorted(order)  # «Педагог 2» before «Педагог 10»


def test_a_stale_teacher_form_is_refused_and_keeps_what_was_typed(
    staff: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    url = reverse("staff:teacher_edit", args=[staff["T1"].pk])
    first, second = Client(), Client()
    first.force_login(user_with_role("school_team", "S1"))
    second.force_login(user_with_role("school_team", "S1"))
    token = {
        c: re.search(r'name="loaded_state" value="([^"]+)"', c.get(url).content.decode())
        for c in (first, second)
    }
    assert all(token.values())
    saved = first.post(url, {**TEACHER_FORM, "subjects": "математика", "loaded_state": token[first].group(1)})  # type: ignore[union-attr]
    assert saved.status_code == 302
    refused = second.post(
        url,
        {**TEACHER_FORM, "subjects": "физика", "loaded_state": token[second].group(1)},  # type: ignore[union-attr]
    )
    page = refused.content.decode()
    assert refused.status_code == 200
    assert "предметы: было «пусто», теперь «математика»" in page
    assert 'value="физика"' in page
    staff["T1"].refresh_from_db()
    assert staff["T1"].subjects == "математика"


def test_the_region_viewer_sees_authors_only_of_practices_marked_public(
    client: Client, staff: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    BestPractice.objects.create(
        school=staff["S1"], title="Открытая", authors="Иванова Мария Сергеевна", description="Д",
        status=BestPractice.Status.PUBLISHED, authors_public=True,
    )  # fmt: skip
    BestPractice.objects.create(
        school=staff["S1"], title="Закрытая", authors="Петрова Ольга Игоревна", description="Д",
        status=BestPractice.Status.PUBLISHED,
    )  # fmt: skip
    url = reverse("staff:practices", args=[staff["M"].pk])
    client.force_login(user_with_role("region_viewer", "R"))
    page = client.get(url).content.decode()
    assert "Закрытая" in page and "Открытая" in page
    assert "Иванова Мария Сергеевна" in page
    assert "Петрова Ольга Игоревна" not in page and "имена не открыты для показа" in page
    client.force_login(user_with_role("method_centre", "M"))
    assert "Петрова Ольга Игоревна" in client.get(url).content.decode()  # the municipality's roles see them


def test_no_page_of_the_region_viewer_names_a_teacher(
    client: Client, staff: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    SupportVisit.objects.create(
        school=staff["S1"], date=datetime.date(2024, 11, 1), kind="methodical_visit",
        team="Сидорова Анна Петровна, методист",
    )  # fmt: skip
    BestPractice.objects.create(
        school=staff["S1"], title="Практика", authors="Педагог А", description="Д",
        status=BestPractice.Status.PUBLISHED,
    )  # fmt: skip
    names = set(Teacher.objects.values_list("name", flat=True)) | {"Сидорова Анна Петровна"}
    m = staff["M"].pk
    pages = [
        reverse("staff:municipal", args=[m]),
        reverse("staff:municipal_indicator", args=[m, "3.1"]),
        reverse("staff:support", args=[m]),
        reverse("staff:partnerships", args=[m]),
        reverse("staff:practices", args=[m]),
        reverse("schools:municipality", args=[m]),
        reverse("schools:school", args=[staff["S1"].pk]),
    ]
    client.force_login(user_with_role("region_viewer", "R"))
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode()
        assert not [n for n in names if n in text], url
