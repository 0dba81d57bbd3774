"""Risk profiles, the library in the database, program drafting, quality check, approval and versions."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest

from portal.audit.models import AuditEntry
from portal.programs import approval, risk, services
from portal.programs.models import Measure, Program, ProgramMeasure, RiskFactor, RiskLevel, RiskProfile
from portal.programs.tests.conftest import approve, complete


def levels(school: Any, year: int = 2023) -> dict[str, tuple[str, str]]:
    profile = RiskProfile.objects.get(school=school, year=year)
    return {lv.factor.code: (lv.level, lv.source) for lv in profile.levels.select_related("factor")}


def test_sync_seeds_the_library_and_keeps_method_centre_edits(db: Any) -> None:
    assert services.sync_library(by=None) == (
        13,
        90,
    )  # risk_factors.yaml: 8 core + 5 optional; measures.yaml: 90
    assert RiskFactor.objects.filter(enabled=True).count() == 8  # optional factors start switched off
    Measure.objects.filter(code="M01").update(title="Своя формулировка")
    assert services.sync_library(by=None) == (0, 0)
    assert Measure.objects.get(code="M01").title == "Своя формулировка"
    services.sync_library(by=None, force=True)
    assert Measure.objects.get(code="M01").title == "Анализ рискового профиля и самодиагностика школы"


def test_levels_are_computed_from_the_municipal_inputs(s1_data: dict[str, Any]) -> None:
    # conftest.S1_INPUTS against risk_factors.yaml: incomplete + 20 < 50 → high; 1 vacancy → medium;
    # 60 % categories (50 ≤ 60 < 70) → medium; 80 % trained (80 ≤ 80 < 95) → medium.
    got = levels(s1_data["S1"])
    assert got["low_equipment"] == ("high", "computed")
    assert got["teacher_shortage"] == ("medium", "computed")
    assert got["low_teacher_competence"] == ("medium", "computed")
    assert got["no_pd_system"] == ("medium", "computed")
    assert got["low_parent_involvement"] == ("high", "self_assessment")


def test_overriding_a_computed_level_needs_a_comment_and_is_audited(s1_data: dict[str, Any]) -> None:
    s1 = s1_data["S1"]
    with pytest.raises(
        services.ProgramError, match="по данным уровень средний; чтобы изменить его, укажите обоснование"
    ):
        risk.set_levels(s1, 2023, {"teacher_shortage": ("high", "")}, by=None)
    assert levels(s1)["teacher_shortage"] == ("medium", "computed")
    risk.set_levels(s1, 2023, {"teacher_shortage": ("high", "Два педагога уходят на пенсию")}, by=None)
    lv = RiskLevel.objects.get(profile__school=s1, factor__code="teacher_shortage")
    assert (lv.level, lv.source, lv.computed_level) == ("high", "override", "medium")
    entry = AuditEntry.objects.filter(action="programs.risklevel.changed").latest("pk")
    assert (entry.before["level"], entry.after["level"]) == ("medium", "high")
    # Recomputing keeps the override and refreshes the computed level beside it.
    risk.compute_profile(s1, 2023, by=None)
    lv.refresh_from_db()
    assert (lv.level, lv.source) == ("high", "override")


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Профиль"
    for row in [["Код ОО", "Год", "Код фактора", "Уровень", "Основание"], *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_import_checks_the_whole_file_and_writes_nothing_on_error(
    world: dict[str, Any], library: None
) -> None:
    content = _xlsx(
        [
            ["S1", 2023, "low_parent_involvement", "высокий", "анкета"],
            ["S3", 2023, "low_parent_involvement", "низкий", ""],  # S3 is in another municipality
            ["S2", "год", "nope", "очень высокий", ""],
        ]
    )
    report = risk.import_profiles(world["M"], content, filename="профиль.xlsx", by=None)
    assert not report.ok
    assert report.errors == [
        "Файл профиль.xlsx, лист «Профиль», строка 3, столбец «Код ОО»: школа с кодом «S3» не найдена в муниципалитете.",
        "Файл профиль.xlsx, лист «Профиль», строка 4, столбец «Год»: ожидается год (например 2023), а не «год».",
        "Файл профиль.xlsx, лист «Профиль», строка 4, столбец «Код фактора»: неизвестный фактор «nope».",
        "Файл профиль.xlsx, лист «Профиль», строка 4, столбец «Уровень»: ожидается «высокий», «средний» или «низкий», а не «очень высокий».",
    ]
    assert not RiskLevel.objects.exists()


def test_import_writes_every_level_at_once(world: dict[str, Any], library: None) -> None:
    content = _xlsx(
        [
            ["S1", 2023, "low_parent_involvement", "высокий", "анкета родителей"],
            ["S2", 2023.0, "low_environment_quality", "Средний", ""],
        ]
    )
    report = risk.import_profiles(world["M"], content, filename="p.xlsx", by=None)
    assert (report.ok, report.levels, report.profiles) == (True, 2, 2)
    assert levels(world["S2"]) == {"low_environment_quality": ("medium", "imported")}
    assert AuditEntry.objects.filter(action="programs.risklevel.imported").count() == 2


def test_import_rejects_a_file_that_is_not_excel(world: dict[str, Any], library: None) -> None:
    report = risk.import_profiles(world["M"], b"not a workbook", filename="x.xlsx", by=None)
    assert report.errors == ["Файл x.xlsx: не удалось прочитать как книгу Excel (.xlsx)."]


def test_a_new_program_starts_from_the_high_risks_with_provenance(program: Program) -> None:
    # High in S1's profile: low_equipment (computed), high_failure_risk_share and low_parent_involvement (self).
    assert program.priorities == ["low_equipment", "high_failure_risk_share", "low_parent_involvement"]
    rows = list(program.measures.all())
    assert [r.code for r in rows[:2]] == ["M01", "M02"]  # R0
    m10 = next(r for r in rows if r.code == "M10")
    assert m10.provenance["factor"] == "low_equipment"
    assert m10.provenance["rule"] == "R1"
    assert m10.provenance["text"] == (
        "R1 — высокий уровень риска: меры приоритета 1–2; фактор «Низкий уровень оснащения школы» (высокий)"
    )
    assert all(r.start and r.end and r.responsible for r in rows)
    # Goals: the baselines come from the data (20 Мбит/с; ВПР «2»: 15 of 100 = 15 %), parents have no data.
    goals = {g.factor_code: (g.baseline, g.target) for g in program.goals.all()}
    assert goals == {
        "low_equipment": (20.0, 50.0),
        "high_failure_risk_share": (15.0, 10.0),
        "low_parent_involvement": (None, None),
    }
    assert program.snapshot["facts"]["vpr_share_2"] == 15.0


def test_a_program_needs_a_risk_profile(world: dict[str, Any], library: None) -> None:
    with pytest.raises(services.ProgramError, match=r"нет рискового профиля за 2023 г\."):
        services.create_program(world["S2"], "shppko", by=None, profile_year=2023)


def test_the_failure_prevention_program_selects_failure_measures(s1_data: dict[str, Any]) -> None:
    p = services.create_program(s1_data["S1"], "failure_prevention", by=None, profile_year=2023)
    assert p.priorities == ["high_failure_risk_share"]
    codes = list(p.measures.values_list("code", flat=True))
    assert codes[0] == "M03"
    assert "M10" not in codes  # equipment measure of the ШППКО
    assert set(p.goals.values_list("factor_code", flat=True)) == {"high_failure_risk_share"}


def test_changing_priorities_reproposes_and_keeps_the_teams_own_measures(program: Program) -> None:
    own = services.add_measure(
        program, by=None, own={"title": "Школьный театр", "factor": "low_parent_involvement"}
    )
    services.set_priorities(program, ["low_parent_involvement"], by=None)
    codes = set(program.measures.values_list("code", flat=True))
    assert "M10" not in codes and "M64" in codes
    assert ProgramMeasure.objects.filter(pk=own.pk).exists()
    assert list(program.goals.values_list("factor_code", flat=True)) == ["low_parent_involvement"]


def test_quality_check_lists_problems_and_blocks_approval(program: Program) -> None:
    items = services.check(program)
    assert [i.ok for i in items] == [False, True, True]
    assert items[0].problems == (
        "Цель 3 «Повысить вовлечённость родителей в образовательный процесс»: не указано базовое значение показателя.",
        "Цель 3 «Повысить вовлечённость родителей в образовательный процесс»: не указано целевое значение показателя.",
    )
    with pytest.raises(services.QualityCheckFailed) as caught:
        approval.submit(program, by=None)
    assert "не указано базовое значение" in str(caught.value)
    program.refresh_from_db()
    assert program.status == "draft"


def test_removing_the_only_measure_of_a_high_risk_fails_the_check(program: Program) -> None:
    complete(program)
    # Drop every measure that addresses low_equipment (M01, M02, M10, …): the high risk is uncovered.
    drop = [m.pk for m in program.measures.all() if "low_equipment" in m.factor_codes]
    services.update_measures(program, {}, by=None, delete=drop)
    q2 = services.check(program)[1]
    assert q2.problems == (
        "Высокий риск «Низкий уровень оснащения школы» не закрыт ни одной мерой программы.",
    )


def test_approve_publish_lock_and_new_version(program: Program) -> None:
    complete(program)
    approve(program)
    with pytest.raises(services.ProgramLocked, match="уже утверждена"):
        services.add_measure(program, by=None, code="M90")
    approval.publish(program, by=None)
    copy = approval.new_version(program, by=None)
    assert (copy.version, copy.status, copy.measures.count()) == (2, "draft", program.measures.count())
    assert copy.measures.filter(code="M10").get().provenance["rule"] == "R1"
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"programs.program.approved", "programs.program.published", "programs.program.created"} <= actions


def test_import_reports_an_absurd_year_instead_of_failing(world: dict[str, Any], library: None) -> None:
    content = _xlsx([["S1", "1e400", "low_parent_involvement", "низкий", ""]])
    report = risk.import_profiles(world["M"], content, filename="p.xlsx", by=None)
    assert report.errors == [
        "Файл p.xlsx, лист «Профиль», строка 2, столбец «Год»: ожидается год (например 2023), а не «1e400»."
    ]


def test_an_approved_program_feeds_the_schools_roadmap_and_a_new_version_keeps_its_statuses(
    program: Program,
) -> None:
    import datetime

    from portal.roadmap.models import RoadmapEntry, RoadmapItem
    from portal.roadmap.services import set_status

    complete(program)
    m10 = program.measures.get(code="M10")
    services.update_measures(
        program, {m10.pk: {"start": datetime.date(2023, 9, 1), "end": datetime.date(2024, 5, 31)}}, by=None
    )
    approve(program)
    items = RoadmapItem.objects.filter(school=program.school, source=f"shppko:{program.school_id}")
    assert items.count() == program.measures.count()
    # M10 runs 01.09.2023–31.05.2024: a roadmap entry for 2023 (due 31.12.2023) and 2024 (due on its end date)
    entries = RoadmapEntry.objects.filter(item__school=program.school, item__code="M10").order_by("year")
    assert [(e.year, e.due_dates) for e in entries] == [(2023, ["2023-12-31"]), (2024, ["2024-05-31"])]
    set_status(entries[0], "done", by=None, done_on=datetime.date(2023, 12, 20))
    copy = approval.new_version(program, by=None)
    approve(copy)
    kept = RoadmapEntry.objects.get(item__school=program.school, item__code="M10", year=2023)
    assert kept.status == "done"  # the same measure in the new version keeps what was recorded
