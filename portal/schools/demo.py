"""The demo municipality «г. Минусинск (демо)»: 13 synthetic schools and one demo user per role.

All data here is synthetic. School names follow the seeds (ООШ № 1, СОШ № 2, … О(С)ОШ № 14, СОШ № 47) so the
program's documents read naturally, but every number and person is invented and marked «демо».
Later features add their demo data through ``DEMO_EXTENSIONS``.
"""

from __future__ import annotations

import csv
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from portal.accounts.models import Role
from portal.accounts.services import ensure_user, grant_role
from portal.schools.models import Municipality, Region, School
from portal.schools.services import ensure_academic_years, upsert_municipality, upsert_region, upsert_school

REGION_CODE = "demo-krasnoyarsk"
MUNICIPALITY_CODE = "demo-minusinsk"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role | None
    scope: str  # "region", "municipality", a school code, or "" for the administrator
    first_name: str
    last_name: str
    password: str


#: Callables run after the base demo is loaded: ``fn(municipality, stdout_write)``. Features register here.
DEMO_EXTENSIONS: list[Callable[[Municipality, Callable[[str], Any]], None]] = []

ACCOUNTS = [
    ("demo-coordinator", Role.COORDINATOR, "municipality", "Координатор", "Демонстрационный"),
    ("demo-methodist", Role.METHOD_CENTRE, "municipality", "Методист", "Демонстрационный"),
    ("demo-school1", Role.SCHOOL_TEAM, "MNS-OOSH01", "Директор ООШ № 1", "(демо)"),
    ("demo-school2", Role.SCHOOL_TEAM, "MNS-SOSH02", "Директор СОШ № 2", "(демо)"),
    ("demo-region", Role.REGION_VIEWER, "region", "Наблюдатель региона", "(демо)"),
    ("demo-region-coordinator", Role.REGION_COORDINATOR, "region", "Региональный координатор", "(демо)"),
    ("demo-admin", None, "", "Администратор", "(демо)"),
]


def demo_school_rows() -> list[dict[str, str]]:
    """The 13 demo schools, from the data file shared with the analytics core's synthetic generator."""
    text = resources.files("opora").joinpath("data/demo/minusinsk_schools.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def new_password() -> str:
    """A random demo password that passes the site's own password policy (AUTH_PASSWORD_VALIDATORS): a random
    string may lack a digit, which the policy (portal/accounts/validators.py) refuses."""
    while True:
        candidate = secrets.token_urlsafe(9)
        try:
            validate_password(candidate)
        except ValidationError:
            continue
        return candidate


def load_demo(
    *, password: str | None = None, write: Callable[[str], Any] = print, extensions: bool = True
) -> list[DemoAccount]:
    """Create or refresh the demo region, municipality, schools and users; return the accounts with passwords.

    Idempotent: running it again keeps the data and sets new passwords (printed by the command).
    """
    accounts: list[DemoAccount] = []
    with transaction.atomic():
        region = upsert_region(REGION_CODE, by=None, name="Красноярский край (демо)", is_demo=True)
        municipality = upsert_municipality(
            MUNICIPALITY_CODE,
            by=None,
            region=region,
            name="г. Минусинск (демо)",
            authority_name="Управление образования администрации г. Минусинска (демонстрационные данные)",
            is_demo=True,
        )
        for order, row in enumerate(demo_school_rows(), start=1):
            upsert_school(
                row["code"],
                by=None,
                municipality=municipality,
                name=row["name"],
                short_name=row["short_name"],
                kind=row["kind"],
                locality=row["locality"],
                students=int(row["students"]),
                address=row["address"],
                site_url=row["site"],
                sort_key=order,
            )
        ensure_academic_years(range(2020, 2026), current=2025, by=None)
        for username, role, scope, first, last in ACCOUNTS:
            pw = password or new_password()
            user = ensure_user(
                username,
                password=pw,
                by=None,
                first_name=first,
                last_name=last,
                is_staff=role is None,
                is_superuser=role is None,
            )
            if role is not None:
                target = _scope(scope, region, municipality)
                grant_role(user, role, target, by=None)
            accounts.append(DemoAccount(username, role, scope, first, last, pw))
        for extend in DEMO_EXTENSIONS if extensions else []:
            extend(municipality, write)
    return accounts


def _scope(scope: str, region: Region, municipality: Municipality) -> Region | Municipality | School:
    if scope == "region":
        return region
    if scope == "municipality":
        return municipality
    return School.objects.get(code=scope)
