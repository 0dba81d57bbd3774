"""The audit log pages: filters, pages, CSV/XLSX export, the regional log, the role × URL matrix, and the security
events (logins, logouts, failed logins, password changes) that reach the log."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import Role
from portal.audit.models import AuditEntry
from portal.schools.services import update_school
from tests.permissions import role_url_matrix

PASSWORD = "x-test-password-1"  # conftest.user_with_role

URLS: dict[str, Callable[[dict[str, Any]], str]] = {
    "log M": lambda w: reverse("audit:log", args=[w["M"].pk]),
    "log M2": lambda w: reverse("audit:log", args=[w["M2"].pk]),
    "csv M": lambda w: reverse("audit:export", args=[w["M"].pk, "csv"]),
    "xlsx M2": lambda w: reverse("audit:export", args=[w["M2"].pk, "xlsx"]),
    "region R": lambda w: reverse("audit:region_log", args=[w["R"].pk]),
    "region R2": lambda w: reverse("audit:region_log", args=[w["R2"].pk]),
    "region xlsx R": lambda w: reverse("audit:region_export", args=[w["R"].pk, "xlsx"]),
    "region csv R2": lambda w: reverse("audit:region_export", args=[w["R2"].pk, "csv"]),
}
ALLOWED: dict[tuple[str, str], set[str]] = {
    ("coordinator", "M"): {"log M", "csv M"},
    ("coordinator", "M2"): {"log M2", "xlsx M2"},
    ("method_centre", "M"): set(),
    ("school_team", "S1"): set(),
    ("region_viewer", "R"): set(),
    ("region_coordinator", "R"): {"log M", "csv M", "region R", "region xlsx R"},
    ("region_coordinator", "R2"): {"log M2", "xlsx M2", "region R2", "region csv R2"},
}


def test_the_regional_role_exists() -> None:
    assert Role.REGION_COORDINATOR.value == "region_coordinator"


@pytest.mark.parametrize(("role", "scope", "url_name", "status"), role_url_matrix(ALLOWED, URLS))
def test_each_role_sees_only_its_logs(
    client: Client,
    world: dict[str, Any],
    user_with_role: Callable[..., Any],
    role: str,
    scope: str,
    url_name: str,
    status: int,
) -> None:
    client.force_login(user_with_role(role, scope))
    assert client.get(URLS[url_name](world)).status_code == status


def test_anonymous_users_are_sent_to_the_login(client: Client, world: dict[str, Any]) -> None:
    response = client.get(URLS["log M"](world))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.fixture
def entries(world: dict[str, Any], user_with_role: Callable[..., Any]) -> dict[str, Any]:
    """Three edits in M by two users on different days, one in M2."""
    anna, boris = user_with_role("coordinator", "M"), user_with_role("school_team", "S1")
    update_school(world["S1"], {"students": 100}, by=anna)
    update_school(world["S2"], {"students": 200}, by=boris)
    update_school(world["S1"], {"address": "ул. Новая, 5"}, by=boris)
    update_school(world["S3"], {"students": 300}, by=None)
    first = AuditEntry.objects.filter(school=world["S1"]).order_by("pk").first()
    assert first is not None
    AuditEntry.objects.filter(pk=first.pk).update(
        at=timezone.make_aware(datetime.datetime(2026, 1, 15, 10, 0))
    )
    return {"anna": anna, "boris": boris}


def _rows(response: Any) -> list[str]:
    return [e.object_repr for e in response.context["page"].object_list]


def test_filters_by_period_user_action_and_type(
    client: Client, world: dict[str, Any], entries: dict[str, Any]
) -> None:
    client.force_login(entries["anna"])
    url = URLS["log M"](world)
    assert _rows(client.get(url)) == ["СОШ № 1", "ООШ № 2", "СОШ № 1"]  # newest first; S3 is M2's
    assert _rows(client.get(url, {"date_from": "01.01.2026", "date_to": "31.01.2026"})) == ["СОШ № 1"]
    assert len(_rows(client.get(url, {"date_from": "16.01.2026"}))) == 2
    assert _rows(client.get(url, {"user": entries["boris"].username})) == ["СОШ № 1", "ООШ № 2"]
    assert len(_rows(client.get(url, {"action": "changed"}))) == 3
    assert _rows(client.get(url, {"action": "deleted"})) == []
    school_type = str(AuditEntry.objects.filter(school__isnull=False).first().content_type_id)  # type: ignore[union-attr]
    assert len(_rows(client.get(url, {"object_type": school_type}))) == 3
    bad = client.get(url, {"date_from": "31.02.2026"})
    assert bad.status_code == 200 and "Введите правильную дату" in bad.content.decode()
    reversed_period = client.get(url, {"date_from": "02.02.2026", "date_to": "01.02.2026"})
    assert "Дата «с» позже даты «по»" in reversed_period.content.decode()


def test_pages_of_fifty_keep_the_filter(
    client: Client, world: dict[str, Any], entries: dict[str, Any]
) -> None:
    for n in range(60):
        update_school(world["S2"], {"students": 1000 + n}, by=entries["boris"])
    client.force_login(entries["anna"])
    url = URLS["log M"](world)
    first = client.get(url, {"user": entries["boris"].username})
    assert len(_rows(first)) == 50 and first.context["page"].paginator.count == 62  # 60 + 2 earlier edits
    assert f"user={entries['boris'].username}&amp;page=2" in first.content.decode()
    second = client.get(url, {"user": entries["boris"].username, "page": 2})
    assert len(_rows(second)) == 12


def test_csv_and_xlsx_exports_hold_the_filtered_entries(
    client: Client, world: dict[str, Any], entries: dict[str, Any]
) -> None:
    client.force_login(entries["anna"])
    response = client.get(
        reverse("audit:export", args=[world["M"].pk, "csv"]), {"user": entries["boris"].username}
    )
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:4] == ["Когда", "Кто", "Источник", "Действие"]
    assert "Код действия" not in rows[0]  # no raw codes in the export (issue #17)
    assert [r[5] for r in rows[1:]] == ["СОШ № 1", "ООШ № 2"]
    assert rows[1][8] == "адрес: «» → «ул. Новая, 5»"
    assert rows[1][0][2] == "." and rows[1][0][5] == "."  # ДД.ММ.ГГГГ

    response = client.get(reverse("audit:export", args=[world["M"].pk, "xlsx"]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    # title, header, the three edits and the CSV export just made (exports are logged)
    assert sheet["A2"].value == "Когда" and sheet.max_row == 2 + 4
    assert "записей: 4" in sheet["A1"].value and sheet["D3"].value == "Выгрузка журнала изменений"
    assert client.get(reverse("audit:export", args=[world["M"].pk, "pdf"])).status_code == 404
    # exporting is itself logged
    assert AuditEntry.objects.filter(action="audit.log.exported", municipality=world["M"]).count() == 2


def test_a_formula_typed_by_a_user_is_not_a_formula_in_the_export(
    client: Client, world: dict[str, Any], entries: dict[str, Any]
) -> None:
    update_school(world["S1"], {"address": '=HYPERLINK("http://evil")'}, by=entries["boris"])
    client.force_login(entries["anna"])
    rows = list(
        csv.reader(
            io.StringIO(client.get(reverse("audit:export", args=[world["M"].pk, "csv"])).content.decode()),
            delimiter=";",
        )
    )
    assert all(not cell.startswith("=") for row in rows for cell in row)
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("audit:export", args=[world["M"].pk, "xlsx"])).content)
    ).active
    assert all(not str(c.value or "").startswith("=") for row in sheet.iter_rows() for c in row)


def test_the_regional_log_covers_every_municipality_of_the_region(
    client: Client, world: dict[str, Any], entries: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("region_coordinator", "R"))
    response = client.get(reverse("audit:region_log", args=[world["R"].pk]))
    assert _rows(response) == ["СОШ № 1", "ООШ № 2", "СОШ № 1"]  # M's three; S3 lies in R2
    client.force_login(user_with_role("region_coordinator", "R2"))
    assert _rows(client.get(reverse("audit:region_log", args=[world["R2"].pk]))) == ["СОШ № 3"]


@pytest.fixture
def _fresh_cache() -> None:
    cache.clear()


@pytest.mark.usefixtures("_fresh_cache")
def test_logins_logouts_and_failures_are_logged_in_the_users_scope(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    user = user_with_role("coordinator", "M")
    login = reverse("accounts:login")
    client.post(login, {"username": user.username, "password": "wrong-password-1"})
    client.post(login, {"username": "nobody", "password": "wrong-password-1"})
    client.post(login, {"username": user.username, "password": PASSWORD})
    client.post(reverse("accounts:logout"))
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", "actor_repr", "municipality"))
    assert actions == [
        ("accounts.user.login_failed", "система", world["M"].pk),
        ("accounts.user.login_failed", "аноним", None),
        ("accounts.user.logged_in", user.username, world["M"].pk),
        ("accounts.user.logged_out", user.username, world["M"].pk),
    ]
    unknown = AuditEntry.objects.get(object_repr="неизвестный логин «nobody»")
    assert unknown.data == {"username": "nobody", "address": "127.0.0.1"}
    assert "wrong-password" not in str(list(AuditEntry.objects.values_list("data", flat=True)))
    # the coordinator reads them in the municipality's log
    client.force_login(user)
    labels = [e.action_label for e in client.get(URLS["log M"](world)).context["page"].object_list]
    assert labels == ["Выход: пользователь", "Вход: пользователь", "Неудачный вход: пользователь"]


def test_programmatic_logins_are_not_sign_ins(client: Client, user_with_role: Callable[..., Any]) -> None:
    client.force_login(user_with_role("coordinator", "M"))
    client.logout()
    assert not AuditEntry.objects.exists()


def test_a_password_change_is_logged_once(
    user_with_role: Callable[..., Any], django_capture_on_commit_callbacks: Any
) -> None:
    from portal.accounts.services import ensure_user

    user = user_with_role("coordinator", "M")
    with django_capture_on_commit_callbacks(execute=True):
        user.set_password("Новый-пароль-2026")
        user.save()
    entry = AuditEntry.objects.get(action="accounts.user.password_changed")
    assert entry.object_id == str(user.pk) and entry.municipality is not None
    assert "Новый-пароль" not in str(entry.data) + str(entry.after)
    with django_capture_on_commit_callbacks(execute=True):
        ensure_user(user.username, password="Другой-пароль-7", by=None)  # logs it itself (password_set)
    assert AuditEntry.objects.filter(action="accounts.user.password_changed").count() == 1
    assert AuditEntry.objects.filter(action="accounts.user.changed", data__password_set=True).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        user.first_name = "Анна"
        user.save()  # no password change, no entry
    assert AuditEntry.objects.filter(action="accounts.user.password_changed").count() == 1
