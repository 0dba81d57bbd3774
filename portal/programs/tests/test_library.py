"""The measures library of each region: copy on first change, used by its own schools only, edited by its own
method centre only, audited for the whole region, refusing stale forms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from portal.audit.models import AuditEntry
from portal.lib import stale
from portal.programs import library as lib
from portal.programs import risk, services
from portal.programs.models import Measure, Program

SHIPPED_M01 = "Анализ рискового профиля и самодиагностика школы"  # opora/data/measures.yaml, M01


def form_data(measure: Measure, **changes: Any) -> dict[str, Any]:
    """What the measure's form posts when nothing is changed but ``changes``."""
    data = {
        "title": measure.title,
        "description": measure.description,
        "risk_factors": list(measure.risk_factors),
        "directions": [str(d) for d in measure.directions],
        "levels": list(measure.levels),
        "priority": str(measure.priority),
        "responsible_role": measure.responsible_role,
        "timing_kind": measure.timing_kind,
        "expected_result": measure.expected_result,
        "evidence": measure.evidence,
    }
    if measure.is_active:
        data["is_active"] = "on"
    data.update(changes)
    return data


def visible(html: str) -> str:
    """The text a reader sees (tags and attribute values left out)."""
    import re

    return re.sub(r"<[^>]*>", " ", html)


def shown_title(region: Any, code: str) -> str:
    return lib.measures(region).get(code=code).title


def test_a_region_uses_the_shipped_library_until_its_first_change_then_its_own_copy(
    world: dict[str, Any], library: None
) -> None:
    assert not lib.has_copy(world["R"]) and lib.measures(world["R"]).count() == 90  # measures.yaml: 90
    lib.save_measure(world["R"], "M01", {"title": "Самодиагностика (редакция региона)"}, by=None)
    assert lib.has_copy(world["R"]) and Measure.objects.filter(region=world["R"]).count() == 90
    assert shown_title(world["R"], "M01") == "Самодиагностика (редакция региона)"
    # the shipped library and the other region are untouched
    assert Measure.objects.get(region=None, code="M01").title == SHIPPED_M01
    assert shown_title(world["R2"], "M01") == SHIPPED_M01 and not lib.has_copy(world["R2"])
    # a second change does not copy again; a new measure belongs to the region only
    lib.save_measure(
        world["R"],
        None,
        {"code": "M91", "title": "Школьный совет по качеству", "risk_factors": ["low_parent_involvement"]},
        by=None,
    )
    assert Measure.objects.filter(region=world["R"]).count() == 91
    assert not lib.measures(world["R2"]).filter(code="M91").exists()
    with pytest.raises(lib.LibraryError, match="Мера с кодом «m91» уже есть в библиотеке региона"):
        lib.save_measure(world["R"], None, {"code": "m91", "risk_factors": ["low_equipment"]}, by=None)
    with pytest.raises(lib.LibraryError, match="Неизвестные факторы риска: x"):
        lib.save_measure(world["R"], "M01", {"risk_factors": ["x"]}, by=None)


def test_a_new_catalogue_measure_reaches_regions_that_keep_their_own_copy(
    world: dict[str, Any], library: None
) -> None:
    lib.save_measure(world["R"], "M01", {"title": "Своя формулировка"}, by=None)
    Measure.objects.filter(code="M90").delete()  # as if M90 were new in measures.yaml
    services.sync_library(by=None)
    assert Measure.objects.filter(region=None, code="M90").exists()
    assert lib.measures(world["R"]).filter(code="M90", origin="catalogue").exists()
    services.sync_library(by=None, force=True)  # a forced sync rewrites the shipped rows, never a region's
    assert shown_title(world["R"], "M01") == "Своя формулировка"


