"""The demo: risk profiles 2023 of the 13 demo schools and an approved ШППКО of ООШ № 1."""

from __future__ import annotations

from typing import Any

from portal.audit.models import AuditEntry
from portal.demo.base import MUNICIPALITY_CODE
from portal.demo.registry import loaders
from portal.demo.services import load_demo
from portal.identification.demo import load_identification_demo
from portal.programs import services
from portal.programs.demo import load_programs_demo
from portal.programs.models import Program, RiskLevel, RiskProfile
from portal.schools.models import Municipality


def test_it_is_registered_after_the_identification_demo() -> None:
    assert load_programs_demo in [loader.func for loader in loaders()]
    order = [loader.func for loader in loaders()]
    assert order.index(load_identification_demo) < order.index(load_programs_demo)


def test_it_gives_profiles_and_an_approved_program_of_oosh1(db: Any) -> None:
    load_demo(password="demo-test-pass-1", write=lambda s: None, extensions=False)
    municipality = Municipality.objects.get(code=MUNICIPALITY_CODE)
    load_identification_demo(municipality, lambda s: None)  # the municipal risk inputs 2021–2023
    lines: list[str] = []
    load_programs_demo(municipality, lines.append)
    assert RiskProfile.objects.filter(year=2023).count() == 13
    # every school has all eight core factors, four of them computed from the demo's risk inputs
    assert RiskLevel.objects.filter(profile__year=2023).count() == 13 * 8
    assert RiskLevel.objects.filter(source="computed").count() == 13 * 4
    program = Program.objects.get(school__code="MNS-OOSH01")
    assert (program.kind, program.status, program.version) == ("shppko", "approved", 1)
    assert all(i.ok for i in services.check(program))
    # ООШ № 1 is ШНОР and at risk in the published 2023 run (the seeds' list)
    assert "low_results" in program.snapshot["categories"]
    assert "утверждена" in lines[0]
    entries = AuditEntry.objects.count()
    load_programs_demo(municipality, lines.append)  # idempotent
    assert AuditEntry.objects.count() == entries
    assert Program.objects.count() == 1
