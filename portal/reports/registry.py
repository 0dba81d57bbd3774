"""The document registry: each report type declares its parameters and ``render() -> (filename, mime, bytes)``.

Report types build a :class:`portal.reports.document.Report` from the stored data; the registry renders it as DOCX
or PDF. Municipality-wide reports run as background jobs (``reports.render``) with progress; a school card is fast
enough to be made in the request. Numbers are formatted in Russian (decimal comma), dates ДД.ММ.ГГГГ.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from django.utils import timezone

from opora.plural import SCHOOL, count
from opora.recommendations import Recommendation, recommend
from portal.identification.models import SHORT_LABELS, IdentificationRun, SchoolOutcome, category_label
from portal.reports import charts
from portal.reports.document import (
    DOCX_MIME,
    PDF_MIME,
    Bullets,
    Figure,
    Heading,
    Para,
    Report,
    Table,
    to_docx,
    to_pdf,
)
from portal.reports.facts import YearData, authority_facts, load_year, school_facts
from portal.reports.services import active_rules
from portal.schools.models import Municipality, School

Progress = Callable[[float, str], None]
Format = Literal["docx", "pdf"]


def _noop(percent: float, message: str = "") -> None:
    return None


def num(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    text = f"{value:.{digits}f}".replace(".", ",").replace("-", "−")
    return text


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}".replace(".", ",") + "\u00a0%"


@dataclass(frozen=True)
class Param:
    """A parameter of a report: ``year`` (a calendar year) or ``school`` (a school of the municipality)."""

    name: str
    label: str
    kind: Literal["year", "school"]


class ReportType:
    code: str = ""
    title: str = ""
    description: str = ""
    scope: Literal["municipality", "school"] = "municipality"
    params: tuple[Param, ...] = (Param("year", "Год", "year"),)

    def build(self, municipality: Municipality, values: dict[str, Any], progress: Progress) -> Report:
        raise NotImplementedError

    def filename(self, municipality: Municipality, values: dict[str, Any], fmt: Format) -> str:
        parts = [self.code, municipality.code, str(values.get("year", ""))]
        if "school" in values:
            parts.append(School.objects.get(pk=values["school"]).code)
        return "-".join(p for p in parts if p) + f".{fmt}"

    def render(
        self, municipality: Municipality, values: dict[str, Any], fmt: Format, progress: Progress = _noop
    ) -> tuple[str, str, bytes]:
        report = self.build(municipality, values, progress)
        progress(90, "Оформление документа…")
        content = to_docx(report) if fmt == "docx" else to_pdf(report)
        return self.filename(municipality, values, fmt), DOCX_MIME if fmt == "docx" else PDF_MIME, content


REGISTRY: dict[str, ReportType] = {}


def register(cls: type[ReportType]) -> type[ReportType]:
    REGISTRY[cls.code] = cls()
    return cls


def _place_date(municipality: Municipality) -> str:
    return f"{municipality.name}, {timezone.localdate():%d.%m.%Y}"


def _authority(municipality: Municipality) -> str:
    return f"Управление образования: {municipality.name}"


def _recommendation_blocks(found: list[Recommendation]) -> list[Any]:
    """Each recommendation with its evidence and the measures of the region's library it points to."""
    blocks: list[Any] = []
    for i, r in enumerate(found, 1):
        titles = r.measure_titles or ("",) * len(r.measures)
        measures = "; ".join(f"{m} «{t}»" if t else m for m, t in zip(r.measures, titles, strict=False))
        evidence = "; ".join(f"{label}: {value}" for label, value in r.evidence)
        blocks.append(Para(f"{i}. {r.title} (важность: {r.importance_label}). {r.text}"))
        blocks.append(
            Para(f"Основание: {evidence}. Меры из библиотеки: {measures}. Правило {r.rule}.", "note")
        )
    return blocks


# ---------------------------------------------------------------------------------------------------- reports


