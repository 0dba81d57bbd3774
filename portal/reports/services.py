"""The rules in force and their editing (validated as a whole before saving; audited)."""

from __future__ import annotations

from typing import Any

from opora.indicator_catalogue import CatalogueError
from opora.recommendations import RULES_FILE, RuleBook, builtin_rules, load_rules
from portal.audit.services import record
from portal.reports.models import RuleBookVersion

_CACHE: dict[int, RuleBook] = {}


def active_rules() -> RuleBook:
    """The latest saved version of the rules, or the shipped rules when none was saved."""
    latest = RuleBookVersion.objects.order_by("-created_at", "-pk").only("pk", "text").first()
    if latest is None:
        return builtin_rules()
    if latest.pk not in _CACHE:
        _CACHE[latest.pk] = load_rules(text=latest.text)
    return _CACHE[latest.pk]


def active_text() -> str:
    latest = RuleBookVersion.objects.order_by("-created_at", "-pk").first()
    return latest.text if latest is not None else RULES_FILE.read_text(encoding="utf-8")


def save_rules(text: str, *, comment: str, by: Any) -> RuleBookVersion:
    """Validate the whole text (every rule with its example and near miss) and save it as the rules in force.

    Raises :class:`CatalogueError` with a Russian message naming the rule and the field; nothing is saved then.
    """
    if not comment.strip():
        raise CatalogueError("Опишите, что изменено: описание сохраняется в журнале.")
    book = load_rules(text=text)
    version = RuleBookVersion.objects.create(
        text=text,
        comment=comment.strip(),
        rules=len(book.rules),
        created_by=by if getattr(by, "pk", None) else None,
    )
    record(version, "reports.rules.saved", by=by, data={"comment": version.comment, "rules": len(book.rules)})
    return version