def test_the_constructor_of_each_region_proposes_from_its_own_library(
    s1_data: dict[str, Any], program: Program
) -> None:
    proposed = program.measures.filter(origin="proposed").first()
    assert proposed is not None
    code = proposed.code
    # region R2 renames the measure and stops proposing M10
    lib.save_measure(s1_data["R2"], code, {"title": "Мера в редакции другого региона"}, by=None)
    lib.save_measure(s1_data["R2"], "M10", {"is_active": False}, by=None)
    risk.set_levels(s1_data["S3"], 2023, dict.fromkeys(program.priorities, ("high", "")), by=None)
    other = services.create_program(s1_data["S3"], "shppko", by=None, profile_year=2023)
    row = other.measures.get(code=code)
    assert row.title == "Мера в редакции другого региона" and row.measure is not None
    assert row.measure.region_id == s1_data["R2"].pk
    assert not other.measures.filter(code="M10").exists()
    # region R's school still gets the shipped wording and M10
    services.set_priorities(program, list(program.priorities), by=None)
    assert program.measures.get(code=code).title == proposed.title
    assert program.measures.filter(code="M10").exists()
    # a measure region R adds cannot be put into a program of region R2
    lib.save_measure(s1_data["R"], None, {"code": "M91", "title": "Мера региона R"}, by=None)
    with pytest.raises(services.ProgramError, match="В библиотеке нет меры «M91»"):
        services.add_measure(other, by=None, code="M91")
    assert services.add_measure(program, by=None, code="M91").title == "Мера региона R"


