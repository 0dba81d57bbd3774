"""The demo monitoring: 2023 closed and 2024 open for «г. Минусинск (демо)», deterministic values."""

from __future__ import annotations

from typing import Any

from portal.audit.models import AuditEntry
from portal.demo.base import MUNICIPALITY_CODE
from portal.demo.registry import loaders
from portal.demo.services import load_demo
from portal.identification.models import IdentificationRun, SchoolOutcome
from portal.monitoring import derive, records
from portal.monitoring.demo import load_monitoring_demo
from portal.monitoring.models import IndicatorValue, MonitoringPeriod, SchoolSubmission
from portal.schools.models import Municipality, School


def _base(db: Any) -> Municipality:
    """The demo schools, and the seeds' 2023 list as a published run (the identification demo's job)."""
    load_demo(password="demo-test-pass-1", write=lambda s: None, extensions=False)
    municipality = Municipality.objects.get(code=MUNICIPALITY_CODE)
    run = IdentificationRun.objects.create(
        municipality=municipality,
        year=2023,
        status="published",
        config={},
        fit_description="демо",
        data_version="x",
    )
    for code, categories in (
        ("MNS-OOSH01", ["low_results", "at_risk"]),
        ("MNS-SOSH02", ["low_results"]),
        ("MNS-OSOSH14", ["low_results"]),
        ("MNS-SOSH03", ["at_risk"]),
    ):
        SchoolOutcome.objects.create(run=run, school=School.objects.get(code=code), categories=categories)
    return municipality


def _records(municipality: Municipality) -> None:
    """The demo's records that decide answers (programs, roadmap, public page, registry): the loaders the demo
    registry runs before the monitoring loader."""
    for loader in loaders():
        if loader.name == "monitoring":
            return
        loader.func(municipality, lambda s: None)
    raise AssertionError("the monitoring loader is not registered")


def _values() -> list[tuple[Any, ...]]:
    return sorted(
        IndicatorValue.objects.values_list(
            "period__year",
            "school__code",
            "indicator__code",
            "subitem",
            "bool_value",
            "number",
            "numerator",
            "status3",
        ),
        key=repr,
    )


def test_it_is_registered_as_a_demo_extension() -> None:
    assert load_monitoring_demo in [loader.func for loader in loaders()]


def test_it_creates_a_closed_2023_and_an_open_2024_with_plausible_values(db: Any) -> None:
    municipality = _base(db)
    lines: list[str] = []
    load_monitoring_demo(municipality, lines.append)
    p2023 = MonitoringPeriod.objects.get(municipality=municipality, year=2023)
    p2024 = MonitoringPeriod.objects.get(municipality=municipality, year=2024)
    assert (p2023.status, p2024.status) == ("closed", "open")
    assert set(p2023.submissions.values_list("status", flat=True)) == {"accepted"}
    assert set(p2024.submissions.values_list("status", flat=True)) == set(SchoolSubmission.Status.values)
    # every school of 2023 has values (all schools fill the «all schools» indicators 2.2, 4.2, 5.4)
    assert (
        IndicatorValue.objects.filter(period=p2023).values("school").distinct().count() == 13 + 1
    )  # + municipal
    shares = [r.value for r in derive.rows(derive.load(p2024)) if r.derived and r.value is not None]
    assert shares and all(0 <= v <= 100 for v in shares)  # every derived value of this set is a share
    assert p2023.frozen and "2023" in lines[-1]
    first = _values()
    entries = AuditEntry.objects.count()
    last = AuditEntry.objects.order_by("pk").last()
    load_monitoring_demo(municipality, lines.append)
    assert _values() == first  # a second load keeps the periods…
    new = list(AuditEntry.objects.filter(pk__gt=last.pk).values_list("action", "object_repr"))
    assert AuditEntry.objects.count() == entries, new  # …and writes nothing
    MonitoringPeriod.objects.filter(municipality=municipality).delete()
    load_monitoring_demo(municipality, lines.append)
    assert _values() == first  # seeded: the same numbers when loaded afresh


def test_no_demo_answer_contradicts_its_records(db: Any) -> None:
    """Every answer a record rule decides, of every demo school, in both periods, is what the records say (issue
    #18 acceptance): the closed 2023 keeps what it wrote at closing, the open 2024 reads the records live."""
    municipality = _base(db)
    _records(municipality)
    load_monitoring_demo(municipality, lambda s: None)
    checked = 0
    for period in MonitoringPeriod.objects.filter(municipality=municipality).order_by("year"):
        data = derive.load(period)
        assert data.contradictions == [], period.year
        recs = records.load_records(period)
        detail = {
            (v.indicator_id, v.subitem, v.school_id): v for v in IndicatorValue.objects.filter(period=period)
        }
        for ind in data.indicators:
            for level, slots in (("school", ind.school_slots), ("municipal", ind.municipal_slots)):
                for sub in slots:
                    rule = ind.record_rule(sub, level)
                    if rule is None:
                        continue
                    schools = [None] if level == "municipal" else derive.target_ids(data, ind, "", sub)
                    for school_id in schools:
                        answer = records.decide(recs, rule, school_id, ind.code, sub)
                        if (
                            answer is None
                        ):  # «yes_only» and no record: the school types (nothing to contradict)
                            continue
                        if period.is_open:
                            got = data.answers[(ind.pk, sub, school_id)].value
                        else:
                            stored = detail[(ind.pk, sub, school_id)]
                            assert stored.origin == "system", (period.year, ind.code, sub, school_id)
                            got = stored.bool_value
                        assert got == answer.value, (period.year, ind.code, sub, school_id)
                        checked += 1
    assert (
        checked > 50
    )  # 1.1 (2 slots), 1.3, 3.8 «Конструктор», 4.1, 5.4 … for each target school, both years


def test_oosh1_answers_1_3_and_the_constructor_yes_from_its_approved_shppko(db: Any) -> None:
    municipality = _base(db)
    _records(municipality)
    load_monitoring_demo(municipality, lambda s: None)
    school = School.objects.get(code="MNS-OOSH01")
    for period in MonitoringPeriod.objects.filter(municipality=municipality):
        detail = derive.school_detail(period, school.pk)
        for code, sub in (("1.3", ""), ("3.8", "constructor")):
            ind = period.indicator_set.indicators.get(code=code)
            value = detail[(ind.pk, sub)]
            assert (value.bool_value, value.origin) == (True, "system"), (period.year, code)
            assert "ШППКО 2023–2025, версия 1 (утверждена" in value.text
            assert value.links and value.links[0].startswith("/programs/")
