"""The demo: loaded once, step by step; a second load changes nothing users made; passwords generated once."""

from __future__ import annotations

import datetime
import io
import stat
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from portal.accounts.models import Role, RoleAssignment, User
from portal.accounts.permissions import has_perm
from portal.audit.models import AuditEntry
from portal.demo import registry
from portal.demo.accounts import USERNAMES, new_password, read_passwords
from portal.demo.base import MUNICIPALITY_CODE, REGION_CODE, current_school_year
from portal.demo.models import DemoStep
from portal.demo.services import load_demo
from portal.schools.models import AcademicYear, Municipality, School

# Schools the seeds name (SEED-B Прил. 2; SEED-A §2); the other seven complete the 13 of SEED-A §2.
SEED_SCHOOLS = {"ООШ № 1", "СОШ № 2", "СОШ № 3", "СОШ № 5", "О(С)ОШ № 14", "СОШ № 47"}


@pytest.fixture(autouse=True)
def _passwords_file(settings: Any, tmp_path: Path) -> Path:
    settings.OPORA_DEMO_PASSWORDS_FILE = tmp_path / "var" / "demo-passwords.json"
    return settings.OPORA_DEMO_PASSWORDS_FILE


def _quiet(line: str) -> None:
    pass


def _command(*args: str, **options: Any) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


def test_it_loads_thirteen_labelled_demo_schools_and_a_user_per_role(db: Any) -> None:
    out = _command("load_demo", password="demo-test-pass-1", skip_extensions=True)
    municipality = Municipality.objects.get(name="г. Минусинск (демо)")
    assert municipality.is_demo and municipality.region.is_demo
    schools = School.objects.filter(municipality=municipality)
    assert schools.count() == 13
    assert set(schools.values_list("short_name", flat=True)) >= SEED_SCHOOLS
    assert all("(демо)" in s.name for s in schools)
    assert {a.role for a in RoleAssignment.objects.all()} == set(Role.values)
    # The current school year is the one under way today (1 September – 31 August), not a fixed one.
    start = current_school_year()
    assert AcademicYear.objects.get(is_current=True).label == f"{start}/{start + 1}"
    assert "demo-coordinator" in out and "demo-test-pass-1" in out
    team = User.objects.get(username="demo-school1")
    assert team.check_password("demo-test-pass-1")
    assert has_perm(team, "school.edit", School.objects.get(code="MNS-OOSH01"))
    assert not has_perm(team, "school.edit", School.objects.get(code="MNS-SOSH02"))
    assert (
        AuditEntry.objects.filter(action="schools.school.created", source=AuditEntry.Source.SYSTEM).count()
        == 13
    )
    assert set(DemoStep.objects.values_list("key", flat=True)) == {"base", "accounts"}


def test_current_school_year_turns_on_the_first_of_september() -> None:
    assert current_school_year(datetime.date(2026, 8, 31)) == 2025
    assert current_school_year(datetime.date(2026, 9, 1)) == 2026


def test_generated_passwords_are_made_once_kept_in_a_private_file_and_shown_again(
    db: Any, _passwords_file: Path
) -> None:
    first = _command("load_demo", skip_extensions=True)
    stored = read_passwords()
    assert set(stored) == set(USERNAMES)
    assert stat.S_IMODE(_passwords_file.stat().st_mode) == 0o600  # readable by its owner only
    for username, password in stored.items():
        assert User.objects.get(username=username).check_password(password)  # hashed in the database
        assert f"пароль: {password}" in first
    entries = AuditEntry.objects.count()
    second = _command("load_demo", skip_extensions=True)
    assert read_passwords() == stored  # the same passwords…
    assert AuditEntry.objects.count() == entries  # …and nothing written at all
    assert "Демо-данные уже загружены" in second
    shown = _command("demo_passwords")
    for username, password in stored.items():
        assert username in shown and password in shown
        assert User.objects.get(username=username).check_password(password)


def test_a_password_changed_on_the_site_is_left_alone_and_not_shown(db: Any) -> None:
    _command("load_demo", skip_extensions=True)
    old = read_passwords()["demo-coordinator"]
    user = User.objects.get(username="demo-coordinator")
    user.set_password("changed-by-hand-42")
    user.save()
    out = _command("load_demo", skip_extensions=True)
    assert User.objects.get(username="demo-coordinator").check_password("changed-by-hand-42")
    line = next(x for x in out.splitlines() if "demo-coordinator" in x)
    assert old not in line and "изменён на сайте" in line


def test_an_explicit_password_is_set_for_every_demo_user_and_not_stored(
    db: Any, monkeypatch: pytest.MonkeyPatch, _passwords_file: Path
) -> None:
    _command("load_demo", skip_extensions=True)
    generated = read_passwords()
    monkeypatch.setenv("OPORA_DEMO_PASSWORD", "shared-demo-pass-7")
    out = _command("load_demo", skip_extensions=True)
    assert all(User.objects.get(username=u).check_password("shared-demo-pass-7") for u in USERNAMES)
    assert "shared-demo-pass-7" in out and read_passwords() == generated
    entries = AuditEntry.objects.count()
    _command("load_demo", skip_extensions=True)
    assert AuditEntry.objects.count() == entries  # already set: not set again
    assert "OPORA_DEMO_PASSWORD" in _command("demo_passwords")


def test_demo_passwords_without_a_demo_says_what_to_do(db: Any) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="сначала загрузите демо-данные"):
        _command("demo_passwords")


