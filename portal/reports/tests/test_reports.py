"""Reports: facts on a hand-made municipality, the documents opened and read back, the pages and who may see them."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from portal.identification.models import IdentificationRun
from portal.jobs.models import Job
from portal.monitoring import services as monitoring
from portal.monitoring.models import MonitoringPeriod
from portal.reports.facts import authority_facts, load_year, school_facts
from portal.reports.registry import REGISTRY, school_card
from portal.reports.tests.conftest import slot, submission
from portal.results.models import ImportBatch, RiskInput
from tests.permissions import role_url_matrix


def _docx_text(content: bytes) -> tuple[str, list[list[list[str]]]]:
    from docx import Document

    doc = Document(io.BytesIO(content))
    text = "\n".join(p.text for p in doc.paragraphs)
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    return text, tables


def _pdf_text(content: bytes) -> tuple[int, str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(content)
    try:
        return len(pdf), "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


def _risk(world: dict[str, Any], school: str, **values: Any) -> None:
    batch = ImportBatch.objects.create(
        municipality=world["M"], kind="risk", filename="risk.xlsx", sha256=school * 32, status="imported"
    )
    RiskInput.objects.create(school=world[school], batch=batch, year=2024, **values)


def test_school_facts_come_from_the_runs_risk_data_and_the_submitted_form(
    world: dict[str, Any], runs: dict[int, IdentificationRun], period: MonitoringPeriod
) -> None:
    _risk(world, "S1", internet_mbps=20.0, staff_vacancies=0)
    sub = submission(period, world["S1"])
    monitoring.save_school_values(sub, {"5.1|": {"bool_value": False}}, [slot(period, "5.1")], by=None)
    data = load_year(world["M"], 2024)
    draft = school_facts(data, world["S1"])
    assert "has_partnership" not in draft.values  # a draft is not the school's answer yet
    # 1.3 is not typed: the records decide it (no ШППКО in the Конструктор, nothing in the registry) — «нет»
    assert draft.values["has_program"] is False
    assert draft.sources["has_program"] == "мониторинг 2024 г., показатель 1.3"
    monitoring.submit(sub, by=None)
    facts = school_facts(load_year(world["M"], 2024), world["S1"])
    assert (
        facts.values["cat_low_results"] is True and facts.values["years_low_results"] == 2.0
    )  # 2023 and 2024
    assert facts.values["std_residual"] == -2.1 and facts.values["internet_mbps"] == 20.0
    assert facts.values["has_partnership"] is False and facts.values["form_submitted"] is True
    # «нет» from the records (1.1 ×2, 1.3, 3.8 «Конструктор», 4.1, 5.4) and the typed 5.1
    assert facts.values["indicators_not_met"] == 7.0
    assert facts.values["indicators_not_met_list"] == (
        "1.1 «Программа профилактики учебной неуспешности»; 1.1 «Положение о ВСОКО или Положение об управлении КО»; "
        "1.3; 3.8 «Конструктор по разработке ШППКО»; 4.1; 5.1; 5.4"
    )


def test_authority_facts_count_shnor_without_a_program_and_missing_risk_data(
    world: dict[str, Any], runs: dict[int, IdentificationRun], period: MonitoringPeriod
) -> None:
    _risk(world, "S1", internet_mbps=100.0)
    facts = authority_facts(load_year(world["M"], 2024)).values
    # ШНОР 2024: S1 only; it has no «да» for 1.3 → without a program; 2 years in a row → stable
    assert (facts["shnor_count"], facts["shnor_without_program"], facts["shnor_stable_count"]) == (
        1.0,
        1.0,
        1.0,
    )
    assert facts["risk_data_missing"] == 1.0  # S2 has no risk data
    assert facts["forms_not_submitted"] == 2.0  # neither form is submitted


def test_the_school_card_recommends_from_the_facts_and_hides_minor_findings(
    client: Client,
    world: dict[str, Any],
    runs: dict[int, IdentificationRun],
    user_with_role: Callable[..., Any],
) -> None:
    _risk(world, "S1", internet_mbps=20.0)
    _report, found = school_card(world["S1"], 2024)
    codes = [r.rule for r in found]
    # R01 ШНОР 2 years (significant), R03 residual −2,10 < −2 (significant); R14 Internet 20 < 50 but not < 10
    assert codes == ["R01", "R03"]
    _all, everything = school_card(world["S1"], 2024, only_significant=False)
    assert "R14" in [r.rule for r in everything]
    client.force_login(user_with_role("school_team", "S1"))
    page = client.get(reverse("reports:card", args=[world["S1"].pk]), {"year": 2024}).content.decode()
    assert "Школа в категории ШНОР" in page and "Низкая скорость Интернета" not in page
    page = client.get(
        reverse("reports:card", args=[world["S1"].pk]), {"year": 2024, "all": "1"}
    ).content.decode()
    assert "Низкая скорость Интернета" in page and "незначимо" in page
    response = client.get(reverse("reports:card", args=[world["S1"].pk]), {"year": 2024, "format": "docx"})
    text, tables = _docx_text(response.content)
    assert "Карточка школы: Школа 1" in text and "3. Адресные рекомендации" in text
    assert [
        "Стандартизованный остаток (результат относительно ожидаемого)",
        "−2,1",
        f"расчёт идентификации 2024 г. (опубликован {runs[2024].published_at:%d.%m.%Y})",
    ] in tables[0]


def test_the_identification_report_reads_back_with_its_numbers_and_changes(
    world: dict[str, Any], runs: dict[int, IdentificationRun]
) -> None:
    name, mime, content = REGISTRY["identification"].render(world["M"], {"year": 2024}, "docx")
    assert name == "identification-m-2024.docx" and mime.endswith("wordprocessingml.document")
    text, tables = _docx_text(content)
    for heading in (
        "1. Общие сведения",
        "2. Модель",
        "3. Результаты школ",
        "4. Категории и обоснование",
        "5. Изменения по сравнению с прошлым годом",
        "6. Рекомендации управлению образования",
    ):
        assert heading in text
    assert ["Свободный член", "0,10"] in tables[0] and ["Коэффициент детерминации R²", "0,50"] in tables[0]
    assert ["СОШ № 1", "−1,50", "−1,00", "−0,70", "−2,10", "ШНОР"] in tables[1]
    assert ["ООШ № 2", "—", "Зона риска", "—"][0] in [
        row[0] for row in tables[2]
    ]  # S2 newly at risk since 2023
    assert ["ООШ № 2", "Зона риска", "—"] in tables[2]
    assert "СОШ № 1: Индекс результатов −1,50 ниже порога −1,00" in text
    # the chart is in the document
    from docx import Document

    assert len(Document(io.BytesIO(content)).inline_shapes) == 1
    # the same inputs give the same document
    assert REGISTRY["identification"].render(world["M"], {"year": 2024}, "docx")[2] == content
    pages, pdf_text = _pdf_text(REGISTRY["identification"].render(world["M"], {"year": 2024}, "pdf")[2])
    assert (
        pages >= 2 and "Аналитическая справка о результатах идентификации" in pdf_text and "−2,10" in pdf_text
    )


def test_the_monitoring_report_has_targets_and_recommendations(
    world: dict[str, Any], runs: dict[int, IdentificationRun], period: MonitoringPeriod
) -> None:
    sub = submission(period, world["S1"])
    monitoring.save_school_values(
        sub, {"3.8|kmc": {"bool_value": True}}, [slot(period, "3.8", "kmc")], by=None
    )
    monitoring.submit(sub, by=None)
    progress: list[tuple[float, str]] = []
    _name, _mime, content = REGISTRY["monitoring"].render(
        world["M"], {"year": 2024}, "docx", lambda p, m="": progress.append((p, m))
    )
    text, tables = _docx_text(content)
    assert "Аналитический отчёт о результатах мониторинга реализации программы" in text
    # 3.8 «КМЦ»: 1 of the 1 target school with a submitted form = 100 %; target 2024 «не менее 50% ШНРО»
    # (002:362-364), checked on ШНРО (S1 is ШНОР: 100 %)
    kmc = next(row for row in tables[0] if row[0] == "3.8")
    assert kmc[2] == "100\u00a0%; по базе «ШНРО»: 100\u00a0%"
    assert kmc[3] == "не менее 50\u00a0% — ШНРО (Приложение 1 к приказу № 41)"
    assert kmc[4] == "достигнуто"
    assert "3. Рекомендации управлению образования" in text and "4. Адресные рекомендации школам" in text
    # R41: S1 is ШНОР in 2023 and 2024; R40 (1 ШНОР without a program) is below its significance (≥ 2)
    assert (
        "Школы в категории ШНОР два года подряд и более" in text and "ШНОР без утверждённой ШППКО" not in text
    )
    assert progress and progress[-1][0] == 90  # progress reported up to the rendering step


def test_a_report_without_data_fails_as_a_job_with_a_russian_message(
    world: dict[str, Any], user_with_role: Callable[..., Any], client: Client
) -> None:
    client.force_login(user_with_role("coordinator", "M"))
    response = client.post(
        reverse("reports:start", args=[world["M"].pk, "identification"]),
        {"identification-year": "2026", "identification-format": "pdf"},
    )
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert job.status == "failed" and job.error.startswith(
        "Нет опубликованного расчёта идентификации за 2026 г."
    )


def test_a_report_is_made_as_a_job_and_downloaded(
    client: Client,
    world: dict[str, Any],
    runs: dict[int, IdentificationRun],
    user_with_role: Callable[..., Any],
) -> None:
    client.force_login(user_with_role("method_centre", "M"))
    page = client.get(reverse("reports:index", args=[world["M"].pk])).content.decode()
    assert "Аналитическая справка о результатах идентификации" in page and 'value="2024"' in page
    client.post(
        reverse("reports:start", args=[world["M"].pk, "identification"]),
        {"identification-year": "2024", "identification-format": "docx"},
    )
    job = Job.objects.get()
    assert job.status == "done" and job.result_name == "identification-m-2024.docx"
    response = client.get(reverse("jobs:download", args=[job.pk]))
    text, _tables = _docx_text(b"".join(response.streaming_content))
    assert "Аналитическая справка о результатах идентификации" in text


URLS: dict[str, Callable[[dict[str, Any]], str]] = {
    "index M": lambda w: reverse("reports:index", args=[w["M"].pk]),
    "index M2": lambda w: reverse("reports:index", args=[w["M2"].pk]),
    "card S1": lambda w: reverse("reports:card", args=[w["S1"].pk]),
    "card S2": lambda w: reverse("reports:card", args=[w["S2"].pk]),
    "card S3": lambda w: reverse("reports:card", args=[w["S3"].pk]),
}
ALLOWED = {
    ("coordinator", "M"): {"index M", "card S1", "card S2"},
    ("method_centre", "M"): {"index M", "card S1", "card S2"},
    ("school_team", "S1"): {"card S1"},
    ("region_viewer", "R"): {"index M", "card S1", "card S2"},
}


@pytest.mark.parametrize(("role", "scope", "name", "status"), role_url_matrix(ALLOWED, URLS))
def test_each_role_sees_its_scope_and_nothing_else(
    client: Client,
    world: dict[str, Any],
    user_with_role: Callable[..., Any],
    role: str,
    scope: str,
    name: str,
    status: int,
) -> None:
    client.force_login(user_with_role(role, scope))
    assert client.get(URLS[name](world)).status_code == status


@pytest.mark.parametrize(
    ("role", "scope", "status"),
    [
        ("coordinator", "M", 302),
        ("method_centre", "M", 302),
        ("region_viewer", "R", 404),
        ("school_team", "S1", 404),
        ("coordinator", "M2", 404),
    ],
)
def test_only_the_coordinator_and_method_centre_start_reports(
    client: Client,
    world: dict[str, Any],
    user_with_role: Callable[..., Any],
    role: str,
    scope: str,
    status: int,
) -> None:
    client.force_login(user_with_role(role, scope))
    response = client.post(
        reverse("reports:start", args=[world["M"].pk, "results"]),
        {"results-year": "2026", "results-format": "pdf"},
    )
    assert response.status_code == status
    assert Job.objects.count() == (1 if status == 302 else 0)


def test_anonymous_visitors_are_sent_to_login(client: Client, world: dict[str, Any]) -> None:
    for url in (
        reverse("reports:index", args=[world["M"].pk]),
        reverse("reports:card", args=[world["S1"].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_facts_from_the_constructor_the_risk_profile_and_the_roadmaps(
    world: dict[str, Any], runs: dict[int, IdentificationRun]
) -> None:
    import datetime

    from django.utils import timezone

    from opora.recommendations import recommend
    from portal.programs.models import Program, RiskFactor, RiskLevel, RiskProfile
    from portal.reports.services import active_rules
    from portal.roadmap.services import SchoolItem, upsert_school_items

    Program.objects.create(
        school=world["S1"],
        kind="shppko",
        status="approved",
        title="ШППКО",
        profile_year=2024,
        approved_at=timezone.now(),
    )
    profile = RiskProfile.objects.create(school=world["S1"], year=2024)
    for code, title, level in (
        ("teacher_shortage", "Дефицит педагогических кадров", "high"),
        ("low_parent_involvement", "Низкая вовлечённость родителей", "high"),
        ("low_equipment", "Низкий уровень оснащения", "medium"),
    ):
        factor = RiskFactor.objects.create(code=code, title=title)
        RiskLevel.objects.create(profile=profile, factor=factor, level=level, source="self_assessment")
    # a school roadmap measure due 01.03.2024 and not done: overdue today (23.11.2026 and later)
    upsert_school_items(
        world["S1"],
        "test",
        [SchoolItem("Педсовет по итогам ВПР", 1, "директор", 2024, datetime.date(2024, 3, 1))],
    )
    facts = school_facts(load_year(world["M"], 2024, schools=[world["S1"].pk]), world["S1"]).values
    assert (
        facts["has_program"] is True
        and facts["risk_teacher_shortage"] == 3.0
        and facts["risk_low_equipment"] == 2.0
    )
    assert facts["risk_high_count"] == 2.0
    assert facts["risk_high_list"] == "Дефицит педагогических кадров; Низкая вовлечённость родителей"
    assert (facts["overdue_items"], facts["overdue_list"]) == (1.0, "Педсовет по итогам ВПР (2024)")
    codes = [r.rule for r in recommend(facts, active_rules(), only_significant=False)]
    # R07 (2 high risks), R08 (teacher shortage high), R19 (parents high), R27 (1 overdue); no R02 (program approved)
    assert {"R07", "R08", "R19", "R27"} <= set(codes) and "R02" not in codes
    authority = authority_facts(load_year(world["M"], 2024)).values
    assert authority["shnor_without_program"] == 0.0  # S1, the only ШНОР, has an approved ШППКО


def test_a_finished_report_is_published_on_the_public_page_by_the_coordinator_only(
    client: Client,
    world: dict[str, Any],
    runs: dict[int, IdentificationRun],
    user_with_role: Callable[..., Any],
) -> None:
    from portal.public.models import PublicDocument

    coordinator = user_with_role("coordinator", "M")
    client.force_login(coordinator)
    client.post(
        reverse("reports:start", args=[world["M"].pk, "identification"]),
        {"identification-year": "2024", "identification-format": "pdf"},
    )
    job = Job.objects.get()
    assert "Опубликовать на публичной странице" in client.get(job.get_absolute_url()).content.decode()
    client.force_login(user_with_role("region_viewer", "R"))
    assert "Опубликовать" not in client.get(job.get_absolute_url()).content.decode()
    assert client.post(reverse("reports:publish", args=[job.pk])).status_code == 404
    client.force_login(coordinator)
    for _ in range(2):  # publishing the same report again replaces the file, not a second document
        client.post(reverse("reports:publish", args=[job.pk]))
    doc = PublicDocument.objects.get()
    assert (doc.section, doc.status, doc.school) == ("reports", "published", None)
    page = client.get(reverse("public:authority", args=[world["M"].code])).content.decode()
    assert "Аналитическая справка о результатах идентификации, 2024 г. (PDF)" in page


def test_the_results_report_reads_ege_of_a_regional_report_by_its_test_score(
    world: dict[str, Any], runs: dict[int, IdentificationRun]
) -> None:
    # A regional ЕГЭ report gives the mean test score, not a % done (R1 takes the score on its 100-point scale).
    from portal.reports.charts import results_table
    from portal.results.models import AssessmentResult

    batch = ImportBatch.objects.create(
        municipality=world["M"], kind="results", filename="ege.xlsx", sha256="e" * 64, status="imported"
    )
    rows = {("S1", 2023): (10, 60.0), ("S1", 2024): (20, 64.5), ("S2", 2024): (30, 72.0)}
    for (school, year), (n, score) in rows.items():
        AssessmentResult.objects.create(
            school=world[school], batch=batch, procedure="ege", subject="rus", grade=11, grade_program=11,
            year=year, n=n, mean_score=score,
        )  # fmt: skip
    table = results_table(world["M"], load_year(world["M"], 2024), 2024)
    # by hand: the 2024 run's program schools are S1 (ШНОР) and S2 (зона риска), so both columns are
    # (20 · 64,5 + 30 · 72) / 50 = 69,0 and the difference 0,0; the change to 2023 (only S1 wrote: 60,0) is +9,0.
    assert table == [["ЕГЭ, русский язык, 11 кл.", "69,0", "69,0", "0,0", "+9,0"]]
