"""No raw codes in the audit log (issue #17): every action the code records has a Russian label, and the filter
offers them in Russian («Постановка в очередь», not «queued»; «Смена статуса», not «status_changed»)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.test import Client
from django.urls import reverse

from portal.audit.models import ACTION_LABELS, VERB_LABELS, AuditEntry
from portal.audit.services import record

PORTAL = Path(__file__).resolve().parents[2]
RECORD = re.compile(r'record\(\s*[^,()]+(?:\([^)]*\))?,\s*f?"([^"]+)"', re.S)
#: What the f-string parts of recorded actions stand for.
EXPANSIONS = {
    "{status}": ["done", "failed", "draft", "submitted", "accepted", "returned"],
    "{'changed' if before else 'created'}": ["changed", "created"],
    "{'changed' if before else 'imported'}": ["changed", "imported"],
}


def recorded_actions() -> set[str]:
    actions: set[str] = set()
    for path in PORTAL.rglob("*.py"):
        if "/tests/" in str(path):
            continue
        for action in RECORD.findall(path.read_text(encoding="utf-8")):
            verb = action.rsplit(".", 1)[-1]
            for value in EXPANSIONS.get(verb, [verb]):
                actions.add(action.rsplit(".", 1)[0] + "." + value)
    return actions


def test_every_recorded_action_has_a_russian_label() -> None:
    actions = recorded_actions()
    assert len(actions) > 60  # the scan found the code's actions
    missing = sorted(a for a in actions if a not in ACTION_LABELS and a.rsplit(".", 1)[-1] not in VERB_LABELS)
    assert missing == [], "add their labels to portal/audit/models.py"


def test_an_unknown_action_never_shows_its_code() -> None:
    entry = AuditEntry(action="newapp.thing.frobnicated", object_repr="x")
    assert entry.action_label == "Другое действие"
    assert "frobnicated" not in entry.action_label and "newapp" not in entry.action_label


def test_the_log_and_its_filter_speak_russian(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    coordinator = user_with_role("coordinator", "M")
    record(world["S1"], "roadmap.status_changed", by=coordinator)
    record(world["S1"], "jobs.job.queued", by=coordinator)
    record(world["S1"], "monitoring.submission.returned", by=coordinator)
    client.force_login(coordinator)
    html = client.get(reverse("audit:log", args=[world["M"].pk])).content.decode()
    for label in ("Смена статуса", "Постановка в очередь", "Возврат на доработку"):
        assert label in html
    visible = re.sub(r"<[^>]+>", " ", html)  # the option values are codes; their texts are not
    for code in ("status_changed", "queued", "returned"):
        assert code not in visible


def test_changed_values_are_shown_by_their_labels_not_their_codes(world: dict[str, Any]) -> None:
    from django.contrib.contenttypes.models import ContentType

    from portal.jobs.models import Job

    entry = AuditEntry(
        action="jobs.job.changed",
        content_type=ContentType.objects.get_for_model(Job),
        before={"status": "queued", "progress": 0, "attempt_log": []},
        after={"status": "failed", "progress": 0, "attempt_log": ["a", "b"]},
    )
    changes = {field: (old, new) for field, old, new in entry.labelled_changes()}
    assert changes["статус"] == ("в очереди", "ошибка")
    assert changes["попытки"] == ("", "a, b")
