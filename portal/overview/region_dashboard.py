"""The regional dashboard: municipalities of a region side by side (identification, monitoring, roadmap, results).

Every number of every municipality comes from six queries, whatever the number of municipalities: the rows are
assembled in Python from ``values_list`` reads of the whole region (tested with 2 and 5 municipalities).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from typing import Any

from django.db.models import Count
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from opora.safe_export import workbook_bytes
from portal.identification.models import IdentificationRun, SchoolOutcome
from portal.lib.collation import russian_key
from portal.monitoring.models import MonitoringPeriod, SchoolSubmission
from portal.roadmap.services import today
from portal.schools.models import Municipality, Region

#: Submission statuses that count as «сдана» (sent by the school; accepted ones included).
SUBMITTED = (SchoolSubmission.Status.SUBMITTED, SchoolSubmission.Status.ACCEPTED)


@dataclass
class Row:
    """One municipality's line of the comparison; shares are fractions (0–1) or None when there is no base."""

    municipality: Municipality
    schools: int
    run_pk: int | None = None
    run_year: int | None = None
    identified: int = 0
    low_results: int = 0
    adverse_context: int = 0
    at_risk: int = 0
    mean_index: float | None = None
    period_pk: int | None = None
    period_year: int | None = None
    forms: int = 0
    submitted: int = 0
    overdue: int = 0
    _index_values: list[float] = field(default_factory=list, repr=False)

    def share(self, count: int) -> float | None:
        return count / self.identified if self.identified else None

    @property
    def low_results_share(self) -> float | None:
        return self.share(self.low_results)

    @property
    def adverse_context_share(self) -> float | None:
        return self.share(self.adverse_context)

    @property
    def at_risk_share(self) -> float | None:
        return self.share(self.at_risk)

    @property
    def submitted_share(self) -> float | None:
        return self.submitted / self.forms if self.forms else None

    # Percentages for the page (the workbook keeps fractions with a percent format).
    @property
    def low_results_pct(self) -> float | None:
        return _pct(self.low_results_share)

    @property
    def adverse_context_pct(self) -> float | None:
        return _pct(self.adverse_context_share)

    @property
    def at_risk_pct(self) -> float | None:
        return _pct(self.at_risk_share)

    @property
    def submitted_pct(self) -> float | None:
        return _pct(self.submitted_share)


def comparison(region: Region, *, day: datetime.date | None = None) -> list[Row]:
    """One Row per municipality of the region, ordered by name."""
    municipalities = list(
        Municipality.objects.filter(region=region).annotate(n_schools=Count("schools")).order_by("name", "pk")
    )
    rows = {m.pk: Row(municipality=m, schools=m.n_schools) for m in municipalities}  # type: ignore[attr-defined]
    # Latest published identification of each municipality (as identification.services.latest_published).
    latest: dict[int, int] = {}
    for pk, mid, year in (
        IdentificationRun.objects.filter(
            municipality__region=region, status=IdentificationRun.Status.PUBLISHED
        )
        .order_by("municipality_id", "-year", "-published_at", "-pk")
        .values_list("pk", "municipality_id", "year")
    ):
        if mid not in latest:
            latest[mid] = pk
            rows[mid].run_pk, rows[mid].run_year = pk, year
    by_run = {pk: rows[mid] for mid, pk in latest.items()}
    for run_id, categories, index in SchoolOutcome.objects.filter(run_id__in=list(by_run)).values_list(
        "run_id", "categories", "results_index"
    ):
        row = by_run[run_id]
        row.identified += 1
        cats = categories or []
        row.low_results += "low_results" in cats
        row.adverse_context += "adverse_context" in cats
        row.at_risk += "at_risk" in cats
        if index is not None:
            row._index_values.append(index)
    for row in rows.values():
        if row._index_values:
            row.mean_index = sum(row._index_values) / len(row._index_values)
    # The open monitoring period of each municipality (the latest, if several are open) and its forms.
    periods: dict[int, Row] = {}
    for pk, mid, year in (
        MonitoringPeriod.objects.filter(municipality__region=region, status=MonitoringPeriod.Status.OPEN)
        .order_by("municipality_id", "-year", "-pk")
        .values_list("pk", "municipality_id", "year")
    ):
        if rows[mid].period_pk is None:
            rows[mid].period_pk, rows[mid].period_year = pk, year
            periods[pk] = rows[mid]
    for period_id, status, n in (
        SchoolSubmission.objects.filter(period_id__in=list(periods))
        .values("period_id", "status")
        .annotate(n=Count("pk"))
        .values_list("period_id", "status", "n")
    ):
        periods[period_id].forms += n
        if status in SUBMITTED:
            periods[period_id].submitted += n
    # Overdue roadmap entries: the one rule and default scope of portal.roadmap.overdue (municipal and schools'
    # roadmaps, every year), the scope shown beside the column (OVERDUE_SCOPE).
    from portal.roadmap.overdue import counts_by_municipality

    for mid, n in counts_by_municipality(rows, day=day or today()).items():
        rows[mid].overdue = n
    return list(rows.values())


