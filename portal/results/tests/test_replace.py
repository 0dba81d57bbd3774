"""Replacing data replaces only the schools in the file, after a preview (issue #17); two simultaneous imports
of the same slice run one after the other, never a 500 (issue #19, item 3)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection

from portal.results import services, writing
from portal.results.models import AssessmentResult, ImportBatch, RiskInput

HEADER = "Код ОО,Процедура,Предмет,Класс,Год,Участников,Средний % выполнения\n"


def _csv(*rows: str) -> bytes:
    return (HEADER + "".join(r + "\n" for r in rows)).encode()


BOTH = _csv(
    "S1,ВПР,Русский язык,5,2023,20,55", "S1,ВПР,Математика,5,2023,20,50", "S2,ВПР,Русский язык,5,2023,15,60"
)


def test_a_file_of_one_school_replaces_only_that_schools_rows(world: dict[str, Any]) -> None:
    m = world["M"]
    assert services.import_file(m, "results", BOTH, filename="both.csv", by=None).ok
    only_s1 = _csv("S1,ВПР,Русский язык,5,2023,20,57", "S1,ВПР,Математика,5,2023,20,50")
    asked = services.import_file(m, "results", only_s1, filename="s1.csv", by=None, confirm=True)
    assert asked.needs_confirmation and asked.batch is None
    plan = asked.preview
    assert plan is not None and (plan.added, plan.replaced, plan.unchanged, plan.removed, plan.schools) == (
        0,
        1,
        1,
        0,
        1,
    )
    assert "Данные других школ не меняются." in plan.impact()
    assert "Заменяются (значения изменились): 1 строка." in plan.impact()
    assert ImportBatch.objects.count() == 1  # asking wrote nothing
    done = services.import_file(
        m, "results", only_s1, filename="s1.csv", by=None, replace=True, expected=plan.fingerprint
    )
    assert done.ok and done.batch is not None and done.batch.replaced == 2
    assert AssessmentResult.objects.get(school=world["S2"]).mean_pct == 60  # untouched
    assert AssessmentResult.objects.get(school=world["S1"], subject="rus").mean_pct == 57


def test_a_confirmation_made_on_an_old_preview_is_refused_with_a_record(world: dict[str, Any]) -> None:
    m = world["M"]
    assert services.import_file(m, "results", BOTH, filename="both.csv", by=None).ok
    asked = services.import_file(m, "results", BOTH, filename="again.csv", by=None, confirm=True)
    assert asked.preview is not None and asked.preview.unchanged == 3
    # Another coordinator replaces the same rows meanwhile.
    assert services.import_file(m, "results", BOTH, filename="other.csv", by=None, replace=True).ok
    late = services.import_file(
        m, "results", BOTH, filename="again.csv", by=None, replace=True, expected=asked.preview.fingerprint
    )
    assert not late.ok and late.batch is not None and late.batch.status == ImportBatch.Status.REJECTED
    assert "изменила другая загрузка" in late.errors[0] and "ВПР 2023" in late.errors[0]


def test_risk_and_context_replacements_are_scoped_to_the_files_schools_too(world: dict[str, Any]) -> None:
    m = world["M"]
    risk = "Код ОО,Год,Вакансии\nS1,2023,1\nS2,2023,2\n".encode()
    assert services.import_file(m, "risk", risk, filename="r.csv", by=None).ok
    one = "Код ОО,Год,Вакансии\nS1,2023,3\n".encode()
    assert services.import_file(m, "risk", one, filename="r1.csv", by=None, replace=True).ok
    assert dict(RiskInput.objects.values_list("school__code", "staff_vacancies")) == {"S1": 3, "S2": 2}


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_replacing_imports_run_one_after_the_other(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "the race needs two real connections: PostgreSQL (SQLite writes one transaction at a time)"
        )
    m = world["M"]
    insert = writing.insert

    def slow_insert(*args: Any, **kwargs: Any) -> None:
        time.sleep(0.4)  # both transactions are open at once: without the lock both insert the same keys
        insert(*args, **kwargs)

    monkeypatch.setattr(writing, "insert", slow_insert)
    start = threading.Barrier(2)
    reports: list[Any] = []
    failures: list[BaseException] = []

    def run(name: str) -> None:
        try:
            start.wait()
            reports.append(services.import_file(m, "results", BOTH, filename=name, by=None, replace=True))
        except BaseException as error:  # the UniqueViolation of today's code
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(f"{i}.csv",)) for i in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert failures == []
    assert len(reports) == 2 and all(r.ok for r in reports)
    assert sorted(r.batch.replaced for r in reports) == [0, 3]  # the second replaced the first's rows
    assert AssessmentResult.objects.count() == 3
