"""The demo monitoring: 2023 closed and 2024 open for «г. Минусинск (демо)», deterministic values."""

from __future__ import annotations

from typing import Any

from portal.audit.models import AuditEntry
from portal.demo.base import MUNICIPALITY_CODE
from portal.demo.registry import loaders
from portal.demo.services import load_demo
from portal.identification.models import IdentificationRun, SchoolOutcome
from portal.monitoring import derive
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
    assert p2023.frozen and "2023" in lines[0]
    first = _values()
    entries = AuditEntry.objects.count()
    load_monitoring_demo(municipality, lines.append)
    assert _values() == first  # a second load keeps the periods…
    assert AuditEntry.objects.count() == entries  # …and writes nothing
    MonitoringPeriod.objects.filter(municipality=municipality).delete()
    load_monitoring_demo(municipality, lines.append)
    assert _values() == first  # seeded: the same numbers when loaded afresh
