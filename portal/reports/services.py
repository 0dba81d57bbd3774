"""The recommendation rules in force in each region and their editing (checked as a whole before saving; audited).

A region uses the rules shipped with Опора until its first change; every change (one rule saved in the form, a rule
deleted, a file loaded) saves a new version of the region's whole rule book, checked against the region's measure
library. Only the region's method centre changes it; only the region's municipalities use it. Saves made from a
form are refused when the rule changed since the form was loaded (``portal.lib.stale``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml
from django.db import transaction
from django.utils import timezone

from opora import plural
from opora.indicator_catalogue import CatalogueError
from opora.measures_catalogue import builtin_library
from opora.recommendations import (
    FACTS,
    RULES_FILE,
    SCOPE_NAMES,
    RecommendationRule,
    RuleBook,
    build_rule,
    builtin_rules,
    format_fact,
    load_rules,
)
from opora.rule_editing import describe, dump_rules, next_code, placeholders_to_labels, rule_data
from portal.audit.services import record
from portal.lib import stale
from portal.programs import library as measures_library
from portal.reports.models import RuleBookVersion
from portal.schools.models import Municipality, Region

RegionRef = Region | int | None
#: Checked rule books by (text of the version, library titles): a version's text never changes once saved.
_CACHE: dict[tuple[int, int], RuleBook] = {}

IMPORTANCE = {1: "высокая", 2: "средняя", 3: "низкая"}
#: Russian names of what a rule form shows (the list of changes of a refused save, the log's «до / после»).
RULE_LABELS = {
    "title": "Название",
    "scope": "Для кого",
    "importance": "Важность",
    "trigger": "Условие срабатывания",
    "significant_if": "Условие значимости",
    "text": "Текст рекомендации",
    "measures": "Меры",
    "evidence": "Обоснование",
    "fires": "Пример",
    "near_miss": "Близкий пример",
}


class RulesError(Exception):
    """A change of the rules refused; ``str(error)`` is a Russian sentence for the user."""


def _region_id(region: RegionRef) -> int | None:
    return region.pk if isinstance(region, Region) else region


def active_version(region: RegionRef) -> RuleBookVersion | None:
    """The region's version in force, or None while it uses the shipped rules."""
    rid = _region_id(region)
    if rid is None:
        return None
    return RuleBookVersion.objects.filter(region_id=rid).order_by("-created_at", "-pk").first()


def active_rules(region: RegionRef = None) -> RuleBook:
    """The rules a region's reports and school cards use (the shipped rules without a region), naming the measures
    of the region's library."""
    version = active_version(region)
    titles = measures_library.titles(region)
    key = (hash(version.text) if version else 0, hash(tuple(sorted(titles.items()))))
    if key not in _CACHE:
        if len(_CACHE) > 64:
            _CACHE.clear()
        if version is None and not titles:
            _CACHE[key] = builtin_rules()
        else:
            _CACHE[key] = load_rules(
                RULES_FILE if version is None else None,
                text=version.text if version is not None else None,
                name="правила.yaml",
                measures=titles,
                check_measures=False,  # saved versions were checked when saved; a later library change never breaks them
            )
    return _CACHE[key]


def active_text(region: RegionRef) -> str:
    """The rules file of the region (the version in force, or the shipped rules written with Russian comments)."""
    version = active_version(region)
    if version is not None:
        return version.text
    return dump_rules([rule_data(r) for r in builtin_rules().rules])


def _raws(version: RuleBookVersion | None) -> list[dict[str, Any]]:
    """The rules of a version as mappings of the rules file (those of the shipped rules without a version)."""
    if version is None:
        return [rule_data(r) for r in builtin_rules().rules]
    data = yaml.safe_load(version.text)
    return [dict(r) for r in data["rules"]]


