"""The program's way to approval: the school sends it (after the quality check), the coordinator approves it or
returns it with a comment, the school sees the outcome; an approved program is published or copied into a new
version. An approved program feeds the school's roadmap. Every transition is atomic and audited.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from opora import constructor
from portal.audit.services import record, snapshot
from portal.programs.models import Program
from portal.programs.services import ProgramError, QualityCheckFailed, _user, check


class ReturnWithoutComment(ProgramError):
    """A program is returned only with a comment: the school must know what to change."""


def waiting_for_approval(municipality: Any) -> list[Program]:
    """Programs of the municipality's schools that wait for the coordinator's decision, oldest first."""
    return list(
        Program.objects.filter(school__municipality=municipality, status=Program.Status.SUBMITTED)
        .select_related("school")
        .order_by("submitted_at", "pk")
    )


def _lock(program: Program) -> Program:
    """The program's row, locked for the transition (two coordinators deciding at once: the second sees the first)."""
    return Program.objects.select_for_update().get(pk=program.pk)


def _copy_state(source: Program, target: Program) -> None:
    for name in (
        "status", "submitted_by_id", "submitted_at", "review_comment", "reviewed_by_id", "reviewed_at",
        "approved_by_id", "approved_at", "published_at",
    ):  # fmt: skip
        setattr(target, name, getattr(source, name))


def submit(program: Program, *, by: Any) -> Program:
    """The school sends its draft (or the returned program) for approval; the quality check must pass."""
    items = check(program)
    if not constructor.check_passed(items):
        raise QualityCheckFailed([p for i in items for p in i.problems])
    with transaction.atomic():
        locked = _lock(program)
        if not locked.is_draft:
            raise ProgramError(
                f"Программу нельзя отправить на утверждение: она {locked.get_status_display().lower()}."
            )
        before = snapshot(locked)
        locked.status, locked.submitted_by, locked.submitted_at = (
            Program.Status.SUBMITTED,
            _user(by),
            timezone.now(),
        )
        locked.save()
        record(locked, "programs.program.submitted", by=by, before=before, after=snapshot(locked))
    _copy_state(locked, program)
    return program


def withdraw(program: Program, *, by: Any) -> Program:
    """The school takes a program waiting for approval back to work on it (it becomes a draft again)."""
    with transaction.atomic():
        locked = _lock(program)
        if not locked.is_submitted:
            raise ProgramError("Вернуть в работу можно только программу, которая ожидает утверждения.")
        before = snapshot(locked)
        locked.status = Program.Status.DRAFT
        locked.save()
        record(locked, "programs.program.withdrawn", by=by, before=before, after=snapshot(locked))
    _copy_state(locked, program)
    return program


def return_program(program: Program, comment: str, *, by: Any) -> Program:
    """The coordinator returns a program waiting for approval, saying what to change; the school sees it."""
    text = comment.strip()
    if not text:
        raise ReturnWithoutComment(
            "Напишите, что школе нужно исправить: без комментария программу не вернуть."
        )
    with transaction.atomic():
        locked = _lock(program)
        if not locked.is_submitted:
            raise ProgramError(
                f"Вернуть можно только программу, которая ожидает утверждения; эта — "
                f"{locked.get_status_display().lower()}."
            )
        before = snapshot(locked)
        locked.status, locked.review_comment = Program.Status.RETURNED, text
        locked.reviewed_by, locked.reviewed_at = _user(by), timezone.now()
        locked.save()
        record(locked, "programs.program.returned", by=by, before=before, after=snapshot(locked))
    _copy_state(locked, program)
    return program


def approve(program: Program, *, by: Any) -> Program:
    """Approve a program waiting for approval whose checklist passes (coordinator); its measures go into the
    school's roadmap. Otherwise ``QualityCheckFailed`` with the reasons, or ``ProgramError``."""
    items = check(program)
    if not constructor.check_passed(items):
        raise QualityCheckFailed([p for i in items for p in i.problems])
    with transaction.atomic():
        locked = _lock(program)
        if not locked.is_submitted:
            raise ProgramError(
                "Утвердить можно только программу, которую школа отправила на утверждение; эта — "
                f"{locked.get_status_display().lower()}."
            )
        before = snapshot(locked)
        now = timezone.now()
        locked.status, locked.approved_by, locked.approved_at = Program.Status.APPROVED, _user(by), now
        locked.reviewed_by, locked.reviewed_at, locked.review_comment = _user(by), now, ""
        locked.save()
        record(locked, "programs.program.approved", by=by, before=before, after=snapshot(locked))
        feed_roadmap(locked, by=by)
    _copy_state(locked, program)
    return program


