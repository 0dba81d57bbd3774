"""Facts for the recommendation rules (opora.recommendations.FACTS), read from the stored data of a year.

Each fact says where it came from (``sources``), so a recommendation's evidence can be traced: the published
identification run, the school's risk data, the monitoring period and its values. A fact whose data are missing is
left out (the rules then make no recommendation from it).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from opora.indicators import fmt_num
from portal.identification.models import IdentificationRun, SchoolOutcome
from portal.monitoring.models import IndicatorValue, MonitoringPeriod, SchoolSubmission
from portal.programs.models import Program, RiskLevel
from portal.results.models import RiskInput
from portal.schools.models import Municipality, School

#: The indicator set the monitoring facts are read from (Приложение 1 of order № 41).
SET_CODE = "order_2023_41"


@dataclass
class Facts:
    values: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)

    def put(self, name: str, value: Any, source: str) -> None:
        if value is not None:
            self.values[name] = value
            self.sources[name] = source


@dataclass
class YearData:
    """What the facts of one municipality and year are read from, loaded once for all its schools."""

    municipality: Municipality
    year: int
    runs: dict[int, IdentificationRun]  # year → the latest published run of that year (≤ year)
    outcomes: dict[tuple[int, int], SchoolOutcome]  # (run id, school id) → outcome
    risk: dict[int, RiskInput]  # school id → latest risk data of a year ≤ year
    period: MonitoringPeriod | None
    submissions: dict[int, SchoolSubmission]
    values: dict[int, list[IndicatorValue]]  # school id → its values in the period
    programs: dict[tuple[int, str], Program] = field(default_factory=dict)  # (school, kind) → latest approved
    risk_levels: dict[int, tuple[int, dict[str, tuple[str, str]]]] = field(default_factory=dict)
    #: school id (None: the municipal roadmap) → overdue roadmap entries of years ≤ year, most overdue first
    overdue: dict[int | None, list[str]] = field(default_factory=dict)
    #: what the overdue lists count, in words (portal.roadmap.overdue)
    overdue_scope: str = ""
    #: school id → its facts, computed once (the authority's facts and the per-school sections share them)
    facts: dict[int, Facts] = field(default_factory=dict)

    @property
    def run(self) -> IdentificationRun | None:
        return self.runs.get(self.year) or (self.runs[max(self.runs)] if self.runs else None)


def load_year(municipality: Municipality, year: int, schools: list[int] | None = None) -> YearData:
    """Everything the facts of ``year`` need, in a fixed number of queries whatever the number of schools.

    ``schools`` narrows the read to those schools (a school card needs only its own rows); the authority's facts
    need the whole municipality.
    """
    runs: dict[int, IdentificationRun] = {}
    for run in IdentificationRun.objects.filter(
        municipality=municipality, status=IdentificationRun.Status.PUBLISHED, year__lte=year
    ).order_by("year", "published_at", "pk"):
        runs[run.year] = run  # the latest published run of each year wins
    only = {"school_id__in": schools} if schools is not None else {}
    outcomes = {
        (o.run_id, o.school_id): o for o in SchoolOutcome.objects.filter(run__in=list(runs.values()), **only)
    }
    risk: dict[int, RiskInput] = {}
    for r in RiskInput.objects.filter(school__municipality=municipality, year__lte=year, **only).order_by(
        "year"
    ):
        risk[r.school_id] = r
    period = (
        MonitoringPeriod.objects.filter(municipality=municipality, year=year, indicator_set__code=SET_CODE)
        .select_related("indicator_set")
        .first()
    )
    submissions: dict[int, SchoolSubmission] = {}
    values: dict[int, list[IndicatorValue]] = defaultdict(list)
    if period is not None:
        submissions = {s.school_id: s for s in SchoolSubmission.objects.filter(period=period, **only)}
        values_qs = IndicatorValue.objects.filter(period=period, school__isnull=False, **only)
        for v in values_qs.select_related("indicator"):
            assert v.school_id is not None
            values[v.school_id].append(v)
    if period is not None and period.is_open:
        _with_records(period, values, schools)
    data = YearData(municipality, year, runs, outcomes, risk, period, submissions, dict(values))
    _load_programs_and_profiles(data, only)
    _load_overdue(data, schools)
    return data


def _with_records(
    period: MonitoringPeriod, values: dict[int, list[IndicatorValue]], schools: list[int] | None
) -> None:
    """In an open period the answers the records decide (portal.monitoring.records) stand in place of typed ones,
    as on the dashboard (a closed period stores them)."""
    from portal.monitoring.records import answers

    indicators = {i.pk: i for i in period.indicator_set.indicators.all()}
    for (indicator_id, subitem, school_id), a in answers(period, school_ids=schools).items():
        if school_id is None:
            continue
        kept = [v for v in values[school_id] if (v.indicator_id, v.subitem) != (indicator_id, subitem)]
        kept.append(
            IndicatorValue(
                period=period,
                school_id=school_id,
                indicator=indicators[indicator_id],
                subitem=subitem,
                bool_value=a.value,
                text=a.text,
                links=a.links,
                origin=IndicatorValue.Origin.SYSTEM,
            )
        )
        values[school_id] = kept


def _load_programs_and_profiles(data: YearData, only: dict[str, Any]) -> None:
    """Approved (or published) programs of the Конструктор and the latest risk profile of a year ≤ year."""
    for program in Program.objects.filter(
        school__municipality=data.municipality,
        status__in=[Program.Status.APPROVED, Program.Status.PUBLISHED],
        **only,
    ).order_by("version"):
        data.programs[(program.school_id, program.kind)] = program
    for level in (
        RiskLevel.objects.filter(
            profile__school__municipality=data.municipality, profile__year__lte=data.year, **_prefixed(only)
        )
        .select_related("profile", "factor")
        .order_by("profile__year")
    ):
        school_id, year = level.profile.school_id, level.profile.year
        known = data.risk_levels.get(school_id)
        if known is None or known[0] < year:
            known = (year, {})
            data.risk_levels[school_id] = known
        if known[0] == year:
            known[1][level.factor.code] = (level.level, level.factor.title)


def _prefixed(only: dict[str, Any]) -> dict[str, Any]:
    return {f"profile__{k}": v for k, v in only.items()}


def _load_overdue(data: YearData, schools: list[int] | None) -> None:
    """Overdue roadmap entries of years ≤ the report's year, by the one rule (portal.roadmap.overdue); the scope
    goes into ``overdue_scope`` so that a report can print it beside the number."""
    from portal.roadmap import overdue as rule

    scope = rule.OverdueScope(up_to_year=data.year)
    among = rule.entries(data.municipality)
    if schools is not None:  # a school's card: its own roadmap (and not the municipal one)
        among = among.filter(item__school_id__in=schools)
        scope = rule.OverdueScope(municipal=False, up_to_year=data.year)
    late = rule.overdue(data.municipality, scope, among=list(among))
    data.overdue_scope = late.scope_text
    for _flagged, entry in late.flagged:
        data.overdue.setdefault(entry.item.school_id, []).append(f"{entry.item.measure} ({entry.year})")


def years_low_results(data: YearData, school_id: int) -> int:
    """Consecutive years, back from the latest run, in which the school was ШНОР in the published run."""
    count = 0
    for y in sorted(data.runs, reverse=True):
        outcome = data.outcomes.get((data.runs[y].pk, school_id))
        if outcome is None or "low_results" not in outcome.categories:
            break
        count += 1
    return count


def _counted(data: YearData, school_id: int) -> bool:
    sub = data.submissions.get(school_id)
    return sub is not None and sub.status in (
        SchoolSubmission.Status.SUBMITTED,
        SchoolSubmission.Status.ACCEPTED,
    )


def school_facts(data: YearData, school: School) -> Facts:
    """The school's facts for the rules, with their sources (computed once per loaded year)."""
    if school.pk not in data.facts:
        data.facts[school.pk] = _school_facts(data, school)
    return data.facts[school.pk]


