"""Reconciling a regional report's school names with the registry, and importing it once (issue #15).

The report is tests/report_files.small_report: four schools of two municipalities, 13 subject rows a year.
"""

from __future__ import annotations

from typing import Any

import pytest

from portal.audit.models import AuditEntry
from portal.results import reconcile
from portal.results.models import AssessmentResult, ImportBatch, PendingImport, SchoolAlias
from portal.schools.models import Municipality, Region, School
from tests.report_files import CHITA, SUBJECTS, Sheet, small_report, workbook

S1_FULL = "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 1»"


@pytest.fixture
def region(db: Any) -> dict[str, Any]:
    r = Region.objects.create(code="zab", name="Забайкальский край")
    chita = Municipality.objects.create(
        region=r,
        code="chita",
        name="Город Чита",
        authority_name=CHITA.replace('"Город Чита"', "«Город Чита»"),
    )
    aginsk = Municipality.objects.create(region=r, code="aginsk", name="Агинский район")
    s1 = School.objects.create(
        municipality=chita, code="ch-1", name=S1_FULL, short_name="СОШ № 1", kind="sosh"
    )
    lyceum = School.objects.create(
        municipality=chita,
        code="ch-l2",
        name="Лицей № 2 города Читы",
        short_name="Лицей № 2 г. Читы",
        kind="lyceum",
    )
    s4 = School.objects.create(
        municipality=aginsk,
        code="ag-4",
        name="МБОУ «Агинская СОШ № 4»",
        short_name="Агинская СОШ № 4",
        kind="sosh",
    )
    return {"R": r, "chita": chita, "aginsk": aginsk, "s1": s1, "lyceum": lyceum, "s4": s4}


def _stage(region: dict[str, Any], data: bytes, municipality: Municipality | None = None) -> PendingImport:
    return reconcile.stage(
        region=region["R"],
        municipality=municipality,
        kind="results",
        data=data,
        filename="ege.xlsx",
        defaults={},
        by=None,
    )


def _file(year: int, *, drift: bool = False) -> bytes:
    return workbook([Sheet(str(year), year, small_report(drift=drift), SUBJECTS)])


def test_exact_names_match_silently_and_uncertain_ones_are_asked(region: dict[str, Any]) -> None:
    analysis = reconcile.analyse(_stage(region, _file(2023)))
    assert (
        not analysis.open_municipalities
    )  # «Комитет образования … "Город Чита"» is Город Чита; «… Агинский район»
    silent = {s.name: s.school for s in analysis.schools if s.school is not None}
    assert silent == {S1_FULL: region["s1"], 'МБОУ "Агинская СОШ № 4"': region["s4"]}
    questions = {s.name: s for s in analysis.questions}
    assert set(questions) == {"МАОУ «Лицей № 2»", 'МБОУ "СОШ № 11 с.Волочаевка"'}
    assert [c for c, _, _ in questions["МАОУ «Лицей № 2»"].candidates][:1] == [region["lyceum"]]
    assert questions['МБОУ "СОШ № 11 с.Волочаевка"'].candidates == []  # «СОШ № 1» is not offered for № 11


def test_nothing_is_written_until_every_school_is_decided(region: dict[str, Any]) -> None:
    pending = _stage(region, _file(2023))
    analysis = reconcile.analyse(pending)
    _, problems = reconcile.decide(analysis, {"school-1": f"pk:{region['lyceum'].pk}"})
    assert (
        len(problems) == 1 and '«МБОУ "СОШ № 11 с.Волочаевка"»' in problems[0] and "строка 9" in problems[0]
    )
    assert AssessmentResult.objects.count() == 0 and not SchoolAlias.objects.exists()
    reconcile.abandon(pending, by=None)
    assert not PendingImport.objects.exists() and AssessmentResult.objects.count() == 0
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.ABANDONED and batch.region == region["R"]


def _decide_first_year(region: dict[str, Any]) -> tuple[reconcile.Analysis, dict[str, str]]:
    analysis = reconcile.analyse(_stage(region, _file(2023)))
    answers = {}
    for s in analysis.questions:
        answers[s.field] = f"pk:{region['lyceum'].pk}" if "Лицей" in s.name else reconcile.NEW
    decisions, problems = reconcile.decide(analysis, answers)
    assert not problems
    return analysis, decisions


