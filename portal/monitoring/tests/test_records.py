"""Answers the records decide (issue #18 §1): each derived slot follows its record both ways, at the school and at
the municipal level; a closed period keeps what it had; a typed answer that disagrees is warned about; «как получено»
goes down to the record."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from portal.monitoring import derive, records, services
from portal.monitoring.models import IndicatorValue, MonitoringPeriod
from portal.monitoring.tests.conftest import program, registry_document, submission


def _answer(period: MonitoringPeriod, code: str, subitem: str, school: Any) -> bool | None:
    data = derive.load(MonitoringPeriod.objects.get(pk=period.pk))
    ind = next(i for i in data.indicators if i.code == code)
    found = data.answers.get((ind.pk, subitem, school.pk if school is not None else None))
    return None if found is None else found.value


def _municipal(period: MonitoringPeriod, code: str, subitem: str = "") -> Any:
    data = derive.load(MonitoringPeriod.objects.get(pk=period.pk))
    ind = next(i for i in data.indicators if i.code == code)
    return derive.derive_row(data, ind, subitem).value


def _public(world: dict[str, Any], school: Any, section: str, *, publish: bool = True) -> Any:
    from portal.public import services as public

    doc = public.create_document(
        world["M"], school, section=section, title="Программа", url="https://s.example.ru/p.pdf", by=None
    )
    return public.publish(doc, by=None) if publish else doc


def _risk(world: dict[str, Any], school: Any, year: int = 2024) -> Any:
    from portal.results.models import ImportBatch, RiskInput

    batch = ImportBatch.objects.create(
        municipality=world["M"], kind="risk", filename="r.xlsx", sha256=f"{school.pk:064d}", status="imported"
    )
    return RiskInput.objects.create(
        school=school, batch=batch, year=year, staff_vacancies=0, internet_mbps=80.0
    )


# (code, subitem, how a record is added, how it is removed): one case per derived school slot and its records.
def _shppko_approved(w: dict[str, Any], s: Any) -> Any:
    return program(s)


def _shppko_draft(w: dict[str, Any], s: Any) -> Any:
    return program(s, status="draft")


def _failure(w: dict[str, Any], s: Any) -> Any:
    return program(s, "failure_prevention")


def _registry_for(slot: str) -> Callable[[dict[str, Any], Any], Any]:
    return lambda w, s: registry_document(w["M"], s, (slot,))


SCHOOL_CASES = [
    ("1.3", "", _shppko_approved, "ШППКО 2023–2025"),  # an approved ШППКО of the Конструктор
    ("1.3", "", _registry_for("1.3"), "Тестовый документ"),  # or a school concept/programme in the registry
    ("3.8", "constructor", _shppko_draft, "черновик в Конструкторе"),  # built in the Конструктор (any status)
    (
        "5.4",
        "",
        _failure,
        "Программа профилактики учебной неуспешности",
    ),  # an approved failure-prevention program
    ("5.4", "", _registry_for("5.4"), "Тестовый документ"),  # or its document in the registry
    ("1.1", "failure_prevention_program", _failure, "Программа профилактики"),
    ("1.1", "vsoko_regulation", _registry_for("1.1|vsoko_regulation"), "Тестовый документ"),
    ("4.1", "", lambda w, s: _public(w, s, "programs"), "на странице программы"),  # published on its page
    ("6.3", "", lambda w, s: _public(w, s, "reports"), "на странице программы"),  # analytical materials
    (
        "6.2",
        "",
        lambda w, s: _risk(w, s),
        "данные о ресурсах школы за 2024 г.",
    ),  # resource deficits monitored
    ("2.2", "", lambda w, s: _risk(w, s), "данные о ресурсах школы"),  # the typical risks assessed
]


@pytest.mark.parametrize(("code", "subitem", "add", "evidence"), SCHOOL_CASES)
def test_a_record_added_or_removed_changes_the_school_answer_and_the_municipal_value(
    period: MonitoringPeriod, world: dict[str, Any], code: str, subitem: str, add: Any, evidence: str
) -> None:
    s1 = world["S1"]
    rule = period.indicator_set.indicators.get(code=code).record_rule(subitem, "school")
    assert rule is not None
    before = _answer(period, code, subitem, s1)
    assert before is (False if rule.decides else None)  # «нет» — or, where records only prove «да», typed
    record = add(world, s1)
    assert _answer(period, code, subitem, s1) is True
    detail = derive.school_detail(period, s1.pk)
    ind = period.indicator_set.indicators.get(code=code)
    value = detail[(ind.pk, subitem)]
    assert value.origin == "system" and evidence in value.text and value.links
    municipal_slot = subitem if subitem in ind.municipal_slots else ""
    if (
        ind.derivation == "share_of_schools_yes"
    ):  # the municipal value follows: S1 is one of the target schools
        assert _municipal(period, code, municipal_slot) > 0
    record.delete()
    assert _answer(period, code, subitem, s1) is before
    if ind.derivation == "share_of_schools_yes" and before is False:
        assert _municipal(period, code, municipal_slot) == 0


@pytest.mark.parametrize("code", ["1.1", "1.2", "2.1", "6.1"])
def test_the_registry_feeds_the_authoritys_answers_with_links(
    period: MonitoringPeriod, world: dict[str, Any], code: str
) -> None:
    assert _municipal(period, code) is False  # no document: «нет», not «не заполнено»
    doc = registry_document(world["M"], None, (code,), title="Положение о координаторе")
    row_value = _municipal(period, code)
    assert row_value is True
    data = derive.load(period)
    ind = next(i for i in data.indicators if i.code == code)
    stored = data.municipal[(ind.pk, "")]
    assert stored.links == [reverse("documents:document", args=[doc.pk])]
    assert "«Положение о координаторе»" in stored.text
    # a document repealed before the year does not count; a draft never does
    doc.status, doc.repealed_on = "repealed", datetime.date(2023, 6, 30)
    doc.save()
    assert _municipal(period, code) is False
    doc.status, doc.repealed_on = "draft", None
    doc.save()
    assert _municipal(period, code) is False


def test_4_1_of_the_authority_comes_from_its_public_page(
    period: MonitoringPeriod, world: dict[str, Any]
) -> None:
    assert _municipal(period, "4.1") is False
    draft = _public(world, None, "regulations", publish=False)
    assert _municipal(period, "4.1") is False  # a draft is not on the page
    from portal.public import services as public

    public.publish(draft, by=None)
    assert _municipal(period, "4.1") is True


def test_a_closed_period_keeps_the_answers_it_had(period: MonitoringPeriod, world: dict[str, Any]) -> None:
    approved = program(world["S1"])
    services.submit(submission(period, world["S1"]), by=None)
    closed = services.close_period(period, by=None)
    stored = IndicatorValue.objects.get(period=closed, school=world["S1"], indicator__code="1.3")
    assert (stored.bool_value, stored.origin) == (True, "system")
    assert closed.frozen["|1.3|"]["value"] == 100.0
    approved.delete()  # the record goes away after closing: the closed period does not change
    registry_document(world["M"], None, ("1.2",))
    closed = MonitoringPeriod.objects.get(pk=closed.pk)
    assert records.answers(closed) == {}
    assert _municipal(closed, "1.3") == 100.0 and _municipal(closed, "1.2") is False
    assert derive.school_detail(closed, world["S1"].pk)[(stored.indicator_id, "")].bool_value is True


def test_a_typed_answer_that_disagrees_is_warned_about_and_the_records_count(
    client: Client, period: MonitoringPeriod, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    # «нет» typed before the ШППКО was approved (or imported from Excel), then the program is approved
    IndicatorValue.objects.create(
        period=period,
        school=world["S1"],
        indicator=period.indicator_set.indicators.get(code="1.3"),
        bool_value=False,
    )
    program(world["S1"])
    services.submit(submission(period, world["S1"]), by=None)
    data = derive.load(period)
    (c,) = data.contradictions
    assert (c.school_id, c.slot_ref, c.typed, c.derived.value) == (world["S1"].pk, "1.3", "нет", True)
    assert _municipal(period, "1.3") == 100.0  # the records count
    warning = "1.3: введено «нет», по записям — «да»"
    for role, scope in (("school_team", "S1"), ("coordinator", "M")):
        client.force_login(user_with_role(role, scope))
        card = client.get(reverse("monitoring:school", args=[period.pk, world["S1"].pk])).content.decode()
        assert 'data-testid="contradictions"' in card and warning in card
    submissions = client.get(reverse("monitoring:submissions", args=[period.pk])).content.decode()
    assert warning in submissions
    dashboard = client.get(reverse("monitoring:period", args=[period.pk])).content.decode()
    assert "1 ответ школы расходится с записями системы" in dashboard
    # closing writes the records' answer; the typed one stays in the audit log
    services.close_period(period, by=None)
    from portal.audit.models import AuditEntry

    # the one value that replaced a typed one (1.3); the others were written where nothing was typed
    (entry,) = [e for e in AuditEntry.objects.filter(action="monitoring.value.from_records") if e.before]
    assert entry.before["bool_value"] is False and entry.before["origin"] == "form"


def test_typing_an_answer_the_records_decide_is_refused(
    period: MonitoringPeriod, world: dict[str, Any]
) -> None:
    from portal.monitoring.tests.conftest import slot

    program(world["S1"])
    with pytest.raises(
        services.ValidationFailed, match=r"1\.3: ответ выводится из записей системы \(Конструктор"
    ):
        services.save_school_values(
            submission(period, world["S1"]),
            {"1.3|": {"bool_value": False}},
            [slot(period, "1.3")],
            by=None,
        )


def test_how_it_was_obtained_goes_down_to_the_record(
    client: Client, period: MonitoringPeriod, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    approved = program(world["S1"])
    client.force_login(user_with_role("coordinator", "M"))
    page = client.get(reverse("monitoring:explain", args=[period.pk, "1.3"])).content.decode()
    assert "Доля целевых школ с ответом «да»: 1 из 1 = 100 %" in page
    assert "из записей системы" in page and reverse("programs:preview", args=[approved.pk]) in page
    page = client.get(reverse("monitoring:explain", args=[period.pk, "6.1"])).content.decode()
    assert "записи нет" in page and "документ реестра «Документы программы»" in page


def test_an_ooo_school_has_no_soo_and_the_distribution_counts_only_schools_with_the_level(
    period: MonitoringPeriod, world: dict[str, Any]
) -> None:
    from portal.monitoring.excel import slots_for_school
    from portal.monitoring.tests.conftest import slot

    data = derive.load(period)
    s1_slots = {s.key for s in slots_for_school(period, data.indicators, world["S1"].pk, data)}
    s2_slots = {s.key for s in slots_for_school(period, data.indicators, world["S2"].pk, data)}
    assert "7.7|soo" in s1_slots and "7.7|soo" not in s2_slots  # S2 is an ООШ: no СОО
    assert "7.7|noo" in s2_slots and "7.7|ooo" in s2_slots
    world["S2"].kind = "evening"
    world["S2"].save()
    data = derive.load(period)
    evening = {s.key for s in slots_for_school(period, data.indicators, world["S2"].pk, data)}
    assert "7.7|noo" not in evening and {"7.7|ooo", "7.7|soo"} <= evening  # an evening school: its own levels
    services.save_school_values(
        submission(period, world["S1"]), {"7.7|soo": {"number": 100}}, [slot(period, "7.7", "soo")], by=None
    )
    services.submit(submission(period, world["S1"]), by=None)
    row = derive.derive_row(derive.load(period), period.indicator_set.indicators.get(code="7.7"), "soo")
    # only S1 has СОО among the target schools (S2 is evening: it has СОО too, but no value) → S2 «нет данных»
    assert row.derived is not None and row.derived.distribution["100"] == 100.0
    world["S2"].kind = "oosh"
    world["S2"].save()
    row = derive.derive_row(derive.load(period), period.indicator_set.indicators.get(code="7.7"), "soo")
    assert row.derived is not None and row.derived.missing == ()  # an ООШ is not «нет данных» for СОО
