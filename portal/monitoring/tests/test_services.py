"""Monitoring services end to end: catalogue sync, derivations on a hand-worked case, validation, locking."""

from __future__ import annotations

import re
from typing import Any

import pytest

from opora.indicator_catalogue import builtin_sets
from portal.audit.models import AuditEntry
from portal.monitoring import derive, services
from portal.monitoring.models import (
    Indicator,
    IndicatorSet,
    IndicatorValue,
    MonitoringPeriod,
    SchoolSubmission,
)
from portal.monitoring.tests.conftest import program, registry_document, slot, submission
from portal.results.models import AssessmentResult, ImportBatch


def test_sync_creates_every_indicator_with_its_types(sets: dict[str, IndicatorSet]) -> None:
    for code, loaded in builtin_sets().items():
        rows = {i.code: i for i in Indicator.objects.filter(indicator_set__code=code)}
        assert list(rows) == loaded.ids()  # same ids, same (source) order
        for ind in loaded.indicators:
            row = rows[ind.id]
            assert (row.municipal_type or None, row.school_type or None) == (
                ind.municipal_type,
                ind.school_type,
            )
            assert (row.derivation or None) == ind.derivation
            assert [s["code"] for s in row.subitems] == [s.code for s in ind.subitems]
    assert Indicator.objects.filter(indicator_set__code="order_2023_41").count() == 30
    assert Indicator.objects.filter(indicator_set__code="program_2020").count() == 18


def test_sync_is_idempotent(sets: dict[str, IndicatorSet]) -> None:
    entries = AuditEntry.objects.count()
    services.sync_builtin_sets(by=None)
    assert AuditEntry.objects.count() == entries
    assert IndicatorSet.objects.count() == 2


NEW_SET = """
set: {code: order_2025_7, title: "Новый приказ", source: "Приказ УО № 7"}
indicators:
  - id: "1"
    direction: 1
    municipal_wording: "Доля школ с программой"
    municipal_type: pct
    school_wording: "Наличие программы"
    school_type: bool_links
    derivation: share_of_schools_yes
    target_group: all_schools
    source_lines: ["1-2"]
    targets:
      2025: {op: ">=", value: 80, unit: "%", target_source: "приказ № 7, п. 1"}
"""


def test_a_new_set_loads_without_code_and_a_broken_one_is_refused(db: Any) -> None:
    obj = services.load_indicator_set_text(NEW_SET, by=None, name="order_2025_7.yaml")
    ind = obj.indicators.get()
    assert (ind.code, ind.school_type, ind.derivation) == ("1", "bool_links", "share_of_schools_yes")
    assert ind.target_for("", 2025) is not None
    with pytest.raises(
        services.MonitoringError, match=re.escape("order_2025_7.yaml: показатель «1», поле «derivation»")
    ):
        services.load_indicator_set_text(
            NEW_SET.replace("share_of_schools_yes", "average"), by=None, name="order_2025_7.yaml"
        )


def test_an_indicator_with_values_cannot_disappear(world: dict[str, Any], db: Any) -> None:
    obj = services.load_indicator_set_text(NEW_SET, by=None, name="a.yaml")
    p = services.open_period(world["M"], obj, 2025, by=None)
    sub = submission(p, world["S1"])
    services.save_school_values(sub, {"1|": {"bool_value": False}}, [slot(p, "1")], by=None)
    second = NEW_SET.replace('id: "1"', 'id: "2"')
    with pytest.raises(services.MonitoringError, match="уже введены значения"):
        services.load_indicator_set_text(second, by=None, name="a.yaml")
    assert list(obj.indicators.values_list("code", flat=True)) == ["1"]


def _fill_hand_worked_case(period: MonitoringPeriod, world: dict[str, Any]) -> None:
    """S1 (ШНОР): 40 staff; S2 (зона риска): 10 staff. Values chosen so every derivation is checkable by hand.

    1.3 and 5.4 are not typed: S1 has an approved ШППКО and an approved failure-prevention program in the
    Конструктор, S2 its failure-prevention program in the registry (the records decide them).
    """
    s1, s2 = submission(period, world["S1"]), submission(period, world["S2"])
    program(world["S1"])
    program(world["S1"], "failure_prevention")
    registry_document(world["M"], world["S2"], ("5.4",), kind="failure_prevention_program")
    s1_values = {
        "3.1|": {"numerator": 10},
        "3.7|teachers": {"number": 4},
        "3.7|heads": {"number": 1},
        "3.7|leadership_teams": {"number": 1},
        "3.8|kmc": {"bool_value": True},
        "5.3|teachers": {"number": 3},
        "7.7|noo": {"number": 100},
    }
    s2_values = {
        "3.1|": {"numerator": 9},
        "3.7|teachers": {"number": 2},
        "3.7|heads": {"number": 1},
        "3.7|leadership_teams": {"number": 1},
        "3.8|kmc": {"bool_value": False},
        "5.3|teachers": {"number": 0},
        "7.7|noo": {"number": 95},
    }
    for sub, values, staff in ((s1, s1_values, 40), (s2, s2_values, 10)):
        slots = [slot(period, *key.split("|")) for key in values]
        services.save_school_values(sub, values, slots, by=None, staff_total=staff, students_total=300)


