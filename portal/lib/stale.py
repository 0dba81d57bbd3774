"""Edit forms refuse stale saves instead of overwriting (optimistic concurrency), one mechanism for all of them.

A form carries, in a hidden field, a signed snapshot of the values it was loaded with. On save, the service
reads the current values *inside its transaction, after locking the row that owns them* and compares them with
the snapshot. If anything changed meanwhile, the save is refused with ``StaleEdit``: its Russian message lists
each value that changed (label, the value the form was loaded with, the value now), and the view renders the form
again with what the user typed and a fresh snapshot, so that nothing typed is lost and a second save, made after
reading the list, goes through.

Use::

    # view, GET and re-render
    context["loaded_state"] = stale.seal(services.form_state(obj))
    # template: {% include "includes/stale.html" %} inside the <form> (hidden field + the list of changes)
    # view, POST
    services.save(obj, data, expected=stale.expected(request.POST), by=request.user)
    # service, inside transaction.atomic() after select_for_update() of the owning row
    stale.check(expected, form_state(locked), labels)

A request without the hidden field (API, management commands, the Excel import) is not guarded: those writes
replace values on purpose and are audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core import signing

FIELD = "loaded_state"
_SALT = "opora.stale"

__all__ = ["FIELD", "Change", "StaleEdit", "check", "expected", "seal", "shown"]


def _plain(value: Any) -> Any:
    """A JSON-safe value that compares equal for equal data (Decimal, dates, sets, tuples)."""
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, float):
        return value if value == value else None
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value.is_finite() else None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, set | frozenset):
        return sorted((_plain(v) for v in value), key=repr)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def seal(state: Mapping[str, Any]) -> str:
    """The hidden field's value: the state the form shows, signed so that it cannot be forged."""
    return signing.dumps(_plain(state), salt=_SALT, compress=True)


def expected(data: Mapping[str, Any]) -> str | None:
    """The snapshot a submitted form carries (``request.POST``), or ``None`` when it carries none."""
    token = data.get(FIELD)
    return token if isinstance(token, str) and token else None


def shown(value: Any) -> str:
    """A stored value as a user reads it in the list of changes."""
    if value is True:
        return "да"
    if value is False:
        return "нет"
    if value is None or value == "" or value == []:
        return "пусто"
    if isinstance(value, list):
        return "; ".join(shown(v) for v in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {shown(v)}" for k, v in value.items() if v not in (None, "", []))
    text = str(value)
    if isinstance(value, float | Decimal) or text.replace(".", "", 1).lstrip("-").isdigit():
        text = text.replace(".", ",")
    return text


@dataclass(frozen=True)
class Change:
    """One value another user changed after the form was loaded."""

    key: str
    label: str
    loaded: str
    current: str

    def __str__(self) -> str:
        return f"{self.label}: было «{self.loaded}», теперь «{self.current}»"


class StaleEdit(Exception):
    """The form was loaded before someone else saved: nothing was written."""

    def __init__(self, changes: list[Change], *, broken: bool = False) -> None:
        self.changes = changes
        self.broken = broken
        super().__init__(self.message)

    @property
    def message(self) -> str:
        if self.broken:
            return (
                "Форма устарела или повреждена, поэтому ничего не сохранено. Ваши значения остались в форме: "
                "проверьте их и сохраните ещё раз."
            )
        listed = "; ".join(str(c) for c in self.changes[:10])
        more = f" и ещё {len(self.changes) - 10}" if len(self.changes) > 10 else ""
        return (
            "Пока форма была открыта, эти данные изменил другой пользователь, поэтому ничего не сохранено: "
            f"{listed}{more}. Ваши значения остались в форме: проверьте их и сохраните ещё раз."
        )


def check(
    token: str | None,
    current: Mapping[str, Any],
    labels: Mapping[str, str] | Callable[[str], str] | None = None,
) -> None:
    """Raise ``StaleEdit`` if ``current`` differs from the snapshot in ``token``; no token, no check.

    ``labels`` names each key for the user (a mapping or a function); a key without a label is shown as is,
    so callers should label every key they put into the state.
    """
    if token is None:
        return
    try:
        loaded = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        raise StaleEdit([], broken=True) from None
    if not isinstance(loaded, dict):
        raise StaleEdit([], broken=True)
    now = _plain(current)
    changes = []
    for key in sorted(set(loaded) | set(now), key=str):
        before, after = loaded.get(key), now.get(key)
        if before != after:
            label = labels(key) if callable(labels) else (labels or {}).get(key, key)
            changes.append(Change(key, label, shown(before), shown(after)))
    if changes:
        raise StaleEdit(changes)
