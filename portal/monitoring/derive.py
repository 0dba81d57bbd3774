"""Read side: municipal values of a period derived from school values with the core (opora.indicators).

A period is read in a fixed number of queries (indicators, target schools, schools, submissions, values, other
periods, and in an open period the records that decide answers: ``portal.monitoring.records``) whatever the
number of schools; values are read as tuples, not model instances (the benchmark in bench/bench_monitoring.py holds
this to p95 < 150 ms for 1 000 schools × 40 indicators on PostgreSQL).

In an open period an answer the records decide takes the place of a typed one (and a typed one that disagrees is
listed in ``PeriodData.contradictions``); a closed period reads only what was written at closing. Targets are
checked on the base the founding documents define (``portal.monitoring.targets``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import connection, models

from opora.indicator_catalogue import Target
from opora.indicators import DerivedValue, SchoolValue, combined_status, derive_municipal, fmt_num, fmt_pct
from portal.monitoring import records
from portal.monitoring.models import Indicator, IndicatorValue, MonitoringPeriod, SchoolSubmission
from portal.monitoring.values import NOT_PEOPLE_SUBITEMS, PEOPLE_DERIVATIONS, STATUS3_DEFAULT
from portal.schools.models import School

CATEGORIES = {"": "все целевые школы", "shnor": "только ШНОР", "at_risk": "только школы зоны риска"}
STATUS_LABELS = {
    "met": "достигнуто",
    "not_met": "не достигнуто",
    "no_data": "нет данных",
    "no_target": "цель не задана",
}
_COUNTING = (SchoolSubmission.Status.SUBMITTED, SchoolSubmission.Status.ACCEPTED)
_LEAN = ("school_id", "indicator_id", "subitem", "bool_value", "number", "numerator", "origin", "denominator")
_FULL = (*_LEAN, "status3", "text", "links")
#: Origins of values no one typed: they count whatever the state of the school's form (the records are the truth).
ALWAYS_COUNT = frozenset(
    {IndicatorValue.Origin.RESULTS, IndicatorValue.Origin.RECORDS, IndicatorValue.Origin.SYSTEM}
)
_SYSTEM = IndicatorValue.Origin.SYSTEM.value


@dataclass(slots=True)
class Stored:
    """One stored value as read from the database (a tuple, not a model instance).

    The dashboard reads the lean columns only; ``status3``, ``text`` and ``links`` are filled for municipal
    values and by :func:`school_detail` (decoding 30,000 JSON link lists would cost more than the whole page).
    """

    school_id: int | None
    indicator_id: int
    subitem: str
    bool_value: bool | None
    number: float | None
    numerator: float | None
    origin: str
    denominator: float | None = None
    status3: str = ""
    text: str = ""
    links: list[str] = field(default_factory=list)


@dataclass
class PeriodData:
    period: MonitoringPeriod
    indicators: list[Indicator]
    schools: dict[int, str]
    shnor: set[int]
    at_risk: set[int]
    submissions: dict[int, tuple[str, int | None, int | None]]
    #: (indicator id, subitem) → school id → (school_id, indicator_id, subitem, flag, number, numerator, origin)
    school_values: dict[tuple[int, str], dict[int, tuple[Any, ...]]]
    municipal: dict[tuple[int, str], Stored]
    #: school id → its id as the core's string key
    keys: dict[int, str] = field(default_factory=dict)
    #: (target group, category, education level) → (school ids, core key → label): once per group, not per row
    groups: dict[tuple[str, str, str], tuple[list[int], dict[str, str]]] = field(default_factory=dict)
    #: school id → its kind (sosh, oosh, evening…): which levels of education it has (7.7)
    kinds: dict[int, str] = field(default_factory=dict)
    #: answers the records decide (open period), keyed (indicator id, subitem, school id or None)
    answers: dict[records.Key, records.Answer] = field(default_factory=dict)
    #: typed values that disagree with the records
    contradictions: list[records.Contradiction] = field(default_factory=list)
    #: (indicator id, subitem) → the coordinator's target for the period's year
    extra_targets: dict[tuple[int, str], Target] = field(default_factory=dict)
    #: school id → teachers in its staff records (the denominator of records values), read on first use
    denominators: dict[int, float] | None = None


@dataclass
class Row:
    """One line of the dashboard: a municipal slot of an indicator in a period."""

    indicator: Indicator
    subitem: str
    label: str
    value: float | bool | None
    display: str
    derived: DerivedValue | None = None
    manual: Stored | None = None
    target: Target | None = None
    status: str = "no_target"
    trend: list[tuple[int, float | None]] = field(default_factory=list)
    #: every target of the year, each checked on its own base (portal.monitoring.targets.TargetCheck)
    checks: list[Any] = field(default_factory=list)
    #: the records' answer, for a municipal value the records decide (1.1, 1.2, 2.1, 4.1, 6.1…)
    answer: records.Answer | None = None

    @property
    def key(self) -> str:
        return f"{self.indicator.code}|{self.subitem}"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def target_display(self) -> str:
        """Every target of the year, with the base when it is not the indicator's own and the document."""
        if not self.checks:
            return "—" if self.target is None else self.target.shown
        return "; ".join(c.target_text for c in self.checks)


