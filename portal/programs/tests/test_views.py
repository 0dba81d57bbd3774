"""The wizard and the profile pages through the test client, as a school team and a coordinator use them."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from docx import Document

from portal.programs.models import Program, ProgramMeasure, RiskLevel


def _rows(program: Program) -> dict[str, str]:
    data: dict[str, str] = {}
    for m in program.measures.all():
        data.update(
            {
                f"m{m.pk}-title": m.title,
                f"m{m.pk}-responsible": m.responsible,
                f"m{m.pk}-start": m.start.isoformat() if m.start else "",
                f"m{m.pk}-end": m.end.isoformat() if m.end else "",
            }
        )
    return data


def test_a_new_program_covers_three_years_from_the_chosen_year(
    client: Client, s1_data: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("school_team", "S1"))
    url = reverse("programs:school", args=[s1_data["S1"].pk])
    client.post(url, {"kind": "shppko", "profile_year": "2023", "year_from": "2024"})
    program = Program.objects.get(school=s1_data["S1"])
    assert (program.year_from, program.year_to, program.school_year) == (2024, 2026, 2024)


def test_without_a_choice_the_program_starts_this_year() -> None:
    from portal.programs.forms import NewProgramForm

    form = NewProgramForm(
        {"kind": "shppko", "profile_year": "2023"}, years=[2023], today=dt.date(2026, 12, 7)
    )
    assert form.is_valid() and form.cleaned_data["year_from"] == 2026
    labels = [label for _, label in form.fields["year_from"].choices]
    assert (labels[0], labels[-1]) == ("2023–2025 гг.", "2027–2029 гг.")


def test_a_school_team_walks_the_wizard_and_downloads_the_docx(
    client: Client, s1_data: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("school_team", "S1"))
    school = s1_data["S1"]
    page = client.get(reverse("programs:school", args=[school.pk]))
    assert "Рисковый профиль" in page.content.decode() and 'class="risk-bars"' in page.content.decode()
    response = client.post(
        reverse("programs:school", args=[school.pk]),
        {"kind": "shppko", "profile_year": "2023", "year_from": "2023"},
    )
    program = Program.objects.get(school=school)
    assert response["Location"] == reverse("programs:step", args=[program.pk, 1])
    step1 = client.get(response["Location"]).content.decode()
    assert "Доля отметок «2» по ВПР в 2023 г. составила 15" in step1

    # Step 2: keep two priorities.
    url2 = reverse("programs:step", args=[program.pk, 2])
    page2 = client.get(url2).content.decode()
    assert 'value="low_equipment"' in page2 and "checked" in page2
    response = client.post(url2, {"priorities": ["low_equipment", "low_parent_involvement"]})
    assert response["Location"] == reverse("programs:step", args=[program.pk, 3])

    # Step 3: add the team's own measure through htmx, fix a responsible person, delete one measure.
    add = reverse("programs:add_measure", args=[program.pk])
    fragment = client.post(
        add,
        {"what": "own", "own-title": "Школьный клуб для родителей", "own-factor": "low_parent_involvement"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert fragment.startswith('<div id="measures">') and "Школьный клуб для родителей" in fragment
    own = ProgramMeasure.objects.get(program=program, origin="own")
    data = _rows(program)
    data[f"m{own.pk}-responsible"] = "Петрова А. А., педагог-организатор"
    data[f"m{own.pk}-start"], data[f"m{own.pk}-end"] = "2023-10-01", "2024-05-31"
    dropped = program.measures.get(code="M10")
    data[f"m{dropped.pk}-delete"] = "on"
    response = client.post(reverse("programs:step", args=[program.pk, 3]), data)
    assert response["Location"] == reverse("programs:step", args=[program.pk, 4])
    own.refresh_from_db()
    assert own.responsible == "Петрова А. А., педагог-организатор"
    assert not program.measures.filter(code="M10").exists()

    # Step 4: the parents' goal has no data: the team enters the numbers (decimal comma accepted).
    goals = list(program.goals.all())
    data = {}
    for g in goals:
        data.update(
            {
                f"g{g.pk}-text": g.text,
                f"g{g.pk}-indicator": g.indicator,
                f"g{g.pk}-unit": g.unit,
                f"g{g.pk}-baseline": "32,5" if g.baseline is None else str(g.baseline),
                f"g{g.pk}-target": "50" if g.target is None else str(g.target),
                f"g{g.pk}-tasks": "провести анкетирование\nорганизовать родительский клуб",
            }
        )
    data["director"] = "Иванова И. И., директор"
    response = client.post(reverse("programs:step", args=[program.pk, 4]), data)
    assert response["Location"] == reverse("programs:step", args=[program.pk, 5])
    assert program.goals.get(factor_code="low_parent_involvement").baseline == 32.5

    # Step 5: the checklist passes; the school team cannot approve, but downloads the DOCX.
    page5 = client.get(response["Location"]).content.decode()
    assert "Программа прошла проверку" in page5
    assert "Утвердить</button>" not in page5
    docx = client.get(reverse("programs:download", args=[program.pk, "docx"]))
    assert docx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="shppko-S1-v1.docx"' in docx["Content-Disposition"]
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert "Цель 2. Повысить вовлечённость родителей в образовательный процесс." in text  # 2 priorities kept
    assert "Задачи: провести анкетирование; организовать родительский клуб." in text


def test_the_coordinator_sees_why_approval_is_blocked(
    client: Client, s1_data: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    from portal.programs import services

    program = services.create_program(s1_data["S1"], "shppko", by=None, profile_year=2023)
    client.force_login(user_with_role("coordinator", "M"))
    response = client.post(reverse("programs:approve", args=[program.pk]), {"action": "approve"}, follow=True)
    body = response.content.decode()
    assert "Утвердить нельзя: программа не прошла проверку качества." in body
    assert "не указано базовое значение показателя" in body
    program.refresh_from_db()
    assert program.status == "draft"


def test_an_override_without_a_comment_is_refused_on_the_profile_page(
    client: Client, s1_data: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("school_team", "S1"))
    url = reverse("programs:risk_profile", args=[s1_data["S1"].pk, 2023])
    page = client.get(url).content.decode()
    assert "рассчитан по данным" in page
    form = {
        f"{code}-level": level
        for code, level in RiskLevel.objects.filter(profile__school=s1_data["S1"]).values_list(
            "factor__code", "level"
        )
    }
    form["teacher_shortage-level"] = "low"
    body = client.post(url, form).content.decode()
    assert "по данным уровень средний; чтобы изменить его, укажите обоснование." in body
    form["teacher_shortage-comment"] = "Вакансия закрыта в сентябре"
    assert client.post(url, form).status_code == 302
    lv = RiskLevel.objects.get(profile__school=s1_data["S1"], factor__code="teacher_shortage")
    assert (lv.level, lv.source, lv.comment) == ("low", "override", "Вакансия закрыта в сентябре")


def test_the_import_page_lists_every_error(
    client: Client, s1_data: dict[str, Any], user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("coordinator", "M"))
    url = reverse("programs:risk_import", args=[s1_data["M"].pk])
    template = client.get(url + "?template=1")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    upload = SimpleUploadedFile("broken.xlsx", b"not excel")
    body = client.post(url, {"file": upload}).content.decode()
    assert "Файл broken.xlsx: не удалось прочитать как книгу Excel (.xlsx)." in body
