"""Security events in the audit log: logins, logouts, failed logins and password changes.

Only logins made by a request from the network are recorded (a login form post carries ``REMOTE_ADDR``); the
programmatic logins of scripts and tests (``Client.force_login``) are not user sign-ins. Each entry is placed in the
scope of the user's role (municipality, school or region), so the coordinator who may read that log sees it.

A password change made outside ``accounts.services.ensure_user`` (which logs it itself: ``data.password_set``) — the
admin's password form, ``manage.py changepassword``, a shell — is recorded as ``accounts.user.password_changed``
when its transaction commits. Role grants are logged by ``accounts.services.grant_role`` and by the admin.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from portal.audit.models import AuditEntry
from portal.audit.services import record


def _from_network(request: HttpRequest | None) -> bool:
    # a real request always has REMOTE_ADDR (empty behind gunicorn's unix socket); a bare HttpRequest has none
    return request is not None and "REMOTE_ADDR" in request.META


def _address(request: HttpRequest) -> str:
    from portal.accounts.throttle import client_address

    return client_address(request)


def _with_scope(user: Any) -> Any:
    """Attach (region_id, municipality_id, school_id) of the user's roles when they lie in one place."""
    from portal.accounts.models import RoleAssignment

    rows = list(
        RoleAssignment.objects.filter(user=user).values_list(
            "region_id", "municipality_id", "school_id", "school__municipality_id"
        )
    )
    regions = {r for r, _, _, _ in rows if r}
    municipalities = {m or sm for _, m, _, sm in rows if m or sm}
    schools = {s for _, _, s, _ in rows if s}
    user._audit_scope = (
        next(iter(regions)) if len(regions) == 1 and not municipalities else None,
        next(iter(municipalities)) if len(municipalities) == 1 else None,
        next(iter(schools)) if len(schools) == 1 and len(municipalities) == 1 else None,
    )
    return user


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if _from_network(request):
        record(_with_scope(user), "accounts.user.logged_in", by=user, data={"address": _address(request)})  # type: ignore[arg-type]


@receiver(user_logged_out)
def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None and _from_network(request):
        record(_with_scope(user), "accounts.user.logged_out", by=user, data={"address": _address(request)})  # type: ignore[arg-type]


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if not _from_network(request):
        return
    User = get_user_model()
    username = str(credentials.get("username", ""))[:150]
    user = User.objects.filter(username=username).first()
    data = {"username": username, "address": _address(request)}  # type: ignore[arg-type]
    if user is not None:
        record(_with_scope(user), "accounts.user.login_failed", by=None, data=data)
        return
    # an unknown login name: no object to point at, only what was typed
    AuditEntry.objects.create(
        actor=None,
        actor_repr="аноним",
        source=AuditEntry.Source.SYSTEM,
        action="accounts.user.login_failed",
        content_type=ContentType.objects.get_for_model(User),
        object_repr=f"неизвестный логин «{username}»"[:300],
        data=data,
    )


@receiver(pre_save, sender="accounts.User")
def _password_being_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    # set_password() keeps the raw password in _password until the save; a new user is logged by its creator
    instance._audit_password_changed = bool(not raw and instance.pk and getattr(instance, "_password", None))


@receiver(post_save, sender="accounts.User")
def _password_changed(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created or not getattr(instance, "_audit_password_changed", False):
        return
    instance._audit_password_changed = False
    pk, since = instance.pk, timezone.now() - datetime.timedelta(seconds=1)
    transaction.on_commit(lambda: _record_password_change(sender, pk, since))


def _record_password_change(model: Any, pk: Any, since: datetime.datetime) -> None:
    already = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=str(pk), at__gte=since
    ).filter(data__password_set=True)
    user = model.objects.filter(pk=pk).first()
    if user is None or already.exists():
        return
    record(_with_scope(user), "accounts.user.password_changed", by=None, data={"password_set": True})