def test_the_import_creates_the_new_school_remembers_the_alias_and_writes_the_numbers(
    region: dict[str, Any],
) -> None:
    analysis, decisions = _decide_first_year(region)
    plan = reconcile.preview(analysis, decisions)
    assert (plan.added, plan.replaced, plan.unchanged, plan.schools) == (13, 0, 0, 4)
    report = reconcile.execute(analysis, decisions, by=None, expected=plan.fingerprint, replace=True)
    assert report.ok, report.errors
    new = School.objects.get(municipality=region["aginsk"], short_name='МБОУ "СОШ № 11 с.Волочаевка"')
    assert new.kind == "sosh"
    assert SchoolAlias.objects.get(key="лицей 2").school == region["lyceum"]
    assert AssessmentResult.objects.count() == 13
    rus = AssessmentResult.objects.get(school=region["s1"], subject="rus", year=2023)
    assert (rus.n, rus.n_below_min, rus.n_80_99, rus.n_100, rus.mean_score) == (52, 0, 14, 1, 71.54)
    base = AssessmentResult.objects.get(school=region["s1"], subject="math_base")
    assert (base.mean_mark, base.mean_score) == (4.21, None)
    entry = AuditEntry.objects.filter(action="results.batch.imported").get()
    assert entry.data["schools_created"] == 1 and entry.data["added"] == 13
    assert AuditEntry.objects.filter(action="schools.school.created").count() == 1


def test_next_years_file_goes_in_with_no_questions(region: dict[str, Any]) -> None:
    analysis, decisions = _decide_first_year(region)
    assert reconcile.execute(analysis, decisions, by=None, expected=None, replace=True).ok
    following = reconcile.analyse(_stage(region, _file(2024, drift=True)))
    assert following.questions == [] and not following.open_municipalities
    assert {s.how for s in following.schools} == {"alias", "exact"}
    assert not reconcile.preview(following, {}).touches_existing
    assert reconcile.execute(following, {}, by=None, expected=None, replace=False).ok
    assert AssessmentResult.objects.filter(year=2024).count() == 13


def test_a_municipal_import_of_a_regional_file_takes_only_its_municipality(region: dict[str, Any]) -> None:
    analysis = reconcile.analyse(_stage(region, _file(2023), municipality=region["chita"]))
    assert {s.municipality for s in analysis.schools} == {region["chita"]}
    assert analysis.other_rows == 2  # the two Агинский schools' rows of the file
    assert [s.name for s in analysis.questions] == ["МАОУ «Лицей № 2»"]
    decisions, problems = reconcile.decide(
        analysis, {analysis.questions[0].field: f"pk:{region['lyceum'].pk}"}
    )
    assert not problems
    assert reconcile.execute(analysis, decisions, by=None, expected=None, replace=True).ok
    assert set(AssessmentResult.objects.values_list("school__municipality", flat=True)) == {
        region["chita"].pk
    }
    # A school of another municipality cannot be picked from a municipal import.
    again = reconcile.analyse(_stage(region, _file(2023), municipality=region["chita"]))
    _, refused = reconcile.decide(again, {s.field: f"pk:{region['s4'].pk}" for s in again.questions})
    assert refused == []  # nothing asked: the lyceum's name is remembered


def test_a_school_found_under_another_municipality_is_flagged(region: dict[str, Any]) -> None:
    wrong = School.objects.create(
        municipality=region["chita"],
        code="ch-11",
        name="МБОУ СОШ № 11 с. Волочаевка",
        short_name="СОШ № 11",
        kind="sosh",
    )
    analysis = reconcile.analyse(_stage(region, _file(2023)))
    question = next(s for s in analysis.questions if "Волочаевка" in s.name)
    assert "другого муниципалитета: Город Чита" in question.flag
    assert question.candidates[0][0] == wrong and "в реестре — Город Чита" in question.candidates[0][2]
    municipal = reconcile.analyse(_stage(region, _file(2023), municipality=region["aginsk"]))
    flagged = next(s for s in municipal.questions if "Волочаевка" in s.name)
    assert flagged.flag and all(c.municipality_id == region["aginsk"].pk for c, _, _ in flagged.candidates)


def test_a_municipality_the_registry_does_not_know_is_asked_and_remembered(region: dict[str, Any]) -> None:
    rows = small_report()
    for row in rows:
        row.municipality = "МО «Город Чита»" if row.municipality == CHITA else "Агинский р-н"
    data = workbook([Sheet("2023", 2023, rows, SUBJECTS)])
    analysis = reconcile.analyse(_stage(region, data))
    assert [m.text for m in analysis.open_municipalities] == ["Агинский р-н"]
    assert analysis.open_municipalities[0].rows == 2
    assert analysis.open_municipalities[0].candidates[0] == region["aginsk"]
    field = analysis.open_municipalities[0].field
    answer = {field: str(region["aginsk"].pk)}
    narrowed = reconcile.analyse(analysis.pending, decisions=answer)
    assert {s.municipality for s in narrowed.schools} == {region["chita"], region["aginsk"]}
    decisions, problems = reconcile.decide(
        narrowed, {**answer, **{s.field: reconcile.SKIP for s in narrowed.questions}}
    )
    assert not problems
    assert reconcile.execute(narrowed, decisions, by=None, expected=None, replace=True).ok
    assert not reconcile.analyse(_stage(region, data)).open_municipalities  # remembered