def _row(period: MonitoringPeriod, code: str, subitem: str = "", category: str = "") -> derive.Row:
    data = derive.load(period)
    ind = next(i for i in data.indicators if i.code == code)
    return derive.derive_row(data, ind, subitem, category)


def test_municipal_values_are_derived_from_submitted_school_values(
    period: MonitoringPeriod, world: dict[str, Any]
) -> None:
    _fill_hand_worked_case(period, world)
    # Drafts do not count yet.
    assert _row(period, "3.1").value is None
    for school in ("S1", "S2"):
        services.submit(submission(period, world[school]), by=None)

    # 1.3 counts ШНОР only: S1's approved ШППКО → «да» → 1 of 1 = 100 %
    assert _row(period, "1.3").value == pytest.approx(100.0)
    # 3.1 share of teachers: (10 + 9) / (40 + 10) = 19 / 50 = 38 % → bucket «31 – 50%»
    r31 = _row(period, "3.1")
    assert r31.value == pytest.approx(38.0)
    assert r31.derived is not None and r31.derived.bucket == "31_50"
    assert "19 из 50" in r31.derived.explanation_ru
    # 3.7: people only (teams are not people): (4 + 1 + 2 + 1) / (40 + 10) = 8 / 50 = 16 %
    assert _row(period, "3.7").value == pytest.approx(16.0)
    # 3.8 КМЦ: S1 да, S2 нет → 1 / 2 = 50 % over ШНРО and at risk; the 2024 target «не менее 50% ШНРО»
    # (002:362-364) counts ШНРО only: S1 → 1 / 1 = 100 % → met
    kmc = _row(period, "3.8", "kmc")
    assert kmc.value == pytest.approx(50.0)
    (check,) = kmc.checks
    assert (check.base, check.value, check.status) == ("shnor", pytest.approx(100.0), "met")
    assert kmc.status == "met"
    assert kmc.target_display == "не менее 50 % — ШНРО (Приложение 1 к приказу № 41)"
    # … with only ШНОР counted (category filter): S1 → 100 %
    assert _row(period, "3.8", "kmc", "shnor").value == pytest.approx(100.0)
    # 5.3 teachers: counts > 0 are «да»: S1 3, S2 0 → 1 / 2 = 50 %
    assert _row(period, "5.3", "teachers").value == pytest.approx(50.0)
    # 5.4 all schools of M (S1, S2): S1 from its approved program, S2 from the registry → both «да» → 100 %
    assert _row(period, "5.4").value == pytest.approx(100.0)
    # 7.7 НОО: S1 100 % → «100%», S2 95 % → «90-99%»: 50 % / 50 %
    noo = _row(period, "7.7", "noo")
    assert noo.derived is not None
    assert noo.derived.distribution == {"lt90": 0.0, "90_99": 50.0, "100": 50.0}
    # 5.1 has a 2024 target (≥ 50 %) but no values → no data
    assert _row(period, "5.1").status == "no_data"


def test_a_yes_without_the_required_link_is_refused_naming_the_indicator(
    period: MonitoringPeriod, world: dict[str, Any]
) -> None:
    sub = submission(period, world["S1"])
    with pytest.raises(services.ValidationFailed) as err:
        services.save_school_values(
            sub,
            {"3.4|": {"bool_value": True}, "3.1|": {"numerator": 50}},
            [slot(period, "3.4"), slot(period, "3.1")],
            by=None,
            staff_total=40,
        )
    assert err.value.errors == [
        "Показатель 3.4: при ответе «да» нужна ссылка на документ.",
        "Показатель 3.1: 50 больше, чем всего в школе (40).",
    ]
    assert not IndicatorValue.objects.filter(period=period).exists()  # nothing written