@register
class IdentificationReport(ReportType):
    code = "identification"
    title = "Аналитическая справка о результатах идентификации"
    description = "Метод, модель, диаграмма рассеяния, таблица школ, категории и изменения по сравнению с прошлым годом."

    def build(self, municipality: Municipality, values: dict[str, Any], progress: Progress) -> Report:
        from portal.jobs.services import JobError

        year = int(values["year"])
        run = (
            IdentificationRun.objects.filter(
                municipality=municipality, year=year, status=IdentificationRun.Status.PUBLISHED
            )
            .order_by("-published_at")
            .first()
        )
        if run is None:
            raise JobError(
                f"Нет опубликованного расчёта идентификации за {year} г.: опубликуйте расчёт и повторите."
            )
        progress(10, "Чтение расчёта…")
        outcomes = list(
            SchoolOutcome.objects.filter(run=run)
            .select_related("school")
            .order_by("school__sort_key", "school__name")
        )
        previous = (
            IdentificationRun.objects.filter(
                municipality=municipality, year__lt=year, status=IdentificationRun.Status.PUBLISHED
            )
            .order_by("-year", "-published_at")
            .first()
        )
        report = Report(
            _authority(municipality), self.title, f"по итогам {year} г.", _place_date(municipality)
        )
        model = run.model or {}
        with_index = [o for o in outcomes if o.results_index is not None and o.context_index is not None]
        report.add(
            Heading("1. Общие сведения"),
            Para(
                f"Идентификация школ с низкими результатами обучения (ШНОР), школ, функционирующих в неблагоприятных "
                f"социальных условиях (ШНСУ), и школ зоны риска снижения образовательных результатов проведена по "
                f"данным {year} г. для {len(outcomes)} школ муниципалитета; индекс рассчитан для {len(with_index)} "
                f"школ. Модель построена на выборке: {run.fit_description}. Расчёт опубликован "
                f"{run.published_at:%d.%m.%Y}."
                if run.published_at
                else ""
            ),
            Para(
                "Индекс образовательных результатов школы сопоставляется с индексом её социального контекста "
                "линейной регрессией; разность фактического и ожидаемого результата (остаток) показывает, насколько "
                "школа учит лучше или хуже школ в сходных условиях. Методика, все пороги и их источники описаны на "
                "странице «Методика» системы «Опора»; параметры этого расчёта сохранены вместе с ним."
            ),
            Heading("2. Модель"),
            Table(
                "Параметры регрессионной модели",
                ["Параметр", "Значение"],
                [
                    ["Свободный член", num(model.get("intercept"))],
                    ["Коэффициент при индексе контекста", num(model.get("slope"))],
                    ["Коэффициент детерминации R²", num(model.get("r_squared"))],
                    ["Число школ в модели", str(model.get("n", run.n_fit))],
                ],
                numeric=frozenset({1}),
                widths_mm=[110, 55],
            ),
        )
        progress(30, "Построение диаграммы…")
        report.add(
            Figure(
                charts.scatter_png(with_index, model),
                "Индекс результатов и индекс социального контекста школ",
            ),
            Heading("3. Результаты школ"),
            Table(
                "Индексы, ожидаемый результат, остаток и категории школ",
                [
                    "Школа",
                    "Индекс результатов",
                    "Индекс контекста",
                    "Ожидаемый",
                    "Станд. остаток",
                    "Категории",
                ],
                [
                    [
                        o.school.short_name or o.school.name,
                        num(o.results_index),
                        num(o.context_index),
                        num(o.expected),
                        num(o.std_residual),
                        ", ".join(SHORT_LABELS.get(c, c) for c in o.categories) or "—",
                    ]
                    for o in outcomes
                ],
                numeric=frozenset({1, 2, 3, 4}),
                widths_mm=[45, 22, 22, 22, 22, 32],
                small=True,
            ),
            Heading("4. Категории и обоснование"),
        )
        for code in ("low_results", "adverse_context", "at_risk", "resilient"):
            members = [o for o in outcomes if code in o.categories]
            report.add(Para(f"{category_label(code)}: {len(members)} шк.", "center"))
            if members:
                report.add(
                    Bullets(
                        [
                            f"{o.school.short_name or o.school.name}: "
                            + "; ".join(
                                r["text_ru"]
                                for r in o.reasons
                                if r.get("fired") and r.get("category") == code
                            )
                            for o in members
                        ]
                    )
                )
        progress(60, "Сравнение с прошлым годом…")
        report.add(Heading("5. Изменения по сравнению с прошлым годом"))
        if previous is None:
            report.add(Para("Опубликованного расчёта за прошлые годы нет: сравнение не проводится."))
        else:
            before = {o.school_id: set(o.categories) for o in SchoolOutcome.objects.filter(run=previous)}
            rows = []
            for o in outcomes:
                was, now = before.get(o.school_id, set()), set(o.categories)
                if was != now:
                    added = ", ".join(SHORT_LABELS.get(c, c) for c in sorted(now - was)) or "—"
                    removed = ", ".join(SHORT_LABELS.get(c, c) for c in sorted(was - now)) or "—"
                    rows.append([o.school.short_name or o.school.name, added, removed])
            if rows:
                report.add(
                    Table(
                        f"Изменения категорий по сравнению с расчётом {previous.year} г.",
                        ["Школа", "Новые категории", "Категории сняты"],
                        rows,
                        widths_mm=[55, 55, 55],
                    )
                )
            else:
                report.add(Para(f"Категории школ не изменились по сравнению с расчётом {previous.year} г."))
        data = load_year(municipality, year)
        found = recommend(
            authority_facts(data).values, active_rules(municipality.region_id), scope="authority"
        )
        report.add(Heading("6. Рекомендации управлению образования"))
        report.add(*(_recommendation_blocks(found) or [Para("Значимых замечаний нет.")]))
        return report


