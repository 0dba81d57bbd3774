"""Every write leaves an audit entry with who, when, what, before and after — services and admin alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from portal.accounts.models import RoleAssignment, User
from portal.audit.admin import AuditedModelAdmin, AuditEntryAdmin
from portal.audit.models import AuditEntry
from portal.schools.models import School
from portal.schools.services import update_school


def test_it_records_a_service_write_with_before_and_after(
    world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    actor = user_with_role("coordinator", "M")
    update_school(world["S1"], {"students": 321, "address": "ул. Новая, 5"}, by=actor)
    entry = AuditEntry.objects.get(action="schools.school.changed")
    assert entry.actor == actor and entry.source == AuditEntry.Source.SERVICE
    assert entry.school == world["S1"] and entry.municipality == world["M"]
    assert sorted(entry.changes()) == [("address", "", "ул. Новая, 5"), ("students", None, 321)]
    assert entry.at is not None


def test_it_records_nothing_when_nothing_changed(
    world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    update_school(world["S1"], {"students": None}, by=user_with_role("coordinator", "M"))
    assert not AuditEntry.objects.exists()


def test_it_refuses_fields_outside_the_card(world: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="not editable"):
        update_school(world["S1"], {"municipality": world["M2"]}, by=None)


def test_it_records_the_edit_made_from_the_school_page(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    user = user_with_role("school_team", "S1")
    client.force_login(user)
    url = reverse("schools:school_edit", args=[world["S1"].pk])
    form = {
        "name": "Школа 1",
        "short_name": "СОШ № 1",
        "kind": "sosh",
        "address": "",
        "site_url": "",
        "locality": "rural",
        "students": "250",
    }
    response = client.post(url, form)
    assert response.status_code == 302
    entry = AuditEntry.objects.get()
    assert entry.actor == user
    assert sorted(entry.changes()) == [("locality", "urban", "rural"), ("students", None, 250)]


def test_it_shows_russian_errors_and_keeps_the_data_on_a_bad_edit(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("school_team", "S1"))
    url = reverse("schools:school_edit", args=[world["S1"].pk])
    response = client.post(
        url,
        {
            "name": "",
            "short_name": "X",
            "kind": "nonsense",
            "locality": "urban",
            "students": "-5",
            "site_url": "не адрес",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Обязательное поле." in html
    assert "Введите правильный URL." in html
    world["S1"].refresh_from_db()
    assert world["S1"].short_name == "СОШ № 1"
    assert not AuditEntry.objects.exists()


@pytest.fixture
def admin_client_user(db: Any) -> tuple[Client, User]:
    user = User.objects.create_superuser("root", password="x-test-password-1")
    client = Client()
    client.force_login(user)
    return client, user


def test_it_records_admin_changes_and_deletions(
    world: dict[str, Any], admin_client_user: tuple[Client, User]
) -> None:
    client, user = admin_client_user
    school = world["S2"]
    url = reverse("admin:schools_school_change", args=[school.pk])
    data = {
        "municipality": school.municipality_id,
        "code": "S2",
        "name": "Школа 2",
        "short_name": "ООШ № 2 (new)",
        "kind": "oosh",
        "address": "",
        "site_url": "",
        "locality": "urban",
        "students": "",
        "sort_key": "0",
    }
    assert client.post(url, data).status_code == 302
    entry = AuditEntry.objects.get(action="schools.school.changed")
    assert entry.source == AuditEntry.Source.ADMIN and entry.actor == user
    assert entry.changes() == [("short_name", "ООШ № 2", "ООШ № 2 (new)")]

    delete_url = reverse("admin:schools_school_delete", args=[world["S3"].pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 302
    deleted = AuditEntry.objects.get(action="schools.school.deleted")
    assert deleted.before is not None and deleted.before["code"] == "S3"
    assert not School.objects.filter(code="S3").exists()


def test_it_records_inline_role_assignments_made_in_the_admin(
    world: dict[str, Any], admin_client_user: tuple[Client, User]
) -> None:
    client, _ = admin_client_user
    target = User.objects.create_user("teamlead", password="x-test-password-1")
    url = reverse("admin:accounts_user_change", args=[target.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = {
        "username": "teamlead",
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "01.01.2026",
        "date_joined_1": "10:00:00",
        "initial-date_joined_0": "01.01.2026",
        "initial-date_joined_1": "10:00:00",
        "roles-TOTAL_FORMS": "1",
        "roles-INITIAL_FORMS": "0",
        "roles-MIN_NUM_FORMS": "0",
        "roles-MAX_NUM_FORMS": "1000",
        "roles-0-role": "school_team",
        "roles-0-school": str(world["S1"].pk),
        "roles-0-user": str(target.pk),
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert RoleAssignment.objects.filter(user=target, school=world["S1"]).exists()
    granted = AuditEntry.objects.get(action="accounts.roleassignment.created")
    assert granted.school == world["S1"]
    user_entry = AuditEntry.objects.get(action="accounts.user.changed")
    assert user_entry.after is not None and user_entry.after["password"] == "***"


def test_every_admin_that_can_write_is_audited() -> None:
    writable = [ma for model, ma in admin.site._registry.items() if not isinstance(ma, AuditEntryAdmin)]
    assert writable, "no admin registered"
    offenders = [type(ma).__name__ for ma in writable if not isinstance(ma, AuditedModelAdmin)]
    assert offenders == []


def test_the_log_page_shows_entries_of_the_coordinators_municipality_only(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    update_school(world["S1"], {"students": 100}, by=None)
    update_school(world["S3"], {"students": 200}, by=None)
    client.force_login(user_with_role("coordinator", "M"))
    html = client.get(reverse("audit:log", args=[world["M"].pk])).content.decode()
    assert "СОШ № 1" in html and "СОШ № 3" not in html
    assert "система" in html
