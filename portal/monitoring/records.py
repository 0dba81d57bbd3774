"""Answers the system's own records decide: nothing the system knows is typed again (issue #18 §1).

The catalogue names, per slot and level, the records that decide it (``opora.indicator_types.RecordRule``):
ШППКО in the Конструктор, the registry «Документы программы», the program's public page, the schools' risk data.
:func:`answers` reads those records for an open period — a handful of queries whatever the number of schools —
and gives every decided answer with its evidence (a label and a link to the record). The read side
(``derive.load``) puts these answers in place of typed values while the period is open, so an answer changes as
soon as a record does; closing the period writes them down (:func:`materialize`) and a closed period keeps them.

A typed value (form, Excel, demo) that disagrees with the records is a *contradiction*: the records count, and
the school's form, its card, the list of forms and the dashboard say so.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.urls import reverse

from opora.indicator_types import RecordRule
from portal.audit.services import record
from portal.monitoring.models import Indicator, IndicatorValue, MonitoringPeriod
from portal.schools.models import School

#: Stored origins whose values the records override when they disagree (typed by people).
TYPED_ORIGINS = frozenset({"form", "excel", "demo"})
#: Public-page sections whose published documents prove «programme documents on the page» (4.1).
PAGE_SECTIONS = ("programs", "roadmaps", "regulations")
SOURCE_NAMES = {
    "shppko_approved": "Конструктор ШППКО",
    "shppko_built": "Конструктор ШППКО",
    "failure_program_approved": "Конструктор ШППКО",
    "registry": "Документы программы",
    "public_page": "Публичная страница программы",
    "public_reports": "Публичная страница программы",
    "risk_data": "Данные о факторах риска",
}


@dataclass(frozen=True)
class Evidence:
    """One record behind an answer: what it is, and where it is (a page of the system or a public address)."""

    label: str
    url: str = ""


@dataclass(frozen=True)
class Answer:
    """A slot's value decided by records: «да» with the records that prove it, or «нет» because there are none."""

    code: str
    subitem: str
    school_id: int | None
    value: bool
    rule: RecordRule
    evidence: tuple[Evidence, ...] = ()

    @property
    def shown(self) -> str:
        return "да" if self.value else "нет"

    @property
    def sources(self) -> str:
        """«Конструктор ШППКО; Документы программы» — where the system looked."""
        return "; ".join(dict.fromkeys(SOURCE_NAMES[s] for s in self.rule.sources))

    @property
    def text(self) -> str:
        """A Russian sentence for the stored value and the explanations."""
        if self.value:
            found = "; ".join(e.label for e in self.evidence)
            return f"Из записей системы: да — {found}."
        return f"Из записей системы: нет. {self.rule.text}"

    @property
    def links(self) -> list[str]:
        return [e.url for e in self.evidence if e.url]


@dataclass(frozen=True)
class Contradiction:
    """A typed answer that disagrees with the records (the records count)."""

    school_id: int | None
    slot_ref: str
    typed: str
    derived: Answer


@dataclass
class Records:
    """The records of one municipality for one year that the rules read (loaded once)."""

    year: int
    #: school id → (kind, status, version, pk, year_from, year_to, approved_at)
    programs: dict[int, list[tuple[Any, ...]]] = field(default_factory=dict)
    #: (school id or None, slot) → documents in force
    registry: Mapping[tuple[int | None, str], list[Any]] = field(default_factory=dict)
    #: school id or None → published documents of the public page: (pk, section, title, school code)
    public: dict[int | None, list[tuple[Any, ...]]] = field(default_factory=dict)
    #: registry documents marked public (the authority's), for 4.1 at the municipal level
    public_registry: list[Any] = field(default_factory=list)
    #: school id → its risk data row of the year (vacancies, internet, equipment)
    risk: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    municipality_code: str = ""

    def fingerprint(self) -> str:
        """A short digest of every record the rules read: equal fingerprints give equal answers (the dashboard's
        cache key in an open period — a program approved or a document added is a new key)."""
        h = hashlib.sha1(usedforsecurity=False)
        h.update(repr(sorted(self.programs.items())).encode())
        h.update(
            repr(
                sorted(
                    (k[0] or 0, k[1], sorted((d.pk, d.title, str(d.date), d.number) for d in docs))
                    for k, docs in self.registry.items()
                )
            ).encode()
        )
        h.update(repr(sorted((k or 0, sorted(v)) for k, v in self.public.items())).encode())
        h.update(repr(sorted((d.pk, d.title, d.number) for d in self.public_registry)).encode())
        h.update(repr(sorted(self.risk.items())).encode())
        return h.hexdigest()[:16]