def test_generated_demo_passwords_pass_the_password_policy() -> None:
    from django.contrib.auth.password_validation import validate_password

    # A bare token_urlsafe(9) — 12 characters of 64, 10 of them digits — lacks a digit with probability
    # (54/64)^12 ≈ 0.13: in 200 draws such a password would almost surely appear.
    passwords = [new_password() for _ in range(200)]
    for pw in passwords:
        validate_password(pw)  # raises ValidationError on a password the policy refuses
    assert all(
        len(pw) >= 10 and any(c.isdigit() for c in pw) and any(c.isalpha() for c in pw) for pw in passwords
    )


def test_a_demo_loaded_by_an_older_version_is_adopted_not_reloaded(db: Any) -> None:
    load_demo(password="demo-test-pass-1", write=_quiet, extensions=False)
    DemoStep.objects.all().delete()  # as an older version left it: data, no steps
    school = School.objects.get(code="MNS-SOSH02")
    school.students = 700
    school.save()
    lines: list[str] = []
    load_demo(password="demo-test-pass-1", write=lines.append, extensions=False)
    assert School.objects.get(code="MNS-SOSH02").students == 700
    assert "прежней версией" in lines[0]
    expected = {"base", "accounts"} | {f"{loader.name}@{MUNICIPALITY_CODE}" for loader in registry.loaders()}
    assert set(DemoStep.objects.values_list("key", flat=True)) == expected


def test_the_apps_register_their_loaders_in_the_order_their_data_needs() -> None:
    names = [loader.name for loader in registry.loaders()]
    # monitoring after the records its answers come from (issue #18); staff after monitoring (it feeds its periods)
    assert names == ["identification", "programs", "roadmap", "public", "documents", "monitoring", "staff"]
    assert {loader.name for loader in registry.loaders() if loader.everywhere} == {"monitoring", "roadmap"}


def test_base_apps_do_not_know_the_demo() -> None:
    """The orchestration lives in portal.demo: the base app ``schools`` imports nothing above it (issue 17)."""
    root = Path(apps.get_app_config("schools").path)
    offenders = [
        str(p.relative_to(root)) for p in root.rglob("*.py") if "portal.demo" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []


def _user_data() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (but sessions), in a comparable form."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    for model in apps.get_models():
        if model._meta.label in ("sessions.Session",):
            continue
        fields = [f.attname for f in model._meta.concrete_fields]
        rows = model.objects.order_by("pk").values_list(*fields)
        out[model._meta.label] = [
            tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in rows
        ]
    return out


@pytest.mark.django_db(transaction=True)
def test_a_second_load_changes_nothing_users_made(settings: Any, tmp_path: Path) -> None:
    """Load the whole demo, use it as people would (edit, publish, delete, upload), load again: nothing moves."""
    from portal.identification.models import IdentificationRun, SchoolOutcome
    from portal.identification.services import publish_run, run_identification
    from portal.monitoring.models import MonitoringPeriod
    from portal.public.models import PublicDocument
    from portal.results.models import ReferenceDataset
    from portal.roadmap import services as roadmap
    from portal.roadmap.models import RoadmapEntry, Status
    from portal.schools.services import update_school

    settings.MEDIA_ROOT = tmp_path / "media"
    load_demo(write=_quiet)
    coordinator = User.objects.get(username="demo-coordinator")
    minusinsk = Municipality.objects.get(code=MUNICIPALITY_CODE)

    # The region: three municipalities, each with a published identification and an open monitoring period
    # whose deadline is ahead (dates are relative to the day the demo is loaded).
    municipalities = Municipality.objects.filter(region__code=REGION_CODE)
    assert municipalities.count() == 3
    today = timezone.localdate()
    for m in municipalities:
        assert IdentificationRun.objects.filter(municipality=m, status="published", year=2023).exists()
        period = MonitoringPeriod.objects.get(municipality=m, status="open")
        assert period.deadline is not None and period.deadline > today
    extras = SchoolOutcome.objects.filter(run__municipality__region__code=REGION_CODE).exclude(
        run__municipality=minusinsk
    )
    assert any("low_results" in (o.categories or []) for o in extras)  # a comparison worth making

    # Nothing in any roadmap of the demo (municipal, schools', the ШППКО's) is overdue by more than a few months.
    from opora.roadmap_tracking import overdue_since
    from portal.roadmap.demo import MAX_OVERDUE_DAYS

    late = [
        (today - since).days
        for status, due in RoadmapEntry.objects.filter(
            item__municipality__region__code=REGION_CODE
        ).values_list("status", "due_dates")
        if (since := overdue_since(status, [datetime.date.fromisoformat(d) for d in due or []], today))
    ]
    assert late and max(late) <= MAX_OVERDUE_DAYS + 1

    # What users do: edit a school, publish another run, mark a roadmap entry, delete a demo document.
    update_school(School.objects.get(code="MNS-SOSH02"), {"students": 700}, by=coordinator)
    reference = ReferenceDataset.objects.filter(municipality=minusinsk).first()
    publish_run(run_identification(minusinsk, 2022, by=coordinator, reference=reference), by=coordinator)
    entry = RoadmapEntry.objects.filter(item__municipality=minusinsk, status=Status.PLANNED).first()
    assert entry is not None
    roadmap.set_status(entry, Status.IN_PROGRESS, by=coordinator, comment="Начали (пользователь).")
    PublicDocument.objects.filter(municipality=minusinsk).first().delete()  # type: ignore[union-attr]
    coordinator.set_password("my-own-password-5")
    coordinator.save()

    before = _user_data()
    load_demo(write=_quiet)
    after = _user_data()
    assert after == before
    assert School.objects.get(code="MNS-SOSH02").students == 700
    assert User.objects.get(username="demo-coordinator").check_password("my-own-password-5")
