"""The monitoring template upload under bad input (portal.monitoring.excel.import_values): every failure is a
ValidationFailed listing Russian errors with the file (and row and column where there is one), the database is
unchanged, and the upload page answers 200 with the errors, never 500."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st
from openpyxl import load_workbook

from portal.monitoring import excel, services
from portal.monitoring.models import MonitoringPeriod
from tests.fuzz.conftest import changed
from tests.fuzz.strategies import (
    DB,
    FUZZ,
    MARKER,
    assert_russian_naming,
    bad_cell,
    junk_files,
    patch_numbers,
    xlsx,
    xlsx_with_broken_sheet,
)


@pytest.fixture
def period(world: dict[str, Any], db: Any) -> MonitoringPeriod:
    from django.core.cache import cache

    cache.clear()
    sets = {s.code: s for s in services.sync_builtin_sets(by=None)}
    p = services.open_period(world["M"], sets["order_2023_41"], 2024, by=None)
    services.set_target_schools(p, shnor=[world["S1"].pk], at_risk=[world["S2"].pk], by=None)
    return p


@pytest.fixture
def template(period: MonitoringPeriod) -> bytes:
    return excel.template(period)


def _with(template: bytes, edits: dict[tuple[int, int], Any], *, extra_rows: int = 0) -> bytes:
    wb = load_workbook(io.BytesIO(template))
    ws = wb[excel.SHEET]
    for (row, col), value in edits.items():
        ws.cell(row=row, column=col, value=value)
    for _ in range(extra_rows):
        ws.append([c.value for c in ws[2]])  # the first data row again: a duplicate
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _attempt(
    period: MonitoringPeriod, content: bytes, snapshot: Callable[[], dict[str, int]], name: str
) -> Any:
    """Import inside a rolled-back savepoint; on failure assert the contract and return the errors."""
    with transaction.atomic():
        before = snapshot()
        try:
            excel.import_values(period, content, filename=name, by=None)
        except services.ValidationFailed as failed:
            assert changed(before, snapshot()) == {}
            assert_russian_naming(failed.errors, name)
            return failed.errors
        finally:
            transaction.set_rollback(True)
    return None


@DB
@given(data=st.data())
def test_a_broken_file_is_refused_and_writes_nothing(
    period: MonitoringPeriod, template: bytes, snapshot: Callable[[], dict[str, int]], data: Any
) -> None:
    content = data.draw(junk_files(template))
    errors = _attempt(period, content, snapshot, "мониторинг.xlsx")
    assert errors is not None


@DB
@given(
    row=st.integers(2, 40),
    col=st.sampled_from([1, 3, 4, 7, 8]),
    bad=st.one_of(bad_cell(), st.sampled_from(["да", "нет", "не знаю", "ftp://x", "0", "12,5%", None])),
    duplicate=st.booleans(),
)
def test_a_bad_cell_is_refused_with_row_and_column_or_accepted(
    period: MonitoringPeriod,
    template: bytes,
    snapshot: Callable[[], dict[str, int]],
    row: int,
    col: int,
    bad: Any,
    duplicate: bool,
) -> None:
    content = _with(template, {(row, col): bad}, extra_rows=int(duplicate))
    errors = _attempt(period, content, snapshot, "мониторинг.xlsx")
    if errors is not None:
        assert all("строка" in e and "столбец" in e for e in errors), errors
    if duplicate:
        assert errors and any("повторяется" in e for e in errors)


@pytest.mark.parametrize("raw", ["1e999", "-1e999", "NaN", "inf", "1" * 400])
def test_an_infinite_or_nan_number_in_a_hand_made_file_is_refused(
    period: MonitoringPeriod, template: bytes, snapshot: Callable[[], dict[str, int]], raw: str
) -> None:
    # Regression: «численность» = infinity raised OverflowError in int(value) (a 500 on the upload page);
    # «NaN» in a numeric cell made openpyxl fail while reading the sheet; a 400-digit integer overflowed float().
    content = patch_numbers(_with(template, {(2, 7): MARKER, (4, 7): MARKER}), raw)
    errors = _attempt(period, content, snapshot, "бесконечность.xlsx")
    assert errors and ("строка 2" in errors[0] or "не читается" in errors[0]), errors


@pytest.mark.parametrize(
    ("value", "accepted"),
    [("40", True), ("4\u00a00", True), (" 40 ", True), ("40,5", False), ("сорок", False), (0, False)],
)
def test_a_total_typed_as_text_is_read_as_a_number(
    period: MonitoringPeriod,
    template: bytes,
    snapshot: Callable[[], dict[str, int]],
    value: Any,
    accepted: bool,
) -> None:
    errors = _attempt(period, _with(template, {(2, 7): value}), snapshot, "t.xlsx")
    assert (errors is None) == accepted, errors


@pytest.mark.parametrize(
    "content",
    [
        xlsx([excel.HEADERS]),
        xlsx([["Код", "Школа"]], title=excel.SHEET),
        xlsx([], title=excel.SHEET),
        xlsx_with_broken_sheet([excel.HEADERS]),
    ],
)
def test_wrong_headers_empty_and_damaged_sheets_are_refused(
    period: MonitoringPeriod, snapshot: Callable[[], dict[str, int]], content: bytes
) -> None:
    assert _attempt(period, content, snapshot, "лист.xlsx")


@example(content=b"")
@given(content=st.sampled_from([b"not xlsx", b"PK\x03\x04" + bytes(64), xlsx([["x"]])]))
@FUZZ
def test_the_upload_page_answers_200_with_the_errors(
    period: MonitoringPeriod, world: dict[str, Any], user_with_role: Callable[..., Any], content: bytes
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(user_with_role("coordinator", "M"))
    response = client.post(
        reverse("monitoring:upload", args=[period.pk]), {"file": SimpleUploadedFile("плохой.xlsx", content)}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "плохой.xlsx" in page or "Отправленный файл пуст" in page
