"""Demo monitoring for «г. Минусинск (демо)»: 2023 (closed) and 2024 (open) with synthetic values.

Values are drawn from a seeded generator, so every demo load gives the same numbers; all of them are invented.
They go through the same services as a school's form (validation, audit), and dynamics come from the demo's
imported results (2023 against 2022; the demo has no 2024 results, so 2024 dynamics show «нет данных»).

Answers the records decide (ШППКО in the Конструктор, the registry, the public page, risk data) are never typed,
not even here: the records' loaders run first (their order in portal.demo.registry), so the closed 2023 period
writes down the answers they give — ООШ № 1's 1.3 and 3.8 «Конструктор» are «да» from its approved ШППКО — and
no demo answer contradicts its records.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from portal.monitoring import derive, services
from portal.monitoring.excel import slots_for_school
from portal.monitoring.models import IndicatorSet, MonitoringPeriod, SchoolSubmission
from portal.monitoring.values import Slot, municipal_manual_slots
from portal.schools.models import Municipality

SEED = 4123
SET_CODE = "order_2023_41"
#: The open (2024) period's deadline: this many days after the day the demo is loaded.
DEADLINE_IN_DAYS = 30


def _payload(slot: Slot, rng: random.Random, school_site: str, staff: int, quality: float) -> dict[str, Any]:
    kind = slot.kind
    site = (school_site or "https://school.example.ru").rstrip("/")
    if kind == "bool":
        yes = rng.random() < quality
        links = [
            f"{site}/docs/monitoring-{slot.indicator.code.replace('.', '-')}{'-' + slot.subitem if slot.subitem else ''}.pdf"
        ]
        return {"bool_value": yes, "links": links if yes and slot.needs_links else []}
    if kind == "people":
        return {"numerator": float(round(staff * min(1.0, max(0.05, rng.gauss(quality, 0.15)))))}
    if kind == "pct":
        # 7.7: share of students who mastered the level's programme; most schools are at 95–100 %.
        return {
            "number": round(
                min(100.0, rng.choice([100.0, 100.0, rng.uniform(93, 99.9), rng.uniform(85, 95)])), 1
            )
        }
    if kind == "count":
        return {"number": float(rng.randint(0, 6) if rng.random() < quality else 0)}
    if kind == "status3":
        return {"status3": rng.choice(["present", "emerging", "present"])}
    return {"text": "демо"}


def _fill(period: MonitoringPeriod, rng: random.Random, *, statuses: list[str]) -> None:
    data = derive.load(period)
    subs = list(period.submissions.select_related("school").order_by("school__sort_key"))
    for sub, status in zip(subs, statuses, strict=False):
        if status == "empty":
            continue
        school = sub.school
        staff = rng.randint(14, 62)
        quality = rng.uniform(0.45, 0.9)
        slots = slots_for_school(period, data.indicators, school.pk, data)
        raw = {s.key: _payload(s, rng, school.site_url, staff, quality) for s in slots}
        services.save_school_values(
            sub,
            raw,
            slots,
            by=None,
            staff_total=staff,
            students_total=school.students or rng.randint(120, 900),
            origin="demo",
        )
        if status in ("submitted", "accepted", "returned"):
            services.submit(sub, by=None)
        if status == "accepted":
            services.review(sub, accept=True, by=None)
        if status == "returned":
            services.review(
                sub, accept=False, comment="Укажите ссылки на документы на сайте школы (демо).", by=None
            )


def _municipal(period: MonitoringPeriod, rng: random.Random) -> None:
    data = derive.load(period)
    slots = [
        s
        for s in municipal_manual_slots(data.indicators)
        if (s.indicator.pk, s.subitem, None) not in data.answers
    ]
    raw: dict[str, dict[str, Any]] = {}
    for slot in slots:
        if slot.kind == "bool":
            raw[slot.key] = {
                "bool_value": True,
                "links": ["https://minusinsk-edu.example.ru/shnor/" + slot.indicator.code.replace(".", "-")]
                if slot.needs_links
                else [],
            }
        elif slot.kind == "pct":
            raw[slot.key] = {"number": round(rng.uniform(20, 70), 1)}
        elif slot.kind == "status3":
            raw[slot.key] = {
                "status3": "emerging",
                "links": ["https://minusinsk-edu.example.ru/shnor/practices"],
            }
    services.save_municipal_values(period, raw, slots, by=None)


def load_monitoring_demo(municipality: Municipality, write: Callable[[str], Any]) -> None:
    """Create the demo periods 2023 and 2024 with deterministic synthetic values (kept if already there)."""
    rng = random.Random(SEED)
    with transaction.atomic():
        services.sync_builtin_sets(by=None)
        indicator_set = IndicatorSet.objects.get(code=SET_CODE)
        existing = MonitoringPeriod.objects.filter(municipality=municipality, indicator_set=indicator_set)
        if set(existing.values_list("year", flat=True)) >= {2023, 2024}:
            # Idempotent: a second load keeps the demo periods (and whatever was tried in them).
            write("Мониторинг (демо): периоды 2023 и 2024 гг. уже загружены — оставлены как есть.")
            return
        existing.delete()
        p2023 = services.open_period(
            municipality, indicator_set, 2023, by=None, deadline=datetime.date(2023, 12, 15)
        )
        _fill(p2023, rng, statuses=["accepted"] * 13)
        _municipal(p2023, rng)
        p2023 = services.close_period(p2023, by=None)
        # The open period's deadline is set relative to today, so the demo never shows it as long past.
        p2024 = services.open_period(
            municipality,
            indicator_set,
            2024,
            by=None,
            deadline=timezone.localdate() + datetime.timedelta(days=DEADLINE_IN_DAYS),
        )
        s = SchoolSubmission.Status
        # ООП № 1 and СОШ № 2 (the demo school accounts) are left as a draft and «not started» so they can be tried.
        _fill(
            p2024,
            rng,
            statuses=[
                "empty",
                s.DRAFT,
                s.ACCEPTED,
                s.ACCEPTED,
                s.SUBMITTED,
                s.ACCEPTED,
                s.RETURNED,
                s.SUBMITTED,
                s.ACCEPTED,
                s.DRAFT,
                s.ACCEPTED,
                "empty",
                s.SUBMITTED,
            ],
        )
        _municipal(p2024, rng)
    write(f"Мониторинг (демо): {p2023.year} г. — закрыт, {p2024.year} г. — открыт; анкеты в разных статусах.")