def test_a_closed_period_rejects_every_write(period: MonitoringPeriod, world: dict[str, Any]) -> None:
    sub = submission(period, world["S1"])
    closed = services.close_period(period, by=None)
    message = "Период мониторинга 2024 г. закрыт координатором: изменения не принимаются."
    with pytest.raises(services.PeriodLocked, match=message):
        services.save_school_values(sub, {"4.2|": {"bool_value": True}}, [slot(closed, "4.2")], by=None)
    with pytest.raises(services.PeriodLocked):
        services.submit(sub, by=None)
    with pytest.raises(services.PeriodLocked):
        services.save_municipal_values(
            closed, {"6.4|": {"bool_value": False}}, [slot(closed, "6.4", "", "municipal")], by=None
        )
    with pytest.raises(services.PeriodLocked):
        services.close_period(closed, by=None)
    # nothing typed; only the answers the records gave at closing were written down
    assert not IndicatorValue.objects.filter(period=period).exclude(origin="system").exists()


def test_closing_freezes_the_municipal_values(period: MonitoringPeriod, world: dict[str, Any]) -> None:
    _fill_hand_worked_case(period, world)
    services.submit(submission(period, world["S1"]), by=None)
    services.submit(submission(period, world["S2"]), by=None)
    closed = services.close_period(period, by=None)
    assert closed.frozen["|3.1|"]["value"] == pytest.approx(38.0)
    assert closed.frozen["shnor|3.8|kmc"]["value"] == pytest.approx(100.0)
    assert AuditEntry.objects.filter(action="monitoring.period.closed").count() == 1


def test_a_submitted_form_is_locked_for_the_school_until_returned(
    period: MonitoringPeriod, world: dict[str, Any]
) -> None:
    sub = submission(period, world["S1"])
    services.submit(sub, by=None)
    with pytest.raises(services.MonitoringError, match="после возврата на доработку"):
        services.save_school_values(sub, {"4.2|": {"bool_value": True}}, [slot(period, "4.2")], by=None)
    with pytest.raises(services.MonitoringError, match="комментарий обязателен"):
        services.review(sub, accept=False, by=None)
    returned = services.review(sub, accept=False, comment="Нет ссылки", by=None)
    assert returned.status == SchoolSubmission.Status.RETURNED
    services.save_school_values(returned, {"4.2|": {"bool_value": True}}, [slot(period, "4.2")], by=None)
    services.submit(returned, by=None)
    assert services.review(returned, accept=True, by=None).status == SchoolSubmission.Status.ACCEPTED


def test_only_manual_indicators_take_municipal_values(period: MonitoringPeriod) -> None:
    n = services.save_municipal_values(
        period, {"6.4|": {"bool_value": True}}, [slot(period, "6.4", "", "municipal")], by=None
    )
    assert n == 1
    row = _row(period, "6.4")
    assert (row.value, row.display) == (True, "да")
    # 1.2 is decided by the registry: typing it is refused, naming where the answer comes from
    with pytest.raises(services.ValidationFailed, match=r"1\.2: ответ выводится из записей системы"):
        services.save_municipal_values(
            period,
            {"1.2|": {"bool_value": True, "links": ["https://uo.example.ru/order.pdf"]}},
            [slot(period, "1.2", "", "municipal")],
            by=None,
        )
    with pytest.raises(services.MonitoringError, match="рассчитывается из школьных значений"):
        services.save_municipal_values(
            period, {"3.1|": {"number": 40}}, [slot(period, "3.1", "", "municipal")], by=None
        )


def test_dynamics_come_from_the_stored_results(period: MonitoringPeriod, world: dict[str, Any]) -> None:
    batch = ImportBatch.objects.create(
        municipality=world["M"], kind="results", filename="r.xlsx", sha256="0" * 64, status="imported"
    )
    for year, pct in ((2023, 60.0), (2024, 63.0)):  # S1 ОГЭ русский: +3 п.п. ≥ 2 → positive
        AssessmentResult.objects.create(
            school=world["S1"],
            batch=batch,
            procedure="oge",
            subject="ru",
            grade=9,
            grade_program=9,
            year=year,
            n=20,
            mean_pct=pct,
        )
    for year, pct in ((2023, 60.0), (2024, 61.0)):  # S2: +1 п.п. < 2 → not positive
        AssessmentResult.objects.create(
            school=world["S2"],
            batch=batch,
            procedure="oge",
            subject="ru",
            grade=9,
            grade_program=9,
            year=year,
            n=20,
            mean_pct=pct,
        )
    assert services.refresh_computed(period, by=None) == 2
    value = IndicatorValue.objects.get(
        period=period, school=world["S1"], indicator__code="7.1", subitem="russian"
    )
    assert value.bool_value is True and "+3,0 п.п." in value.text
    # Computed values count without a submitted form: 1 of 2 target schools = 50 % → «более 30%»
    row = _row(period, "7.1", "russian")
    assert row.value == pytest.approx(50.0)
    assert row.derived is not None and row.derived.bucket == "gt30"


