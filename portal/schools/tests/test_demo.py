"""The demo municipality: 13 synthetic schools named as in the seeds, one user per role, idempotent."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command

from portal.accounts.models import Role, RoleAssignment, User
from portal.accounts.permissions import has_perm
from portal.audit.models import AuditEntry
from portal.schools.models import AcademicYear, Municipality, School

# Schools the seeds name (SEED-B Прил. 2; SEED-A §2); the other seven complete the 13 of SEED-A §2.
SEED_SCHOOLS = {"ООШ № 1", "СОШ № 2", "СОШ № 3", "СОШ № 5", "О(С)ОШ № 14", "СОШ № 47"}


def test_it_loads_thirteen_labelled_demo_schools_and_a_user_per_role(db: Any, capsys: Any) -> None:
    call_command("load_demo", password="demo-test-pass-1", skip_extensions=True)
    municipality = Municipality.objects.get(name="г. Минусинск (демо)")
    assert municipality.is_demo and municipality.region.is_demo
    schools = School.objects.filter(municipality=municipality)
    assert schools.count() == 13
    assert set(schools.values_list("short_name", flat=True)) >= SEED_SCHOOLS
    assert all("(демо)" in s.name for s in schools)
    assert {a.role for a in RoleAssignment.objects.all()} == set(Role.values)
    assert AcademicYear.objects.get(is_current=True).label == "2025/2026"
    out = capsys.readouterr().out
    assert "demo-coordinator" in out and "demo-test-pass-1" in out
    team = User.objects.get(username="demo-school1")
    assert team.check_password("demo-test-pass-1")
    assert has_perm(team, "school.edit", School.objects.get(code="MNS-OOSH01"))
    assert not has_perm(team, "school.edit", School.objects.get(code="MNS-SOSH02"))
    assert (
        AuditEntry.objects.filter(action="schools.school.created", source=AuditEntry.Source.SYSTEM).count()
        == 13
    )


def test_it_is_idempotent_and_renews_passwords(db: Any) -> None:
    call_command("load_demo", password="first-pass-123", skip_extensions=True)
    entries = AuditEntry.objects.count()
    call_command("load_demo", password="second-pass-456", skip_extensions=True)
    assert School.objects.count() == 13
    assert RoleAssignment.objects.count() == 6  # every demo account but the administrator holds one role
    assert User.objects.get(username="demo-coordinator").check_password("second-pass-456")
    # The second run changes no school, so it logs only the password resets of the seven users.
    assert AuditEntry.objects.count() - entries == 7


def test_generated_demo_passwords_pass_the_password_policy() -> None:
    from django.contrib.auth.password_validation import validate_password

    from portal.schools.demo import new_password

    # A bare token_urlsafe(9) — 12 characters of 64, 10 of them digits — lacks a digit with probability
    # (54/64)^12 ≈ 0.13: in 200 draws such a password would almost surely appear.
    passwords = [new_password() for _ in range(200)]
    for pw in passwords:
        validate_password(pw)  # raises ValidationError on a password the policy refuses
    assert all(
        len(pw) >= 10 and any(c.isdigit() for c in pw) and any(c.isalpha() for c in pw) for pw in passwords
    )
