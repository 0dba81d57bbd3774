"""The school's home page: what the school team has to do now, gathered from the apps.

- the monitoring form of the open period: its deadline, status and the link to it;
- the program (ШППКО, and the failure-prevention program if the school has one): its status and the next step;
- the roadmap: overdue items and items due soon (the roadmap's own definition — ``portal.roadmap.services``);
- the recommendations of the school's card (``portal.reports``).

Each block is read by one function here, so that a change of an app (a unified «overdue», region-scoped rules)
touches one call site. Numbers with nouns go through ``opora.plural``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

from opora import constructor
from opora.plural import count
from portal.accounts.permissions import has_perm
from portal.identification.models import IdentificationRun
from portal.monitoring.models import MonitoringPeriod, SchoolSubmission
from portal.programs.models import Program, RiskProfile
from portal.schools.models import School

DAY = ("день", "дня", "дней")


@dataclass
class MonitoringTask:
    period: MonitoringPeriod
    submission: SchoolSubmission | None
    card_url: str
    form_url: str | None  # the form to fill, when this user may fill it and the form is open for changes
    deadline_text: str
    urgent: bool


def _deadline_text(deadline: datetime.date | None, today: datetime.date, done: bool) -> tuple[str, bool]:
    if deadline is None:
        return "срок сдачи не назначен", False
    when = deadline.strftime("%d.%m.%Y")
    if done:
        return f"срок сдачи {when}", False
    days = (deadline - today).days
    if days > 0:
        return f"срок сдачи {when} — осталось {count(days, DAY)}", days <= 7
    if days == 0:
        return f"срок сдачи сегодня, {when}", True
    return f"срок сдачи {when} прошёл {count(-days, DAY)} назад", True


def monitoring_task(school: School, user: Any, today: datetime.date) -> MonitoringTask | None:
    """The school's form in the open monitoring period of its municipality (the latest, if several are open)."""
    period = (
        MonitoringPeriod.objects.filter(
            municipality_id=school.municipality_id, status=MonitoringPeriod.Status.OPEN
        )
        .order_by("-year", "-pk")
        .first()
    )
    if period is None:
        return None
    submission = SchoolSubmission.objects.filter(period=period, school=school).first()
    done = submission is not None and submission.counts
    text, urgent = _deadline_text(period.deadline, today, done)
    can_fill = submission is not None and submission.editable and has_perm(user, "monitoring.fill", school)
    return MonitoringTask(
        period=period,
        submission=submission,
        card_url=reverse("monitoring:school", args=[period.pk, school.pk]),
        form_url=reverse("monitoring:school_form", args=[period.pk, school.pk]) if can_fill else None,
        deadline_text=text,
        urgent=urgent,
    )


@dataclass
class ProgramTask:
    kind_label: str
    program: Program | None
    status: str  # Russian, lower case
    next_step: str
    url: str
    tone: str  # "todo", "waiting", "returned", "done"
    comment: str = ""


def _draft_next_step(program: Program) -> tuple[str, str]:
    """(what to do next, where) for a program the school works on."""
    from portal.programs import services

    if program.step < 5:
        return f"Продолжите в Конструкторе: шаг {program.step} из 5.", reverse(
            "programs:step", args=[program.pk, program.step]
        )
    items = services.check(program)
    if constructor.check_passed(items):
        return "Проверка пройдена: отправьте программу на утверждение (шаг 5).", reverse(
            "programs:step", args=[program.pk, 5]
        )
    problems = sum(len(i.problems) for i in items)
    return (
        f"Исправьте {count(problems, 'замечание', 'замечания', 'замечаний')} проверки и отправьте программу на "
        "утверждение (шаг 5).",
        reverse("programs:step", args=[program.pk, 5]),
    )


