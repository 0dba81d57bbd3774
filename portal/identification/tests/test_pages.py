"""The identification pages for their people (issue 17): the parameters as a Russian form with a stale-save
guard and a parameters file, the confirmation before publishing, sortable tables, the default year, Russian
exports, and a methodology page without code markers."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from opora.config import IdentificationConfig
from opora.params import PARAMS
from portal.identification import services
from portal.identification.demo import demo_files
from portal.identification.models import IdentificationRun, IdentificationSettings, SchoolOutcome
from portal.identification.settings_form import MethodologyForm
from portal.identification.tests.helpers import settings_post
from portal.results import services as imports
from portal.results.models import AssessmentResult, ReferenceDataset
from portal.schools.models import Municipality

#: What a user must never read on these pages: code markers, file paths, English status words.
RAW = re.compile(
    r"CONFIRMED|INFERRED|SEED-[AB]|docs/|\.py\b|opora\.|\b(low_results|adverse_context|at_risk)\b"
)


def _visible(html: str) -> str:
    """The page's text without tags, attributes and scripts."""
    html = re.sub(r"<script.*?</script>|<style.*?</style>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


# --- the settings form ----------------------------------------------------------------------------------------------


def test_the_form_has_a_field_for_every_parameter() -> None:
    form = MethodologyForm(current=IdentificationConfig())
    tables = {"results.statistics", "context.variables", "data.result_ranges", "data.context_ranges"}
    for p in PARAMS:
        if p.path in tables or p.path == "data.context_text_values":
            continue
        assert p.path.replace(".", "__") in form.fields, p.path
    assert any(name.startswith("stat__") for name in form.fields)
    assert "var__low_income_share__dir" in form.fields and "var__students__texts" in form.fields
    # An unchanged form describes the defaults exactly.
    bound = MethodologyForm(settings_post(), current=IdentificationConfig())
    assert bound.is_valid(), bound.errors
    assert IdentificationConfig.from_mapping(bound.mapping) == IdentificationConfig()


def test_the_coordinator_sees_russian_labels_help_and_defaults(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("coordinator", "M"))
    html = client.get(reverse("identification:settings", args=[world["M"].pk])).content.decode()
    text = _visible(html)
    for p in PARAMS:
        assert p.label in text, p.label
    assert "По умолчанию: 4." in text  # the window of years, beside its field
    assert "Проверка данных" in text and "Зона риска по факторам" in text
    assert "Скачать файл параметров" in text
    assert not RAW.search(text), RAW.search(text)
    assert "JSON" not in text


def test_the_form_saves_and_a_variable_needs_its_direction(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("coordinator", "M"))
    url = reverse("identification:settings", args=[world["M"].pk])
    data = settings_post() | {
        "results__window_years": "3",
        "categories__q_ctx": "0,2",
        "categories__risk_min_factors": "1",
        "newvar__0__code": "poverty",
    }
    refused = client.post(url, data)
    text = _visible(refused.content.decode())
    assert refused.status_code == 200 and "Не указано направление переменных контекста: «poverty»" in text
    assert not IdentificationSettings.objects.exists()
    assert client.post(url, data | {"newvar__0__dir": "-1"}).status_code == 302
    saved = services.config_for(world["M"])
    assert saved.results.window_years == 3 and saved.categories.q_ctx == 0.2
    assert saved.categories.risk_min_factors == 1 and dict(saved.context.variables)["poverty"] == -1
    # The saved variable is a row of the form from now on, with its direction.
    html = client.get(url).content.decode()
    assert 'name="var__poverty__dir"' in html


def test_a_stale_save_is_refused_and_lists_the_change(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    first, second = user_with_role("coordinator", "M"), user_with_role("coordinator", "M")
    url = reverse("identification:settings", args=[world["M"].pk])
    client.force_login(first)
    token = re.search(r'name="loaded_state" value="([^"]+)"', client.get(url).content.decode()).group(1)  # type: ignore[union-attr]
    other = Client()
    other.force_login(second)
    other_token = re.search(r'name="loaded_state" value="([^"]+)"', other.get(url).content.decode()).group(1)  # type: ignore[union-attr]
    assert (
        other.post(url, settings_post(loaded_state=other_token) | {"categories__q_res": "0,1"}).status_code
        == 302
    )
    stale = client.post(url, settings_post(loaded_state=token) | {"categories__q_ctx": "0,3"})
    text = _visible(stale.content.decode())
    assert stale.status_code == 409
    assert "ШНОР: доля школ с самым низким индексом результатов: было «0,25», теперь «0,1»" in text
    assert services.config_for(world["M"]).categories.q_ctx == 0.25  # nothing overwritten
    assert 'value="0,3"' in stale.content.decode()  # what was typed is still in the form
    fresh = re.search(r'name="loaded_state" value="([^"]+)"', stale.content.decode()).group(1)  # type: ignore[union-attr]
    again = client.post(
        url, settings_post({"categories": {"q_res": 0.1}}, loaded_state=fresh) | {"categories__q_ctx": "0,3"}
    )
    assert again.status_code == 302
    assert services.config_for(world["M"]).categories.q_ctx == 0.3


def test_the_parameters_file_downloads_and_uploads(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("coordinator", "M"))
    url = reverse("identification:settings_file", args=[world["M"].pk])
    response = client.get(url)
    assert response["Content-Disposition"].startswith("attachment")
    mapping = yaml.safe_load(response.content.decode())
    assert IdentificationConfig.from_mapping(mapping) == IdentificationConfig()
    mapping["categories"]["q_ctx"] = 0.15
    upload = SimpleUploadedFile("p.yaml", yaml.safe_dump(mapping, allow_unicode=True).encode())
    assert client.post(url, {"file": upload}).status_code == 302
    assert services.config_for(world["M"]).categories.q_ctx == 0.15
    bad = SimpleUploadedFile("p.json", b'{"categories": {"q_ctx": 7}}')
    page = client.post(url, {"file": bad}, follow=True).content.decode()
    assert "Файл параметров не принят" in page and "Ничего не изменено" in page
    assert "«ШНСУ: доля школ с самым низким индексом контекста»" in page
    assert services.config_for(world["M"]).categories.q_ctx == 0.15


# --- runs, publishing, exports --------------------------------------------------------------------------------------


@pytest.fixture
def demo(db: Any, tmp_path: Path) -> tuple[Municipality, ReferenceDataset]:
    call_command("load_demo", password="x-demo-pass-1", skip_extensions=True, stdout=io.StringIO())
    municipality = Municipality.objects.get(code="demo-minusinsk")
    files = demo_files(tmp_path)
    for kind in ("results", "context", "risk"):
        report = imports.import_file(
            municipality, kind, files[kind].read_bytes(), filename=files[kind].name, by=None
        )
        assert report.ok, report.errors[:3]
    ref = imports.import_reference(
        municipality,
        name="Регион (тест)",
        results=(files["region_results"].name, files["region_results"].read_bytes()),
        context=(files["region_context"].name, files["region_context"].read_bytes()),
        by=None,
    )
    assert ref.ok and ref.batch.reference is not None
    return municipality, ref.batch.reference


def _coordinator(client: Client, municipality: Municipality) -> None:
    from portal.accounts.models import Role, RoleAssignment, User

    user = User.objects.create_user("coord-test", password="x-test-password-1")
    RoleAssignment.objects.create(user=user, role=Role("coordinator"), municipality=municipality)
    client.force_login(user)


def test_publishing_asks_first_and_lists_the_schools_that_change(
    client: Client, demo: tuple[Municipality, ReferenceDataset]
) -> None:
    municipality, reference = demo
    published = services.publish_run(
        services.run_identification(municipality, 2023, by=None, reference=reference), by=None
    )
    # A run on the 13 schools alone: categories change, and the model is too small to trust.
    small = services.run_identification(municipality, 2023, by=None)
    _coordinator(client, municipality)
    url = reverse("identification:publish", args=[small.pk])
    page = client.get(url)
    text = _visible(page.content.decode())
    assert page.status_code == 200
    assert f"Опубликованный сейчас расчёт № {published.pk} за 2023 год уйдёт в архив" in text
    assert "В модели всего 13 школ (меньше 30)" in text
    before = {o.school.short_name: set(o.categories) for o in published.outcomes.select_related("school")}
    after = {o.school.short_name: set(o.categories) for o in small.outcomes.select_related("school")}
    changed = sorted(name for name in after if after[name] != before[name])
    assert (
        changed
        and f"Школ, у которых меняется категория по сравнению с опубликованным расчётом: {len(changed)}"
        in text
    )
    for name in changed:
        assert name + ":" in text
    assert 'name="confirmed" value="1"' in page.content.decode()
    client.post(url)  # no confirmation: nothing happens
    small.refresh_from_db()
    assert small.status == IdentificationRun.Status.FINISHED
    assert client.post(url, {"confirmed": "1"}).status_code == 302
    small.refresh_from_db()
    published.refresh_from_db()
    assert (
        small.status == IdentificationRun.Status.PUBLISHED
        and published.status == IdentificationRun.Status.ARCHIVED
    )


def test_the_run_table_sorts_by_any_column_and_the_form_defaults_to_the_latest_year(
    client: Client, demo: tuple[Municipality, ReferenceDataset]
) -> None:
    municipality, reference = demo
    run = services.run_identification(municipality, 2023, by=None, reference=reference)
    _coordinator(client, municipality)
    page = client.get(run.get_absolute_url() + "?sort=results&dir=desc").content.decode()
    names = re.findall(r'<td data-value="([^"]+)"><a href="/identification/runs/', page)
    outcomes = {
        o.school.short_name: o.results_index
        for o in SchoolOutcome.objects.filter(run=run).select_related("school")
    }
    assert names == sorted(outcomes, key=lambda n: -outcomes[n])
    assert 'aria-sort="descending"' in page and "sortable.js" in page
    by_name = client.get(run.get_absolute_url()).content.decode()
    names = re.findall(r'<td data-value="([^"]+)"><a href="/identification/runs/', by_name)
    assert names.index("СОШ № 2") < names.index("СОШ № 12")  # natural order, not «СОШ № 12» before «СОШ № 2»
    latest = max(
        AssessmentResult.objects.filter(school__municipality=municipality).values_list("year", flat=True)
    )
    form = client.get(reverse("identification:runs", args=[municipality.pk])).content.decode()
    assert f'name="year" value="{latest}"' in form


def test_a_failed_run_says_what_happened_and_what_to_do(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("coordinator", "M"))
    page = client.post(reverse("identification:runs", args=[world["M"].pk]), {"year": 2023}, follow=True)
    text = _visible(page.content.decode())
    assert (
        "Расчёт не выполнен. Нет загруженных результатов оценочных процедур: загрузите их на странице «Данные»."
        in text
    )


def test_the_excel_export_is_russian_tables(
    client: Client, demo: tuple[Municipality, ReferenceDataset]
) -> None:
    municipality, reference = demo
    run = services.run_identification(municipality, 2023, by=None, reference=reference)
    _coordinator(client, municipality)
    data = client.get(reverse("identification:export", args=[run.pk])).content
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Школы", "Обоснование", "Модель", "Исключения", "Параметры"]
    cells = " ".join(
        str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c is not None
    )
    assert "{" not in cells and not re.search(
        r"\b(low_results|adverse_context|at_risk|std_residual)\b", cells
    )
    model = [list(r) for r in wb["Модель"].iter_rows(values_only=True)]
    assert model[0] == ["Показатель", "2021 г.", "2022 г.", "2023 г."]
    assert any(r[0] == "Школ в модели" for r in model)
    params = [list(r) for r in wb["Параметры"].iter_rows(values_only=True)]
    assert ["Индекс результатов", "Окно лет индекса результатов", "4", "4"] in params
    schools = [list(r) for r in wb["Школы"].iter_rows(values_only=True)]
    column = schools[0].index("Категории")
    assert any("ШНОР (низкие результаты)" in str(r[column]) for r in schools[1:])
    assert client.get(reverse("identification:export", args=[run.pk])).content == data  # the same bytes


def test_the_run_page_lists_what_was_left_out(
    client: Client, demo: tuple[Municipality, ReferenceDataset]
) -> None:
    municipality, reference = demo
    # A placeholder 0 % excluded (not refused) by the municipality's parameters: the run page names it.
    row = AssessmentResult.objects.filter(
        school__municipality=municipality, year=2023, procedure="oge"
    ).first()
    assert row is not None
    row.mean_pct = 0.0
    row.save()
    services.save_config(municipality, {"data": {"out_of_range": "exclude"}}, by=None)
    run = services.run_identification(municipality, 2023, by=None, reference=reference)
    _coordinator(client, municipality)
    text = _visible(client.get(run.get_absolute_url()).content.decode())
    assert "Что не вошло в расчёт" in text and "значение вне допустимого диапазона" in text
    assert row.school.short_name in text
    services.save_config(municipality, {}, by=None)
    with pytest.raises(services.IdentificationError, match="средний % выполнения = 0"):
        services.run_identification(municipality, 2023, by=None, reference=reference)


# --- the methodology page and the справка -------------------------------------------------------------------------


def test_the_methodology_page_speaks_to_people(client: Client, db: Any) -> None:
    text = _visible(client.get(reverse("identification:methodology")).content.decode())
    assert "подтверждено документом" in text and "реконструкция" in text
    assert "Для разработчиков" not in text
    assert not RAW.search(text), RAW.search(text)
    assert "не менее двух из трёх факторов" in text and "4 года" in text


def test_the_identification_report_cites_no_file(demo: tuple[Municipality, ReferenceDataset]) -> None:
    from portal.reports.document import Para
    from portal.reports.registry import IdentificationReport

    municipality, reference = demo
    services.publish_run(
        services.run_identification(municipality, 2023, by=None, reference=reference), by=None
    )
    report = IdentificationReport().build(municipality, {"year": 2023}, lambda percent, message: None)
    text = " ".join(b.text for b in report.blocks if isinstance(b, Para))
    assert "методика" in text.lower() and "docs/" not in text and "R1" not in text
