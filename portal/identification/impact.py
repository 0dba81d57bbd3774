"""What a far-reaching action changes, shown before it is confirmed, and the defaults of the run forms.

``publish_impact``: the schools whose categories change when a run replaces the published one of its year, and
the warnings (a model on fewer than 30 schools, years not evaluated); ``region_publish_impact`` the same for every
municipality of a region-wide run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from django.db.models import Max

from portal.identification.models import IdentificationRun, RegionRun, SchoolOutcome
from portal.results.models import AssessmentResult, ContextValue
from portal.schools.models import Municipality, Region

# --- before publishing: what changes ------------------------------------------------------------------------------

#: A model fitted on fewer schools is flagged before publishing (a regression on a handful of schools is unstable).
MIN_RELIABLE_FIT = 30

SHORT_CATEGORY = {
    "low_results": "ШНОР",
    "adverse_context": "ШНСУ",
    "at_risk": "зона риска",
    "resilient": "резильентная",
    "above_expected": "выше ожидаемых",
}


@dataclasses.dataclass(frozen=True)
class PublishImpact:
    """What publishing a run changes: the run it replaces, the schools whose categories change (name, before,
    after), the number of schools that keep theirs, and warnings."""

    current: IdentificationRun | None
    changes: list[tuple[str, str, str]]
    unchanged: int
    warnings: list[str]


def _categories_text(codes: Iterable[str] | None) -> str:
    shown = [
        SHORT_CATEGORY.get(c, c)
        for c in ("low_results", "adverse_context", "at_risk", "resilient", "above_expected")
        if c in set(codes or [])
    ]
    return ", ".join(shown) or "без категорий"


def _fit_warning(n_fit: int, *, region: bool = False) -> str | None:
    if n_fit >= MIN_RELIABLE_FIT:
        return None
    from opora.plural import SCHOOL, count

    advice = (
        "Проверьте, все ли муниципалитеты загрузили результаты и контекстные данные."
        if region
        else "Надёжнее строить модель на региональном наборе данных."
    )
    return (
        f"В модели всего {count(n_fit, SCHOOL)} (меньше {MIN_RELIABLE_FIT}): регрессия на таком числе школ "
        f"неустойчива, и категории могут смениться от случайных колебаний. {advice}"
    )


def publish_impact(run: IdentificationRun) -> PublishImpact:
    """Compare a run with the published run of its municipality and year (two queries)."""
    current = (
        IdentificationRun.objects.filter(
            municipality=run.municipality, year=run.year, status=IdentificationRun.Status.PUBLISHED
        )
        .exclude(pk=run.pk)
        .order_by("-published_at")
        .first()
    )
    before = (
        dict(SchoolOutcome.objects.filter(run=current).values_list("school_id", "categories"))
        if current
        else {}
    )
    changes, unchanged = [], 0
    for outcome in run.outcomes.select_related("school").order_by("school__sort_key", "school__short_name"):
        was, now = set(before.get(outcome.school_id) or []), set(outcome.categories or [])
        if (current is None and not now) or was == now:
            unchanged += 1
        else:
            changes.append((outcome.school.short_name, _categories_text(was), _categories_text(now)))
    warnings = [w for w in (_fit_warning(run.n_fit),) if w]
    skipped = (run.model or {}).get("years_skipped") or {}
    if skipped:
        warnings.append(
            "Не все годы оценены: "
            + "; ".join(f"{y} — {reason}" for y, reason in sorted(skipped.items()))
            + ". Правило устойчивости проверено по оставшимся годам."
        )
    return PublishImpact(current=current, changes=changes, unchanged=unchanged, warnings=warnings)


@dataclasses.dataclass(frozen=True)
class RegionPublishImpact:
    """Per municipality of a region run: its name and its PublishImpact; and the common warnings."""

    municipalities: list[tuple[str, PublishImpact]]
    warnings: list[str]


def region_publish_impact(region_run: RegionRun) -> RegionPublishImpact:
    runs = list(region_run.runs.select_related("municipality").order_by("municipality__name", "pk"))
    items = [(r.municipality.name, publish_impact(r)) for r in runs]
    warnings = [w for w in (_fit_warning(region_run.n_fit, region=True),) if w]
    for _, impact in items[:1]:
        warnings += [w for w in impact.warnings if not w.startswith("В модели всего")]
    return RegionPublishImpact(municipalities=items, warnings=warnings)


# --- defaults of the run forms ------------------------------------------------------------------------------------


def latest_data_year(municipality: Municipality) -> int | None:
    """The latest year with loaded results of the municipality's schools (the identification form's default)."""
    return AssessmentResult.objects.filter(school__municipality=municipality).aggregate(y=Max("year"))["y"]


def region_latest_data_year(region: Region) -> int | None:
    return AssessmentResult.objects.filter(school__municipality__region=region).aggregate(y=Max("year"))["y"]


def context_variables(**lookup: Any) -> list[str]:
    """Context variables present in the stored data (``school__municipality=…`` or ``…__region=…``)."""
    return sorted(set(ContextValue.objects.filter(**lookup).values_list("variable", flat=True).distinct()))