def program_tasks(school: School) -> list[ProgramTask]:
    """The latest version of each kind of program the school has; a ШППКО task even when there is none yet."""
    latest: dict[str, Program] = {}
    for p in Program.objects.filter(school=school).order_by("kind", "-version"):
        latest.setdefault(p.kind, p)
    tasks = []
    if Program.Kind.SHPPKO not in latest:
        has_profile = RiskProfile.objects.filter(school=school).exists()
        tasks.append(
            ProgramTask(
                kind_label=Program.Kind.SHPPKO.label,
                program=None,
                status="не создана",
                next_step=(
                    "Создайте программу в Конструкторе по рисковому профилю школы."
                    if has_profile
                    else "Заполните рисковый профиль школы, затем создайте программу в Конструкторе."
                ),
                url=reverse("programs:school", args=[school.pk]),
                tone="todo",
            )
        )
    for kind in (Program.Kind.SHPPKO, Program.Kind.FAILURE):
        program = latest.get(kind)
        if program is None:
            continue
        url = reverse("programs:step", args=[program.pk, 5])
        status = program.get_status_display().lower()
        if program.status == Program.Status.RETURNED:
            step, url = _draft_next_step(program)
            task = ProgramTask(kind.label, program, status, step, url, "returned", program.review_comment)
        elif program.is_draft:
            step, url = _draft_next_step(program)
            task = ProgramTask(kind.label, program, status, step, url, "todo")
        elif program.is_submitted:
            since = program.submitted_at.strftime("%d.%m.%Y") if program.submitted_at else ""
            task = ProgramTask(
                kind.label,
                program,
                status,
                f"Координатор рассматривает программу (отправлена {since}).",
                url,
                "waiting",
            )
        else:
            when = program.approved_at.strftime("%d.%m.%Y") if program.approved_at else ""
            task = ProgramTask(
                kind.label,
                program,
                status,
                f"Утверждена {when}; меры программы — в дорожной карте школы.",
                url,
                "done",
            )
        tasks.append(task)
    return tasks


@dataclass
class RoadmapTasks:
    overdue: list[Any] = field(default_factory=list)
    due_soon: list[Any] = field(default_factory=list)
    soon_days: int = 0
    total: int = 0


def roadmap_tasks(school: School, today: datetime.date) -> RoadmapTasks:
    """Overdue and due-soon items of the school's roadmap.

    OVERDUE: the definition is the roadmap's (``portal.roadmap.services.buckets`` → ``opora.roadmap_tracking``);
    this page only calls it, so that one definition of «overdue» holds on every page.
    """
    from portal.roadmap import services as roadmap

    entries = list(roadmap.entries_for(school.municipality, schools=[school], municipal=False))
    found = roadmap.buckets(entries, today)
    return RoadmapTasks(
        overdue=[_flagged(f) for f in found.overdue],
        due_soon=[_flagged(f) for f in found.due_soon],
        soon_days=roadmap.soon_days(),
        total=len(entries),
    )


def _flagged(f: Any) -> dict[str, Any]:
    return {
        "title": f.entry.title,
        "year": f.entry.year,
        "date": f.date,
        "days": count(f.days, DAY),
        "responsible": f.entry.responsible,
        "url": reverse("roadmap:entry", args=[int(f.entry.key)]),
    }


def recommendation_year(school: School) -> int | None:
    """The year of the school's card: the newest year with a published identification or a monitoring period."""
    years = set(
        IdentificationRun.objects.filter(
            municipality_id=school.municipality_id, status=IdentificationRun.Status.PUBLISHED
        ).values_list("year", flat=True)
    )
    years |= set(
        MonitoringPeriod.objects.filter(municipality_id=school.municipality_id).values_list("year", flat=True)
    )
    return max(years) if years else None


def recommendations(school: School, year: int) -> list[Any]:
    """The significant recommendations of the school's card for ``year`` (the rules of ``portal.reports``)."""
    from portal.reports.registry import school_card

    _report, found = school_card(school, year, only_significant=True)
    return sorted(found, key=lambda r: r.importance)