def load_records(period: MonitoringPeriod) -> Records:
    """Read every record a rule may need, for the period's municipality and year (four small queries)."""
    from portal.documents import services as registry
    from portal.programs.models import Program
    from portal.public.models import PublicDocument, Status
    from portal.results.models import RiskInput

    municipality, year = period.municipality, period.year
    recs = Records(year, municipality_code=municipality.code)
    programs: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in Program.objects.filter(
        school__municipality=municipality, year_from__lte=year, year_to__gte=year
    ).values_list("school_id", "kind", "status", "version", "pk", "year_from", "year_to", "approved_at"):
        programs[row[0]].append(row[1:])
    recs.programs = dict(programs)
    in_force = registry.in_force(municipality, year)  # one query: the evidence and the public ones
    recs.registry = registry.evidence_of(in_force)
    public: dict[int | None, list[tuple[Any, ...]]] = defaultdict(list)
    for row in PublicDocument.objects.filter(municipality=municipality, status=Status.PUBLISHED).values_list(
        "school_id", "pk", "section", "title", "school__code"
    ):
        public[row[0]].append(row[1:])
    recs.public = dict(public)
    recs.public_registry = [d for d in in_force if d.is_public and d.school_id is None]
    recs.risk = {
        row[0]: row[1:]
        for row in RiskInput.objects.filter(school__municipality=municipality, year=year).values_list(
            "school_id", "staff_vacancies", "internet_mbps", "equipment_complete"
        )
    }
    return recs


# --------------------------------------------------------------------------------------------- the rules

_PLACEHOLDER = "9999999999"
_URLS: dict[tuple[str, int], str] = {}


def _url(name: str, *args: Any) -> str:
    """``reverse(name, args)`` from a template reversed once per name (a period has thousands of answers)."""
    key = (name, len(args))
    if key not in _URLS:
        _URLS[key] = reverse(
            name, args=[_PLACEHOLDER + str(i) if i else _PLACEHOLDER for i in range(len(args))]
        )
    url = _URLS[key]
    for i, arg in enumerate(args):
        url = url.replace(_PLACEHOLDER + str(i) if i else _PLACEHOLDER, str(arg), 1)
    return url


def _programs(recs: Records, school_id: int, kind: str, *, approved: bool) -> list[Evidence]:
    from opora.roadmap_tracking import fmt_date

    out = []
    for kind_, status, version, pk, y_from, y_to, approved_at in recs.programs.get(school_id, []):
        if kind_ != kind or (approved and status not in ("approved", "published")):
            continue
        name = "ШППКО" if kind == "shppko" else "Программа профилактики учебной неуспешности"
        state = {
            "draft": "черновик в Конструкторе",
            "approved": "утверждена",
            "published": "опубликована",
        }.get(status, status)
        when = f" {fmt_date(approved_at.date())}" if approved_at and status != "draft" else ""
        out.append(
            Evidence(
                f"{name} {y_from}–{y_to}, версия {version} ({state}{when})",
                _url("programs:preview", pk),
            )
        )
    return out


def _registry(recs: Records, school_id: int | None, slot: str) -> list[Evidence]:
    return [
        Evidence(f"{d.requisites}: «{d.title}»", _url("documents:document", d.pk))
        for d in recs.registry.get((school_id, slot), [])
    ]


def _public(recs: Records, school_id: int | None, sections: Iterable[str]) -> list[Evidence]:
    wanted = set(sections)
    out = [
        Evidence(f"на странице программы: «{title}»", _url("public:file", recs.municipality_code, pk))
        for pk, section, title, _school_code in recs.public.get(school_id, [])
        if section in wanted
    ]
    if school_id is None and "regulations" in wanted:
        out += [
            Evidence(
                f"на странице программы: {d.requisites}",
                _url("public:authority", recs.municipality_code),
            )
            for d in recs.public_registry
        ]
    return out


def _risk(recs: Records, school_id: int | None) -> list[Evidence]:
    if school_id is None or school_id not in recs.risk:
        return []
    vacancies, internet, equipment = recs.risk[school_id]
    if vacancies is None and internet is None and equipment is None:
        return []
    parts = []
    if vacancies is not None:
        parts.append(f"вакансий {vacancies}")
    if internet is not None:
        parts.append(f"Интернет {internet:g} Мбит/с".replace(".", ","))
    if equipment is not None:
        parts.append("оснащение: все предметы" if equipment else "оснащение: не все предметы")
    return [
        Evidence(
            f"данные о ресурсах школы за {recs.year} г.: {', '.join(parts)}",
            _url("programs:risk_profile", school_id, recs.year),
        )
    ]


def _evidence(recs: Records, source: str, school_id: int | None, slot: str) -> list[Evidence]:
    if source == "shppko_approved":
        return _programs(recs, school_id, "shppko", approved=True) if school_id else []
    if source == "shppko_built":
        return _programs(recs, school_id, "shppko", approved=False) if school_id else []
    if source == "failure_program_approved":
        return _programs(recs, school_id, "failure_prevention", approved=True) if school_id else []
    if source == "registry":
        return _registry(recs, school_id, slot)
    if source == "public_page":
        return _public(recs, school_id, PAGE_SECTIONS)
    if source == "public_reports":
        return _public(recs, school_id, ("reports",))
    if source == "risk_data":
        return _risk(recs, school_id)
    raise ValueError(f"unknown record source {source!r}")