_PCT = re.compile(r"(\d)[ \u00a0]?%")


def nbsp_pct(text: str) -> str:
    """One style of «%» in a document: a number, a no-break space, the sign — «50%», «50 %» become «50\u00a0%».

    >>> nbsp_pct("не менее 50% ШНРО, 75 % школ") == "не менее 50\u00a0% ШНРО, 75\u00a0% школ"
    True
    """
    return _PCT.sub("\\1\u00a0%", text).replace("%ШНРО", "%\u00a0ШНРО")


def _indicator_rows(rows: list[Any]) -> list[list[str]]:
    """One line per municipal slot; an indicator's full wording (never cut) on its first line, subitems below it.

    A value checked against a target on another base (ШНРО only) is given beside the value with that base.
    """
    out: list[list[str]] = []
    seen: set[int] = set()
    for r in rows:
        first = r.indicator.pk not in seen
        seen.add(r.indicator.pk)
        wording = " ".join((r.indicator.municipal_wording or r.indicator.school_wording).split())
        name = wording
        if r.label:
            name = f"{wording}: {r.label}" if first else f"— {r.label}"
        value = r.display
        for c in getattr(r, "checks", []):
            if not c.own_base:
                value += f"; по базе «{c.base_label}»: {c.display}"
        trend = "; ".join(f"{y}: {pct(v)}" for y, v in r.trend)
        out.append(
            [
                r.indicator.code if first else "",
                nbsp_pct(name),
                nbsp_pct(value),
                nbsp_pct(r.target_display),
                r.status_label,
                nbsp_pct(trend),
            ]
        )
    return out


