"""The risk-profile upload under bad input (portal.programs.risk.import_profiles): a failed report lists
Russian errors naming the file (sheet, row, column), nothing is written, and the page answers 200, never 500."""

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

from portal.programs import risk, services
from tests.fuzz.conftest import changed
from tests.fuzz.strategies import (
    DB,
    assert_russian_naming,
    bad_cell,
    junk_files,
    xlsx,
    xlsx_with_broken_sheet,
)

HEADER = list(risk.IMPORT_COLUMNS)
ROWS = [
    ["S1", 2023, "low_parent_involvement", "высокий", "анкета"],
    ["S2", 2023, "low_environment_quality", "низкий", ""],
]
VALID = xlsx([HEADER, *ROWS], title="Профиль")


@pytest.fixture
def library(db: Any) -> None:
    services.sync_library(by=None)


def _attempt(m: Any, content: bytes, snapshot: Callable[[], dict[str, int]], name: str) -> list[str] | None:
    with transaction.atomic():
        before = snapshot()
        report = risk.import_profiles(m, content, filename=name, by=None)
        after = snapshot()
        transaction.set_rollback(True)
    if report.ok:
        return None
    assert changed(before, after) == {}
    assert_russian_naming(report.errors, name)
    return report.errors


def test_the_valid_file_is_imported(world: dict[str, Any], library: None) -> None:
    report = risk.import_profiles(world["M"], VALID, filename="профиль.xlsx", by=None)
    assert (report.ok, report.levels, report.profiles) == (True, 2, 2)


@DB
@given(data=st.data())
def test_a_broken_file_is_refused_and_writes_nothing(
    world: dict[str, Any], library: None, snapshot: Callable[[], dict[str, int]], data: Any
) -> None:
    assert _attempt(world["M"], data.draw(junk_files(VALID)), snapshot, "профиль.xlsx") is not None


@DB
@given(col=st.integers(0, 3), bad=st.one_of(bad_cell(), st.sampled_from(["", "2023,5", "2023.5", "Ш-ЧУЖАЯ"])))
@example(col=1, bad="2023.5")  # regression: a fractional year was truncated to 2023 and accepted
def test_a_bad_cell_is_refused_with_row_and_column_and_writes_nothing(
    world: dict[str, Any], library: None, snapshot: Callable[[], dict[str, int]], col: int, bad: str
) -> None:
    rows = [r[:] for r in ROWS]
    rows[1][col] = bad
    errors = _attempt(world["M"], xlsx([HEADER, *rows], title="Профиль"), snapshot, "плохой.xlsx")
    assert errors is not None
    assert all("строка 3" in e for e in errors), errors
    assert all(len(e) < 600 for e in errors)


@pytest.mark.parametrize(
    "content",
    [
        xlsx([HEADER, *ROWS, ROWS[0]]),  # a repeated level
        xlsx([HEADER]),  # header only
        xlsx([]),  # empty sheet
        xlsx([HEADER[:2], ["S1", 2023]]),  # missing columns
        xlsx_with_broken_sheet([HEADER, *ROWS]),  # regression: the damaged sheet failed while being iterated
    ],
)
def test_invalid_files_write_nothing(
    world: dict[str, Any], library: None, snapshot: Callable[[], dict[str, int]], content: bytes
) -> None:
    assert _attempt(world["M"], content, snapshot, "профиль.xlsx")


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04", xlsx_with_broken_sheet([HEADER]), xlsx([["x"]])])
def test_the_upload_page_answers_200_never_500(
    world: dict[str, Any], library: None, user_with_role: Callable[..., Any], content: bytes
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(user_with_role("coordinator", "M"))
    response = client.post(
        reverse("programs:risk_import", args=[world["M"].pk]),
        {"file": SimpleUploadedFile("плохой.xlsx", content)},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "плохой.xlsx" in page or "Отправленный файл пуст" in page