def _school_facts(data: YearData, school: School) -> Facts:
    facts = Facts()
    run = data.run
    outcome = data.outcomes.get((run.pk, school.pk)) if run is not None else None
    if run is not None and outcome is not None:
        src = (
            f"расчёт идентификации {run.year} г. (опубликован {run.published_at:%d.%m.%Y})"
            if run.published_at
            else ""
        )
        for code in ("low_results", "adverse_context", "at_risk", "resilient"):
            facts.put(f"cat_{code}", code in outcome.categories, src)
        facts.put(
            "years_low_results", float(years_low_results(data, school.pk)), "опубликованные расчёты по годам"
        )
        facts.put("std_residual", outcome.std_residual, src)
        facts.put("results_index", outcome.results_index, src)
    risk = data.risk.get(school.pk)
    if risk is not None:
        src = f"данные о факторах риска за {risk.year} г."
        facts.put(
            "staff_vacancies", None if risk.staff_vacancies is None else float(risk.staff_vacancies), src
        )
        facts.put("internet_mbps", risk.internet_mbps, src)
        facts.put("share_category_first_highest", risk.share_category_first_highest, src)
        facts.put("share_trained_3y", risk.share_trained_3y, src)
        facts.put("equipment_complete", risk.equipment_complete, src)
    if data.period is not None:
        _monitoring_facts(facts, data, school)
    for kind, name in ((Program.Kind.SHPPKO, "has_program"), (Program.Kind.FAILURE, "has_failure_program")):
        program = data.programs.get((school.pk, kind))
        if program is not None:  # an approved program outweighs the form's answer
            when = f" {program.approved_at:%d.%m.%Y}" if program.approved_at else ""
            facts.put(
                name,
                True,
                f"Конструктор: {program.get_kind_display()} утверждена{when} (версия {program.version})",
            )
    profile = data.risk_levels.get(school.pk)
    if profile is not None:
        year, levels = profile
        src = f"рисковый профиль {year} г."
        for code, (level, _title) in levels.items():
            facts.put(f"risk_{code}", float({"high": 3, "medium": 2, "low": 1}[level]), src)
        high = [title for level, title in levels.values() if level == "high"]
        facts.put("risk_high_count", float(len(high)), src)
        facts.put("risk_high_list", "; ".join(high) or None, src)
    overdue = data.overdue.get(school.pk, [])
    facts.put("overdue_items", float(len(overdue)), "дорожная карта школы")
    facts.put("overdue_list", "; ".join(overdue[:5]) or None, "дорожная карта школы")
    return facts