def load(period: MonitoringPeriod, *, found: dict[records.Key, records.Answer] | None = None) -> PeriodData:
    """Everything needed to derive the period's municipal values, in a fixed number of queries.

    ``found``: the records' answers if the caller has them already (:func:`cached_rows` needs them for its key).
    """
    indicators = list(period.indicator_set.indicators.all())
    schools, kinds = {}, {}
    for pk, name, kind in School.objects.filter(municipality_id=period.municipality_id).values_list(
        "pk", "short_name", "kind"
    ):
        schools[pk], kinds[pk] = name, kind
    shnor, at_risk = set(), set()
    for school_id, is_shnor, is_risk in period.target_schools.values_list(
        "school_id", "is_shnor", "is_at_risk"
    ):
        if is_shnor:
            shnor.add(school_id)
        if is_risk:
            at_risk.add(school_id)
    submissions = {
        s: (status, staff, students)
        for s, status, staff, students in period.submissions.values_list(
            "school_id", "status", "staff_total", "students_total"
        )
    }
    school_values: dict[tuple[int, str], dict[int, tuple[Any, ...]]] = defaultdict(dict)
    municipal: dict[tuple[int, str], Stored] = {}
    # The ORM builds the query; the rows are read with the cursor as plain tuples (no per-value converters or
    # objects: a period of 1,000 schools has ~30,000 values). SQLite's 0/1 booleans are read with bool() later.
    sql, params = (
        IndicatorValue.objects.filter(period=period, school__isnull=False)
        .values_list(*_LEAN)
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            school_values[(row[1], row[2])][row[0]] = row
    for row in IndicatorValue.objects.filter(period=period, school__isnull=True).values_list(*_FULL):
        municipal[(row[1], row[2])] = Stored(*row)
    keys = {pk: str(pk) for pk in schools}
    data = PeriodData(
        period, indicators, schools, shnor, at_risk, submissions, school_values, municipal, keys, kinds=kinds
    )
    from portal.monitoring.targets import coordinator_targets

    data.extra_targets = coordinator_targets(period)
    if period.is_open:
        answers = found if found is not None else records.answers(period, indicators, kinds)
        _overlay(data, answers)
    return data


def _overlay(data: PeriodData, answers: dict[records.Key, records.Answer]) -> None:
    """Put the records' answers in place of stored values (an open period); note typed values that disagree."""
    data.answers = answers
    codes = {i.pk: i for i in data.indicators}
    for (
        column
    ) in data.school_values.values():  # a stale «из записей» value whose record is gone no longer counts
        for school_id in [s for s, v in column.items() if v[6] == _SYSTEM]:
            if (column[school_id][1], column[school_id][2], school_id) not in answers:
                del column[school_id]
    for key in [
        k for k, v in data.municipal.items() if v.origin == _SYSTEM and (k[0], k[1], None) not in answers
    ]:
        del data.municipal[key]
    for (indicator_id, subitem, school_id), answer in answers.items():
        ind = codes[indicator_id]
        ref = ind.code + (f" ({ind.subitem_label(subitem)})" if subitem else "")
        if school_id is None:
            stored = data.municipal.get((indicator_id, subitem))
            if stored is not None and records.contradiction(answer, stored.origin, stored.bool_value):
                data.contradictions.append(records.Contradiction(None, ref, _yes(stored.bool_value), answer))
            data.municipal[(indicator_id, subitem)] = _from_records(None, indicator_id, subitem, answer)
            continue
        column = data.school_values[(indicator_id, subitem)]
        typed = column.get(school_id)
        if typed is not None and records.contradiction(answer, typed[6], typed[3]):
            data.contradictions.append(records.Contradiction(school_id, ref, _yes(typed[3]), answer))
        column[school_id] = (school_id, indicator_id, subitem, answer.value, None, None, _SYSTEM, None)


def _from_records(school_id: int | None, indicator_id: int, subitem: str, answer: records.Answer) -> Stored:
    """A value the records decide, in the shape of a stored one (origin «system»)."""
    return Stored(
        school_id,
        indicator_id,
        subitem,
        answer.value,
        None,
        None,
        _SYSTEM,
        None,
        "",
        answer.text,
        answer.links,
    )


def _yes(flag: Any) -> str:
    return "да" if flag else "нет"


def school_detail(period: MonitoringPeriod, school_id: int) -> dict[tuple[int, str], Stored]:
    """One school's values with every column (for its card and form); in an open period the records' answers
    stand in place of stored values."""
    rows = IndicatorValue.objects.filter(period=period, school_id=school_id).values_list(*_FULL)
    detail = {(row[1], row[2]): Stored(*row) for row in rows}
    if not period.is_open:
        return detail
    found = records.answers(period, school_ids=[school_id])
    for key in [k for k, v in detail.items() if v.origin == _SYSTEM and (k[0], k[1], school_id) not in found]:
        del detail[key]
    for (indicator_id, subitem, sid), answer in found.items():
        if sid == school_id:
            detail[(indicator_id, subitem)] = _from_records(school_id, indicator_id, subitem, answer)
    return detail


def typed_detail(period: MonitoringPeriod, school_id: int) -> dict[tuple[int, str], Stored]:
    """One school's stored values as typed (no records' answers in place): what the form had."""
    rows = IndicatorValue.objects.filter(period=period, school_id=school_id).values_list(*_FULL)
    return {(row[1], row[2]): Stored(*row) for row in rows}


def target_ids(
    data: PeriodData, indicator: Indicator, category: str = "", subitem: str = "", *, group: str | None = None
) -> list[int]:
    """The schools an indicator counts (by its target group, or ``group``), narrowed to a category, in registry
    order; a slot of a level of education counts only the schools that teach it (7.7: an ООШ has no СОО)."""
    group = group or indicator.target_group or "program_schools"
    if group == "all_schools":
        ids = set(data.schools)
    elif group == "shnor":
        ids = set(data.shnor)
    elif group == "at_risk":
        ids = set(data.at_risk)
    else:
        ids = data.shnor | data.at_risk
    if category == "shnor":
        ids &= data.shnor
    elif category == "at_risk":
        ids &= data.at_risk
    if subitem and indicator.education_level(subitem):
        ids = {pk for pk in ids if indicator.applies_to(subitem, data.kinds.get(pk, ""))}
    return [pk for pk in data.schools if pk in ids]


def program_school_ids(period: MonitoringPeriod) -> set[int]:
    """The period's target schools (ШНОР and at risk): the base of every share the staff records feed (3.x, 3.8,
    5.1, 5.3), so that the staff page and the dashboard divide the same people."""
    return set(
        period.target_schools.filter(models.Q(is_shnor=True) | models.Q(is_at_risk=True)).values_list(
            "school_id", flat=True
        )
    )


def _people_subs(indicator: Indicator, subitem: str) -> list[str]:
    """School slots whose people are summed into one municipal share (3.7: teachers + heads, not teams)."""
    slots = indicator.school_slots
    return [subitem] if subitem in slots else [s for s in slots if s not in NOT_PEOPLE_SUBITEMS]


_NO_FORM = ("", None, None)


def school_inputs(data: PeriodData, indicator: Indicator, subitem: str, ids: list[int]) -> list[SchoolValue]:
    """The core's inputs for one slot: values of the given schools that count (this is the hot loop).

    A typed value counts once the school's form is submitted or accepted; a value no one typed (results, staff
    records, the system's records) counts always. For shares of people the numerator is the school's count
    (summed over subitems for 3.7); the denominator is the number of teachers in the staff records when the values
    come from them (the staff page divides by the same), otherwise the staff or student total of the form.
    """
    subs, names, keys = data.submissions, data.schools, data.keys
    out: list[SchoolValue] = []
    if indicator.derivation in PEOPLE_DERIVATIONS:
        total_index = 1 if PEOPLE_DERIVATIONS[indicator.derivation] == "staff_total" else 2
        columns = [data.school_values.get((indicator.pk, s), {}) for s in _people_subs(indicator, subitem)]
        for pk in ids:
            form = subs.get(pk, _NO_FORM)
            parts = [column.get(pk) for column in columns]
            if any(p is None or (p[5] is None and p[4] is None) for p in parts) or not parts:
                continue
            from_records = all(p[6] in ALWAYS_COUNT for p in parts)  # type: ignore[index]
            if not from_records and form[0] not in _COUNTING:
                continue
            numerator = sum(p[5] if p[5] is not None else p[4] for p in parts)  # type: ignore[index]
            if from_records:
                total = _records_denominator(data, indicator, pk) or form[total_index]
            else:
                total = form[total_index]
            out.append(SchoolValue(keys[pk], names[pk], None, numerator, float(total) if total else None))
        return out
    column = data.school_values.get((indicator.pk, subitem), {})
    for pk in ids:
        v = column.get(pk)
        if v is None or (v[6] not in ALWAYS_COUNT and subs.get(pk, _NO_FORM)[0] not in _COUNTING):
            continue
        out.append(SchoolValue(keys[pk], names[pk], bool(v[3]) if v[3] is not None else v[4]))
    return out


def _records_denominator(data: PeriodData, indicator: Indicator, school_id: int) -> float | None:
    """Teachers of the school in the staff records: the denominator any records value of the school carries."""
    if data.denominators is None:
        data.denominators = {}
        for column in data.school_values.values():
            for sid, v in column.items():
                if v[6] == IndicatorValue.Origin.RECORDS and v[7]:
                    data.denominators.setdefault(sid, float(v[7]))
    return data.denominators.get(school_id)


def derive_row(
    data: PeriodData, indicator: Indicator, subitem: str, category: str = "", *, sources: bool = True
) -> Row:
    """The municipal value of one slot: derived from school values, or the coordinator's for ``manual``."""
    from portal.monitoring.targets import check_targets, targets_of

    label = indicator.subitem_label(subitem) if subitem else ""
    targets = targets_of(data, indicator, subitem)
    if indicator.derivation in ("", "manual"):
        manual = data.municipal.get((indicator.pk, subitem))
        value, display = _manual_display(indicator, manual)
        row = Row(
            indicator,
            subitem,
            label,
            value,
            display,
            manual=manual,
            target=targets[0] if targets else None,
            answer=data.answers.get((indicator.pk, subitem, None)),
        )
    else:
        derived = derive_on(data, indicator, subitem, category, sources=sources)
        row = Row(
            indicator,
            subitem,
            label,
            derived.value,
            display_of(data, indicator, derived),
            derived=derived,
            target=targets[0] if targets else None,
        )
    row.checks = check_targets(data, row, targets, category)
    row.status = combined_status(c.status for c in row.checks)
    return row


def group_of(
    data: PeriodData, indicator: Indicator, subitem: str, category: str = "", group: str | None = None
) -> tuple[list[int], dict[str, str]]:
    """The schools a slot counts and their labels (cached per group, category and level of education)."""
    level = indicator.education_level(subitem) or ""
    group_key = (group or indicator.target_group or "program_schools", category, level)
    if group_key not in data.groups:
        ids = target_ids(data, indicator, category, subitem, group=group)
        data.groups[group_key] = (ids, {data.keys[pk]: data.schools[pk] for pk in ids})
    return data.groups[group_key]


def derive_on(
    data: PeriodData,
    indicator: Indicator,
    subitem: str,
    category: str = "",
    *,
    group: str | None = None,
    sources: bool = True,
) -> DerivedValue:
    """The slot's municipal value over the schools of ``group`` (default: the indicator's target group)."""
    ids, labels = group_of(data, indicator, subitem, category, group)
    values = school_inputs(data, indicator, subitem, ids)
    scheme = data.period.indicator_set.scheme(indicator.bucket_scheme)
    return derive_municipal(indicator.derivation, values, labels, scheme=scheme, sources=sources)


def display_of(data: PeriodData, indicator: Indicator, derived: DerivedValue) -> str:
    scheme = data.period.indicator_set.scheme(indicator.bucket_scheme)
    if derived.derivation == "bucket_distribution" and scheme is not None and derived.distribution:
        return "; ".join(f"{b.label}: {fmt_pct(derived.distribution[b.code], 0)}" for b in scheme.buckets)
    if derived.derivation == "count_sum":
        return fmt_num(derived.value, 0)
    return fmt_pct(derived.value)


def _manual_display(indicator: Indicator, v: Stored | None) -> tuple[float | bool | None, str]:
    """A municipal value typed by the coordinator or decided by the records (1.1, 1.2, 2.1, 4.1, 6.1…)."""
    if v is None:
        return None, "нет данных"
    if v.bool_value is not None:
        return v.bool_value, "да" if v.bool_value else "нет"
    if v.status3:
        labels = dict(indicator.status_labels) or STATUS3_DEFAULT
        return None, labels.get(v.status3, v.status3)
    if v.number is not None:
        if indicator.municipal_type == "count":
            return v.number, fmt_num(v.number, 0)
        return v.number, fmt_pct(v.number)
    return None, v.text or "нет данных"


def rows(data: PeriodData, *, category: str = "", direction: int | None = None) -> list[Row]:
    """Every municipal slot of the period (without per-school sources: see :func:`derive_row`)."""
    out = []
    for ind in data.indicators:
        if direction is not None and ind.direction != direction:
            continue
        for sub in ind.municipal_slots:
            out.append(derive_row(data, ind, sub, category, sources=False))
    return out


@dataclass
class Summary:
    """What the dashboard shows besides the rows: sizes of the target list, forms by status, contradictions."""

    targets: int
    schools: int
    submissions: dict[str, int]
    contradictions: int = 0


def cached_rows(period: MonitoringPeriod, *, category: str = "") -> tuple[list[Row], Summary]:
    """All municipal rows of the period and its summary, cached under the period's ``revision``.

    Every service write bumps ``revision`` (services.touch), so a cached entry is never stale: a new revision
    is a new key. In an open period the records the answers come from are part of the key too (their fingerprint:
    a program approved or a registry document added is a new key). A cold computation for 1,000 schools reads
    ~30,000 values; a warm one reads none (in an open period, only the records: a few small queries).
    """
    recs = records.load_records(period) if period.is_open else None
    # opened_at guards against a reused primary key (a restored database, a test run).
    key = (
        f"monitoring:rows:{period.pk}:{period.opened_at.timestamp()}:{period.revision}:{category}:"
        f"{recs.fingerprint() if recs is not None else ''}"
    )
    hit = cache.get(key)
    if hit is not None:
        return hit  # type: ignore[no-any-return]
    data = load(period, found=records.answers(period, recs=recs) if recs is not None else {})
    counts = {status: 0 for status in SchoolSubmission.Status.values}
    for status, _staff, _students in data.submissions.values():
        counts[status] += 1
    result = (
        rows(data, category=category),
        Summary(len(data.shnor | data.at_risk), len(data.schools), counts, len(data.contradictions)),
    )
    cache.set(key, result, timeout=3600)
    return result


def freeze(period: MonitoringPeriod) -> dict[str, Any]:
    """Municipal values of every category, as JSON, for a period being closed."""
    data = load(period)
    frozen: dict[str, Any] = {}
    for category in CATEGORIES:
        for row in rows(data, category=category):
            value = (
                row.value if isinstance(row.value, int | float) and not isinstance(row.value, bool) else None
            )
            if isinstance(row.value, bool):
                value = 100.0 if row.value else 0.0
            frozen[f"{category}|{row.key}"] = {"value": value, "display": row.display, "status": row.status}
    return frozen


def with_trends(period: MonitoringPeriod, current: list[Row], *, category: str = "") -> list[Row]:
    """Fill ``Row.trend`` with the values of the same slot in this and earlier years (closed years are frozen)."""
    periods = list(
        MonitoringPeriod.objects.filter(
            municipality_id=period.municipality_id,
            indicator_set_id=period.indicator_set_id,
            year__lt=period.year,
        ).order_by("year")
    )
    earlier: list[tuple[int, dict[str, float | None]]] = []
    for p in periods:
        if p.status == MonitoringPeriod.Status.CLOSED:
            values = {
                k.split("|", 1)[1]: v["value"] for k, v in p.frozen.items() if k.split("|", 1)[0] == category
            }
        else:
            values = {}
            for r in rows(load(p), category=category):
                values[r.key] = _trend_value(r.value)
        earlier.append((p.year, values))
    for row in current:
        row.trend = [(year, values.get(row.key)) for year, values in earlier]
        row.trend.append((period.year, _trend_value(row.value)))
    return current


def _trend_value(value: float | bool | None) -> float | None:
    if isinstance(value, bool):
        return 100.0 if value else 0.0
    return value


def sparkline(trend: list[tuple[int, float | None]], width: int = 96, height: int = 24) -> dict[str, Any]:
    """Points of a small SVG line (0–100 for shares; counts scaled to their maximum)."""
    known = [(y, v) for y, v in trend if v is not None]
    if len(known) < 2:
        return {"points": "", "dots": [], "width": width, "height": height, "title": _trend_title(trend)}
    top = max(100.0, max(v for _, v in known))
    step = (width - 8) / max(1, len(trend) - 1)
    coords = []
    for i, (_year, v) in enumerate(trend):
        if v is None:
            continue
        x = 4 + i * step
        y = height - 3 - (height - 6) * (v / top if top else 0)
        coords.append((round(x, 1), round(y, 1)))
    return {
        "points": " ".join(f"{x},{y}" for x, y in coords),
        # as text: the template would print floats with the Russian decimal comma, which SVG cannot read
        "dots": [(f"{x}", f"{y}") for x, y in coords],
        "width": width,
        "height": height,
        "title": _trend_title(trend),
    }


def _trend_title(trend: list[tuple[int, float | None]]) -> str:
    return "; ".join(f"{y}: {fmt_num(v)}" for y, v in trend)
