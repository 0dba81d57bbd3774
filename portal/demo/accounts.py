"""Demo users: one per role, created once; their passwords generated once and kept in a private file.

The passwords are stored hashed in the database like any other, and in plain text only in
``OPORA_DEMO_PASSWORDS_FILE`` (default ``var/demo-passwords.json``, permissions 0600), so that
``manage.py demo_passwords`` and every ``make run`` can show them again. A password given explicitly
(``OPORA_DEMO_PASSWORD`` or ``--password``) is set for every demo user instead and is not written to the file.
A password changed on the site is left alone: the command says so instead of showing a stale one.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from portal.accounts.models import Role, User
from portal.accounts.services import ensure_user, grant_role
from portal.audit.services import record
from portal.schools.models import Municipality, Region, School

#: username, role (None: the administrator), scope ("region", "municipality" or a school code), names.
ACCOUNTS: list[tuple[str, Role | None, str, str, str]] = [
    ("demo-coordinator", Role.COORDINATOR, "municipality", "Координатор", "Демонстрационный"),
    ("demo-methodist", Role.METHOD_CENTRE, "municipality", "Методист", "Демонстрационный"),
    ("demo-school1", Role.SCHOOL_TEAM, "MNS-OOSH01", "Директор ООШ № 1", "(демо)"),
    ("demo-school2", Role.SCHOOL_TEAM, "MNS-SOSH02", "Директор СОШ № 2", "(демо)"),
    ("demo-region", Role.REGION_VIEWER, "region", "Наблюдатель региона", "(демо)"),
    ("demo-region-coordinator", Role.REGION_COORDINATOR, "region", "Региональный координатор", "(демо)"),
    ("demo-admin", None, "", "Администратор", "(демо)"),
]
USERNAMES = [a[0] for a in ACCOUNTS]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role | None
    password: str  # empty when it cannot be shown (changed on the site, or the user is gone)
    note: str = ""  # why the password is not shown, in Russian

    @property
    def role_label(self) -> str:
        return self.role.label if self.role else "Администратор (суперпользователь)"


def passwords_file() -> Path:
    return Path(getattr(settings, "OPORA_DEMO_PASSWORDS_FILE", settings.VAR_DIR / "demo-passwords.json"))


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


def read_passwords() -> dict[str, str]:
    path = passwords_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def write_passwords(passwords: dict[str, str]) -> None:
    """Write the file readable by its owner only (0600), replacing it atomically."""
    path = passwords_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(passwords, f, ensure_ascii=False, indent=2)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def _scope(scope: str, region: Region, municipality: Municipality) -> Region | Municipality | School:
    if scope == "region":
        return region
    if scope == "municipality":
        return municipality
    return School.objects.get(code=scope)


def create_accounts(region: Region, municipality: Municipality, *, password: str | None) -> str:
    """Create the demo users that do not exist yet, with their roles; an existing user is not touched."""
    stored = read_passwords()
    created = 0
    with transaction.atomic():
        for username, role, scope, first, last in ACCOUNTS:
            if User.objects.filter(username=username).exists():
                continue
            pw = password or stored.get(username) or new_password()
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
                grant_role(user, role, _scope(scope, region, municipality), by=None)
            if not password:
                stored[username] = pw
            created += 1
    if not password:
        write_passwords(stored)
    return f"демо-пользователей создано: {created}"


def accounts(*, password: str | None, apply: bool = True) -> list[DemoAccount]:
    """The demo accounts with the passwords to show; an explicit ``password`` is set where it differs.

    Without one, the generated password of each user is shown if it still opens the account; a user whose
    password was changed on the site (or who was deleted) is listed with a note instead. A user without a
    generated password yet (created with an explicit one) gets one now, kept from then on. ``apply=False``
    (only showing them) changes nothing and says which passwords it cannot show.
    """
    stored = {} if password else read_passwords()
    users = {u.username: u for u in User.objects.filter(username__in=USERNAMES)}
    out = []
    changed = False
    for username, role, *_ in ACCOUNTS:
        user = users.get(username)
        if user is None:
            out.append(DemoAccount(username, role, "", "пользователь удалён"))
            continue
        if password:
            if user.check_password(password):
                out.append(DemoAccount(username, role, password))
            elif apply:
                _set_password(user, password)
                out.append(DemoAccount(username, role, password))
            else:
                out.append(
                    DemoAccount(username, role, "", "пароль отличается от заданного (изменён на сайте)")
                )
        elif username not in stored and not apply:
            out.append(DemoAccount(username, role, "", "пароль не сохранён: запустите load_demo"))
        elif username not in stored:
            # Never generated here (an explicit password before, or an older version that did not keep them):
            # generate it now, once, and keep it.
            stored[username] = new_password()
            _set_password(user, stored[username])
            changed = True
            out.append(DemoAccount(username, role, stored[username]))
        elif user.check_password(stored[username]):
            out.append(DemoAccount(username, role, stored[username]))
        else:
            out.append(DemoAccount(username, role, "", "пароль изменён на сайте — действует новый"))
    if changed:
        write_passwords(stored)
    return out


def _set_password(user: User, password: str) -> None:
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        record(user, "accounts.user.changed", by=None, data={"password_set": True})


def print_accounts(rows: list[DemoAccount], write: Any) -> None:
    width = max(len(a.username) for a in rows)
    for a in rows:
        shown = f"пароль: {a.password}" if a.password else f"пароль не показан: {a.note}"
        write(f"  {a.username.ljust(width)}  {shown}   {a.role_label}")