def rule_state(rule: RecommendationRule | None) -> dict[str, Any]:
    """What the form of a rule shows, as its reader reads it (Russian words, not variable names)."""
    if rule is None:
        return {}
    return {
        "title": rule.title,
        "scope": SCOPE_NAMES[rule.scope],
        "importance": IMPORTANCE[rule.importance],
        "trigger": describe(rule.trigger, rule.params),
        "significant_if": describe(rule.significant_if, rule.params) if rule.significant_if else "",
        "text": placeholders_to_labels(rule.text),
        "measures": list(rule.measures),
        "evidence": [FACTS[e].label for e in rule.evidence],
        "fires": "; ".join(f"{FACTS[n].label}: {format_fact(n, v)}" for n, v in rule.example.fires.items()),
        "near_miss": "; ".join(
            f"{FACTS[n].label}: {format_fact(n, v)}" for n, v in rule.example.near_miss.items()
        ),
    }


def _logged(state: Mapping[str, Any]) -> dict[str, Any]:
    """A rule's state for the log, keyed by the Russian names (the log shows the keys as field names)."""
    return {RULE_LABELS[k]: v for k, v in state.items()}


def version_label(version: RuleBookVersion | None) -> str:
    if version is None:
        return "правила, поставляемые с системой"
    who = version.created_by.display_name if version.created_by else "система"
    return f"версия от {timezone.localtime(version.created_at):%d.%m.%Y %H:%M} ({who})"


def _save(
    locked: Region,
    raws: list[dict[str, Any]],
    *,
    comment: str,
    by: Any,
    municipality: Municipality | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    text: str | None = None,
) -> RuleBookVersion:
    """Check the whole book against the region's measure library and save it as the region's version in force."""
    text = text if text is not None else dump_rules(raws)
    book = load_rules(text=text, name="правила.yaml", measures=known_measures(locked))
    version = RuleBookVersion.objects.create(
        region=locked,
        text=text,
        comment=comment[:300],
        rules=len(book.rules),
        created_by=by if getattr(by, "pk", None) else None,
    )
    record(
        version,
        "reports.rulebookversion.created",
        by=by,
        before=before,
        after=after,
        municipality=municipality,
        data={"comment": version.comment, "rules": len(book.rules), **(data or {})},
    )
    return version


def known_measures(region: RegionRef) -> dict[str, str]:
    """code → title of the measures rules may point to: the region's library (the shipped one before it is
    seeded into the database)."""
    titles = measures_library.titles(region)
    if not titles:
        titles = {m.code: m.title for m in builtin_library().measures}
    return titles


def _lock(region: Region) -> Region:
    """Lock the owner of the region's rules for the rest of the transaction (one change at a time)."""
    return Region.objects.select_for_update().get(pk=region.pk)


def save_rule(
    region: Region,
    code: str | None,
    raw: Mapping[str, Any],
    *,
    by: Any,
    expected: str | None = None,
    municipality: Municipality | None = None,
    comment: str = "",
) -> tuple[RuleBookVersion, RecommendationRule]:
    """Save one rule (``code`` None: a new rule gets the next free code) as a new version of the region's rules.

    ``expected`` is the form's snapshot: a rule changed since the form was loaded raises ``StaleEdit`` and nothing
    is saved. The rule and then the whole book are checked (``CatalogueError`` with a Russian message).
    """
    with transaction.atomic():
        locked = _lock(region)
        version = active_version(locked)
        raws = _raws(version)
        index = next((i for i, r in enumerate(raws) if r.get("code") == code), None) if code else None
        if code is not None and index is None:
            raise RulesError(f"Правила «{code}» нет в правилах региона: возможно, его удалили.")
        current = build_rule(raws[index], check_examples=False) if index is not None else None
        stale.check(expected, rule_state(current), RULE_LABELS)
        new = dict(raw)
        new["code"] = code or next_code(str(r.get("code", "")) for r in raws)
        if index is not None and raws[index].get("source") and not new.get("source"):
            new["source"] = raws[index]["source"]
        rule = build_rule(new, measures=set(known_measures(locked)))
        if index is None:
            raws.append(new)
        else:
            raws[index] = new
        before = rule_state(current)
        after = rule_state(rule)
        changed = [RULE_LABELS[k] for k in after if before.get(k) != after[k]] if current else []
        if current is None:
            summary = f"Правило {rule.code} «{rule.title}» добавлено"
        elif changed:
            summary = f"Правило {rule.code} «{rule.title}» изменено: {', '.join(changed).lower()}"
        else:
            summary = f"Правило {rule.code} «{rule.title}» сохранено без изменений"
        saved = _save(
            locked,
            raws,
            comment=comment.strip() or summary,
            by=by,
            municipality=municipality,
            before=_logged(before) if current else None,
            after=_logged(after),
            data={"rule": rule.code},
        )
    return saved, rule