def overdue_scope_text(day: datetime.date | None = None) -> str:
    """What the «Просрочено пунктов» column counts (the same scope as the municipality page)."""
    from portal.roadmap.overdue import DEFAULT

    return DEFAULT.describe(day or today())


#: Sortable columns: query value → (label, key). None sorts last whatever the direction.
SORTS: dict[str, tuple[str, Callable[[Row], Any]]] = {
    "name": ("Муниципалитет", lambda r: russian_key(r.municipality.name)),
    "schools": ("Школ", lambda r: r.schools),
    "low_results": ("ШНОР", lambda r: r.low_results),
    "low_results_share": ("Доля ШНОР", lambda r: r.low_results_share),
    "adverse_context": ("ШНСУ", lambda r: r.adverse_context),
    "adverse_context_share": ("Доля ШНСУ", lambda r: r.adverse_context_share),
    "at_risk": ("Зона риска", lambda r: r.at_risk),
    "at_risk_share": ("Доля в зоне риска", lambda r: r.at_risk_share),
    "submitted_share": ("Анкет сдано", lambda r: r.submitted_share),
    "overdue": ("Просрочено пунктов", lambda r: r.overdue),
    "mean_index": ("Средний индекс результатов", lambda r: r.mean_index),
}


def sort_rows(rows: list[Row], sort: str) -> tuple[list[Row], str, bool]:
    """Rows sorted by ``sort`` (a SORTS key, ``-`` prefix = descending); unknown keys sort by name."""
    desc = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORTS:
        key, desc = "name", False
    get = SORTS[key][1]

    def name(r: Row) -> tuple[Any, ...]:
        return russian_key(r.municipality.name)

    # Ties keep the names in ascending order (the sort is stable, also in reverse).
    known = sorted((r for r in rows if get(r) is not None), key=name)
    known.sort(key=get, reverse=desc)
    unknown = sorted((r for r in rows if get(r) is None), key=name)
    return known + unknown, key, desc


#: Metrics the bar chart can show: query value → (title, value, format).
CHART_METRICS: dict[str, tuple[str, Callable[[Row], float | None], str]] = {
    "low_results_share": ("Доля ШНОР, %", lambda r: _pct(r.low_results_share), "pct"),
    "adverse_context_share": ("Доля ШНСУ, %", lambda r: _pct(r.adverse_context_share), "pct"),
    "at_risk_share": ("Доля школ в зоне риска, %", lambda r: _pct(r.at_risk_share), "pct"),
    "submitted_share": ("Сдано анкет мониторинга, %", lambda r: _pct(r.submitted_share), "pct"),
    "overdue": ("Просроченные пункты дорожных карт", lambda r: r.overdue, "int"),
    "mean_index": ("Средний индекс результатов", lambda r: r.mean_index, "num"),
}


def _pct(value: float | None) -> float | None:
    return None if value is None else value * 100


def _fmt(value: float, kind: str) -> str:
    if kind == "int":
        return str(int(value))
    text = f"{value:.1f}" if kind == "pct" else f"{value:.2f}"
    return text.replace(".", ",").replace("-", "−")


