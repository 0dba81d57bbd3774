"""The Конструктор's step forms and the risk-profile form refuse stale saves (issue 19, item 2): a save from a
form loaded before someone else's save is refused with the changes listed, nothing is written, what was typed
stays in the form; a second save from the refreshed form goes through. Each test fails on the code before."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse

from portal.programs import risk
from portal.programs.models import Program, RiskLevel


def _token(html: str) -> str:
    found = re.search(r'name="loaded_state" value="([^"]+)"', html)
    assert found, "the form carries the snapshot it was loaded with"
    return found.group(1)


def _measure_post(program: Program, token: str, **changes: dict[str, str]) -> dict[str, str]:
    data = {"loaded_state": token}
    for m in program.measures.all():
        data[f"m{m.pk}-title"] = m.title
        data[f"m{m.pk}-responsible"] = m.responsible
        data[f"m{m.pk}-start"] = m.start.isoformat() if m.start else ""
        data[f"m{m.pk}-end"] = m.end.isoformat() if m.end else ""
        for key, value in changes.get(str(m.pk), {}).items():
            data[f"m{m.pk}-{key}"] = value
    return data


def test_two_teams_members_edit_the_measures(program: Program, user_with_role: Callable[..., Any]) -> None:
    url = reverse("programs:step", args=[program.pk, 3])
    director, deputy = Client(), Client()
    director.force_login(user_with_role("school_team", "S1"))
    deputy.force_login(user_with_role("school_team", "S1"))
    token_a, token_b = _token(director.get(url).content.decode()), _token(deputy.get(url).content.decode())
    first = program.measures.first()
    assert first is not None
    saved = director.post(
        url, _measure_post(program, token_a, **{str(first.pk): {"responsible": "директор школы"}})
    )
    assert saved.status_code == 302
    refused = deputy.post(
        url,
        _measure_post(program, token_b, **{str(first.pk): {"responsible": "заместитель директора по УВР"}}),
    )
    page = refused.content.decode()
    assert refused.status_code == 200 and "изменил другой пользователь" in page
    assert "— ответственный: было «" in page and "теперь «директор школы»" in page
    assert "заместитель директора по УВР</textarea>" in page  # the typed value is still in the form
    first.refresh_from_db()
    assert first.responsible == "директор школы"
    again = deputy.post(
        url,
        _measure_post(
            program, _token(page), **{str(first.pk): {"responsible": "заместитель директора по УВР"}}
        ),
    )
    assert again.status_code == 302
    first.refresh_from_db()
    assert first.responsible == "заместитель директора по УВР"


def test_goals_and_priorities_refuse_a_stale_save(
    program: Program, user_with_role: Callable[..., Any]
) -> None:
    client = Client()
    client.force_login(user_with_role("school_team", "S1"))
    goals_url = reverse("programs:step", args=[program.pk, 4])
    token = _token(client.get(goals_url).content.decode())
    from portal.programs import services

    services.update_goals(program, {}, by=None, director="Петрова А. А., директор")  # someone else saves
    data = {"loaded_state": token, "note-director": "", "director": "Иванова И. И.", "analysis_note": ""}
    for g in program.goals.all():
        for name in ("text", "tasks", "indicator", "unit"):
            data[f"g{g.pk}-{name}"] = getattr(g, name)
        data[f"g{g.pk}-baseline"] = "" if g.baseline is None else str(g.baseline).replace(".", ",")
        data[f"g{g.pk}-target"] = "" if g.target is None else str(g.target).replace(".", ",")
    page = client.post(goals_url, data).content.decode()
    assert "руководитель программы: было «пусто», теперь «Петрова А. А., директор»" in page
    program.refresh_from_db()
    assert program.director == "Петрова А. А., директор"

    priorities_url = reverse("programs:step", args=[program.pk, 2])
    token = _token(client.get(priorities_url).content.decode())
    services.set_priorities(program, ["low_equipment"], by=None)
    page = client.post(priorities_url, {"loaded_state": token, "priorities": ["low_parent_involvement"]})
    assert "приоритетные риски: было «" in page.content.decode()
    program.refresh_from_db()
    assert program.priorities == ["low_equipment"]


def test_the_risk_profile_refuses_a_stale_save(
    s1_data: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    school = s1_data["S1"]
    url = reverse("programs:risk_profile", args=[school.pk, 2023])
    client = Client()
    client.force_login(user_with_role("school_team", "S1"))
    page = client.get(url).content.decode()
    token = _token(page)
    # A colleague lowers «вовлечённость родителей» meanwhile.
    risk.set_levels(school, 2023, {"low_parent_involvement": ("medium", "")}, by=None)
    data = {"loaded_state": token}
    for lv in RiskLevel.objects.filter(profile__school=school).select_related("factor"):
        data[f"{lv.factor.code}-level"] = lv.level
        data[f"{lv.factor.code}-comment"] = lv.comment
    data["low_parent_involvement-level"] = "high"  # the form still shows «высокий»
    data["high_special_needs_share-level"] = "medium"  # what this user changes
    refused = client.post(url, data).content.decode()
    assert "«Низкий уровень вовлечённости родителей»: уровень: было «высокий», теперь «средний»" in refused
    levels = dict(RiskLevel.objects.filter(profile__school=school).values_list("factor__code", "level"))
    assert levels["low_parent_involvement"] == "medium" and levels["high_special_needs_share"] == "low"