def test_risk_factor_shares_of_2_2_come_from_the_schools_risk_data(
    period: MonitoringPeriod, world: dict[str, Any]
) -> None:
    from portal.results.models import RiskInput

    batch = ImportBatch.objects.create(
        municipality=world["M"], kind="risk", filename="risk.xlsx", sha256="1" * 64, status="imported"
    )
    # S1: 2 vacancies, 100 Мбит/с, 80 % categories; S2: none, 20 Мбит/с, categories unknown.
    # S3 (another municipality) has a vacancy and must not count.
    for school, vacancies, mbps, categories in (
        ("S1", 2, 100.0, 80.0),
        ("S2", 0, 20.0, None),
        ("S3", 5, 1.0, 1.0),
    ):
        RiskInput.objects.create(
            school=world[school],
            batch=batch,
            year=2024,
            staff_vacancies=vacancies,
            internet_mbps=mbps,
            share_category_first_highest=categories,
        )
    # 3 flags known for S1 and 2 for S2 (categories unknown); trained and equipment unknown for both
    assert services.refresh_computed(period, by=None) == 5
    flag = IndicatorValue.objects.get(
        period=period, school=world["S2"], indicator__code="2.2", subitem="internet_slow"
    )
    assert flag.bool_value is True and flag.text.endswith("(порог: менее 50 Мбит/с) — фактор выявлен.")
    # Thresholds of SEED-B Прил. 1 (002:95-107): vacancies > 0 → S1 only: 1 of 2 schools = 50 %
    assert _row(period, "2.2", "staff_vacancies").value == pytest.approx(50.0)
    # Internet < 50 Мбит/с → S2 only: 1 of 2 = 50 %
    assert _row(period, "2.2", "internet_slow").value == pytest.approx(50.0)
    # categories < 70 %: S1 has 80 % (no), S2 unknown (left out) → 0 of 1 = 0 %
    row = _row(period, "2.2", "low_categories")
    assert row.value == pytest.approx(0.0)
    assert row.derived is not None and "с выявленным фактором риска: 0 из 1" in row.derived.explanation_ru
    # no data at all for training → no value
    assert _row(period, "2.2", "low_training").value is None


def test_open_period_takes_targets_from_the_published_identification(
    world: dict[str, Any], sets: dict[str, IndicatorSet]
) -> None:
    from portal.identification.models import IdentificationRun, SchoolOutcome

    run = IdentificationRun.objects.create(
        municipality=world["M"],
        year=2023,
        status="published",
        config={},
        fit_description="тест",
        data_version="x",
    )
    SchoolOutcome.objects.create(run=run, school=world["S1"], categories=["low_results", "adverse_context"])
    SchoolOutcome.objects.create(run=run, school=world["S2"], categories=["resilient"])
    p = services.open_period(world["M"], sets["order_2023_41"], 2024, by=None)
    rows = list(p.target_schools.values_list("school_id", "is_shnor", "is_at_risk", "source"))
    assert rows == [(world["S1"].pk, True, False, "identification")]
    assert f"№ {run.pk} за 2023 г." in p.targets_source
    assert SchoolSubmission.objects.filter(period=p).count() == 2  # every school of M gets a form
    with pytest.raises(services.MonitoringError, match="уже есть"):
        services.open_period(world["M"], sets["order_2023_41"], 2024, by=None)


def test_a_committed_write_derives_the_dashboard_values_for_the_next_reader(
    period: MonitoringPeriod,
    world: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
    django_assert_num_queries: Any,
) -> None:
    sub = submission(period, world["S1"])
    services.save_school_values(sub, {"4.2|": {"bool_value": True}}, [slot(period, "4.2")], by=None)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.submit(sub, by=None)
    assert callbacks  # the write scheduled the derivation for after its commit
    period = MonitoringPeriod.objects.select_related("municipality", "indicator_set").get(pk=period.pk)
    # The reader finds the new revision's rows in the cache: it reads no value, only the records that decide
    # answers in an open period (programs, registry, public page, risk data) for the cache key.
    with django_assert_num_queries(4):
        rows, _summary = derive.cached_rows(period)
    # 4.2 over all schools with a submitted form: S1 answered «да» → 1 of 1 = 100 %
    assert next(r for r in rows if r.indicator.code == "4.2").value == 100.0