def bar_chart_svg(rows: list[Row], metric: str) -> str:
    """A horizontal bar chart of one metric by municipality, as inline SVG (no script; negative values go left)."""
    title, get, kind = CHART_METRICS.get(metric, CHART_METRICS["low_results_share"])
    values = [(r.municipality.name, get(r)) for r in rows]
    known = [v for _, v in values if v is not None]
    if not known:
        return '<p class="muted">Нет данных для диаграммы.</p>'
    bar_h, gap, left, right, top = 18, 6, 230, 70, 28
    width = 760
    height = top + len(values) * (bar_h + gap) + 10
    lo, hi = min(0.0, *known), max(0.0, *known)
    span = (hi - lo) or 1.0
    plot = width - left - right

    def sx(v: float) -> float:
        return left + (v - lo) / span * plot

    zero = sx(0.0)
    out = [
        f'<svg class="chart chart--bars" viewBox="0 0 {width} {height}" role="img" aria-labelledby="bars-title" '
        'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="bars-title">{escape(title)} по муниципалитетам</title>',
        f'<text x="{left}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{zero:.1f}" y1="{top - 4}" x2="{zero:.1f}" y2="{height - 6}" stroke="#555" stroke-width="1"/>',
    ]
    for i, (name, value) in enumerate(values):
        y = top + i * (bar_h + gap)
        label = name if len(name) <= 32 else name[:31] + "…"
        out.append(
            f'<text x="{left - 6}" y="{y + bar_h - 5}" font-size="12" text-anchor="end">{escape(label)}</text>'
        )
        if value is None:
            out.append(
                f'<text x="{zero + 4:.1f}" y="{y + bar_h - 5}" font-size="12" fill="#777">нет данных</text>'
            )
            continue
        x0, x1 = sorted((zero, sx(value)))
        out.append(
            f'<rect x="{x0:.1f}" y="{y}" width="{max(x1 - x0, 0.5):.1f}" height="{bar_h}" fill="#3f6fb5">'
            f"<title>{escape(name)}: {_fmt(value, kind)}</title></rect>"
        )
        out.append(f'<text x="{x1 + 4:.1f}" y="{y + bar_h - 5}" font-size="12">{_fmt(value, kind)}</text>')
    out.append("</svg>")
    return "".join(out)


HEADER_FILL = PatternFill("solid", fgColor="DCE6F2")

XLSX_COLUMNS: list[tuple[str, Callable[[Row], Any]]] = [
    ("Муниципалитет", lambda r: r.municipality.name),
    ("Школ", lambda r: r.schools),
    ("Год идентификации (опубликованной)", lambda r: r.run_year),
    ("Школ в идентификации", lambda r: r.identified if r.run_pk else None),
    ("ШНОР", lambda r: r.low_results if r.run_pk else None),
    ("Доля ШНОР", lambda r: r.low_results_share),
    ("ШНСУ", lambda r: r.adverse_context if r.run_pk else None),
    ("Доля ШНСУ", lambda r: r.adverse_context_share),
    ("Зона риска", lambda r: r.at_risk if r.run_pk else None),
    ("Доля в зоне риска", lambda r: r.at_risk_share),
    ("Средний индекс результатов", lambda r: r.mean_index),
    ("Открытый период мониторинга", lambda r: r.period_year),
    ("Анкет всего", lambda r: r.forms if r.period_pk else None),
    ("Анкет сдано", lambda r: r.submitted if r.period_pk else None),
    ("Доля сданных анкет", lambda r: r.submitted_share),
    ("Просроченные пункты дорожных карт", lambda r: r.overdue),
]
SHARE_COLUMNS = {"Доля ШНОР", "Доля ШНСУ", "Доля в зоне риска", "Доля сданных анкет"}


def comparison_xlsx(region: Region, rows: list[Row], *, day: datetime.date | None = None) -> bytes:
    """The comparison as an Excel workbook: one sheet «Муниципалитеты» (shares as percent cells), one «О выгрузке»."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Муниципалитеты"
    header = [name for name, _ in XLSX_COLUMNS]
    ws.append(header)
    for cell in ws[1]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        ws.append([get(row) for _, get in XLSX_COLUMNS])
    for i, name in enumerate(header, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(12, min(40, len(name) + 2))
        if name in SHARE_COLUMNS:
            for cell in ws[letter][1:]:
                cell.number_format = "0.0%"
        elif name == "Средний индекс результатов":
            for cell in ws[letter][1:]:
                cell.number_format = "0.000"
    ws.freeze_panes = "B2"
    about = wb.create_sheet("О выгрузке")
    for line in (
        ("Регион", str(region)),
        ("Дата выгрузки", (day or today()).strftime("%d.%m.%Y")),
        (
            "Идентификация",
            "последний опубликованный расчёт каждого муниципалитета; доли — от школ этого расчёта",
        ),
        ("Мониторинг", "последний открытый период; сданы — анкеты со статусом «Отправлена» или «Принята»"),
        (
            "Дорожные карты",
            "пункты муниципальной и школьных дорожных карт, не выполненные к прошедшему сроку",
        ),
        ("Средний индекс результатов", "среднее индекса результатов школ последнего опубликованного расчёта"),
    ):
        about.append(list(line))
    about.column_dimensions["A"].width = 30
    about.column_dimensions["B"].width = 100
    return workbook_bytes(wb)
