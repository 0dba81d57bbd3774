"""Demo roadmap for «г. Минусинск (демо)»: both shipped roadmaps with a realistic mix of statuses, and a school
roadmap of ООШ № 1 (as the ШППКО constructor would feed it) whose dates are set relative to today.

Statuses are drawn from a seeded generator against the real date, so the mix stays plausible whenever the demo
is loaded: entries whose due date is long past are done; of those due in the last few months a few are left
«выполняется» (shown as overdue, never by more than ``MAX_OVERDUE_DAYS``); entries due in the future are planned
or in progress. All comments and documents are invented.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from typing import Any

from django.db import transaction

from portal.roadmap import services
from portal.roadmap.models import RoadmapEntry, Status
from portal.roadmap.services import SchoolItem
from portal.schools.models import Municipality, School

SEED = 2023
SCHOOL_CODE = "MNS-OOSH01"
SCHOOL_SOURCE = "shppko-demo"
SITE = "https://minusinsk-edu.example.ru/shnor/roadmap"
#: The demo leaves nothing «in progress» that was due more than this many days before it is loaded.
MAX_OVERDUE_DAYS = 120


def _school_items(today: datetime.date) -> list[SchoolItem]:
    y = today.year
    d = datetime.timedelta
    return [
        SchoolItem(
            "Анализ результатов ВПР и КДР по классам, обсуждение на педагогическом совете",
            1,
            "Заместитель директора по УВР",
            y,
            today - d(days=20),
            "Аналитическая справка, протокол педсовета",
            ("Аналитическая справка",),
            key="1.1",
        ),
        SchoolItem(
            "Индивидуальные образовательные маршруты педагогов по итогам диагностики",
            3,
            "Руководители ШМО",
            y,
            today + d(days=12),
            "ИОМ сформированы у 100 % педагогов с выявленными дефицитами",
            ("ИОМ педагогов",),
            key="3.1",
        ),
        SchoolItem(
            "Взаимопосещение уроков с наставниками школы-партнёра",
            3,
            "Директор, наставники",
            y,
            today + d(days=25),
            "Не менее 6 посещённых уроков, листы наблюдения",
            ("Листы наблюдения",),
            key="3.2",
        ),
        SchoolItem(
            "Родительское собрание «Результаты ВПР: что делает школа»",
            5,
            "Классные руководители, заместитель директора по УВР",
            y,
            today + d(days=5),
            "Протокол собрания, материалы на сайте школы",
            ("Протокол родительского собрания",),
            key="5.1",
        ),
        SchoolItem(
            "Мониторинг выполнения школьной программы повышения качества образования",
            6,
            "Директор",
            y,
            today + d(days=75),
            "Справка о выполнении ШППКО",
            ("Справка",),
            key="6.1",
        ),
    ]


def load_roadmap_demo(municipality: Municipality, write: Callable[[str], Any]) -> None:
    """Sync both roadmaps for the demo municipality and give them demo statuses (kept if already tracked)."""
    rng = random.Random(SEED)
    today = services.today()
    with transaction.atomic():
        services.sync_builtin(municipality, by=None)
        school = School.objects.filter(code=SCHOOL_CODE, municipality=municipality).first()
        if school is not None:
            services.upsert_school_items(school, SCHOOL_SOURCE, _school_items(today), by=None)
        entries = RoadmapEntry.objects.filter(item__municipality=municipality).select_related("item")
        if entries.exclude(status=Status.PLANNED).exists():
            write("Дорожная карта (демо): отметки уже есть — оставлены как есть.")
            return
        for entry in entries.order_by("item__school_id", "item__source", "item__position", "year"):
            due = entry.due
            last = max(due) if due else datetime.date(entry.year, 12, 31)
            age = (today - last).days
            if age > 60:
                # Past: 85 % done within two months of the due date, the rest stuck «in progress» — but only
                # when the due date is recent, so the demo never shows an item years overdue.
                stuck = rng.random() >= 0.85 and age <= MAX_OVERDUE_DAYS
                if not stuck:
                    done_on = min(today, last - datetime.timedelta(days=rng.randint(0, 60)))
                    services.set_status(entry, Status.DONE, by=None, done_on=done_on, comment="")
                    services.add_evidence_link(
                        entry,
                        f"{SITE}/{entry.item.source}/{entry.item.code}-{entry.year}.pdf",
                        by=None,
                        title=(entry.item.evidence_wanted or ["Документ о выполнении"])[0][:300],
                    )
                else:
                    services.set_status(
                        entry,
                        Status.IN_PROGRESS,
                        by=None,
                        comment="Исполнитель сообщил о задержке: документ на согласовании (демо).",
                    )
            elif age > 0:
                services.set_status(entry, Status.IN_PROGRESS, by=None, comment="Работа идёт (демо).")
            elif (last - today).days <= 40 and rng.random() < 0.7:
                services.set_status(entry, Status.IN_PROGRESS, by=None)
        # One recent success, so that «выполнено недавно» in the digest is not empty.
        recent = entries.filter(item__school=school, item__source=SCHOOL_SOURCE, item__code="5.1").first()
        if recent is not None:
            services.set_status(
                recent,
                Status.DONE,
                by=None,
                done_on=today - datetime.timedelta(days=3),
                comment="Собрание проведено, протокол размещён на сайте (демо).",
            )
            services.add_evidence_link(recent, f"{SITE}/school/protocol-5-1.pdf", by=None, title="Протокол")
    counts = {s: entries.filter(status=s).count() for s in Status.values}
    write(
        "Дорожная карта (демо): пунктов-лет "
        f"{sum(counts.values())}; выполнено {counts['done']}, выполняется {counts['in_progress']}, "
        f"запланировано {counts['planned']}; школьная дорожная карта ООШ № 1."
    )
