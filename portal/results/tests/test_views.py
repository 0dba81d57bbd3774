"""Pages of report imports: the role × URL matrix (a foreign region answers 404), and the flows through the
client — upload → reconcile → confirm → import; replacement confirmation; mapping an unknown layout."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from portal.results import reconcile
from portal.results.models import AssessmentResult, ImportBatch, MappingPreset, PendingImport, SchoolAlias
from tests.permissions import role_url_matrix
from tests.report_files import SUBJECTS, SchoolRow, Sheet, workbook


@pytest.fixture
def staged(world: dict[str, Any]) -> dict[str, Any]:
    def stage(m: Any, r: Any) -> PendingImport:
        return reconcile.stage(
            region=r, municipality=m, kind="results", data=_odd(), filename="f.xlsx", defaults={}, by=None
        )

    made = {
        "PM": stage(world["M"], world["R"]),
        "PM2": stage(world["M2"], world["R2"]),
        "PR": stage(None, world["R"]),
    }
    made["PR2"] = stage(None, world["R2"])
    for name, region, municipality in (
        ("TM", world["R"], world["M"]),
        ("TR", world["R"], None),
        ("TR2", world["R2"], None),
    ):
        made[name] = MappingPreset.objects.create(
            region=region,
            municipality=municipality,
            name=name,
            signature="s",
            mapping={"header_rows": 1, "school": 0, "blocks": []},
            header=[["Школа"]],
        )
    return made


def urls(w: dict[str, Any], p: dict[str, Any]) -> dict[str, str]:
    u = lambda name, *args: reverse(f"results:{name}", args=args)  # noqa: E731
    return {
        "region data R": u("region_data", w["R"].pk),
        "region data R2": u("region_data", w["R2"].pk),
        "pending M": u("pending", "m", w["M"].pk, p["PM"].pk),
        "pending M2": u("pending", "m", w["M2"].pk, p["PM2"].pk),
        "pending R": u("pending", "r", w["R"].pk, p["PR"].pk),
        "pending R2": u("pending", "r", w["R2"].pk, p["PR2"].pk),
        "pending M as R": u("pending", "r", w["R"].pk, p["PM"].pk),
        "mapping M": u("mapping", "m", w["M"].pk, p["PM"].pk),
        "mapping R": u("mapping", "r", w["R"].pk, p["PR"].pk),
        "mapping R2": u("mapping", "r", w["R2"].pk, p["PR2"].pk),
        "presets M": u("presets", "m", w["M"].pk),
        "presets R": u("presets", "r", w["R"].pk),
        "presets R2": u("presets", "r", w["R2"].pk),
        "preset TM": u("preset", "m", w["M"].pk, p["TM"].pk),
        "preset TR": u("preset", "r", w["R"].pk, p["TR"].pk),
        "preset TR in M": u("preset", "m", w["M"].pk, p["TR"].pk),
        "preset TR2": u("preset", "r", w["R2"].pk, p["TR2"].pk),
        "preset TR2 in M": u("preset", "m", w["M"].pk, p["TR2"].pk),
    }


IN_M = {"pending M", "mapping M", "presets M", "preset TM"}
IN_R = {"region data R", "pending R", "mapping R", "presets R", "preset TR", "preset TR in M"}
IN_R2 = {"region data R2", "pending R2", "mapping R2", "presets R2", "preset TR2", "pending M2"}
ALLOWED: dict[tuple[str, str], set[str]] = {
    ("coordinator", "M"): IN_M,  # region presets are listed for it, but edited only by the region
    ("method_centre", "M"): set(),
    ("school_team", "S1"): set(),
    ("region_viewer", "R"): set(),
    ("region_coordinator", "R"): IN_M | IN_R,
    ("region_coordinator", "R2"): IN_R2,
    ("coordinator", "M2"): {"pending M2"},
}
NAMES = sorted({n for names in ALLOWED.values() for n in names} | {"pending M as R", "preset TR2 in M"})
MATRIX = role_url_matrix(ALLOWED, NAMES)


@pytest.mark.parametrize(("role", "scope", "name", "status"), MATRIX)
def test_it_answers_each_role_per_scope(
    client: Client,
    world: dict[str, Any],
    staged: dict[str, Any],
    user_with_role: Callable[..., Any],
    role: str,
    scope: str,
    name: str,
    status: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client.force_login(user_with_role(role, scope))
    response = client.get(urls(world, staged)[name])
    # A staged file of an unknown layout is sent to the mapping (302).
    assert (response.status_code in (200, 302)) if status == 200 else response.status_code == 404


@pytest.mark.parametrize("name", NAMES)
def test_it_sends_anonymous_users_to_login(
    client: Client, world: dict[str, Any], staged: dict[str, Any], name: str
) -> None:
    response = client.get(urls(world, staged)[name])
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def _report(names: list[str], year: int) -> bytes:
    rows = [SchoolRow("Город", n, {"Русский язык": (20 + i, 1, 3, 0, 60.5 + i)}) for i, n in enumerate(names)]
    return workbook([Sheet(str(year), year, rows, SUBJECTS[:1])])


def test_upload_reconcile_confirm_and_next_year_without_questions(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("coordinator", "M"))
    data_url = reverse("results:data", args=[world["M"].pk])
    upload = io.BytesIO(_report(["СОШ № 1", "Школа № 2 (ООШ)", "Новая школа № 9"], 2023))
    upload.name = "ЕГЭ 2023.xlsx"
    response = client.post(data_url, {"action": "upload", "kind": "results", "file": upload})
    assert response.status_code == 302
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Сопоставление школ" in html and "Лист «2023»: ЕГЭ 2023" in html
    analysis = page.context["analysis"]
    questions = {s.name: s.field for s in analysis.questions}
    assert set(questions) == {"Школа № 2 (ООШ)", "Новая школа № 9"}  # «СОШ № 1» is S1's short name
    answers = {
        questions["Школа № 2 (ООШ)"]: "other",
        questions["Школа № 2 (ООШ)"] + "-other": str(world["S2"].pk),
    }
    incomplete = client.post(response["Location"], {**answers, "action": "check"})
    assert "Не решено, какая это школа: «Новая школа № 9»" in incomplete.content.decode()
    answers[questions["Новая школа № 9"]] = "new"
    confirm = client.post(response["Location"], {**answers, "action": "check"})
    text = confirm.content.decode()
    assert "Загрузить «ЕГЭ 2023.xlsx»?" in text and "Добавляются: 3 строки." in text
    assert "Создаются новые школы в реестре: 1" in text and AssessmentResult.objects.count() == 0
    fields = confirm.context["fields"]
    done = client.post(response["Location"], {**fields, "confirmed": "1"})
    assert done.status_code == 302 and AssessmentResult.objects.count() == 3
    assert SchoolAlias.objects.filter(school=world["S2"]).exists()
    # Next year: the names drift in case and spacing; the file goes in at once, no question.
    upload = io.BytesIO(_report(["сош №1", "ШКОЛА № 2 (ООШ)", "Новая  школа №9"], 2024))
    upload.name = "ЕГЭ 2024.xlsx"
    again = client.post(data_url, {"action": "upload", "kind": "results", "file": upload})
    assert again.status_code == 302 and again["Location"] == data_url
    assert AssessmentResult.objects.filter(year=2024).count() == 3
    assert not PendingImport.objects.exists()


def test_a_coded_file_replacing_data_asks_first(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("coordinator", "M"))
    data_url = reverse("results:data", args=[world["M"].pk])
    content = b"\xd0\x9a\xd0\xbe\xd0\xb4 \xd0\x9e\xd0\x9e,\xd0\x93\xd0\xbe\xd0\xb4,\xd0\x92\xd0\xb0\xd0\xba\xd0\xb0\xd0\xbd\xd1\x81\xd0\xb8\xd0\xb8\nS1,2023,1\n"

    def post() -> Any:
        f = io.BytesIO(content)
        f.name = "risk.csv"
        return client.post(data_url, {"action": "upload", "kind": "risk", "file": f})

    assert post().status_code == 302
    asked = client.get(post()["Location"])
    assert "Заменить данные файлом «risk.csv»?" in asked.content.decode()
    assert "Без изменений: 1 строка." in asked.content.decode()
    done = client.post(asked.wsgi_request.path, {**asked.context["fields"], "confirmed": "1"})
    assert done.status_code == 302
    assert ImportBatch.objects.filter(kind="risk", status="imported").count() == 2


def _odd() -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Учреждение", "Р.яз. уч.", "Р.яз. ср."])
    ws.append(["СОШ № 1", 20, 66.5])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_an_unknown_layout_is_mapped_once_and_then_recognised(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("coordinator", "M"))
    data_url = reverse("results:data", args=[world["M"].pk])
    f = io.BytesIO(_odd())
    f.name = "свод.xlsx"
    response = client.post(
        data_url, {"action": "upload", "kind": "results", "file": f, "procedure": "ege", "year": 2024}
    )
    assert response.status_code == 302 and "/mapping/" in response["Location"]
    page = client.get(response["Location"])
    assert "Сопоставление столбцов" in page.content.decode() and "Учреждение" in page.content.decode()
    form = {"name": "Свод по ЕГЭ", "header_first": "1", "header_last": "1", "school": "0", "procedure": "ege"}
    bad = client.post(response["Location"], form)
    assert "Отметьте хотя бы один столбец" in bad.content.decode() and not MappingPreset.objects.exists()
    form |= {"subject-1": "rus", "metric-1": "n", "subject-2": "rus", "metric-2": "mean_score"}
    saved = client.post(response["Location"], form)
    assert saved.status_code == 302 and MappingPreset.objects.get().municipality == world["M"]
    # The staged file is now read with the preset: one school, known — it goes in with the confirmation only.
    page = client.get(saved["Location"])
    assert "по шаблону сопоставления «Свод по ЕГЭ»" in page.content.decode()


def test_the_preset_edit_refuses_a_stale_save(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    preset = MappingPreset.objects.create(
        region=world["R"],
        municipality=world["M"],
        name="Свод",
        signature="s",
        mapping={
            "header_rows": 1,
            "school": 0,
            "blocks": [{"subject": "rus", "label": "Р", "columns": {"n": 1}}],
        },
        header=[["Учреждение", "Р.яз. уч."]],
    )
    client.force_login(user_with_role("coordinator", "M"))
    url = reverse("results:preset", args=["m", world["M"].pk, preset.pk])
    form = client.get(url).context["loaded_state"]
    MappingPreset.objects.filter(pk=preset.pk).update(name="Свод (изменён)")
    response = client.post(
        url, {"loaded_state": form, "name": "Мой", "school": "0", "subject-1": "rus", "metric-1": "n"}
    )
    assert "изменил другой пользователь" in response.content.decode()
    preset.refresh_from_db()
    assert preset.name == "Свод (изменён)"


def test_the_regional_coordinator_imports_a_report_for_the_whole_region(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    from portal.schools.models import Municipality, School

    other = Municipality.objects.create(region=world["R"], code="m3", name="Агинский район")
    client.force_login(user_with_role("region_coordinator", "R"))
    rows = [
        SchoolRow("Город", "СОШ № 1", {"Русский язык": (20, 1, 3, 0, 60.5)}),
        SchoolRow(
            "Управление образования администрации Агинского района",
            "МБОУ Агинская СОШ № 4",
            {"Русский язык": (12, 0, 1, 0, 58.0)},
        ),
    ]
    f = io.BytesIO(workbook([Sheet("2023", 2023, rows, SUBJECTS[:1])]))
    f.name = "ЕГЭ край.xlsx"
    response = client.post(reverse("results:region_data", args=[world["R"].pk]), {"file": f})
    assert response.status_code == 302
    page = client.get(response["Location"])
    # «… Агинского района» is not «Агинский район» after normalisation: asked once, with the look-alike first.
    muni = page.context["analysis"].open_municipalities
    assert len(muni) == 1 and muni[0].candidates[:1] == [other]
    step = client.post(response["Location"], {muni[0].field: str(other.pk), "action": "municipalities"})
    question = step.context["analysis"].questions[0]
    assert question.name == "МБОУ Агинская СОШ № 4" and question.municipality == other
    confirm = client.post(
        response["Location"], {muni[0].field: str(other.pk), question.field: "new", "action": "check"}
    )
    done = client.post(response["Location"], {**confirm.context["fields"], "confirmed": "1"})
    assert done.status_code == 302
    assert School.objects.filter(municipality=other).count() == 1
    batch = ImportBatch.objects.get(status="imported")
    assert batch.region == world["R"] and batch.municipality is None and batch.rows == 2


def test_the_region_page_sends_a_coded_file_to_the_municipality_page(
    client: Client, world: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("region_coordinator", "R"))
    f = io.BytesIO("Код ОО,Процедура,Предмет,Класс,Год,Участников\nS1,ВПР,Русский язык,5,2023,20\n".encode())
    f.name = "коды.csv"
    response = client.post(reverse("results:region_data", args=[world["R"].pk]), {"file": f})
    assert response.status_code == 200 and "на странице «Данные» муниципалитета" in response.content.decode()
    assert ImportBatch.objects.get().status == "rejected" and not PendingImport.objects.exists()
