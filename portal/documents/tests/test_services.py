"""The registry's use-cases: validation as a whole, audit, stale edits refused, in force by year, status history,
and the demo's entries exactly as the seeds give them."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from portal.audit.models import AuditEntry
from portal.documents import services
from portal.documents.models import ProgramDocument, SchoolStatus
from portal.documents.tests.conftest import pdf, values
from portal.lib import stale


def test_a_document_is_validated_as_a_whole_and_nothing_is_written(catalogue: dict[str, Any]) -> None:
    doc = ProgramDocument(municipality=catalogue["M"])
    with pytest.raises(services.DocumentError) as err:
        services.save_document(
            doc,
            values(title=" ", status="repealed", url="ftp://x", date=datetime.date(2023, 5, 1)),
            by=None,
            indicators=["1.1|vsoko_regulation"],  # a school's slot on the authority's document
        )
    text = str(err.value)
    assert "Укажите название документа." in text
    assert "укажите дату, с которой он утратил силу" in text
    assert "Ссылка «ftp://x» не похожа на адрес http(s)://…" in text
    assert (
        "Показатели 1.1|vsoko_regulation не подтверждаются документом органа управления образованием" in text
    )
    assert not ProgramDocument.objects.exists()


def test_a_document_is_created_changed_and_deleted_with_audit(catalogue: dict[str, Any]) -> None:
    doc = services.save_document(
        ProgramDocument(municipality=catalogue["M"]),
        values(),
        by=None,
        indicators=["6.1", "2.1"],
        upload=pdf(),
    )
    assert doc.indicators == ["2.1", "6.1"] and doc.original_name == "polozhenie.pdf" and doc.file
    assert doc.requisites == "Положение о мониторинге от 01.03.2023 № 12"
    token = stale.seal(services.form_state(doc))
    doc = services.save_document(doc, values(number="12-а"), by=None, indicators=["6.1"], expected=token)
    assert (doc.number, doc.indicators) == ("12-а", ["6.1"])
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == ["documents.document.created", "documents.document.changed"]
    assert "Показатели мониторинга, которые он подтверждает: 6.1" in " ".join(services.impact(doc))
    services.delete_document(doc, by=None)
    assert not ProgramDocument.objects.exists()
    assert AuditEntry.objects.filter(action="documents.document.deleted").count() == 1


def test_a_save_from_a_form_loaded_before_someone_elses_change_is_refused(docs: dict[str, Any]) -> None:
    doc = docs["D"]
    loaded = stale.seal(services.form_state(doc))  # A and B open the form
    services.save_document(doc, values(number="13"), by=None, indicators=["2.1", "6.1"], expected=loaded)  # A
    with pytest.raises(stale.StaleEdit) as err:  # B saves from the form loaded before A's change
        services.save_document(doc, values(title="Другое"), by=None, indicators=["2.1"], expected=loaded)
    assert [str(c) for c in err.value.changes] == ["Номер: было «12», теперь «13»"]
    doc.refresh_from_db()
    assert (doc.number, doc.title, doc.indicators) == (
        "13",
        "Положение о муниципальном мониторинге",
        ["2.1", "6.1"],
    )


@pytest.mark.parametrize(
    ("status", "date", "repealed_on", "in_2023", "in_2024"),
    [
        ("active", datetime.date(2023, 3, 1), None, True, True),
        ("active", datetime.date(2024, 3, 1), None, False, True),  # not yet issued in 2023
        ("draft", datetime.date(2023, 3, 1), None, False, False),  # a draft is never in force
        ("repealed", datetime.date(2023, 3, 1), datetime.date(2023, 12, 31), True, False),
        (
            "repealed",
            datetime.date(2023, 3, 1),
            datetime.date(2024, 1, 1),
            True,
            True,
        ),  # in force on 01.01.2024
    ],
)
def test_a_document_is_in_force_in_the_years_of_its_life(
    catalogue: dict[str, Any], status: str, date: Any, repealed_on: Any, in_2023: bool, in_2024: bool
) -> None:
    doc = services.save_document(
        ProgramDocument(municipality=catalogue["M"]),
        values(status=status, date=date, repealed_on=repealed_on),
        by=None,
        indicators=["6.1"],
    )
    assert (doc.in_force(2023), doc.in_force(2024)) == (in_2023, in_2024)
    assert bool(services.evidence(catalogue["M"], 2023).get((None, "6.1"))) == in_2023


def test_the_status_history_refuses_a_repeat_and_is_audited(catalogue: dict[str, Any]) -> None:
    status = services.add_status(catalogue["S1"], 2021, "project_500", by=None, source="цитата")
    with pytest.raises(services.DocumentError, match="уже записан"):
        services.add_status(catalogue["S1"], 2021, "project_500", by=None)
    assert services.history([catalogue["S1"]])[catalogue["S1"].pk] == [status]
    services.delete_status(status, by=None)
    assert not SchoolStatus.objects.exists()
    assert AuditEntry.objects.filter(action__startswith="documents.status.").count() == 2


def test_the_demo_carries_exactly_the_documents_the_seeds_cite(db: Any) -> None:
    """Seed 000 lines 1-6 (№ 84 от 14.02.2022); seed 002 lines 3, 1012 (№ 41 от 26.01.2023) and 1101 (приказ УО
    от 19.01.2023, информационное письмо министерства края от 22.12.2022): no number, issuer or title is invented."""
    from portal.demo.base import MUNICIPALITY_CODE
    from portal.demo.services import load_demo
    from portal.documents.demo import load_documents_demo
    from portal.schools.models import Municipality

    load_demo(password="demo-test-pass-1", write=lambda s: None, extensions=False)
    municipality = Municipality.objects.get(code=MUNICIPALITY_CODE)
    load_documents_demo(municipality, lambda s: None)
    found = {
        (d.kind, d.number, d.date.isoformat(), d.issuer)
        for d in ProgramDocument.objects.filter(municipality=municipality)
    }
    assert found == {
        ("program_order", "84", "2022-02-14", "Управление образования администрации города Минусинска"),
        ("program_order", "41", "2023-01-26", ""),  # the appendices do not name the issuer
        ("order", "", "2023-01-19", "Управление образования"),  # «Приказом УО от19.01.2023 г.»
        ("ministry_letter", "", "2022-12-22", "Министерство образования и науки Красноярского края"),
    }
    # the seeds' statuses: ФИОКО 2019-2020 (3 schools × 2 years), 2020 ШНОР и ШНСУ (3), «500+» 2020 (3),
    # 2021 (3 continuing + 2 new), 2023 classification (3 + 3)
    assert SchoolStatus.objects.count() == 6 + 3 + 3 + 5 + 6
    oosh1 = [
        (s.year, s.kind) for s in SchoolStatus.objects.filter(school__code="MNS-OOSH01").order_by("year")
    ]
    assert oosh1 == [
        (2019, "fioko_low_results"),
        (2020, "fioko_low_results"),
        (2021, "project_500"),
        (2023, "low_results_adverse"),
    ]
    count = ProgramDocument.objects.count()
    load_documents_demo(municipality, lambda s: None)
    assert ProgramDocument.objects.count() == count  # idempotent
