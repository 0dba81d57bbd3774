"""Services: computed values on a hand-worked case, the monitoring feed, risk inputs, practices."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from portal.audit.models import AuditEntry
from portal.monitoring import derive
from portal.monitoring import services as monitoring
from portal.monitoring.excel import slots_for_school
from portal.monitoring.models import IndicatorValue, MonitoringPeriod, SchoolSubmission
from portal.monitoring.values import Slot
from portal.results.models import ImportBatch, RiskInput
from portal.staff import services
from portal.staff.models import BestPractice, Course, Partnership


def _by_key(values: list[Any], school: int) -> dict[str, Any]:
    return {v.key: v for v in values if v.school == school}


def test_it_computes_the_school_values_from_the_records(staff: dict[str, Any]) -> None:
    v = _by_key(services.compute(staff["M"], 2024), staff["S1"].pk)
    # three teachers; T1 diagnosed → 1 of 3 = 33.3 %; T1 КК ИПК → 33.3 %; support visit → да; no partnership
    assert (v["3.1|"].numerator, v["3.1|"].denominator, v["3.1|"].number) == (1, 3, 33.3)
    assert v["3.5|kk_ipk"].number == 33.3 and v["3.5|cos_dpo_own"].number == 0.0
    assert v["3.8|support_visits"].flag is True and v["3.8|kmc"].flag is False
    assert v["5.1|"].flag is False
    # S2 keeps no records: no values at all
    assert _by_key(services.compute(staff["M"], 2024), staff["S2"].pk) == {}


def _value(period: MonitoringPeriod, school: Any, code: str, subitem: str = "") -> IndicatorValue:
    return IndicatorValue.objects.get(period=period, school=school, indicator__code=code, subitem=subitem)


def test_it_feeds_the_open_period_with_origin_records(
    staff: dict[str, Any], period: MonitoringPeriod
) -> None:
    revision = period.revision
    report = services.feed_monitoring(period, by=None)
    assert report.written > 0
    v = _value(period, staff["S1"], "3.1")
    assert (v.origin, v.numerator, v.number) == ("records", 1.0, 33.3)
    assert "1 из 3" in v.text
    assert _value(period, staff["S1"], "3.8", "support_visits").bool_value is True
    period.refresh_from_db()
    assert period.revision > revision
    assert AuditEntry.objects.filter(action="staff.monitoring.fed").count() == 1
    # a second run with nothing changed writes nothing
    assert services.feed_monitoring(period, by=None).written == 0


def test_it_replaces_a_typed_value_and_the_form_then_shows_the_slot_read_only(
    staff: dict[str, Any], period: MonitoringPeriod
) -> None:
    sub = SchoolSubmission.objects.get(period=period, school=staff["S1"])
    slot = Slot(period.indicator_set.indicators.get(code="3.1"), "", "school")
    monitoring.save_school_values(sub, {slot.key: {"numerator": 2}}, [slot], by=None, staff_total=3)
    data = derive.load(period)
    assert "3.1|" in {s.key for s in slots_for_school(period, data.indicators, staff["S1"].pk, data)}
    report = services.feed_monitoring(period, by=None)
    assert report.replaced_typed == 1
    assert _value(period, staff["S1"], "3.1").numerator == 1.0
    entry = AuditEntry.objects.get(action="staff.monitoring.typed_value_replaced")
    assert entry.before["numerator"] == 2.0 and entry.before["origin"] == "form"
    data = derive.load(period)
    keys = {s.key for s in slots_for_school(period, data.indicators, staff["S1"].pk, data)}
    assert "3.1|" not in keys and "3.8|support_visits" not in keys
    assert "3.4|" in keys  # typed slots stay in the form (1.3 is decided by records: ШППКО, registry)


def test_it_removes_values_whose_records_are_gone(staff: dict[str, Any], period: MonitoringPeriod) -> None:
    services.feed_monitoring(period, by=None)
    staff["S1"].support_visits.all().delete()  # no support records for 2024 any more: 3.8 is not computed
    report = services.feed_monitoring(period, by=None)
    assert report.removed == 4
    assert not IndicatorValue.objects.filter(period=period, indicator__code="3.8").exists()


def test_it_refuses_a_closed_period(staff: dict[str, Any], period: MonitoringPeriod) -> None:
    monitoring.close_period(period, by=None)
    period.refresh_from_db()
    with pytest.raises(monitoring.PeriodLocked):
        services.feed_monitoring(period, by=None)
    assert not IndicatorValue.objects.filter(period=period, origin="records").exists()


def test_the_records_change_the_municipal_value_once_the_form_is_submitted(
    staff: dict[str, Any], period: MonitoringPeriod
) -> None:
    services.feed_monitoring(period, by=None)
    sub = SchoolSubmission.objects.get(period=period, school=staff["S1"])
    monitoring.save_school_values(sub, {}, [], by=None, staff_total=3)
    monitoring.submit(sub, by=None)
    period.refresh_from_db()
    data = derive.load(period)
    row = derive.derive_row(data, period.indicator_set.indicators.get(code="3.1"), "")
    assert row.value == pytest.approx(100 / 3, abs=0.1)


# --------------------------------------------------------------------------------------------- risk inputs


def test_it_derives_risk_inputs_and_records_the_source(staff: dict[str, Any]) -> None:
    report = services.derive_risk_inputs(staff["M"], 2024, by=None)
    assert report.created == 1  # S1 only: S2 has no teachers (S3 is in another municipality)
    row = RiskInput.objects.get(school=staff["S1"], year=2024)
    # first/highest: T1, T2 of 3 = 66.7 %; trained 2022–2024: T1 of 3 = 33.3 %
    assert (row.share_category_first_highest, row.share_trained_3y) == (66.7, 33.3)
    assert row.batch.layout == services.RISK_LAYOUT and row.batch.kind == ImportBatch.Kind.RISK


def test_it_keeps_a_value_imported_from_a_file_unless_asked(staff: dict[str, Any]) -> None:
    batch = ImportBatch.objects.create(
        municipality=staff["M"],
        kind="risk",
        filename="risk.xlsx",
        sha256="x",
        status="imported",
        years=[2024],
    )
    RiskInput.objects.create(school=staff["S1"], batch=batch, year=2024, share_category_first_highest=80.0)
    report = services.derive_risk_inputs(staff["M"], 2024, by=None)
    row = RiskInput.objects.get(school=staff["S1"], year=2024)
    assert row.share_category_first_highest == 80.0  # from the file: kept
    assert row.share_trained_3y == 33.3  # empty in the file: filled
    assert (report.updated, report.kept_from_file) == (1, 1)
    services.derive_risk_inputs(staff["M"], 2024, by=None, overwrite=True)
    row.refresh_from_db()
    assert row.share_category_first_highest == 66.7


def test_it_refuses_a_year_without_teachers(staff: dict[str, Any]) -> None:
    staff["T1"].hired_year = staff["T2"].hired_year = staff["T3"].hired_year = 2030
    for t in (staff["T1"], staff["T2"], staff["T3"]):
        t.save()
    with pytest.raises(services.StaffError, match="нет ни одного педагога"):
        services.derive_risk_inputs(staff["M"], 2024, by=None)


# --------------------------------------------------------------------------------------------- practices


def test_a_practice_goes_submitted_approved_published(staff: dict[str, Any]) -> None:
    p = BestPractice.objects.create(
        school=staff["S1"], title="Практика", authors="Иванова И. И.", description="…"
    )
    with pytest.raises(services.StaffError, match="комментарий обязателен"):
        services.review_practice(p, status="returned", comment=" ", for_atlas=False, by=None)
    with pytest.raises(services.StaffError):
        services.review_practice(p, status="published", comment="", for_atlas=False, by=None)
    services.review_practice(p, status="approved", comment="", for_atlas=True, by=None)
    services.review_practice(p, status="published", comment="", for_atlas=True, by=None)
    assert p.status == "published" and p.for_atlas
    assert AuditEntry.objects.filter(action="staff.practice.reviewed").count() == 2


def test_published_practices_carry_no_teacher_names_beyond_the_authors(staff: dict[str, Any]) -> None:
    BestPractice.objects.create(
        school=staff["S1"],
        title="Опубликованная",
        authors="Авторский коллектив СОШ № 1",
        description="Описание",
        status="published",
    )
    BestPractice.objects.create(school=staff["S1"], title="Черновик", authors="Кто-то", description="…")
    items = services.published_practices(staff["M"])
    assert [i["title"] for i in items] == ["Опубликованная"]
    text = repr(items)
    for t in ("T1", "T2", "T3"):
        assert staff[t].name not in text
    assert set(items[0]) == {*services.PUBLIC_PRACTICE_FIELDS, "school"}


def test_save_object_reports_invalid_fields_in_russian(staff: dict[str, Any]) -> None:
    bad = Course(teacher=staff["T1"], title="", hours=10, registry="kk_ipk", year=2024)
    with pytest.raises(services.StaffError):
        services.save_object(bad, by=None, action="staff.course")
    ok = services.save_object(
        Partnership(
            municipality=staff["M"],
            school=staff["S1"],
            partner="ДК",
            kind="cultural",
            starts_on=datetime.date(2024, 1, 1),
        ),
        by=None,
        action="staff.partnership",
    )
    assert AuditEntry.objects.filter(action="staff.partnership.created", object_id=str(ok.pk)).exists()
    assert _by_key(services.compute(staff["M"], 2024), staff["S1"].pk)["5.1|"].flag is True
