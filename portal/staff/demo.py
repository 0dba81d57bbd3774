"""Demo staff records for «г. Минусинск (демо)»: 10–25 pseudonymous teachers per school, 2023 and 2024.

Every teacher is «Педагог N (демо)» — never a realistic name. Records come from a seeded generator (the same on
every load). Computed values are then written into the open 2024 monitoring period, if there is one.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from typing import Any

from django.db import transaction

from opora.plural import PEDAGOG, count
from portal.audit.services import record
from portal.schools.models import Municipality, School
from portal.staff import services
from portal.staff.models import (
    BestPractice,
    Course,
    DevelopmentRoute,
    Diagnostic,
    EventParticipation,
    Partnership,
    PracticeParticipation,
    SupportVisit,
    Teacher,
    TrainingSite,
)

SEED = 6061
YEARS = (2023, 2024)
SUBJECTS = [
    "математика",
    "русский язык",
    "литература",
    "физика",
    "химия",
    "биология",
    "история",
    "английский язык",
    "начальные классы",
    "информатика",
    "география",
    "физкультура",
]


def _date(rng: random.Random, year: int) -> datetime.date:
    return datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))


def _school(school: School, rng: random.Random, start: int) -> int:
    n = rng.randint(10, 25)
    quality = rng.uniform(0.3, 0.85)
    teachers = Teacher.objects.bulk_create(
        [
            Teacher(
                school=school,
                name=f"Педагог {start + i} (демо)",
                subjects=", ".join(rng.sample(SUBJECTS, rng.randint(1, 2))),
                category=rng.choices(
                    ["none", "first", "highest"], [1 - quality, quality * 0.6, quality * 0.4]
                )[0],
                is_leadership=i < 3,
                hired_year=rng.choice([None, None, 2015, 2020, 2024]),
            )
            for i in range(n)
        ]
    )
    diags, routes, courses, practices, events = [], [], [], [], []
    for t in teachers:
        for year in YEARS:
            if t.hired_year and t.hired_year > year:
                continue
            if rng.random() < quality:
                diags.append(
                    Diagnostic(
                        teacher=t,
                        date=_date(rng, year),
                        kind=rng.choice(["diagnostic", "self"]),
                        result=rng.choice(["базовый уровень", "повышенный уровень", "дефициты выявлены"]),
                        deficits=rng.choice(["", "формирующее оценивание", "работа с детьми с ОВЗ"]),
                    )
                )
                if rng.random() < 0.8:
                    routes.append(
                        DevelopmentRoute(
                            teacher=t, year=year, formed_on=_date(rng, year), implemented=rng.random() < 0.6
                        )
                    )
            if rng.random() < quality * 0.7:
                registry = rng.choices(["kk_ipk", "cos_dpo_own", "cos_dpo_other", "other"], [5, 3, 1, 1])[0]
                courses.append(
                    Course(
                        teacher=t,
                        title=rng.choice(
                            [
                                "Формирующее оценивание",
                                "Функциональная грамотность",
                                "Обновлённые ФГОС",
                                "Работа с детьми-инофонами",
                            ]
                        ),
                        hours=rng.choice([16, 36, 72]),
                        registry=registry,
                        year=year,
                    )
                )
            if rng.random() < quality * 0.5:
                practices.append(
                    PracticeParticipation(
                        teacher=t, year=year, kind=rng.choice(["horizontal", "mentoring", "supervision"])
                    )
                )
            if rng.random() < quality * 0.4:
                events.append(
                    EventParticipation(
                        teacher=t,
                        title=rng.choice(
                            ["Краевой форум (демо)", "Летняя школа (демо)", "Межмуниципальный семинар (демо)"]
                        ),
                        kind=rng.choice(["forum", "summer_school", "seminar"]),
                        level=rng.choice(["regional", "regional", "intermunicipal"]),
                        date=_date(rng, year),
                        as_team=t.is_leadership,
                    )
                )
    for model, rows in (
        (Diagnostic, diags),
        (DevelopmentRoute, routes),
        (Course, courses),
        (PracticeParticipation, practices),
        (EventParticipation, events),
    ):
        model.objects.bulk_create(rows)  # type: ignore[attr-defined]
    for year in YEARS:
        if rng.random() < 0.7:
            SupportVisit.objects.create(
                school=school,
                date=_date(rng, year),
                kind=rng.choice(["methodical_visit", "management_visit", "kmc", "supervision"]),
                team="Методисты МКУ «Центр образования» (демо)",
                recommendations="Спланировать взаимопосещение уроков (демо).",
            )
    if rng.random() < 0.6:
        Partnership.objects.create(
            municipality=school.municipality,
            school=school,
            partner="Дом культуры (демо)",
            kind=rng.choice(["cultural", "sports", "leader_school", "further_education"]),
            starts_on=datetime.date(2023, 9, 1),
            document_url="https://example.ru/demo-dogovor.pdf",
        )
    record(school, "staff.demo.loaded", by=None, data={"teachers": n, "courses": len(courses)})
    return n


def load_staff_demo(municipality: Municipality, write: Callable[[str], Any] = print) -> None:
    """Teachers, records, support, partnerships and two practices for the demo; then feed the 2024 period."""
    if Teacher.objects.filter(school__municipality=municipality).exists():
        write("Педагоги (демо): уже загружены.")
    else:
        rng = random.Random(SEED)
        with transaction.atomic():
            start = 1
            for school in School.objects.in_municipality(municipality):
                start += _school(school, rng, start)
            first = School.objects.in_municipality(municipality).first()
            last = School.objects.in_municipality(municipality).last()
            if first and last:
                BestPractice.objects.create(
                    school=last,
                    title="Читательские марафоны (демо)",
                    authors="Педагог 1 (демо)",
                    description="Демо-описание практики.",
                    status=BestPractice.Status.PUBLISHED,
                    for_atlas=True,
                )
                BestPractice.objects.create(
                    school=first,
                    title="Наставничество для молодых педагогов (демо)",
                    authors="Педагог 2 (демо)",
                    description="Демо-описание практики.",
                )
                TrainingSite.objects.create(
                    school=last,
                    subject_area="математика",
                    year=2024,
                    offer="Открытые уроки и стажировки для ШНОР (демо).",
                )
            Partnership.objects.create(
                municipality=municipality,
                partner="Соседний муниципалитет (демо)",
                kind="intermunicipal",
                starts_on=datetime.date(2023, 1, 1),
            )
        write(f"Педагоги (демо): {count(start - 1, PEDAGOG)} с записями 2023–2024 гг.")
    from portal.monitoring.models import MonitoringPeriod

    period = MonitoringPeriod.objects.filter(
        municipality=municipality,
        year=2024,
        indicator_set__code="order_2023_41",
        status=MonitoringPeriod.Status.OPEN,
    ).first()
    if period is not None:
        report = services.feed_monitoring(period, by=None)
        write(f"Мониторинг 2024: значений из учёта педагогов — {report.written}.")
