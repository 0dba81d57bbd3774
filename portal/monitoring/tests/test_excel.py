"""Bulk entry through the Excel template: round trip, and a broken file that writes nothing."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from portal.monitoring import excel, services
from portal.monitoring.models import IndicatorValue, MonitoringPeriod, SchoolSubmission


def _fill(content: bytes, answers: dict[tuple[str, str, str], Any]) -> bytes:
    wb = load_workbook(io.BytesIO(content))
    ws = wb[excel.SHEET]
    for row in ws.iter_rows(min_row=2):
        key = (row[0].value, row[2].value, row[3].value or "")
        if key in answers:
            value = answers[key]
            if isinstance(value, tuple):
                row[6].value, row[7].value = value
            else:
                row[6].value = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_the_template_round_trips(period: MonitoringPeriod, world: dict[str, Any]) -> None:
    content = excel.template(period)
    ws = load_workbook(io.BytesIO(content))[excel.SHEET]
    assert [c.value for c in ws[1]] == excel.HEADERS
    keys = {(r[0], r[2], r[3]) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert ("S1", "3.4", "") in keys or ("S1", "3.4", None) in keys  # a target school: 3.4 is in its form
    assert not any(k[1] == "1.3" for k in keys)  # decided by the records (ШППКО, registry): never typed
    assert not any(k[1] == "7.1" for k in keys)  # computed from results
    assert not any(k[0] == "S2" and k[1] == "7.7" and k[2] == "soo" for k in keys)  # S2 is an ООШ: no СОО
    assert any(k[0] == "S1" and k[1] == "7.7" and k[2] == "soo" for k in keys)
    filled = _fill(
        content,
        {
            ("S1", "численность", "staff_total"): 40,
            ("S1", "3.4", ""): ("да", "https://s1.example.ru/deficits.pdf"),
            ("S1", "3.1", ""): 10,
            ("S2", "4.2", ""): "нет",
            ("S2", "7.7", "noo"): "97,5",
        },
    )
    assert excel.import_values(period, filled, filename="мониторинг.xlsx", by=None) == 5
    values = {
        (v.school.code, v.indicator.code, v.subitem): v
        for v in IndicatorValue.objects.select_related("school", "indicator")
    }
    assert values[("S1", "3.4", "")].links == ["https://s1.example.ru/deficits.pdf"]
    assert values[("S1", "3.1", "")].number == pytest.approx(25.0)  # 10 of 40
    assert values[("S2", "4.2", "")].bool_value is False
    assert values[("S2", "7.7", "noo")].number == pytest.approx(97.5)
    assert values[("S2", "7.7", "noo")].origin == "excel"
    # the new template carries the entered values back
    again = load_workbook(io.BytesIO(excel.template(period)))[excel.SHEET]
    rows = {(r[0], r[2], r[3] or ""): r for r in again.iter_rows(min_row=2, values_only=True)}
    assert rows[("S1", "3.4", "")][6] == "да"
    assert rows[("S1", "численность", "staff_total")][6] == 40


def test_a_broken_file_writes_nothing_and_names_every_error(period: MonitoringPeriod) -> None:
    filled = _fill(
        excel.template(period),
        {
            ("S1", "численность", "staff_total"): 40,
            ("S1", "3.1", ""): 10,  # fine on its own
            ("S1", "3.4", ""): "да",  # no link
            ("S2", "4.2", ""): "может быть",
        },
    )
    with pytest.raises(services.ValidationFailed) as err:
        excel.import_values(period, filled, filename="плохой.xlsx", by=None)
    errors = err.value.errors
    assert any(
        e.startswith("Файл «плохой.xlsx», лист «Значения», строка")
        and "столбец G" in e
        and "ожидается «да» или «нет», получено «может быть»" in e
        for e in errors
    )
    assert any(
        e.startswith("Файл «плохой.xlsx», лист «Значения», строка")
        and e.endswith("столбец G: Показатель 3.4: при ответе «да» нужна ссылка на документ.")
        for e in errors
    )
    assert not IndicatorValue.objects.exists()
    assert SchoolSubmission.objects.get(period=period, school__code="S1").staff_total is None


def test_a_wrong_file_and_a_closed_period_are_refused(period: MonitoringPeriod) -> None:
    with pytest.raises(services.ValidationFailed, match="не удалось прочитать как книгу Excel"):
        excel.import_values(period, b"not a workbook", filename="x.xlsx", by=None)
    services.close_period(period, by=None)
    with pytest.raises(services.PeriodLocked):
        excel.import_values(period, excel.template(period), filename="x.xlsx", by=None)


def test_the_upload_page_lists_the_errors(
    client: Client, period: MonitoringPeriod, user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("coordinator", "M"))
    filled = _fill(excel.template(period), {("S2", "4.2", ""): "может быть"})
    response = client.post(
        reverse("monitoring:upload", args=[period.pk]), {"file": SimpleUploadedFile("f.xlsx", filled)}
    )
    page = response.content.decode()
    assert "Файл не принят: ошибок 1" in page
    ok = _fill(excel.template(period), {("S2", "4.2", ""): "да"})
    response = client.post(
        reverse("monitoring:upload", args=[period.pk]), {"file": SimpleUploadedFile("f.xlsx", ok)}
    )
    assert response.status_code == 302
    assert IndicatorValue.objects.get(indicator__code="4.2").bool_value is True
