"""ZIP-bomb guard: a small «xlsx» that unpacks past the caps is refused in Russian before any reader opens it,
and every data import refuses it without writing anything."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.lib.uploads import UploadRejected, check_zip_package, data_import_problem, validate_upload

MB = 1024 * 1024


def _package(members: dict[str, int | bytes], *, stored: bool = False) -> bytes:
    """A ZIP with the given members; an int is that many zero bytes (written in chunks, never held whole)."""
    buffer = io.BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buffer, "w", compression=method) as package:
        for name, content in members.items():
            if isinstance(content, bytes):
                package.writestr(name, content)
                continue
            with package.open(name, "w", force_zip64=content > 2000 * MB) as member:
                for _ in range(content // MB):
                    member.write(bytes(MB))
    return buffer.getvalue()


WORKBOOK = {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """An xlsx-looking package whose sheet unpacks to 210 MB (> the 200 MB default cap)."""
    return _package({**WORKBOOK, "xl/worksheets/sheet1.xml": 210 * MB})


def test_the_bomb_is_small_but_unpacks_past_the_cap(bomb: bytes) -> None:
    assert len(bomb) < MB  # 210 MB of zeros deflate to about 0.2 MB (≈1000:1)
    with pytest.raises(UploadRejected, match=r"Файл «итоги\.xlsx»: .*zip-бомбу"):
        check_zip_package(bomb, "итоги.xlsx")


def test_the_total_size_cap_applies_without_a_suspicious_ratio(settings: Any) -> None:
    settings.OPORA_ZIP_MAX_UNPACKED_MB = 3
    stored = _package({**WORKBOOK, "xl/worksheets/sheet1.xml": 4 * MB}, stored=True)  # ratio 1:1
    with pytest.raises(
        UploadRejected, match=r"в распакованном виде файл занимает 4 МБ, допустимо не больше 3 МБ"
    ):
        check_zip_package(stored, "a.xlsx")


def test_too_many_members_are_refused(settings: Any) -> None:
    settings.OPORA_ZIP_MAX_MEMBERS = 10
    many = _package({**WORKBOOK, **{f"xl/media/{i}.xml": b"x" for i in range(20)}})
    with pytest.raises(UploadRejected, match=r"слишком много частей \(22, допустимо не больше 10\)"):
        check_zip_package(many, "a.xlsx")


def test_encrypted_and_climbing_members_are_refused() -> None:
    climbing = _package({**WORKBOOK, "../../etc/passwd": b"x"})
    with pytest.raises(UploadRejected, match=r"недопустимое имя части архива «\.\./\.\./etc/passwd»"):
        check_zip_package(climbing, "a.xlsx")
    encrypted = bytearray(_package(WORKBOOK))
    # set the «encrypted» flag bit in the central directory entries (offset 8 of each «PK\1\2» record)
    at = encrypted.find(b"PK\x01\x02")
    while at >= 0:
        encrypted[at + 8] |= 0x1
        at = encrypted.find(b"PK\x01\x02", at + 1)
    with pytest.raises(UploadRejected, match="зашифрована"):
        check_zip_package(bytes(encrypted), "a.xlsx")


def test_an_ordinary_workbook_passes() -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["Код ОО", "Год"])
    buffer = io.BytesIO()
    book.save(buffer)
    check_zip_package(buffer.getvalue(), "a.xlsx")
    assert data_import_problem(buffer.getvalue(), "a.xlsx") is None
    assert data_import_problem(b"a;b\n1;2\n", "a.csv") is None


def test_data_imports_take_only_xlsx_and_csv_within_the_cap(settings: Any) -> None:
    assert data_import_problem(b"\xd0\xcf\x11\xe0", "a.xls") == (
        "Файл «a.xls»: формат .xls не принимается. Допустимы: xlsx, csv."
    )
    assert data_import_problem(b"x", "a.docx") is not None
    settings.OPORA_IMPORT_MAX_MB = 1
    assert "слишком большой: 2.0 МБ, допустимо не больше 1 МБ" in str(
        data_import_problem(bytes(2 * MB), "a.xlsx")
    )


def test_a_document_upload_is_checked_too(bomb: bytes) -> None:
    with pytest.raises(UploadRejected, match="zip-бомбу"):
        validate_upload(SimpleUploadedFile("план.xlsx", bomb))


@pytest.fixture
def no_openpyxl(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Fail the test if a workbook is opened at all."""
    import openpyxl

    opened: list[str] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        opened.append("load_workbook")
        raise AssertionError("the bomb reached openpyxl")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)
    for module in ("portal.monitoring.excel", "portal.staff.excel"):
        monkeypatch.setattr(f"{module}.load_workbook", refuse)
    return opened


def test_every_import_refuses_the_bomb_and_writes_nothing(
    world: dict[str, Any], bomb: bytes, no_openpyxl: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal.audit.models import AuditEntry
    from portal.monitoring import excel as monitoring_excel
    from portal.monitoring import services as monitoring_services
    from portal.programs import risk as programs
    from portal.results import services as results
    from portal.results.models import AssessmentResult, ContextValue, ImportBatch
    from portal.staff import excel as staff_excel
    from portal.staff.models import Teacher

    m = world["M"]
    for kind in ("results", "context", "risk"):
        report = results.import_file(m, kind, bomb, filename="итоги.xlsx", by=None)
        assert not report.ok and "zip-бомбу" in report.errors[0]
    report = results.import_official_list(m, bomb, filename="перечень.xlsx", by=None)
    assert not report.ok and "zip-бомбу" in report.errors[0]
    report = results.import_reference(
        m, name="x", results=("r.xlsx", bomb), context=("c.csv", b"a;b\n"), by=None
    )
    assert not report.ok and report.errors[0].startswith("Файл «r.xlsx»")
    # only the rejected batches (kept with their errors for the coordinator) are stored
    assert set(ImportBatch.objects.values_list("status", flat=True)) == {ImportBatch.Status.REJECTED}
    assert not AssessmentResult.objects.exists() and not ContextValue.objects.exists()

    with pytest.raises(staff_excel.ImportFailed, match="zip-бомбу"):
        staff_excel.import_file(world["S1"], bomb, filename="кадры.xlsx", by=None)
    assert not Teacher.objects.exists()

    profiles = programs.import_profiles(m, bomb, filename="профили.xlsx", by=None)
    assert not profiles.ok and "zip-бомбу" in profiles.errors[0]

    monkeypatch.setattr(monitoring_services, "check_open", lambda period: None)
    with pytest.raises(monitoring_services.ValidationFailed, match="zip-бомбу"):
        monitoring_excel.import_values(None, bomb, filename="мониторинг.xlsx", by=None)  # type: ignore[arg-type]

    assert no_openpyxl == []
    assert not AuditEntry.objects.exclude(action="results.batch.rejected").exists()