def _monitoring_facts(facts: Facts, data: YearData, school: School) -> None:
    assert data.period is not None
    src = f"мониторинг {data.period.year} г."
    sub = data.submissions.get(school.pk)
    if sub is not None:
        facts.put("form_submitted", _counted(data, school.pk), src)
    by_slot = {(v.indicator.code, v.subitem): v for v in data.values.get(school.pk, [])}
    counted = _counted(data, school.pk)

    def typed(code: str, subitem: str = "") -> IndicatorValue | None:
        v = by_slot.get((code, subitem))
        if v is None or (v.origin == IndicatorValue.Origin.FORM and not counted):
            return None  # a draft is not yet the school's answer
        return v

    if (v := typed("1.3")) is not None:
        facts.put("has_program", v.bool_value, src + ", показатель 1.3")
    if (v := typed("1.1", "failure_prevention_program")) is not None:
        facts.put("has_failure_program", v.bool_value, src + ", показатель 1.1")
    if (v := typed("5.1")) is not None:
        facts.put("has_partnership", v.bool_value, src + ", показатель 5.1")
    if (v := typed("3.6", "mentoring")) is not None and v.numerator is not None:
        facts.put("has_mentoring", v.numerator > 0, src + ", показатель 3.6")
    staff = sub.staff_total if sub is not None else None
    for code, name in (("3.1", "share_teachers_diagnosed"), ("3.2", "share_teachers_iom")):
        v = typed(code)
        if v is not None and v.numerator is not None and staff:
            facts.put(name, 100.0 * v.numerator / staff, f"{src}, показатель {code}")
    noes = sorted(
        (
            v
            for v in by_slot.values()
            if v.bool_value is False and not v.indicator.code.startswith(("2.", "7."))
        ),
        key=lambda v: v.indicator.position,
    )
    noes = [v for v in noes if typed(v.indicator.code, v.subitem) is not None]
    if counted:
        facts.put("indicators_not_met", float(len(noes)), src)
        facts.put("indicators_not_met_list", "; ".join(_slot_name(v) for v in noes[:8]) or None, src)
    changes = [
        v
        for v in by_slot.values()
        if v.origin == IndicatorValue.Origin.RESULTS
        and v.indicator.code.startswith("7.")
        and v.number is not None
    ]
    if changes:
        falling = sorted(
            (v for v in changes if v.number is not None and v.number < 0), key=lambda v: v.number or 0
        )
        facts.put("negative_dynamics_count", float(len(falling)), src + ", динамика (методика M1)")
        facts.put("positive_dynamics_count", float(sum(1 for v in changes if v.bool_value)), src)
        if falling:
            facts.put("worst_change_pp", falling[0].number, src)
            facts.put(
                "negative_dynamics_list",
                "; ".join(
                    f"{_slot_name(v)}: {fmt_num(v.number or 0.0)} п.п.".replace("-", "−") for v in falling[:6]
                ),
                src,
            )


