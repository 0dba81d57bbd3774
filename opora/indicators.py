"""Municipal values of monitoring indicators derived from school values (docs/methodology.md M2).

Every derivation the catalogues use (``opora.indicator_catalogue.DERIVATIONS``) is one pure function of the
school values of the *target schools* (the schools the indicator counts: ШНОР, schools at risk, all schools).
The result carries the numerator, the denominator, the per-school contributions and a Russian sentence, so the
dashboard can show how the number was obtained; a municipal value is never typed where it can be derived.

Rules shared by all derivations:

- only target schools count; a value of a school outside the list is ignored (and listed as such);
- a target school without a value is «нет данных»: it is left out of numerator and denominator and named in
  ``missing``; with no value at all the result is ``None``;
- shares are percentages (0–100), not rounded; rounding happens when displayed (decimal comma).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal, NamedTuple

from opora.indicator_catalogue import BucketScheme, Target

__all__ = [
    "SHARE_DERIVATIONS",
    "DerivationError",
    "DerivedValue",
    "SchoolValue",
    "Source",
    "TargetStatus",
    "combined_status",
    "derive_municipal",
    "fmt_num",
    "fmt_pct",
    "target_status",
]

#: Derivations whose result is a percentage of schools or people (a bucket scheme may apply to them).
SHARE_DERIVATIONS: Final = frozenset(
    {
        "share_of_schools_yes",
        "share_of_teachers",
        "share_of_students",
        "share_of_schools_with_positive_dynamics",
        "share_of_schools_with_risk_factor",
    }
)

TargetStatus = Literal["met", "not_met", "no_data", "no_target"]


class DerivationError(ValueError):
    """A derivation cannot be computed from the given values (unknown kind, wrong value type)."""


class SchoolValue(NamedTuple):
    """One school's value of one indicator (or subitem).

    ``value``: ``bool`` for yes/no, a number for a percent or a count (``None`` = not filled);
    ``numerator``/``denominator``: people counted and people in the school, for shares of teachers or students
    (the school's own percent is ``100·numerator/denominator``); ``label``: the school's name for explanations.
    A named tuple, not a dataclass: a dashboard builds tens of thousands of them per request.
    """

    school_id: str
    label: str = ""
    value: bool | float | None = None
    numerator: float | None = None
    denominator: float | None = None

    @property
    def name(self) -> str:
        return self.label or self.school_id


@dataclass(frozen=True)
class Source:
    """How one school entered the municipal value: ``shown`` is its value as text, ``counted`` whether it did."""

    school_id: str
    label: str
    shown: str
    counted: bool
    note: str = ""


@dataclass(frozen=True)
class DerivedValue:
    """A derived municipal value with everything needed to explain it.

    ``value``: the percentage, count or ``None`` (no data, or ``manual``/``bucket_distribution``);
    ``numerator``/``denominator``: what was divided (``None`` for a sum); ``bucket``: code of the bucket of
    ``value`` when a scheme applies; ``distribution``: bucket code → share of schools (``bucket_distribution``);
    ``sources``: per target school, in the order of ``target_schools``; ``missing``: target schools without a value.
    """

    derivation: str
    value: float | None
    numerator: float | None
    denominator: float | None
    explanation_ru: str
    sources: tuple[Source, ...] = ()
    missing: tuple[str, ...] = ()
    bucket: str | None = None
    bucket_label: str | None = None
    distribution: Mapping[str, float] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """True when every target school has a value."""
        return not self.missing


def fmt_num(value: float | None, digits: int = 1) -> str:
    """A number for Russian text: decimal comma, trailing zeros dropped, «нет данных» for ``None``.

    >>> fmt_num(66.6666), fmt_num(50.0), fmt_num(50.0, 0), fmt_num(None), fmt_num(-2.5)
    ('66,7', '50', '50', 'нет данных', '−2,5')
    """
    if value is None:
        return "нет данных"
    text = f"{abs(value):.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    text = text.replace(".", ",")
    return ("−" + text) if value < 0 and text != "0" else text


def fmt_pct(value: float | None, digits: int = 1) -> str:
    """A percentage for Russian text (``66,7 %``).

    >>> fmt_pct(100 * 2 / 3)
    '66,7 %'
    """
    return "нет данных" if value is None else f"{fmt_num(value, digits)} %"


def _index(school_values: Iterable[SchoolValue] | Mapping[str, SchoolValue]) -> dict[str, SchoolValue]:
    values = school_values.values() if isinstance(school_values, Mapping) else school_values
    out: dict[str, SchoolValue] = {}
    for sv in values:
        if sv.school_id in out:
            raise DerivationError(f"школа {sv.school_id!r} встречается дважды")
        out[sv.school_id] = sv
    return out


def _target_list(target_schools: Sequence[str] | Mapping[str, str]) -> list[tuple[str, str]]:
    """(school_id, label) of the target schools, in the given order, without repeats."""
    if isinstance(target_schools, Mapping):
        return list(target_schools.items())  # the keys of a mapping are unique already
    items = [(s, "") for s in target_schools]
    seen: set[str] = set()
    out = []
    for school_id, label in items:
        if school_id not in seen:
            seen.add(school_id)
            out.append((school_id, label))
    return out


def _as_yes(sv: SchoolValue, derivation: str) -> bool | None:
    """The school's «да»/«нет»: a bool as is; a count is «да» when > 0 (catalogue 5.3)."""
    if sv.value is None:
        return None
    if isinstance(sv.value, bool):
        return sv.value
    if derivation == "share_of_schools_yes":
        return sv.value > 0
    raise DerivationError(f"{sv.name}: для «{derivation}» нужно значение да/нет, получено {sv.value!r}")


def _with_bucket(result: DerivedValue, scheme: BucketScheme | None) -> DerivedValue:
    if scheme is None or result.value is None:
        return result
    bucket = scheme.bucket_for(result.value)
    return DerivedValue(
        result.derivation,
        result.value,
        result.numerator,
        result.denominator,
        f"{result.explanation_ru} Интервал шкалы: «{bucket.label}».",
        result.sources,
        result.missing,
        bucket.code,
        bucket.label,
        result.distribution,
    )


#: At most this many school names are listed in an explanation; the rest are counted.
MAX_NAMED: Final = 10


def _missing_text(missing: list[str]) -> str:
    if not missing:
        return ""
    named = ", ".join(missing[:MAX_NAMED])
    more = f" и ещё {len(missing) - MAX_NAMED}" if len(missing) > MAX_NAMED else ""
    return f" Нет данных ({len(missing)}): {named}{more} — не учтены."


def _share_of_schools(
    derivation: str, values: dict[str, SchoolValue], targets: list[tuple[str, str]], keep: bool
) -> DerivedValue:
    yes = counted = 0
    sources: list[Source] = []
    missing: list[str] = []
    for school_id, label in targets:
        sv = values.get(school_id)
        name = label or (sv.name if sv else school_id)
        answer = _as_yes(sv, derivation) if sv is not None else None
        if answer is None:
            missing.append(name)
            if keep:
                sources.append(Source(school_id, name, "нет данных", counted=False))
            continue
        counted += 1
        yes += int(answer)
        if keep:
            shown = "да" if answer else "нет"
            if sv is not None and sv.value is not None and not isinstance(sv.value, bool):
                shown = f"{fmt_num(float(sv.value), 0)} ({shown})"
            sources.append(Source(school_id, name, shown, counted=True))
    what = {
        "share_of_schools_with_positive_dynamics": "с положительной динамикой",
        "share_of_schools_with_risk_factor": "с выявленным фактором риска",
    }.get(derivation, "с ответом «да»")
    if counted == 0:
        text = f"Целевых школ: {len(targets)}; ни по одной нет данных — значение не рассчитано."
        return DerivedValue(derivation, None, None, None, text, tuple(sources), tuple(missing))
    value = 100.0 * yes / counted
    text = (
        f"Доля целевых школ {what}: {yes} из {counted} = {fmt_pct(value)}"
        f" (целевых школ {len(targets)}, с данными {counted}).{_missing_text(missing)}"
    )
    return DerivedValue(derivation, value, float(yes), float(counted), text, tuple(sources), tuple(missing))


def _share_of_people(
    derivation: str, values: dict[str, SchoolValue], targets: list[tuple[str, str]], keep: bool
) -> DerivedValue:
    who = "педагогов" if derivation == "share_of_teachers" else "обучающихся"
    num = den = 0.0
    sources: list[Source] = []
    missing: list[str] = []
    for school_id, label in targets:
        sv = values.get(school_id)
        name = label or (sv.name if sv else school_id)
        if sv is None or sv.numerator is None or sv.denominator is None:
            missing.append(name)
            if keep:
                sources.append(Source(school_id, name, "нет данных", counted=False))
            continue
        if sv.numerator < 0 or sv.denominator <= 0 or sv.numerator > sv.denominator:
            raise DerivationError(
                f"{name}: числитель {fmt_num(sv.numerator)} и знаменатель {fmt_num(sv.denominator)} "
                "не образуют долю (нужно 0 ≤ числитель ≤ знаменатель, знаменатель > 0)"
            )
        num += sv.numerator
        den += sv.denominator
        if keep:
            shown = f"{fmt_num(sv.numerator, 0)} из {fmt_num(sv.denominator, 0)}"
            sources.append(Source(school_id, name, shown, counted=True))
    if den == 0:
        text = f"Целевых школ: {len(targets)}; ни по одной нет данных — значение не рассчитано."
        return DerivedValue(derivation, None, None, None, text, tuple(sources), tuple(missing))
    value = 100.0 * num / den
    text = (
        f"Сумма {who} по целевым школам: {fmt_num(num, 0)} из {fmt_num(den, 0)} = {fmt_pct(value)}"
        f" (доля считается по сумме людей, а не как среднее долей школ).{_missing_text(missing)}"
    )
    return DerivedValue(derivation, value, num, den, text, tuple(sources), tuple(missing))


def _count_sum(values: dict[str, SchoolValue], targets: list[tuple[str, str]], keep: bool) -> DerivedValue:
    total = 0.0
    counted = 0
    sources: list[Source] = []
    missing: list[str] = []
    for school_id, label in targets:
        sv = values.get(school_id)
        name = label or (sv.name if sv else school_id)
        if sv is None or sv.value is None:
            missing.append(name)
            if keep:
                sources.append(Source(school_id, name, "нет данных", counted=False))
            continue
        if isinstance(sv.value, bool) or sv.value < 0:
            raise DerivationError(f"{name}: для суммы нужно неотрицательное число, получено {sv.value!r}")
        total += float(sv.value)
        counted += 1
        if keep:
            sources.append(Source(school_id, name, fmt_num(float(sv.value), 0), counted=True))
    if counted == 0:
        text = f"Целевых школ: {len(targets)}; ни по одной нет данных — значение не рассчитано."
        return DerivedValue("count_sum", None, None, None, text, tuple(sources), tuple(missing))
    text = f"Сумма по целевым школам с данными ({counted}): {fmt_num(total, 0)}.{_missing_text(missing)}"
    return DerivedValue("count_sum", total, None, None, text, tuple(sources), tuple(missing))


def _bucket_distribution(
    values: dict[str, SchoolValue], targets: list[tuple[str, str]], scheme: BucketScheme | None, keep: bool
) -> DerivedValue:
    if scheme is None:
        raise DerivationError("для распределения по интервалам нужна шкала")
    counts = {b.code: 0 for b in scheme.buckets}
    sources: list[Source] = []
    missing: list[str] = []
    for school_id, label in targets:
        sv = values.get(school_id)
        name = label or (sv.name if sv else school_id)
        if sv is None or sv.value is None:
            missing.append(name)
            if keep:
                sources.append(Source(school_id, name, "нет данных", counted=False))
            continue
        if isinstance(sv.value, bool):
            raise DerivationError(f"{name}: для распределения нужен процент, получено {sv.value!r}")
        bucket = scheme.bucket_for(float(sv.value))
        counts[bucket.code] += 1
        if keep:
            sources.append(
                Source(school_id, name, f"{fmt_pct(float(sv.value))} → «{bucket.label}»", counted=True)
            )
    counted = sum(counts.values())
    if counted == 0:
        text = f"Целевых школ: {len(targets)}; ни по одной нет данных — распределение не рассчитано."
        return DerivedValue("bucket_distribution", None, None, None, text, tuple(sources), tuple(missing))
    distribution = {code: 100.0 * n / counted for code, n in counts.items()}
    parts = "; ".join(
        f"«{b.label}» — {counts[b.code]} из {counted} ({fmt_pct(distribution[b.code])})"
        for b in scheme.buckets
    )
    text = f"Распределение целевых школ по шкале «{scheme.label}»: {parts}.{_missing_text(missing)}"
    return DerivedValue(
        "bucket_distribution",
        None,
        None,
        float(counted),
        text,
        tuple(sources),
        tuple(missing),
        distribution=distribution,
    )


def derive_municipal(
    indicator_derivation: str,
    school_values: Iterable[SchoolValue] | Mapping[str, SchoolValue],
    target_schools: Sequence[str] | Mapping[str, str],
    *,
    scheme: BucketScheme | None = None,
    sources: bool = True,
) -> DerivedValue:
    """The municipal value of one indicator (or subitem) from the school values of the target schools.

    Parameters
    ----------
    indicator_derivation:
        the catalogue's ``derivation`` code:

        - ``share_of_schools_yes``: 100 · (schools with «да») / (schools with a value); a count counts as «да»
          when > 0;
        - ``share_of_schools_with_positive_dynamics``: the same over the schools' positive-dynamics flags
          (``opora.trends``; ``None`` = not enough data, left out);
        - ``share_of_schools_with_risk_factor``: the same over the schools' flags of one risk factor
          (``opora.risk_factors``, from the school's risk data; ``None`` = input missing, left out);
        - ``share_of_teachers`` / ``share_of_students``: 100 · Σ numerator / Σ denominator over the schools
          (people are summed, school percentages are not averaged);
        - ``count_sum``: Σ values;
        - ``bucket_distribution``: the share of schools in each bucket of ``scheme`` (``value`` is ``None``);
        - ``manual``: typed by the coordinator; returns ``value=None`` and says so.
    school_values:
        values of any schools, keyed by ``school_id``; schools outside ``target_schools`` are ignored.
    target_schools:
        ids of the schools the indicator counts (or id → display label), in display order.
    scheme:
        the municipal bucket scheme, when the municipal value is ``pct_bucket``; the result then names the bucket.
    sources:
        False skips the per-school ``sources`` (a dashboard of 1,000 schools needs only the totals).

    Returns
    -------
    DerivedValue
        with value, numerator, denominator, per-school sources and a Russian explanation.

    >>> r = derive_municipal("share_of_schools_yes",
    ...     [SchoolValue("a", "СОШ № 1", True), SchoolValue("b", "ООШ № 2", False), SchoolValue("c", "Лицей", True)],
    ...     ["a", "b"])
    >>> r.value, r.numerator, r.denominator
    (50.0, 1.0, 2.0)
    """
    values = _index(school_values)
    targets = _target_list(target_schools)
    if indicator_derivation in (
        "share_of_schools_yes",
        "share_of_schools_with_positive_dynamics",
        "share_of_schools_with_risk_factor",
    ):
        return _with_bucket(_share_of_schools(indicator_derivation, values, targets, sources), scheme)
    if indicator_derivation in ("share_of_teachers", "share_of_students"):
        return _with_bucket(_share_of_people(indicator_derivation, values, targets, sources), scheme)
    if indicator_derivation == "count_sum":
        return _count_sum(values, targets, sources)
    if indicator_derivation == "bucket_distribution":
        return _bucket_distribution(values, targets, scheme, sources)
    if indicator_derivation == "manual":
        return DerivedValue(
            "manual", None, None, None, "Значение вводит координатор: из школьных значений оно не выводится."
        )
    raise DerivationError(f"неизвестный способ расчёта {indicator_derivation!r}")


def target_status(target: Target | None, value: float | bool | None) -> TargetStatus:
    """``met``/``not_met`` against the year's target, ``no_data`` without a value, ``no_target`` without a target.

    >>> target_status(Target(2024, ">=", 50.0), 49.9), target_status(Target(2024, ">=", 50.0), 50.0)
    ('not_met', 'met')
    >>> target_status(None, 10.0), target_status(Target(2024, ">=", 50.0), None)
    ('no_target', 'no_data')
    """
    if target is None:
        return "no_target"
    met = target.is_met(value)
    if met is None:
        return "no_data"
    return "met" if met else "not_met"


def combined_status(statuses: Iterable[TargetStatus]) -> TargetStatus:
    """One status for a value checked against several targets (Приложение 1 and the roadmap may both set one).

    Not met when any target is not met; else no data when any lacks data; met when all are met; ``no_target``
    without targets.

    >>> combined_status(["met", "not_met"]), combined_status(["met", "no_data"]), combined_status([])
    ('not_met', 'no_data', 'no_target')
    """
    found = [s for s in statuses if s != "no_target"]
    if not found:
        return "no_target"
    for status in ("not_met", "no_data"):
        if status in found:
            return status
    return "met"
