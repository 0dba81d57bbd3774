"""The results app's imports under bad input (portal.results.services): a rejected file leaves every table as
it was except its own «отклонён» ImportBatch and the audit entry of the rejection; unusual but valid files
(Windows-1251, UTF-8 with BOM, «;», decimal commas) are imported; the upload page never answers 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from portal.results import services
from portal.results.models import AssessmentResult, ContextValue, ImportBatch, OfficialListEntry, RiskInput
from tests.fuzz.conftest import changed
from tests.fuzz.strategies import FEW, FUZZ, assert_russian_naming, bad_cell, csv_bytes, junk_files, xlsx

REJECTION = {"results.ImportBatch": 1, "audit.AuditEntry": 1}

RESULTS = [
    ["Код ОО", "Процедура", "Предмет", "Класс", "Год", "Участников", "Отметка 2", "Отметка 3", "Отметка 4"],
    ["S1", "ВПР", "Русский язык", 5, 2023, 20, 2, 8, 7],
    ["S2", "ВПР", "Русский язык", 5, 2023, 10, 1, 4, 5],
]
STUDENTS = [
    [
        "student_id",
        "school_id",
        "procedure",
        "subject",
        "grade",
        "year",
        "primary_score",
        "max_score",
        "mark",
    ],
    ["P1", "S1", "ВПР", "Русский язык", 5, 2023, "12,5", 20, 4],
    ["P2", "S1", "ВПР", "Русский язык", 5, 2023, "8", 20, 3],
    ["P3", "S2", "ВПР", "Русский язык", 5, 2023, "19", 20, 5],
]
CONTEXT = [["Код ОО", "Год", "Доля малообеспеченных", "ОВЗ"], ["S1", 2023, "12,5", 3], ["S2", 2023, 30, "0"]]
RISK = [["Код ОО", "Год", "Вакансии", "Скорость интернета"], ["S1", 2023, 1, "20,5"], ["S2", 2023, 0, 100]]
OFFICIAL = [["Код ОО", "Год", "Категория"], ["S1", 2023, "ШНОР"], ["S2", 2023, "зона риска"]]
VALID = {"results": RESULTS, "students": STUDENTS, "context": CONTEXT, "risk": RISK}
WRITES = {
    "results": AssessmentResult,
    "students": AssessmentResult,
    "context": ContextValue,
    "risk": RiskInput,
}


def _rejected(
    report: services.ImportReport, before: dict[str, int], after: dict[str, int], name: str
) -> None:
    assert not report.ok
    assert report.batch.status == ImportBatch.Status.REJECTED and report.batch.errors
    assert_russian_naming(report.errors, name)
    assert changed(before, after) == REJECTION


@pytest.fixture
def m(world: dict[str, Any]) -> Any:
    return world["M"]


@FUZZ
@given(
    kind=st.sampled_from(sorted(VALID)),
    filename=st.sampled_from(["f.csv", "f.xlsx", "f.xls"]),
    data=st.data(),
)
def test_a_broken_file_is_rejected_and_writes_nothing(
    m: Any, snapshot: Callable[[], dict[str, int]], kind: str, filename: str, data: Any
) -> None:
    content = data.draw(junk_files(xlsx(VALID[kind])))
    with transaction.atomic():  # rolled back: every example starts from the same database
        before = snapshot()
        report = services.import_file(m, kind, content, filename=filename, by=None)
        after = snapshot()
        transaction.set_rollback(True)
    if report.ok:  # a truncated CSV may still be a valid (shorter) table
        return
    _rejected(report, before, after, filename)


@FUZZ
@given(
    kind=st.sampled_from(sorted(VALID)),
    row=st.integers(1, 2),
    col=st.integers(1, 8),
    bad=bad_cell(),
    fmt=st.sampled_from(["csv", "xlsx"]),
)
@example(kind="students", row=1, col=1, bad="", fmt="csv")  # regression: an empty school code crashed sorting
def test_a_bad_cell_is_rejected_naming_row_and_column_and_writes_nothing(
    m: Any, snapshot: Callable[[], dict[str, int]], kind: str, row: int, col: int, bad: str, fmt: str
) -> None:
    rows = [list(r) for r in VALID[kind]]
    col = col % len(rows[0])
    if kind in ("results", "context", "risk") and col == 0 and bad in ("-5", "1900", "3000"):
        bad = "Ш-999"  # a number-like school code is only an unknown school
    rows[row][col] = bad
    fmt = "csv" if kind == "students" else fmt  # student results are CSV only (docs/import-formats.md)
    name = f"плохой.{fmt}"
    content = csv_bytes(rows, delimiter=";") if fmt == "csv" else xlsx(rows)
    with transaction.atomic():  # rolled back: every example starts from the same database
        before = snapshot()
        report = services.import_file(m, kind, content, filename=name, by=None)
        after = snapshot()
        transaction.set_rollback(True)
    if report.ok:  # e.g. «12,5%» in a share column is a valid percentage
        return
    _rejected(report, before, after, name)
    text = " ".join(report.errors)
    assert f"строка {row + 1}" in text or "не найдены среди школ" in text, text


@FEW
@given(
    kind=st.sampled_from(sorted(VALID)),
    encoding=st.sampled_from(["cp1251", "utf-8-sig", "utf-16"]),
    delimiter=st.sampled_from([";", ",", "\t"]),
)
def test_csv_from_russian_excel_is_imported(m: Any, kind: str, encoding: str, delimiter: str) -> None:
    content = csv_bytes(VALID[kind], delimiter=delimiter, encoding=encoding)
    with transaction.atomic():
        report = services.import_file(m, kind, content, filename="из-Excel.csv", by=None)
        assert report.ok, report.errors[:3]
        assert WRITES[kind].objects.filter(batch=report.batch).exists()
        if kind == "students":  # three students → two school rows; S1: (12.5 + 8) / 2 = 10.25
            s1 = AssessmentResult.objects.get(batch=report.batch, school__code="S1")
            assert (s1.n, s1.n_3, s1.n_4, s1.mean_score) == (2, 1, 1, 10.25)
        transaction.set_rollback(True)


@pytest.mark.parametrize("kind", sorted(VALID))
def test_unknown_school_codes_duplicates_and_missing_columns_write_nothing(
    m: Any, snapshot: Callable[[], dict[str, int]], kind: str
) -> None:
    rows = [list(r) for r in VALID[kind]]
    unknown = [r[:] for r in rows]
    unknown[1][1 if kind == "students" else 0] = "Ш-ЧУЖАЯ"
    duplicate = [*rows, rows[1]]
    missing = [r[:1] + r[2:] for r in rows]
    for content, expected in (
        (csv_bytes(unknown), "не найдены среди школ муниципалитета"),
        (csv_bytes(duplicate), "повтор"),
        (csv_bytes(missing), "нет обязательных столбцов"),
    ):
        before = snapshot()
        report = services.import_file(m, kind, content, filename="x.csv", by=None)
        _rejected(report, before, snapshot(), "x.csv")
        assert expected in " ".join(report.errors)


def test_a_replacement_rejected_after_validation_keeps_the_old_rows(
    m: Any, snapshot: Callable[[], dict[str, int]]
) -> None:
    assert services.import_file(m, "results", csv_bytes(RESULTS), filename="r.csv", by=None).ok
    before = snapshot()
    report = services.import_file(m, "results", csv_bytes(RESULTS), filename="r.csv", by=None)
    _rejected(report, before, snapshot(), "r.csv")
    assert AssessmentResult.objects.count() == 2


@FEW
@given(data=st.data(), which=st.sampled_from(["results", "context", "both"]))
def test_a_broken_reference_set_writes_nothing(
    m: Any, snapshot: Callable[[], dict[str, int]], data: Any, which: str
) -> None:
    results = data.draw(junk_files(csv_bytes(RESULTS))) if which != "context" else csv_bytes(RESULTS)
    context = data.draw(junk_files(csv_bytes(CONTEXT))) if which != "results" else csv_bytes(CONTEXT)
    with transaction.atomic():
        before = snapshot()
        report = services.import_reference(
            m, name="Регион", results=("р.csv", results), context=("к.csv", context), by=None
        )
        after = snapshot()
        transaction.set_rollback(True)
    if report.ok:
        return
    assert changed(before, after) == REJECTION
    assert all("р.csv" in e or "к.csv" in e for e in report.errors), report.errors


@FEW
@given(data=st.data(), bad=st.sampled_from(["ШНОРР", "", "1900", "Ш-ЧУЖАЯ", "x" * 10_000]))
def test_a_broken_official_list_writes_nothing(
    m: Any, snapshot: Callable[[], dict[str, int]], data: Any, bad: str
) -> None:
    rows = [list(r) for r in OFFICIAL]
    rows[1][data.draw(st.integers(0, 2))] = bad
    content = data.draw(st.one_of(st.just(csv_bytes(rows)), junk_files(csv_bytes(OFFICIAL))))
    with transaction.atomic():
        before = snapshot()
        report = services.import_official_list(m, content, filename="список.csv", by=None)
        after = snapshot()
        transaction.set_rollback(True)
    if report.ok:
        return
    _rejected(report, before, after, "список.csv")
    assert not OfficialListEntry.objects.exists()


BAD_UPLOADS = [
    ("results", "пусто.csv", b""),
    ("results", "мусор.xlsx", b"PK\x03\x04" + bytes(300)),
    ("students", "utf16.csv", "\ufeffstudent_id\n".encode("utf-16")),
    ("context", "текст.csv", "Код ОО;Год;ОВЗ\nS1;1900;н/я\n".encode("cp1251")),
    ("risk", "лист.xlsx", xlsx([["Код ОО", "Год", "Вакансии"], ["S1", 2023, "—"]])),
    ("official", "список.csv", b"\x00\x01\x02"),
]


@pytest.mark.parametrize(("kind", "name", "content"), BAD_UPLOADS)
def test_the_upload_page_answers_a_russian_message_never_500(
    coordinator: Any, m: Any, snapshot: Callable[[], dict[str, int]], kind: str, name: str, content: bytes
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(coordinator)
    before = snapshot()
    response = client.post(
        reverse("results:data", args=[m.pk]),
        {"kind": kind, "file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert name in page or "Отправленный файл пуст" in page  # Django's own check of an empty upload
    assert changed(before, snapshot()) in (REJECTION, {})  # {}: the form refused the file before the import


@pytest.mark.parametrize("kind", ["students", "results"])
def test_a_nul_in_the_file_or_its_name_is_stored_with_the_rejection(
    m: Any, snapshot: Callable[[], dict[str, int]], kind: str
) -> None:
    # Regression: a one-byte file b"\x00" was quoted in the error («Найдены столбцы: «\x00»»); PostgreSQL's jsonb
    # refuses U+0000, so storing the rejection raised DataError — a 500 on the upload page.
    for name, content in (("нуль.csv", b"\x00"), ("нуль\x00.csv", b"a,b\n1,2\n")):
        before = snapshot()
        report = services.import_file(m, kind, content, filename=name, by=None)
        assert changed(before, snapshot()) == REJECTION
        assert "\x00" not in report.batch.filename and not any("\x00" in e for e in report.batch.errors)