def delete_rule(
    region: Region, code: str, *, by: Any, municipality: Municipality | None = None
) -> RuleBookVersion:
    """Remove a rule from the region's rules (a new version without it)."""
    with transaction.atomic():
        locked = _lock(region)
        raws = _raws(active_version(locked))
        kept = [r for r in raws if r.get("code") != code]
        if len(kept) == len(raws):
            raise RulesError(f"Правила «{code}» нет в правилах региона.")
        if not kept:
            raise RulesError("Нельзя удалить последнее правило: без правил рекомендации не составляются.")
        gone = build_rule(next(r for r in raws if r.get("code") == code), check_examples=False)
        return _save(
            locked,
            kept,
            comment=f"Правило {gone.code} «{gone.title}» удалено",
            by=by,
            municipality=municipality,
            before=_logged(rule_state(gone)),
            data={"rule": code},
        )


def compare(region: RegionRef, text: str, *, name: str = "правила.yaml") -> list[Any]:
    """What loading ``text`` would change in the region's rules, as lines of a confirmation page (the text is
    checked first: ``CatalogueError``)."""
    new = {r.code: r for r in load_rules(text=text, name=name, measures=known_measures(region)).rules}
    old = {r.code: r for r in active_rules(region).rules}
    added = [f"{c} «{new[c].title}»" for c in new if c not in old]
    removed = [f"{c} «{old[c].title}»" for c in old if c not in new]
    changed = []
    for code in (c for c in new if c in old):
        before, after = rule_state(old[code]), rule_state(new[code])
        fields = [RULE_LABELS[k].lower() for k in after if before.get(k) != after[k]]
        if fields:
            changed.append(f"{code} «{new[code].title}»: {', '.join(fields)}")
    lines: list[Any] = []
    if added:
        lines.append({"text": "Добавятся правила:", "items": added})
    if changed:
        lines.append({"text": "Изменятся правила:", "items": changed})
    if removed:
        lines.append({"text": "Перестанут действовать правила:", "items": removed})
    unchanged = len([c for c in new if c in old]) - len(changed)
    lines.append(f"Без изменений: {plural.count(unchanged, 'правило', 'правила', 'правил')}.")
    return lines


def book_state(region: RegionRef) -> dict[str, str]:
    """The version a rules file was downloaded or edited against (the stale check of a whole-file import)."""
    return {"version": version_label(active_version(region))}


def save_rules(
    region: Region,
    text: str,
    *,
    comment: str,
    by: Any,
    expected: str | None = None,
    municipality: Municipality | None = None,
    name: str = "правила.yaml",
) -> RuleBookVersion:
    """Load a whole rules file (power users): checked as a whole (every rule on its examples) before anything is
    saved; ``CatalogueError`` names the rule and the field. Refused with ``StaleEdit`` if the region's rules
    changed since the page was loaded."""
    if not comment.strip():
        raise CatalogueError("Опишите, что изменено: описание сохраняется в журнале.")
    load_rules(text=text, name=name, measures=known_measures(region))
    with transaction.atomic():
        locked = _lock(region)
        stale.check(expected, book_state(locked), {"version": "Действующие правила"})
        return _save(locked, [], comment=comment.strip(), by=by, municipality=municipality, text=text)