@register
class MonitoringReport(ReportType):
    code = "monitoring"
    title = "Аналитический отчёт о результатах мониторинга реализации программы"
    description = "Цели и значения показателей, динамика по годам, адресные рекомендации школам и управлению."

    def build(self, municipality: Municipality, values: dict[str, Any], progress: Progress) -> Report:
        from portal.jobs.services import JobError
        from portal.monitoring import derive

        year = int(values["year"])
        data = load_year(municipality, year)
        if data.period is None:
            raise JobError(f"Мониторинг за {year} г. не открыт: отчёт строится по периоду мониторинга.")
        period = data.period
        progress(10, "Расчёт муниципальных значений…")
        rows, summary = derive.cached_rows(period)
        rows = derive.with_trends(period, list(rows))
        report = Report(_authority(municipality), self.title, f"за {year} г.", _place_date(municipality))
        counts: dict[str, int] = {}
        for r in rows:
            counts[r.status] = counts.get(r.status, 0) + 1
        state = (
            "период закрыт, значения зафиксированы"
            if not period.is_open
            else "период открыт: значения на дату отчёта"
        )
        report.add(
            Heading("1. Общие сведения"),
            Para(
                f"Мониторинг показателей Приложения 1 к приказу № 41 проведён за {year} г. ({state}). "
                f"Целевые школы (ШНОР и школы зоны риска): {count(summary.targets, SCHOOL)}; всего в "
                f"муниципалитете — {count(summary.schools, SCHOOL)}. "
                f"Показатели с целью на год: достигнута — {counts.get('met', 0)}, не достигнута — "
                f"{counts.get('not_met', 0)}, нет данных — {counts.get('no_data', 0)}; без цели — "
                f"{counts.get('no_target', 0)}. Цели сравниваются со значением на той базе, которую задаёт "
                "документ: «% ШНРО» — только по ШНРО."
            ),
            Para(
                f"Просроченных пунктов дорожных карт: {sum(len(v) for v in data.overdue.values())} "
                f"({data.overdue_scope})."
            ),
            Heading("2. Значения показателей и цели"),
            Table(
                "Муниципальные значения показателей, цели года и их достижение",
                ["№", "Показатель", "Значение", "Цель", "Статус", "Динамика по годам"],
                _indicator_rows(rows),
                widths_mm=[10, 78, 22, 24, 16, 20],
                small=True,
            ),
        )
        progress(30, "Диаграмма…")
        targeted = [r for r in rows if r.target is not None and isinstance(r.value, float)]
        if targeted:
            report.add(Figure(charts.targets_png(targeted), "Значения показателей и цели года"))
        report.add(Heading("3. Рекомендации управлению образования"))
        book = active_rules(municipality.region_id)
        found = recommend(authority_facts(data).values, book, scope="authority")
        report.add(*(_recommendation_blocks(found) or [Para("Значимых замечаний нет.")]))
        report.add(Heading("4. Адресные рекомендации школам"))
        schools = list(School.objects.filter(municipality=municipality))
        targets = {t.school_id for t in period.target_schools.all()}
        program = [s for s in schools if s.pk in targets] or schools
        for i, school in enumerate(program):
            progress(40 + 45 * i / max(1, len(program)), f"Рекомендации: {school.short_name or school.name}")
            found = recommend(school_facts(data, school).values, book)
            report.add(Heading(school.short_name or school.name, level=2))
            report.add(*(_recommendation_blocks(found) or [Para("Значимых замечаний нет.")]))
        return report


