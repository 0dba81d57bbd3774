"""The demo: pseudonymous teachers (10–25 per school) with records for 2023 and 2024, fed into the 2024 period."""

from __future__ import annotations

import re
from typing import Any

from portal.demo.base import MUNICIPALITY_CODE
from portal.demo.registry import loaders
from portal.demo.services import load_demo
from portal.schools.models import Municipality
from portal.staff.demo import load_staff_demo
from portal.staff.models import Course, SupportVisit, Teacher


def test_it_is_registered_as_a_demo_extension() -> None:
    assert load_staff_demo in [loader.func for loader in loaders()]


def test_it_gives_each_demo_school_pseudonymous_teachers(db: Any) -> None:
    load_demo(password="demo-test-pass-1", write=lambda s: None, extensions=False)
    municipality = Municipality.objects.get(code=MUNICIPALITY_CODE)
    lines: list[str] = []
    load_staff_demo(municipality, lines.append)
    for school in municipality.schools.all():
        assert 10 <= Teacher.objects.filter(school=school).count() <= 25
    assert all(
        re.fullmatch(r"Педагог \d+ \(демо\)", n) for n in Teacher.objects.values_list("name", flat=True)
    )
    assert set(Course.objects.values_list("year", flat=True)) == {2023, 2024}
    assert SupportVisit.objects.exists()
    count = Teacher.objects.count()
    load_staff_demo(municipality, lines.append)  # a second load adds nothing
    assert Teacher.objects.count() == count
    assert "уже загружены" in lines[-1]
