"""Imports: whole-file validation, nothing written on error, explicit replacement of a year."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from portal.identification.demo import demo_files
from portal.results import services
from portal.results.models import AssessmentResult, ContextValue, ImportBatch, RiskInput
from portal.schools.models import Municipality


@pytest.fixture
def municipality(db: Any) -> Municipality:
    call_command("load_demo", password="x-demo-pass-1", skip_extensions=True, stdout=io.StringIO())
    return Municipality.objects.get(code="demo-minusinsk")


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return demo_files(tmp_path)


def _counts() -> tuple[int, int, int]:
    return AssessmentResult.objects.count(), ContextValue.objects.count(), RiskInput.objects.count()


def test_it_imports_each_kind_in_one_batch(municipality: Municipality, files: dict[str, Path]) -> None:
    for kind in ("results", "context", "risk"):
        report = services.import_file(
            municipality, kind, files[kind].read_bytes(), filename=files[kind].name, by=None
        )
        assert report.ok, report.errors[:3]
        assert report.batch.rows > 0
    results, context, risk = _counts()
    # Every CSV data line became one stored result row (the demo file has a header line).
    assert results == len(files["results"].read_text(encoding="utf-8").strip().splitlines()) - 1
    assert RiskInput.objects.values("year").distinct().count() == 3
    assert context > 0 and risk == 13 * 3


def test_a_file_with_one_bad_cell_writes_nothing_and_names_row_and_column(
    municipality: Municipality, files: dict[str, Path], tmp_path: Path
) -> None:
    lines = files["results"].read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[5].split(",")
    cells[header.index("n")] = "много"
    lines[5] = ",".join(cells)
    broken = tmp_path / "broken.csv"
    broken.write_text("\n".join(lines), encoding="utf-8")
    report = services.import_file(
        municipality, "results", broken.read_bytes(), filename="broken.csv", by=None
    )
    assert not report.ok
    assert _counts() == (0, 0, 0)
    message = " ".join(report.errors)
    assert "broken.csv" in message and "строка 6" in message and "много" in message
    assert report.batch.status == ImportBatch.Status.REJECTED


def test_unknown_school_codes_are_refused(municipality: Municipality, files: dict[str, Path]) -> None:
    report = services.import_file(
        municipality, "results", files["region_results"].read_bytes(), filename="region_results.csv", by=None
    )
    assert not report.ok
    assert "не найдены среди школ муниципалитета" in report.errors[0]
    assert _counts() == (0, 0, 0)


def test_reimporting_a_year_needs_an_explicit_replace(
    municipality: Municipality, files: dict[str, Path]
) -> None:
    data = files["risk"].read_bytes()
    assert services.import_file(municipality, "risk", data, filename="risk.csv", by=None).ok
    again = services.import_file(municipality, "risk", data, filename="risk.csv", by=None)
    assert not again.ok
    assert "уже загружены данные" in again.errors[0] and "подтвердите замену" in again.errors[0]
    assert RiskInput.objects.count() == 39
    replaced = services.import_file(municipality, "risk", data, filename="risk.csv", by=None, replace=True)
    assert replaced.ok and replaced.batch.replaced == 39
    assert RiskInput.objects.count() == 39