def school_card(
    school: School, year: int, *, only_significant: bool = True
) -> tuple[Report, list[Recommendation]]:
    """The school's card: categories with reasons, risk data, monitoring answers, dynamics, recommendations."""
    data = load_year(school.municipality, year, schools=[school.pk])
    facts = school_facts(data, school)
    found = recommend(
        facts.values, active_rules(school.municipality.region_id), only_significant=only_significant
    )
    report = Report(
        _authority(school.municipality),
        f"Карточка школы: {school.name}",
        f"по данным {year} г.",
        _place_date(school.municipality),
    )
    run = data.run
    outcome = data.outcomes.get((run.pk, school.pk)) if run is not None else None
    report.add(Heading("1. Результаты идентификации"))
    if outcome is None:
        report.add(Para("Опубликованного расчёта идентификации по школе нет."))
    else:
        assert run is not None
        cats = ", ".join(category_label(c) for c in outcome.categories) or "категорий нет"
        report.add(
            Para(
                f"Расчёт {run.year} г.: {cats}. Индекс результатов {num(outcome.results_index)}, индекс контекста "
                f"{num(outcome.context_index)}, ожидаемый результат {num(outcome.expected)}, стандартизованный остаток "
                f"{num(outcome.std_residual)}."
            ),
            Bullets(
                [r["text_ru"] for r in outcome.reasons if r.get("fired")] or ["Ни одно правило не выполнено."]
            ),
        )
    report.add(Heading("2. Данные, на которых основаны рекомендации"))
    from opora.recommendations import FACTS, format_fact

    shown = [(n, v) for n, v in facts.values.items() if n in FACTS and FACTS[n].kind != "text"]
    report.add(
        Table(
            "Показатели школы и их источники",
            ["Показатель", "Значение", "Источник"],
            [[FACTS[n].label, format_fact(n, v), facts.sources.get(n, "")] for n, v in shown],
            widths_mm=[75, 25, 65],
            small=True,
        )
    )
    report.add(Heading("3. Адресные рекомендации"))
    report.add(*(_recommendation_blocks(found) or [Para("Значимых замечаний нет.")]))
    return report, found


@register
class SchoolCardReport(ReportType):
    code = "school-card"
    title = "Карточка школы с адресными рекомендациями"
    description = "Категории и их обоснование, данные школы с источниками, рекомендации."
    scope = "school"
    params = (Param("year", "Год", "year"), Param("school", "Школа", "school"))

    def build(self, municipality: Municipality, values: dict[str, Any], progress: Progress) -> Report:
        school = School.objects.get(pk=values["school"], municipality=municipality)
        return school_card(school, int(values["year"]), only_significant=not values.get("all"))[0]


@register
class ResultsReport(ReportType):
    code = "results"
    title = "Отчёт о результатах анализа образовательных результатов школ программы"
    description = "Средние результаты школ программы по процедурам и предметам в сравнении с муниципалитетом и прошлым годом."

    def build(self, municipality: Municipality, values: dict[str, Any], progress: Progress) -> Report:
        from portal.jobs.services import JobError

        year = int(values["year"])
        data: YearData = load_year(municipality, year)
        table = charts.results_table(municipality, data, year)
        if not table:
            raise JobError(f"Нет загруженных результатов оценочных процедур за {year} г.")
        report = Report(_authority(municipality), self.title, f"за {year} г.", _place_date(municipality))
        report.add(
            Heading("1. Школы программы"),
            Para(
                "Школы программы — ШНОР и школы зоны риска по последнему опубликованному расчёту идентификации. "
                "Сравниваются средние проценты выполнения работ (для ЕГЭ, если процента нет, — средний тестовый "
                "балл по 100-балльной шкале), взвешенные по числу участников, школ программы и всех школ "
                "муниципалитета; изменение — по сравнению с прошлым годом, в процентных пунктах (для ЕГЭ — в баллах)."
            ),
            Heading("2. Результаты по процедурам и предметам"),
            Table(
                "Средние результаты школ программы и муниципалитета",
                [
                    "Процедура, предмет, класс",
                    "Школы программы",
                    "Все школы",
                    "Разность",
                    f"Изменение к {year - 1}\u00a0г.",
                ],
                table,
                numeric=frozenset({1, 2, 3, 4}),
                widths_mm=[60, 26, 26, 26, 27],
                small=True,
            ),
        )
        progress(60, "Диаграмма…")
        png = charts.results_png(table)
        if png:
            report.add(Figure(png, "Разность результатов школ программы и муниципалитета, п.п."))
        return report
