"""Demo risk profiles 2023 for the 13 demo schools and one approved ШППКО of ООШ № 1 (MNS-OOSH01).

Levels with a data rule are computed from the demo's municipal risk inputs (loaded by the identification demo);
the other core factors get a seeded «самодиагностика». ООШ № 1's program is built by the same services the wizard
uses; the goals the data cannot fill get invented baselines and targets (marked «демо»), then it is approved.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from django.db import transaction

from opora.plural import count
from portal.programs import approval, risk, services
from portal.programs.models import Program, RiskFactor, RiskProfile
from portal.schools.models import Municipality, School

SEED = 5005
YEAR = 2023
DEMO_SCHOOL = "MNS-OOSH01"
#: ООШ № 1: the seeds name its risks (SEED-B Прил. 2): parents and the school environment are high here.
OOSH01_LEVELS = {
    "low_teacher_competence": "high",
    "no_pd_system": "medium",
    "high_failure_risk_share": "high",
    "low_environment_quality": "medium",
    "high_special_needs_share": "low",
    "low_parent_involvement": "high",
}


def load_programs_demo(municipality: Municipality, write: Callable[[str], Any]) -> None:
    rng = random.Random(SEED)
    with transaction.atomic():
        services.sync_library(by=None)
        self_factors = list(
            RiskFactor.objects.filter(enabled=True, rule_note="").values_list("code", flat=True)
        )
        schools = list(School.objects.in_municipality(municipality))
        for school in schools:
            if RiskProfile.objects.filter(school=school, year=YEAR).exists():
                continue
            risk.compute_profile(school, YEAR, by=None)
            if school.code == DEMO_SCHOOL:
                levels = {c: (lv, "") for c, lv in OOSH01_LEVELS.items() if c in self_factors}
            else:
                levels = {
                    c: (rng.choice(["high", "medium", "medium", "low", "low"]), "") for c in self_factors
                }
            risk.set_levels(school, YEAR, levels, by=None)
        school = next((s for s in schools if s.code == DEMO_SCHOOL), None)
        if school is None or Program.objects.filter(school=school).exists():
            write(
                "Конструктор ШППКО (демо): профили есть, программа ООШ № 1 уже создана — оставлено как есть."
            )
            return
        program = services.create_program(school, Program.Kind.SHPPKO, by=None, profile_year=YEAR)
        rows = {}
        for goal in program.goals.all():
            values: dict[str, Any] = {}
            if goal.baseline is None:
                values["baseline"] = float(rng.randint(25, 45))
            base = values.get("baseline", goal.baseline)
            if goal.target is None or goal.target == base:
                values["target"] = float(base + 15)
            values["tasks"] = "\n".join(
                [
                    "провести самодиагностику и определить дефициты (демо)",
                    "реализовать меры программы по фактору в 2023–2025 гг.",
                    "ежегодно анализировать динамику показателя на педагогическом совете",
                ]
            )
            rows[goal.pk] = values
        services.update_goals(
            program,
            rows,
            by=None,
            director="Директор ООШ № 1 (демо)",
            analysis_note="Педагогический совет (демо) подтвердил выводы анализа и выбранные приоритеты.",
        )
        approval.submit(program, by=None)
        approval.approve(program, by=None)
    write(
        f"Конструктор ШППКО (демо): рисковые профили {YEAR} г. у {len(schools)} школ; "
        f"ШППКО ООШ № 1 утверждена ({count(program.measures.count(), 'мера', 'меры', 'мер')}, {count(program.goals.count(), 'цель', 'цели', 'целей')})."
    )
