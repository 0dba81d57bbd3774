"""The demo region «Красноярский край (демо)» and its municipality «г. Минусинск (демо)» with 13 schools.

All data here is synthetic. School names follow the seeds (ООШ № 1, СОШ № 2, … О(С)ОШ № 14, СОШ № 47) so the
program's documents read naturally, but every number and person is invented and marked «демо». Objects that
exist already are left as they are (a user may have edited them); only missing ones are created.
"""

from __future__ import annotations

import csv
import datetime
from importlib import resources
from typing import Any

from django.db import transaction
from django.utils import timezone

from portal.schools.models import AcademicYear, Municipality, Region, School
from portal.schools.services import ensure_academic_years, upsert_municipality, upsert_region, upsert_school

REGION_CODE = "demo-krasnoyarsk"
MUNICIPALITY_CODE = "demo-minusinsk"


def demo_school_rows() -> list[dict[str, str]]:
    """The 13 demo schools, from the data file shared with the analytics core's synthetic generator."""
    text = resources.files("opora").joinpath("data/demo/minusinsk_schools.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def current_school_year(today: datetime.date | None = None) -> int:
    """The start year of the school year under way (1 September – 31 August)."""
    today = today or timezone.localdate()
    return today.year if today.month >= 9 else today.year - 1


def ensure_region() -> Region:
    region = Region.objects.filter(code=REGION_CODE).first()
    return region or upsert_region(REGION_CODE, by=None, name="Красноярский край (демо)", is_demo=True)


def ensure_municipality(region: Region, code: str, *, name: str, authority: str) -> Municipality:
    municipality = Municipality.objects.filter(code=code).first()
    return municipality or upsert_municipality(
        code, by=None, region=region, name=name, authority_name=authority, is_demo=True
    )


def ensure_school(municipality: Municipality, code: str, **fields: Any) -> School:
    school = School.objects.filter(code=code).first()
    return school or upsert_school(code, by=None, municipality=municipality, **fields)


def load_base() -> tuple[Region, Municipality, str]:
    """The region, «г. Минусинск (демо)», its 13 schools and the academic years up to the current one."""
    with transaction.atomic():
        region = ensure_region()
        municipality = ensure_municipality(
            region,
            MUNICIPALITY_CODE,
            name="г. Минусинск (демо)",
            authority="Управление образования администрации г. Минусинска (демонстрационные данные)",
        )
        for order, row in enumerate(demo_school_rows(), start=1):
            ensure_school(
                municipality,
                row["code"],
                name=row["name"],
                short_name=row["short_name"],
                kind=row["kind"],
                locality=row["locality"],
                students=int(row["students"]),
                address=row["address"],
                site_url=row["site"],
                sort_key=order,
            )
        current = current_school_year()
        if AcademicYear.objects.filter(is_current=True).exists():
            # Someone chose the current year already: only the missing years are added.
            for start in range(2020, current + 1):
                AcademicYear.objects.get_or_create(start_year=start)
        else:
            ensure_academic_years(range(2020, current + 1), current=current, by=None)
    return region, municipality, f"{municipality}: 13 школ"