def approval_impact(program: Program) -> list[str]:
    """What approving changes, for the confirmation page (Russian sentences; plurals through opora.plural)."""
    from opora.plural import count

    items = roadmap_items(program)
    measures = program.measures.count()
    lines = [
        f"Программа «{program.label}» станет утверждённой; изменить её можно будет только в новой версии.",
        f"В дорожную карту школы будут внесены {count(measures, 'мера', 'меры', 'мер')} программы — "
        f"{count(len(items), 'пункт', 'пункта', 'пунктов')} по годам {program.year_from}–{program.year_to}.",
    ]
    previous = (
        Program.objects.filter(
            school=program.school,
            kind=program.kind,
            status__in=[Program.Status.APPROVED, Program.Status.PUBLISHED],
        )
        .exclude(pk=program.pk)
        .order_by("-version")
        .first()
    )
    if previous is not None:
        lines.append(
            f"Меры версии {previous.version} в дорожной карте заменятся мерами этой версии; отметки о выполнении "
            "сохранятся у мер, которые остаются."
        )
    return lines


def roadmap_items(program: Program) -> list[Any]:
    """The program's measures × years as items of the school's roadmap (portal.roadmap tracks them).

    A measure counts in each year of the program its dates touch (no dates: every year); it is due on its end
    date in the year it ends, otherwise by 31 December. Its roadmap direction is its first direction (1 if none).
    """
    from portal.roadmap.services import SchoolItem

    items = []
    for m in program.measures.all():
        for year in range(program.year_from, program.year_to + 1):
            if (m.start is not None and m.start.year > year) or (m.end is not None and m.end.year < year):
                continue
            items.append(
                SchoolItem(
                    title=m.title,
                    direction=int(m.directions[0]) if m.directions else 1,
                    responsible=m.responsible,
                    year=year,
                    due_date=m.end if m.end is not None and m.end.year == year else None,
                    expected_result=m.expected_result,
                    evidence_wanted=(m.evidence,) if m.evidence.strip() else (),
                    key=m.code or "",
                )
            )
    return items


def feed_roadmap(program: Program, *, by: Any) -> None:
    """Put an approved program's measures into the school's tracked roadmap (one roadmap per program kind).

    A new approved version replaces the measures of the previous one; statuses, comments and documents of the
    measures that remain are kept (portal.roadmap.services.upsert_school_items).
    """
    from portal.roadmap.services import upsert_school_items

    upsert_school_items(
        program.school,
        f"{program.kind}:{program.school_id}",
        roadmap_items(program),
        by=by,
        title=f"{program.get_kind_display()}, версия {program.version} ({program.year_from}–{program.year_to})",
    )


def publish(program: Program, *, by: Any) -> Program:
    if program.status != Program.Status.APPROVED:
        raise ProgramError("Опубликовать можно только утверждённую программу.")
    with transaction.atomic():
        before = snapshot(program)
        program.status, program.published_at = Program.Status.PUBLISHED, timezone.now()
        program.save()
        record(program, "programs.program.published", by=by, before=before, after=snapshot(program))
    return program


def new_version(program: Program, *, by: Any) -> Program:
    """A draft copy of an approved or published program (goals and measures copied, provenance kept)."""
    if not program.is_approved:
        raise ProgramError(
            "Новая версия делается из утверждённой программы; эта программа — "
            f"{program.get_status_display().lower()}, её можно изменить без новой версии."
        )
    with transaction.atomic():
        version = (
            Program.objects.filter(school=program.school, kind=program.kind).aggregate(v=Max("version"))["v"]
            or 0
        ) + 1
        goals, measures = list(program.goals.all()), list(program.measures.all())
        copy = Program.objects.get(pk=program.pk)
        copy.pk = None
        copy.version, copy.status, copy.created_by = version, Program.Status.DRAFT, _user(by)
        copy.approved_by = copy.approved_at = copy.published_at = None
        copy.submitted_by = copy.submitted_at = copy.reviewed_by = copy.reviewed_at = None
        copy.review_comment = ""
        copy.save()
        record(
            copy, "programs.program.created", by=by, after=snapshot(copy), data={"copied_from": program.pk}
        )
        for g in goals:
            g.pk, g.program = None, copy
            g.save()
        for m in measures:
            m.pk, m.program = None, copy
            m.save()
    return copy
