"""The program's way to approval (issue 17): the school sends it after the quality check, the coordinator sees
«ожидает утверждения» in the list and approves it or returns it with a comment, the school sees the outcome."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from portal.audit.models import AuditEntry
from portal.programs import approval, services
from portal.programs.models import Program
from portal.programs.tests.conftest import complete


def test_a_program_that_fails_the_check_cannot_be_sent(program: Program) -> None:
    with pytest.raises(services.QualityCheckFailed, match="не указано базовое значение"):
        approval.submit(program, by=None)
    program.refresh_from_db()
    assert program.status == "draft"


def test_sent_returned_sent_again_approved(program: Program) -> None:
    complete(program)
    approval.submit(program, by=None)
    assert (program.status, program.get_status_display()) == ("submitted", "Ожидает утверждения")
    with pytest.raises(services.ProgramLocked, match="отправлена на утверждение"):
        services.add_measure(program, by=None, code="M90")
    with pytest.raises(approval.ReturnWithoutComment):
        approval.return_program(program, "   ", by=None)
    approval.return_program(program, "Добавьте меру по вовлечению родителей.", by=None)
    program.refresh_from_db()
    assert (program.status, program.review_comment) == ("returned", "Добавьте меру по вовлечению родителей.")
    services.add_measure(program, by=None, code="M90")  # the school works on it again
    with pytest.raises(
        services.ProgramError, match="Утвердить можно только программу, которую школа отправила"
    ):
        approval.approve(program, by=None)
    approval.submit(program, by=None)
    approval.approve(program, by=None)
    program.refresh_from_db()
    assert program.status == "approved" and program.review_comment == ""
    verbs = list(
        AuditEntry.objects.filter(action__startswith="programs.program.")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert [v for v in verbs if not v.endswith(("created", "changed"))] == [
        "programs.program.submitted",
        "programs.program.returned",
        "programs.program.submitted",
        "programs.program.approved",
    ]
    assert (
        AuditEntry.objects.filter(action="programs.program.returned")
        .get()
        .action_label.startswith("Возврат программы на доработку")
    )


def test_the_school_takes_a_waiting_program_back(program: Program) -> None:
    complete(program)
    approval.submit(program, by=None)
    approval.withdraw(program, by=None)
    assert program.status == "draft"
    with pytest.raises(services.ProgramError, match="Вернуть в работу можно только"):
        approval.withdraw(program, by=None)


def test_a_new_version_is_made_only_from_an_approved_program(program: Program) -> None:
    complete(program)
    approval.submit(program, by=None)
    with pytest.raises(services.ProgramError, match="Новая версия делается из утверждённой программы"):
        approval.new_version(program, by=None)


def test_the_whole_way_in_the_browser_pages(
    client: Client, program: Program, user_with_role: Callable[..., Any]
) -> None:
    complete(program)
    school, municipality = program.school, program.school.municipality
    team, coordinator = user_with_role("school_team", "S1"), user_with_role("coordinator", "M")
    step5 = reverse("programs:step", args=[program.pk, 5])

    client.force_login(team)
    page = client.get(step5).content.decode()
    assert "Отправить на утверждение" in page
    assert client.post(reverse("programs:submit", args=[program.pk])).status_code == 302

    client.force_login(coordinator)
    listing = client.get(reverse("programs:municipal", args=[municipality.pk])).content.decode()
    assert "Ожидают утверждения: 1" in listing and "ожидает утверждения" in listing
    dashboard = client.get(reverse("schools:municipality", args=[municipality.pk])).content.decode()
    assert "ожидает утверждения" in dashboard and step5 in dashboard
    review = client.post(
        reverse("programs:return", args=[program.pk]), {"comment": "Уточните ответственных за меры 3 и 4."}
    )
    assert review.status_code == 302

    client.force_login(team)
    home = client.get(reverse("schools:school", args=[school.pk])).content.decode()
    assert "возвращена на доработку" in home and "Уточните ответственных за меры 3 и 4." in home
    assert "Уточните ответственных за меры 3 и 4." in client.get(step5).content.decode()
    client.post(reverse("programs:submit", args=[program.pk]))

    client.force_login(coordinator)
    client.post(reverse("programs:approve", args=[program.pk]), {"action": "approve", "confirmed": "1"})
    program.refresh_from_db()
    assert program.status == "approved"

    client.force_login(team)
    home = client.get(reverse("schools:school", args=[school.pk])).content.decode()
    assert "Утверждена" in home
    assert Program.objects.filter(status=Program.Status.SUBMITTED).count() == 0
