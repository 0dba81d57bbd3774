"""Write use-cases of risk profiles, the measures library and programs: explicit actor, atomic, audited.

The expert rules live in the pure core (``opora.constructor``); here they get the school's data from the database
and their output is stored. A program that is not a draft rejects every change (``ProgramLocked``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone

from opora import constructor
from opora import measures_catalogue as catalogue
from opora.safe_export import workbook_bytes
from portal.audit.services import record, snapshot
from portal.identification.services import latest_published
from portal.lib.uploads import data_import_problem
from portal.programs.models import (
    Goal,
    Level,
    Measure,
    Program,
    ProgramMeasure,
    RiskFactor,
    RiskLevel,
    RiskProfile,
)
from portal.results.models import AssessmentResult, RiskInput
from portal.schools.models import School


class ProgramError(Exception):
    """A use-case refused; ``str(error)`` is a Russian sentence for the user."""


class ProgramLocked(ProgramError):
    """The program is approved or published: only a new version can change it."""


class QualityCheckFailed(ProgramError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("Программа не прошла проверку качества: " + " ".join(problems))
        self.problems = problems


def _locked(program: Program) -> None:
    if not program.is_draft:
        raise ProgramLocked(
            f"Программа (версия {program.version}) уже {program.get_status_display().lower()}: "
            "изменения возможны только в новой версии."
        )


# --------------------------------------------------------------------------------------------- library


def sync_library(*, by: Any, force: bool = False) -> tuple[int, int]:
    """Seed the factors and measures from ``opora/data`` (created when missing; updated only with ``force``,
    so the method centre's edits survive a plain sync). Returns (factors, measures) created or updated."""
    lib = catalogue.builtin_library()
    changed_f = changed_m = 0
    with transaction.atomic():
        for position, (code, f) in enumerate(lib.risk_factors.items(), start=1):
            values = {
                "title": f.title,
                "description": f.description,
                "levels": dict(f.levels),
                "optional": f.optional,
                "position": position,
                "rule_note": f.data_rule.note if f.data_rule else "",
                "source": f.source[:300],
            }
            obj = RiskFactor.objects.filter(code=code).first()
            if obj is None:
                obj = RiskFactor.objects.create(code=code, enabled=not f.optional, **values)
                record(obj, "programs.riskfactor.created", by=by, after=snapshot(obj))
                changed_f += 1
            elif force:
                before = snapshot(obj)
                RiskFactor.objects.filter(pk=obj.pk).update(**values)
                obj.refresh_from_db()
                record(obj, "programs.riskfactor.changed", by=by, before=before, after=snapshot(obj))
                changed_f += 1
        for m in lib.measures:
            values = {
                "title": m.title,
                "description": m.description,
                "risk_factors": list(m.risk_factors),
                "directions": list(m.directions),
                "indicators": list(m.indicators),
                "responsible_role": m.responsible_role,
                "timing_kind": m.timing.kind,
                "timing_months": list(m.timing.months or []),
                "duration_months": m.timing.duration_months,
                "expected_result": m.expected_result,
                "evidence": m.evidence,
                "levels": list(m.levels),
                "priority": m.priority,
            }
            mobj = Measure.objects.filter(code=m.code).first()
            if mobj is None:
                mobj = Measure.objects.create(code=m.code, origin=Measure.Origin.CATALOGUE, **values)
                record(mobj, "programs.measure.created", by=by, after=snapshot(mobj))
                changed_m += 1
            elif force:
                before = snapshot(mobj)
                Measure.objects.filter(pk=mobj.pk).update(**values)
                mobj.refresh_from_db()
                record(mobj, "programs.measure.changed", by=by, before=before, after=snapshot(mobj))
                changed_m += 1
    return changed_f, changed_m


def save_measure(obj: Measure, values: Mapping[str, Any], *, by: Any) -> Measure:
    """Create or change a library measure (method centre); the risk factors must exist."""
    unknown = set(values.get("risk_factors", [])) - set(RiskFactor.objects.values_list("code", flat=True))
    if unknown:
        raise ProgramError(f"Неизвестные факторы риска: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        before = snapshot(Measure.objects.get(pk=obj.pk)) if obj.pk else None
        for key, value in values.items():
            setattr(obj, key, value)
        if before is None:
            obj.origin = Measure.Origin.METHOD_CENTRE
        obj.save()
        record(
            obj,
            f"programs.measure.{'changed' if before else 'created'}",
            by=by,
            before=before,
            after=snapshot(obj),
        )
    return obj


def library() -> catalogue.MeasuresLibrary:
    """The library the Конструктор uses: factors (with the YAML data rules) and the active measures of the DB."""
    builtin = catalogue.builtin_library()
    factors = {}
    for f in RiskFactor.objects.filter(enabled=True):
        seed = builtin.risk_factors.get(f.code)
        factors[f.code] = catalogue.RiskFactor(
            code=f.code,
            title=f.title,
            description=f.description,
            levels=f.levels,
            source=f.source,
            optional=f.optional,
            municipal_factors=seed.municipal_factors if seed else (),
            data_rule=seed.data_rule if seed else None,
        )
    measures = tuple(
        catalogue.Measure(
            code=m.code,
            title=m.title,
            description=m.description,
            risk_factors=tuple(m.risk_factors),
            directions=tuple(m.directions),
            indicators=tuple(m.indicators),
            responsible_role=m.responsible_role,
            timing=catalogue.Timing(m.timing_kind, tuple(m.timing_months) or None, m.duration_months),
            expected_result=m.expected_result,
            evidence=m.evidence,
            levels=tuple(m.levels),
            priority=m.priority,
        )
        for m in Measure.objects.filter(is_active=True).order_by("code")
    )
    return catalogue.MeasuresLibrary(
        risk_factors=factors,
        municipal_factors=builtin.municipal_factors,
        measures=measures,
        _by_code={m.code: m for m in measures},
    )


def factor_titles() -> dict[str, str]:
    return dict(RiskFactor.objects.values_list("code", "title"))


# --------------------------------------------------------------------------------------------- school data


def risk_inputs(school: School, year: int) -> dict[str, float | bool | None]:
    row = RiskInput.objects.filter(school=school, year=year).first()
    if row is None:
        return {}
    return {name: getattr(row, name) for name in catalogue.MUNICIPAL_INPUTS}


def school_facts(school: School, year: int) -> dict[str, Any]:
    """The numbers the program's analysis and goals use: risk inputs, ВПР «2» share and results by procedure."""
    facts: dict[str, Any] = dict(risk_inputs(school, year))
    rows = (
        AssessmentResult.objects.filter(school=school, year__lte=year, year__gte=year - 2)
        .values("procedure", "year")
        .annotate(n=Sum("n"), n2=Sum("n_2"))
        .order_by("procedure", "year")
    )
    results = []
    for r in rows:
        share2 = round(100 * r["n2"] / r["n"], 1) if r["n"] and r["n2"] is not None else None
        results.append({"procedure": r["procedure"], "year": r["year"], "n": r["n"], "share_2": share2})
    facts["results"] = results
    vpr = [r for r in results if r["procedure"] == "vpr" and r["year"] == year]
    facts["vpr_share_2"] = vpr[0]["share_2"] if vpr else None
    run = latest_published(school.municipality)
    outcome = run.outcomes.filter(school=school).first() if run else None
    facts["categories"] = list(outcome.categories) if outcome else []
    facts["identification_year"] = run.year if run else None
    facts["results_index"] = outcome.results_index if outcome else None
    facts["residual"] = outcome.residual if outcome else None
    return facts


# --------------------------------------------------------------------------------------------- risk profiles


def _profile(school: School, year: int) -> RiskProfile:
    profile, _created = RiskProfile.objects.get_or_create(school=school, year=year)
    return profile


def compute_profile(school: School, year: int, *, by: Any) -> RiskProfile:
    """Levels from the municipal inputs where a data rule exists; a manual override keeps its level and gets the
    new computed one beside it. Factors without a rule are left as they are."""
    computed = constructor.compute_levels(library(), risk_inputs(school, year))
    factors = {f.code: f for f in RiskFactor.objects.filter(code__in=list(computed))}
    with transaction.atomic():
        profile = _profile(school, year)
        existing = {lv.factor.code: lv for lv in profile.levels.select_related("factor")}
        for code, result in computed.items():
            if result.level is None or code not in factors:
                continue
            lv = existing.get(code)
            if lv is None:
                lv = RiskLevel.objects.create(
                    profile=profile,
                    factor=factors[code],
                    level=result.level,
                    source=RiskLevel.Source.COMPUTED,
                    reason=result.reason,
                    computed_level=result.level,
                    updated_by=None,
                )
                record(lv, "programs.risklevel.created", by=by, after=snapshot(lv))
                continue
            before = snapshot(lv)
            lv.computed_level = result.level
            if lv.source != RiskLevel.Source.OVERRIDE:
                lv.level, lv.source, lv.reason = result.level, RiskLevel.Source.COMPUTED, result.reason
            if snapshot(lv) != before:
                lv.save()
                record(lv, "programs.risklevel.changed", by=by, before=before, after=snapshot(lv))
    return profile


def set_levels(school: School, year: int, levels: Mapping[str, tuple[str, str]], *, by: Any) -> RiskProfile:
    """Levels entered by the school (factor → (level, comment)). A level that differs from the one computed from
    data is an override and needs a comment; an empty level removes a self-assessed level."""
    factors = {f.code: f for f in RiskFactor.objects.filter(code__in=list(levels))}
    errors = []
    with transaction.atomic():
        profile = _profile(school, year)
        existing = {lv.factor.code: lv for lv in profile.levels.select_related("factor")}
        for code, (level, comment) in levels.items():
            factor = factors.get(code)
            if factor is None:
                errors.append(f"Неизвестный фактор риска «{code}».")
                continue
            lv = existing.get(code)
            if not level:
                if lv is not None and lv.source in (RiskLevel.Source.SELF, RiskLevel.Source.IMPORTED):
                    record(lv, "programs.risklevel.deleted", by=by, before=snapshot(lv))
                    lv.delete()
                continue
            if level not in Level.values:
                errors.append(f"«{factor.title}»: недопустимый уровень «{level}».")
                continue
            computed = lv.computed_level if lv is not None else ""
            if lv is not None and lv.level == level and (lv.comment == comment or not comment):
                continue
            if computed and level != computed and not comment.strip():
                errors.append(
                    f"«{factor.title}»: по данным уровень {Level(computed).label}; чтобы изменить его, "
                    "укажите обоснование."
                )
                continue
            source = (
                RiskLevel.Source.COMPUTED
                if computed and level == computed
                else RiskLevel.Source.OVERRIDE
                if computed
                else RiskLevel.Source.SELF
            )
            before = snapshot(lv) if lv is not None else None
            if lv is None:
                lv = RiskLevel(profile=profile, factor=factor)
            lv.level, lv.source, lv.comment, lv.updated_by = level, source, comment.strip(), _user(by)
            if source == RiskLevel.Source.SELF:
                lv.reason = "Оценка школы по итогам самодиагностики."
            lv.save()
            record(
                lv,
                f"programs.risklevel.{'changed' if before else 'created'}",
                by=by,
                before=before,
                after=snapshot(lv),
            )
        if errors:
            transaction.set_rollback(True)
            raise ProgramError(" ".join(errors))
    return profile


def _user(by: Any) -> Any:
    return by if by is not None and getattr(by, "is_authenticated", False) else None


@dataclass
class ImportReport:
    ok: bool
    errors: list[str] = field(default_factory=list)
    levels: int = 0
    profiles: int = 0


LEVEL_WORDS = {
    "высокий": "high",
    "средний": "medium",
    "низкий": "low",
    "high": "high",
    "medium": "medium",
    "low": "low",
}
IMPORT_COLUMNS = ("Код ОО", "Год", "Код фактора", "Уровень", "Основание")


def _shown(text: str, limit: int = 60) -> str:
    """A cell's text for an error message: a 10,000-character cell is cut, not quoted whole."""
    return text if len(text) <= limit else text[:limit] + "…"


def import_profiles(municipality: Any, content: bytes, *, filename: str, by: Any) -> ImportReport:
    """Levels from an Excel file (sheet 1, columns :data:`IMPORT_COLUMNS`): the whole file is checked first;
    any error — nothing is written; otherwise every level is written in one transaction (source «загружен»)."""
    import io

    import openpyxl

    if problem := data_import_problem(content, filename):
        return ImportReport(False, [problem])
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a broken file
        return ImportReport(False, [f"Файл {filename}: не удалось прочитать как книгу Excel (.xlsx)."])
    if not book.worksheets:
        return ImportReport(False, [f"Файл {filename}: в книге нет листов с таблицей."])
    sheet = book.worksheets[0]
    try:  # a read-only workbook parses the sheet only now: a damaged sheet fails here, not at opening
        rows = list(sheet.iter_rows(values_only=True))
    except Exception:
        return ImportReport(False, [f"Файл {filename}, лист «{sheet.title}»: лист повреждён и не читается."])
    finally:
        book.close()
    if not rows:
        return ImportReport(False, [f"Файл {filename}, лист «{sheet.title}»: лист пуст."])
    header = [str(c or "").strip() for c in rows[0]]
    missing = [c for c in IMPORT_COLUMNS[:4] if c not in header]
    if missing:
        return ImportReport(
            False,
            [
                f"Файл {filename}, лист «{sheet.title}», строка 1: нет столбцов {', '.join('«' + m + '»' for m in missing)}."
            ],
        )
    col = {name: header.index(name) for name in IMPORT_COLUMNS if name in header}
    schools = {s.code: s for s in School.objects.filter(municipality=municipality)}
    factors = {f.code: f for f in RiskFactor.objects.all()}
    errors: list[str] = []
    parsed: list[tuple[School, int, RiskFactor, str, str]] = []
    seen: set[tuple[str, int, str]] = set()
    for number, row in enumerate(rows[1:], start=2):
        if all(c is None or str(c).strip() == "" for c in row):
            continue

        def cell(name: str, row: tuple[Any, ...] = row) -> str:
            i = col.get(name)
            return "" if i is None or i >= len(row) or row[i] is None else str(row[i]).strip()

        where = f"Файл {filename}, лист «{sheet.title}», строка {number}"
        code, year_text, factor_code, level_text = (
            cell("Код ОО"),
            cell("Год"),
            cell("Код фактора"),
            cell("Уровень"),
        )
        school = schools.get(code)
        if school is None:
            errors.append(
                f"{where}, столбец «Код ОО»: школа с кодом «{_shown(code)}» не найдена в муниципалитете."
            )
        try:
            year_value = float(year_text)
            year = int(year_value)
            if year != year_value or not 2000 <= year <= 2100:
                raise ValueError
        except (ValueError, OverflowError):
            errors.append(
                f"{where}, столбец «Год»: ожидается год (например 2023), а не «{_shown(year_text)}»."
            )
            year = 0
        factor = factors.get(factor_code)
        if factor is None:
            errors.append(f"{where}, столбец «Код фактора»: неизвестный фактор «{_shown(factor_code)}».")
        level = LEVEL_WORDS.get(level_text.lower())
        if level is None:
            errors.append(
                f"{where}, столбец «Уровень»: ожидается «высокий», «средний» или «низкий», "
                f"а не «{_shown(level_text)}»."
            )
        key = (code, year, factor_code)
        if key in seen:
            errors.append(
                f"{where}: фактор «{_shown(factor_code)}» школы «{_shown(code)}» за {year} г. указан повторно."
            )
        seen.add(key)
        if school is not None and factor is not None and level is not None and year:
            parsed.append((school, year, factor, level, cell("Основание")))
    if not parsed and not errors:
        errors.append(f"Файл {filename}: нет ни одной строки с данными.")
    if errors:
        return ImportReport(False, errors)
    profiles: set[int] = set()
    with transaction.atomic():
        for school, year, factor, level, reason in parsed:
            profile = _profile(school, year)
            profiles.add(profile.pk)
            lv = RiskLevel.objects.filter(profile=profile, factor=factor).first()
            before = snapshot(lv) if lv else None
            if lv is None:
                lv = RiskLevel(profile=profile, factor=factor)
            lv.level, lv.source = level, RiskLevel.Source.IMPORTED
            lv.reason = reason or f"Загружен из файла {filename}."
            lv.comment, lv.updated_by = "", _user(by)
            lv.save()
            record(
                lv,
                f"programs.risklevel.{'changed' if before else 'imported'}",
                by=by,
                before=before,
                after=snapshot(lv),
                data={"file": filename},
            )
    return ImportReport(True, levels=len(parsed), profiles=len(profiles))


def import_template() -> bytes:

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Рисковый профиль"
    sheet.append(list(IMPORT_COLUMNS))
    sheet.append(
        ["MNS-OOSH01", 2023, "low_parent_involvement", "высокий", "Анкетирование родителей, октябрь 2023"]
    )
    factors = book.create_sheet("Факторы")
    factors.append(["Код фактора", "Название"])
    for f in RiskFactor.objects.order_by("position"):
        factors.append([f.code, f.title])
    return workbook_bytes(book)


# --------------------------------------------------------------------------------------------- programs


def _proposal_row(
    m: catalogue.Measure,
    p: constructor.Proposal,
    school_year: int,
    last_year: int,
    db: Mapping[str, Measure],
    titles: Mapping[str, str],
) -> dict[str, Any]:
    start, end = constructor.default_span(m, school_year, last_year)
    return {
        "measure": db.get(m.code),
        "code": m.code,
        "title": m.title,
        "description": m.description,
        "factor_codes": list(dict.fromkeys([p.factor, *p.also] if p.factor else list(m.risk_factors))),
        "directions": list(m.directions),
        "indicators": list(m.indicators),
        "responsible": m.responsible_role,
        "start": start,
        "end": end,
        "timing_kind": m.timing.kind,
        "timing_months": list(m.timing.months or []),
        "expected_result": m.expected_result,
        "evidence": m.evidence,
        "origin": ProgramMeasure.Origin.PROPOSED,
        "provenance": {
            "factor": p.factor,
            "level": p.level,
            "rule": p.rule,
            "also": list(p.also),
            "indicators": list(p.indicators),
            "text": p.describe(titles),
        },
    }


def _propose(program: Program, profile: Mapping[str, str], *, by: Any) -> None:
    lib = library()
    proposals = constructor.propose_measures(
        lib,
        profile,
        program.priorities,
        kind=program.kind,  # type: ignore[arg-type]
        categories=program.snapshot.get("categories", []),
    )
    db = {m.code: m for m in Measure.objects.filter(code__in=[p.measure for p in proposals])}
    titles = factor_titles()
    keep = set(program.measures.exclude(origin=ProgramMeasure.Origin.PROPOSED).values_list("code", flat=True))
    start = (program.measures.aggregate(m=Max("position"))["m"] or 0) + 1
    for i, p in enumerate(x for x in proposals if x.measure not in keep):
        row = ProgramMeasure.objects.create(
            program=program,
            position=start + i,
            **_proposal_row(lib.measure(p.measure), p, program.school_year, program.year_to, db, titles),
        )
        record(row, "programs.programmeasure.created", by=by, after=snapshot(row))


def _draft_goals(program: Program, profile: Mapping[str, str], *, by: Any) -> None:
    have = set(program.goals.values_list("factor_code", flat=True))
    drafts = constructor.draft_goals(
        [p for p in program.priorities if p not in have],
        program.snapshot.get("facts", {}),
        factor_titles(),
        profile,
    )
    start = (program.goals.aggregate(m=Max("position"))["m"] or 0) + 1
    for i, g in enumerate(drafts):
        goal = Goal.objects.create(
            program=program,
            position=start + i,
            factor_code=g.factor,
            text=g.text,
            indicator=g.indicator,
            unit=g.unit,
            baseline=g.baseline,
            target=g.target,
        )
        record(goal, "programs.goal.created", by=by, after=snapshot(goal))


def create_program(
    school: School, kind: str, *, by: Any, profile_year: int, school_year: int = 2023
) -> Program:
    """A new draft: the school's data at this moment, priorities pre-selected from high risks, proposed measures
    with default dates, one goal per priority with the baseline from data."""
    if kind not in Program.Kind.values:
        raise ProgramError(f"Неизвестный вид программы «{kind}».")
    profile_obj = RiskProfile.objects.filter(school=school, year=profile_year).first()
    profile = profile_obj.as_dict() if profile_obj else {}
    if not profile:
        raise ProgramError(
            f"У школы нет рискового профиля за {profile_year} г.: заполните или рассчитайте его перед созданием программы."
        )
    facts = school_facts(school, profile_year)
    order = list(RiskFactor.objects.filter(enabled=True).values_list("code", flat=True))
    priorities = constructor.default_priorities(profile, order, kind)  # type: ignore[arg-type]
    with transaction.atomic():
        version = (Program.objects.filter(school=school, kind=kind).aggregate(v=Max("version"))["v"] or 0) + 1
        program = Program.objects.create(
            school=school,
            kind=kind,
            version=version,
            title=constructor.KINDS[kind],
            profile_year=profile_year,
            school_year=school_year,
            year_from=2023,
            year_to=2025,
            priorities=priorities,
            snapshot={"profile": profile, "categories": facts.pop("categories"), "facts": facts},
            created_by=_user(by),
        )
        record(program, "programs.program.created", by=by, after=snapshot(program))
        _propose(program, profile, by=by)
        _draft_goals(program, profile, by=by)
    return program


def set_priorities(program: Program, priorities: Iterable[str], *, by: Any) -> Program:
    """Change the priorities: measures the Конструктор proposed are proposed again (the team's own and added
    ones stay), goals of dropped priorities are removed, new priorities get a goal."""
    _locked(program)
    chosen = list(dict.fromkeys(priorities))
    unknown = set(chosen) - set(RiskFactor.objects.values_list("code", flat=True))
    if unknown:
        raise ProgramError(f"Неизвестные факторы риска: {', '.join(sorted(unknown))}.")
    if not chosen:
        raise ProgramError("Выберите хотя бы один приоритетный риск.")
    with transaction.atomic():
        before = snapshot(program)
        program.priorities = chosen
        program.step = max(program.step, 3)
        program.save()
        record(program, "programs.program.changed", by=by, before=before, after=snapshot(program))
        for row in program.measures.filter(origin=ProgramMeasure.Origin.PROPOSED):
            record(row, "programs.programmeasure.deleted", by=by, before=snapshot(row))
            row.delete()
        for goal in program.goals.exclude(factor_code__in=chosen).exclude(factor_code=""):
            record(goal, "programs.goal.deleted", by=by, before=snapshot(goal))
            goal.delete()
        profile = program.snapshot.get("profile", {})
        _propose(program, profile, by=by)
        _draft_goals(program, profile, by=by)
    return program


MEASURE_FIELDS = ("title", "responsible", "start", "end", "expected_result", "evidence")


def update_measures(
    program: Program, rows: Mapping[int, Mapping[str, Any]], *, by: Any, delete: Iterable[int] = ()
) -> None:
    """Edit the team's fields of measures (by pk) and delete the ones in ``delete``."""
    _locked(program)
    with transaction.atomic():
        for row in program.measures.filter(pk__in=list(delete)):
            record(row, "programs.programmeasure.deleted", by=by, before=snapshot(row))
            row.delete()
        for obj in program.measures.filter(pk__in=list(rows)):
            before = snapshot(obj)
            for name in MEASURE_FIELDS:
                if name in rows[obj.pk]:
                    setattr(obj, name, rows[obj.pk][name])
            if snapshot(obj) != before:
                obj.save()
                record(obj, "programs.programmeasure.changed", by=by, before=before, after=snapshot(obj))


def add_measure(
    program: Program, *, by: Any, code: str = "", own: Mapping[str, Any] | None = None
) -> ProgramMeasure:
    """Add a library measure (``code``) or the team's own measure (``own``: title, factor, responsible, dates)."""
    _locked(program)
    position = (program.measures.aggregate(m=Max("position"))["m"] or 0) + 1
    if code:
        m = Measure.objects.filter(code=code).first()
        if m is None:
            raise ProgramError(f"В библиотеке нет меры «{code}».")
        if program.measures.filter(code=code).exists():
            raise ProgramError(f"Мера {code} уже есть в программе.")
        lib_m = library().measure(code) if m.is_active else None
        start, end = (
            constructor.default_span(lib_m, program.school_year, program.year_to) if lib_m else (None, None)
        )
        values: dict[str, Any] = {
            "measure": m,
            "code": m.code,
            "title": m.title,
            "description": m.description,
            "factor_codes": [f for f in m.risk_factors if f in program.priorities] or list(m.risk_factors),
            "directions": m.directions,
            "indicators": m.indicators,
            "responsible": m.responsible_role,
            "start": start,
            "end": end,
            "timing_kind": m.timing_kind,
            "timing_months": m.timing_months,
            "expected_result": m.expected_result,
            "evidence": m.evidence,
            "origin": ProgramMeasure.Origin.LIBRARY,
            "provenance": {"rule": "team", "text": "добавлена командой школы из библиотеки мер"},
        }
    else:
        data = dict(own or {})
        title = str(data.get("title", "")).strip()
        if not title:
            raise ProgramError("Укажите название своей меры.")
        factor = str(data.get("factor", ""))
        values = {
            "code": "",
            "title": title,
            "description": str(data.get("description", "")),
            "factor_codes": [factor] if factor else [],
            "responsible": str(data.get("responsible", "")),
            "start": data.get("start"),
            "end": data.get("end"),
            "expected_result": str(data.get("expected_result", "")),
            "evidence": str(data.get("evidence", "")),
            "origin": ProgramMeasure.Origin.OWN,
            "provenance": {},
        }
    with transaction.atomic():
        row = ProgramMeasure.objects.create(program=program, position=position, **values)
        record(row, "programs.programmeasure.created", by=by, after=snapshot(row))
    return row


GOAL_FIELDS = ("text", "tasks", "indicator", "unit", "baseline", "target")


def update_goals(
    program: Program,
    rows: Mapping[int, Mapping[str, Any]],
    *,
    by: Any,
    analysis_note: str | None = None,
    director: str | None = None,
) -> None:
    _locked(program)
    with transaction.atomic():
        for goal in program.goals.filter(pk__in=list(rows)):
            before = snapshot(goal)
            for name in GOAL_FIELDS:
                if name in rows[goal.pk]:
                    setattr(goal, name, rows[goal.pk][name])
            if snapshot(goal) != before:
                goal.save()
                record(goal, "programs.goal.changed", by=by, before=before, after=snapshot(goal))
        before = snapshot(program)
        if analysis_note is not None:
            program.analysis_note = analysis_note
        if director is not None:
            program.director = director
        program.step = max(program.step, 5)
        if snapshot(program) != before:
            program.save()
            record(program, "programs.program.changed", by=by, before=before, after=snapshot(program))


def check(program: Program) -> list[constructor.CheckItem]:
    """The plan's checklist (opora.constructor.quality_check) on the stored program."""
    goals = [constructor.PlanGoal(g.text, g.indicator, g.baseline, g.target) for g in program.goals.all()]
    measures = [
        constructor.PlanMeasure(m.title, tuple(m.factor_codes), m.start, m.end, m.responsible)
        for m in program.measures.all()
    ]
    profile = program.snapshot.get("profile", {})
    if program.kind == Program.Kind.FAILURE:
        profile = {k: v for k, v in profile.items() if k in constructor.FAILURE_FACTORS}
    period = (datetime.date(program.year_from, 1, 1), datetime.date(program.year_to, 12, 31))
    return constructor.quality_check(goals, measures, profile, factor_titles(), period=period)


def approve(program: Program, *, by: Any) -> Program:
    """Approve a draft whose checklist passes (coordinator); otherwise ``QualityCheckFailed`` with the reasons."""
    _locked(program)
    items = check(program)
    if not constructor.check_passed(items):
        raise QualityCheckFailed([p for i in items for p in i.problems])
    with transaction.atomic():
        before = snapshot(program)
        program.status, program.approved_by, program.approved_at = (
            Program.Status.APPROVED,
            _user(by),
            timezone.now(),
        )
        program.save()
        record(program, "programs.program.approved", by=by, before=before, after=snapshot(program))
        feed_roadmap(program, by=by)
    return program


def roadmap_items(program: Program) -> list[Any]:
    """The program's measures × years as items of the school's roadmap (portal.roadmap tracks them).

    A measure counts in each year of the program its dates touch (no dates: every year); it is due on its end
    date in the year it ends, otherwise by 31 December. Its roadmap direction is its first direction (1 if none).
    """
    from portal.roadmap.services import SchoolItem

    items = []
    for m in program.measures.all():
        for year in range(program.year_from, program.year_to + 1):
            if (m.start is not None and m.start.year > year) or (m.end is not None and m.end.year < year):
                continue
            items.append(
                SchoolItem(
                    title=m.title,
                    direction=int(m.directions[0]) if m.directions else 1,
                    responsible=m.responsible,
                    year=year,
                    due_date=m.end if m.end is not None and m.end.year == year else None,
                    expected_result=m.expected_result,
                    evidence_wanted=(m.evidence,) if m.evidence.strip() else (),
                    key=m.code or "",
                )
            )
    return items


def feed_roadmap(program: Program, *, by: Any) -> None:
    """Put an approved program's measures into the school's tracked roadmap (one roadmap per program kind).

    A new approved version replaces the measures of the previous one; statuses, comments and documents of the
    measures that remain are kept (portal.roadmap.services.upsert_school_items).
    """
    from portal.roadmap.services import upsert_school_items

    upsert_school_items(
        program.school,
        f"{program.kind}:{program.school_id}",
        roadmap_items(program),
        by=by,
        title=f"{program.get_kind_display()}, версия {program.version} ({program.year_from}–{program.year_to})",
    )


def publish(program: Program, *, by: Any) -> Program:
    if program.status != Program.Status.APPROVED:
        raise ProgramError("Опубликовать можно только утверждённую программу.")
    with transaction.atomic():
        before = snapshot(program)
        program.status, program.published_at = Program.Status.PUBLISHED, timezone.now()
        program.save()
        record(program, "programs.program.published", by=by, before=before, after=snapshot(program))
    return program


def new_version(program: Program, *, by: Any) -> Program:
    """A draft copy of an approved or published program (goals and measures copied, provenance kept)."""
    if program.is_draft:
        raise ProgramError("Черновик можно редактировать: новая версия не нужна.")
    with transaction.atomic():
        version = (
            Program.objects.filter(school=program.school, kind=program.kind).aggregate(v=Max("version"))["v"]
            or 0
        ) + 1
        goals, measures = list(program.goals.all()), list(program.measures.all())
        copy = Program.objects.get(pk=program.pk)
        copy.pk = None
        copy.version, copy.status, copy.created_by = version, Program.Status.DRAFT, _user(by)
        copy.approved_by = copy.approved_at = copy.published_at = None
        copy.save()
        record(
            copy, "programs.program.created", by=by, after=snapshot(copy), data={"copied_from": program.pk}
        )
        for g in goals:
            g.pk, g.program = None, copy
            g.save()
        for m in measures:
            m.pk, m.program = None, copy
            m.save()
    return copy