def _slot_name(v: IndicatorValue) -> str:
    label = v.indicator.subitem_label(v.subitem) if v.subitem else ""
    label = (
        label[1:-1] if label.startswith("«") and label.endswith("»") else label
    )  # «Конструктор…» is quoted
    return f"{v.indicator.code} «{label}»" if label else v.indicator.code


def authority_facts(data: YearData) -> Facts:
    """Facts of the municipality as a whole (scope «authority» of the rules)."""
    from portal.monitoring import derive

    facts = Facts()
    schools = list(School.objects.filter(municipality=data.municipality))
    run = data.run
    if run is not None:
        src = f"расчёт идентификации {run.year} г."
        shnor = [
            s for s in schools if (o := data.outcomes.get((run.pk, s.pk))) and "low_results" in o.categories
        ]
        facts.put("shnor_count", float(len(shnor)), src)
        facts.put(
            "shnor_stable_count", float(sum(1 for s in shnor if years_low_results(data, s.pk) >= 2)), src
        )
        per_school = {s.pk: school_facts(data, s).values for s in shnor}
        facts.put(
            "shnor_without_program",
            float(sum(1 for s in shnor if per_school[s.pk].get("has_program") is not True)),
            "Конструктор ШППКО (утверждённые программы) и мониторинг, показатель 1.3",
        )
        with_dynamics = [f for f in per_school.values() if "positive_dynamics_count" in f]
        if with_dynamics:
            positive = sum(1 for f in with_dynamics if f["positive_dynamics_count"] > 0)
            facts.put(
                "share_shnor_positive_dynamics",
                100.0 * positive / len(with_dynamics),
                f"мониторинг {data.year} г., динамика (методика M1)",
            )
    facts.put("municipal_overdue", float(len(data.overdue.get(None, []))), "муниципальная дорожная карта")
    facts.put(
        "risk_data_missing",
        float(sum(1 for s in schools if s.pk not in data.risk)),
        f"данные о факторах риска за годы по {data.year} г.",
    )
    if data.period is not None:
        src = f"мониторинг {data.year} г."
        facts.put(
            "forms_not_submitted",
            float(sum(1 for pk in data.submissions if not _counted(data, pk))),
            src,
        )
        rows, _summary = derive.cached_rows(data.period)
        not_met = [r for r in rows if r.status == "not_met"]
        facts.put("municipal_not_met", float(len(not_met)), src)
        facts.put(
            "municipal_not_met_list",
            "; ".join(f"{r.indicator.code}{f' «{r.label}»' if r.label else ''}" for r in not_met[:8]) or None,
            src,
        )
        shnor_rows, _ = derive.cached_rows(data.period, category="shnor")
        visits = next((r for r in shnor_rows if r.key == "3.8|support_visits"), None)
        if visits is not None and isinstance(visits.value, float):
            facts.put("share_shnor_visited", visits.value, src + ", показатель 3.8 (десанты), только ШНОР")
    return facts