def test_a_method_centre_of_another_region_changes_nothing_its_neighbours_see(
    client: Client, s1_data: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    m01 = Measure.objects.get(region=None, code="M01")
    other = user_with_role("method_centre", "M2")
    client.force_login(other)
    # through the other region's URL: 404, nothing written
    mine = reverse("programs:measure_edit", args=[s1_data["M"].pk, "M01"])
    assert client.post(mine, form_data(m01, title="Чужая правка")).status_code == 404
    assert client.post(reverse("programs:measure_new", args=[s1_data["M"].pk]), {}).status_code == 404
    # through its own URL: only its own region changes
    own = reverse("programs:measure_edit", args=[s1_data["M2"].pk, "M01"])
    assert client.post(own, form_data(m01, title="Правка региона R2")).status_code == 302
    assert shown_title(s1_data["R2"], "M01") == "Правка региона R2"
    assert shown_title(s1_data["R"], "M01") == SHIPPED_M01
    new = reverse("programs:measure_new", args=[s1_data["M2"].pk])
    assert client.post(new, form_data(m01, code="X1", title="Только в R2")).status_code == 302
    # region R's people see none of it, and cannot even open R2's own measure through R's URL
    client.force_login(user_with_role("method_centre", "M"))
    page = client.get(reverse("programs:library", args=[s1_data["M"].pk])).content.decode()
    assert SHIPPED_M01 in page and "Правка региона R2" not in page and "Только в R2" not in page
    assert client.get(reverse("programs:measure_edit", args=[s1_data["M"].pk, "X1"])).status_code == 404
    client.force_login(other)
    assert "Только в R2" in client.get(reverse("programs:library", args=[s1_data["M2"].pk])).content.decode()


def test_library_edits_are_logged_for_every_municipality_of_the_region_and_no_other(
    client: Client, s1_data: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    from portal.schools.models import Municipality

    m3 = Municipality.objects.create(region=s1_data["R"], code="m3", name="Третий город")
    s1_data["M3"] = m3
    m01 = Measure.objects.get(region=None, code="M01")
    client.force_login(user_with_role("method_centre", "M"))
    url = reverse("programs:measure_edit", args=[s1_data["M"].pk, "M01"])
    assert client.post(url, form_data(m01, title="Правка региона R", levels=["high"])).status_code == 302
    client.force_login(user_with_role("method_centre", "M2"))
    url2 = reverse("programs:measure_edit", args=[s1_data["M2"].pk, "M01"])
    assert client.post(url2, form_data(m01, title="Правка региона R2")).status_code == 302
    entry = AuditEntry.objects.get(action="programs.measure.changed", region=s1_data["R"])
    assert (entry.municipality, entry.region_wide) == (s1_data["M"], True)
    assert entry.before["title"] == SHIPPED_M01 and entry.after["title"] == "Правка региона R"

    def log(role: str, scope: str, url: str) -> str:
        client.force_login(user_with_role(role, scope))
        return client.get(url).content.decode()

    for municipality in ("M", "M3"):  # the municipality it was made from, and its neighbour in the region
        page = log("coordinator", municipality, reverse("audit:log", args=[s1_data[municipality].pk]))
        assert "Правка региона R" in page and "Правка региона R2" not in page
        assert "«высокий, средний» → «высокий»" in page  # levels in Russian words, not codes
    region_page = log("region_coordinator", "R", reverse("audit:region_log", args=[s1_data["R"].pk]))
    assert "Правка региона R" in region_page and "Правка региона R2" not in region_page
    other = log("coordinator", "M2", reverse("audit:log", args=[s1_data["M2"].pk]))
    assert "«Правка региона R2»" in other and "«Правка региона R»" not in other


def test_a_stale_measure_form_is_refused_with_the_changes_and_keeps_what_was_typed(
    client: Client, s1_data: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    m01 = Measure.objects.get(region=None, code="M01")
    url = reverse("programs:measure_edit", args=[s1_data["M"].pk, "M01"])
    first, second = Client(), client
    first.force_login(user_with_role("method_centre", "M"))
    second.force_login(user_with_role("method_centre", "M"))
    token_first = first.get(url).context["loaded_state"]
    token_second = second.get(url).context["loaded_state"]
    saved = first.post(url, form_data(m01, title="Первая правка", loaded_state=token_first))
    assert saved.status_code == 302
    refused = second.post(url, form_data(m01, title="Вторая правка", priority="3", loaded_state=token_second))
    assert refused.status_code == 200
    page = refused.content.decode()
    assert f"Название: было «{SHIPPED_M01}», теперь «Первая правка»" in page
    assert 'value="Вторая правка"' in page  # what the second user typed is still in the form
    assert shown_title(s1_data["R"], "M01") == "Первая правка"
    # after reading the list, saving again (with the fresh snapshot) goes through
    again = second.post(
        url, form_data(m01, title="Вторая правка", priority="3", loaded_state=refused.context["loaded_state"])
    )
    assert again.status_code == 302 and shown_title(s1_data["R"], "M01") == "Вторая правка"


def test_the_service_refuses_a_stale_snapshot_and_writes_nothing(
    world: dict[str, Any], library: None
) -> None:
    loaded = stale.seal(lib.form_state(lib.measures(world["R"]).get(code="M02")))
    lib.save_measure(world["R"], "M02", {"priority": 3}, by=None)
    with pytest.raises(stale.StaleEdit) as refused:
        lib.save_measure(world["R"], "M02", {"title": "Поверх"}, by=None, expected=loaded)
    assert [str(c) for c in refused.value.changes] == ["Приоритет: было «1», теперь «3»"]
    assert shown_title(world["R"], "M02") != "Поверх"


def test_the_library_speaks_russian_and_points_to_no_file(
    client: Client, s1_data: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("method_centre", "M"))
    page = visible(client.get(reverse("programs:library", args=[s1_data["M"].pk])).content.decode())
    assert "высокий, средний" in page and "high" not in page and "medium" not in page
    assert "opora/data" not in page and ".yaml" not in page
    assert "пока действует библиотека, поставляемая с системой" in page
    form = client.get(reverse("programs:measure_edit", args=[s1_data["M"].pk, "M01"])).content.decode()
    assert "3. Методическое сопровождение педагогических и управленческих кадров" in form
    assert "opora/data" not in form and "будет создана собственная редакция региона" in form
    new = client.get(reverse("programs:measure_new", args=[s1_data["M"].pk]))
    assert new.context["form"].initial["code"] == "M91"


@pytest.mark.parametrize(
    ("role", "scope", "status"),
    [
        ("method_centre", "M", 302),
        ("method_centre", "M2", 404),
        ("coordinator", "M", 404),
        ("region_coordinator", "R", 404),
        ("region_viewer", "R", 404),
        ("school_team", "S1", 404),
    ],
)
def test_only_the_regions_method_centre_writes_its_library(
    client: Client,
    s1_data: dict[str, Any],
    user_with_role: Callable[..., Any],
    role: str,
    scope: str,
    status: int,
) -> None:
    m01 = Measure.objects.get(region=None, code="M01")
    client.force_login(user_with_role(role, scope))
    url = reverse("programs:measure_edit", args=[s1_data["M"].pk, "M01"])
    assert client.post(url, form_data(m01, title="Правка")).status_code == status
    assert (shown_title(s1_data["R"], "M01") == "Правка") is (status == 302)


def test_a_library_edited_before_regions_becomes_each_regions_copy(
    s1_data: dict[str, Any], program: Program
) -> None:
    """The data migration 0003: what every region saw is kept as its own copy; the shipped rows are reset."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("portal.programs.migrations.0003_measure_region_copies")
    migration.forwards(apps, None)  # an unedited library: nothing to do
    assert not Measure.objects.filter(region__isnull=False).exists()
    Measure.objects.filter(code="M01").update(title="Общая правка до регионов")
    Measure.objects.create(code="Z1", title="Своя мера", description="—", responsible_role="директор",
                           timing_kind="once", expected_result="—", evidence="—", origin="method_centre")  # fmt: skip
    linked = program.measures.filter(measure__isnull=False).first()
    assert linked is not None
    migration.forwards(apps, None)
    for region in (s1_data["R"], s1_data["R2"]):
        assert shown_title(region, "M01") == "Общая правка до регионов"
        assert lib.measures(region).filter(code="Z1").exists() and lib.measures(region).count() == 91
    assert Measure.objects.get(region=None, code="M01").title == SHIPPED_M01
    assert not Measure.objects.filter(region=None, code="Z1").exists()
    linked.refresh_from_db()
    assert linked.measure is not None and linked.measure.region_id == s1_data["R"].pk


def test_correcting_a_mistake_in_the_measure_form_still_catches_a_change_made_meanwhile(
    s1_data: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    m01 = Measure.objects.get(region=None, code="M01")
    url = reverse("programs:measure_edit", args=[s1_data["M"].pk, "M01"])
    mine, other = Client(), Client()
    mine.force_login(user_with_role("method_centre", "M"))
    other.force_login(user_with_role("method_centre", "M"))
    token = mine.get(url).context["loaded_state"]
    assert other.post(url, form_data(m01, title="Правка коллеги")).status_code == 302
    wrong = mine.post(url, form_data(m01, title="", loaded_state=token))
    assert wrong.status_code == 200 and wrong.context["loaded_state"] == token
    fixed = mine.post(url, form_data(m01, title="Моя правка", loaded_state=token))
    assert fixed.status_code == 200 and "теперь «Правка коллеги»" in fixed.content.decode()
    assert shown_title(s1_data["R"], "M01") == "Правка коллеги"


@pytest.mark.django_db(transaction=True)
def test_two_first_changes_at_once_make_one_copy_and_keep_both(world: dict[str, Any]) -> None:
    """Two method centres save different measures of a region that has no copy yet, at the same moment: the lock
    on the region serialises the copy, so both changes are kept and the library is copied once (PostgreSQL)."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises every write anyway")
    services.sync_library(by=None)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def save(code: str, title: str) -> None:
        try:
            barrier.wait()
            lib.save_measure(world["R"], code, {"title": title}, by=None)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=a) for a in (("M01", "Первая"), ("M02", "Вторая"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Measure.objects.filter(region=world["R"]).count() == 90
    assert (shown_title(world["R"], "M01"), shown_title(world["R"], "M02")) == ("Первая", "Вторая")
