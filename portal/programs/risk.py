"""Risk profiles of schools: levels computed from municipal data (explained in Russian sentences), the school's
self-assessment and overrides, and the upload of levels from Excel. Every write is atomic and audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from opora import constructor, risk_explain
from opora import measures_catalogue as catalogue
from opora.safe_export import workbook_bytes
from portal.audit.services import record, snapshot
from portal.lib import stale
from portal.lib.uploads import data_import_problem
from portal.programs.models import Level, RiskFactor, RiskLevel, RiskProfile
from portal.programs.services import ProgramError, _user, library, risk_inputs
from portal.schools.models import School


def rule_words() -> dict[str, str]:
    """factor code → how its level is computed from data, in Russian (factors without a data rule are absent)."""
    return {
        code: risk_explain.describe_rule(f.data_rule)
        for code, f in catalogue.builtin_library().risk_factors.items()
        if f.data_rule is not None
    }


def input_facts(school: School, year: int) -> list[str]:
    """The school's municipal risk data of a year as Russian phrases («скорость Интернета 20 Мбит/с»)."""
    return [risk_explain.input_fact(name, value) for name, value in risk_inputs(school, year).items()]


def _profile(school: School, year: int) -> RiskProfile:
    profile, _created = RiskProfile.objects.get_or_create(school=school, year=year)
    return profile


def compute_profile(school: School, year: int, *, by: Any) -> RiskProfile:
    """Levels from the municipal inputs where a data rule exists; a manual override keeps its level and gets the
    new computed one beside it. Factors without a rule are left as they are."""
    computed = constructor.compute_levels(library(school.municipality.region_id), risk_inputs(school, year))
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


def profile_state(school: School, year: int) -> dict[str, str]:
    """The profile form as it shows (level words and comments of the enabled factors): the stale-save snapshot."""
    profile = RiskProfile.objects.filter(school=school, year=year).first()
    levels = {lv.factor_id: lv for lv in profile.levels.all()} if profile else {}
    state: dict[str, str] = {}
    for factor in RiskFactor.objects.filter(enabled=True):
        lv = levels.get(factor.pk)
        state[f"{factor.code}.level"] = lv.get_level_display() if lv else "не оценён"
        state[f"{factor.code}.comment"] = lv.comment if lv else ""
    return state


def profile_labels() -> dict[str, str]:
    labels = {}
    for code, title in RiskFactor.objects.values_list("code", "title"):
        labels[f"{code}.level"] = f"«{title}»: уровень"
        labels[f"{code}.comment"] = f"«{title}»: обоснование изменения"
    return labels


def set_levels(
    school: School,
    year: int,
    levels: Mapping[str, tuple[str, str]],
    *,
    by: Any,
    expected: str | None = None,
) -> RiskProfile:
    """Levels entered by the school (factor → (level, comment)). A level that differs from the one computed from
    data is an override and needs a comment; an empty level removes a self-assessed level. ``expected``: the
    form's snapshot (``profile_state``); a stale one raises ``portal.lib.stale.StaleEdit``, nothing is written."""
    factors = {f.code: f for f in RiskFactor.objects.filter(code__in=list(levels))}
    errors = []
    with transaction.atomic():
        profile = _profile(school, year)
        profile = RiskProfile.objects.select_for_update().get(pk=profile.pk)
        stale.check(expected, profile_state(school, year), profile_labels())
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