def decide(recs: Records, rule: RecordRule, school_id: int | None, code: str, subitem: str) -> Answer | None:
    """The answer the records give for one slot (``None``: a ``yes_only`` rule found nothing — the school types)."""
    slot = f"{code}|{subitem}" if subitem else code
    found: list[Evidence] = []
    for source in rule.sources:
        found += _evidence(recs, source, school_id, slot)
    if not found and not rule.decides:
        return None
    return Answer(code, subitem, school_id, bool(found), rule, tuple(found))


Key = tuple[int, str, int | None]  # (indicator id, subitem, school id or None)


def answers(
    period: MonitoringPeriod,
    indicators: Iterable[Indicator] | None = None,
    schools: Mapping[int, str] | None = None,
    *,
    school_ids: Iterable[int] | None = None,
    recs: Records | None = None,
) -> dict[Key, Answer]:
    """Every answer the records decide in an open period (a closed period keeps the ones written at closing).

    ``schools`` maps school id → kind (a school gets no slot its kind does not teach: 7.7); default: all schools
    of the municipality. ``school_ids`` narrows the schools (the municipal answers are always included).
    """
    if not period.is_open:
        return {}
    indicators = list(indicators) if indicators is not None else list(period.indicator_set.indicators.all())
    ruled = [i for i in indicators if i.records or any(s.get("records") for s in i.subitems)]
    if not ruled:
        return {}
    if schools is None:
        schools = dict(
            School.objects.filter(municipality_id=period.municipality_id).values_list("pk", "kind")
        )
    wanted = set(school_ids) if school_ids is not None else None
    recs = recs if recs is not None else load_records(period)
    out: dict[Key, Answer] = {}
    for ind in ruled:
        for sub in ind.municipal_slots:
            rule = ind.record_rule(sub, "municipal")
            if rule is not None and (answer := decide(recs, rule, None, ind.code, sub)) is not None:
                out[(ind.pk, sub, None)] = answer
        for sub in ind.school_slots:
            rule = ind.record_rule(sub, "school")
            if rule is None:
                continue
            for school_id, kind in schools.items():
                if (wanted is not None and school_id not in wanted) or not ind.applies_to(sub, kind):
                    continue
                if (answer := decide(recs, rule, school_id, ind.code, sub)) is not None:
                    out[(ind.pk, sub, school_id)] = answer
    return out


def digest(found: Mapping[Key, Answer]) -> str:
    """A short fingerprint of the answers (part of the dashboard's cache key: a record changed → a new key)."""
    h = hashlib.sha1(usedforsecurity=False)
    for key in sorted(found, key=lambda k: (k[0], k[1], k[2] or 0)):
        a = found[key]
        h.update(f"{key}:{a.value}:{'|'.join(a.links)}\n".encode())
    return h.hexdigest()[:16]


def contradiction(answer: Answer, stored_origin: str, stored_flag: Any) -> bool:
    """A typed value that says the opposite of the records (an empty typed value is not a contradiction)."""
    return stored_origin in TYPED_ORIGINS and stored_flag is not None and bool(stored_flag) != answer.value


def materialize(period: MonitoringPeriod, found: Mapping[Key, Answer], *, by: Any) -> int:
    """Write the answers down as values «из записей системы» (closing a period); typed ones they replace go to the
    audit log. Returns the number of values written or changed."""
    existing = {
        (v.indicator_id, v.subitem, v.school_id): v for v in IndicatorValue.objects.filter(period=period)
    }
    changed = 0
    with transaction.atomic():
        for (indicator_id, subitem, school_id), answer in found.items():
            payload = {
                "bool_value": answer.value,
                "number": None,
                "numerator": None,
                "status3": "",
                "text": answer.text,
                "links": answer.links,
            }
            current = existing.get((indicator_id, subitem, school_id))
            if (
                current is not None
                and current.origin == IndicatorValue.Origin.SYSTEM
                and current.as_payload() == payload
            ):
                continue
            before = {**current.as_payload(), "origin": current.origin} if current is not None else None
            if current is None:
                current = IndicatorValue(
                    period=period, school_id=school_id, indicator_id=indicator_id, subitem=subitem
                )
            for name, value in payload.items():
                setattr(current, name, value)
            current.origin = IndicatorValue.Origin.SYSTEM
            current.updated_by = by if getattr(by, "is_authenticated", False) else None
            current.save()
            record(current, "monitoring.value.from_records", by=by, before=before, after=payload)
            changed += 1
    return changed
