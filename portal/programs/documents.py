"""The program's documents: one context → DOCX (docxtpl template), PDF (WeasyPrint) and the HTML preview.

A document has the program text (passport, analysis with the school's numbers and the profile chart, goals and
tasks, target indicators, measures, expected results, monitoring, risks), then Приложение 1 — the calendar
schedule (measures × months of the school year) and Приложение 2 — the roadmap (measures × years 2023–2025,
responsible, result, evidence). The failure-prevention program is the same document with its own headings.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from django.core.cache import cache
from django.template.loader import render_to_string

from opora import constructor
from opora.measures_catalogue import DIRECTIONS
from portal.lib import documents as docs
from portal.programs import charts
from portal.programs.models import Program, RiskFactor
from portal.results.models import Procedure

TEMPLATE = Path(__file__).resolve().parent / "doc_templates" / "program.docx"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"

CATEGORY_WORDS = {
    "low_results": "школа с низкими результатами обучения (ШНОР)",
    "adverse_context": "школа, функционирующая в неблагоприятных социальных условиях (ШНСУ)",
    "at_risk": "школа в зоне риска снижения образовательных результатов",
    "resilient": "резильентная школа",
    "above_expected": "школа с результатами выше ожидаемых",
}
PROGRAM_RISKS = [
    (
        "Формальное участие педагогов в мероприятиях программы",
        "Обсуждение задач программы на педагогическом совете; учёт участия в ИОМ педагогов; адресная поддержка методистов",
    ),
    (
        "Недостаток кадров для реализации мероприятий",
        "Привлечение наставников и педагогов школ-партнёров; сетевое взаимодействие; перераспределение нагрузки",
    ),
    (
        "Недостаточное финансирование оснащения",
        "Включение потребностей в план ФХД и муниципальную программу; участие в грантовых конкурсах",
    ),
    (
        "Низкая вовлечённость родителей",
        "Индивидуальные консультации, совместные мероприятия, информирование через сайт и мессенджеры школы",
    ),
    (
        "Отсутствие положительной динамики результатов",
        "Ежегодная корректировка программы по итогам мониторинга; адресная методическая помощь МКУ",
    ),
]


def _months_header() -> list[str]:
    return [docs.RU_MONTHS_SHORT[m - 1] for m in constructor.SCHOOL_YEAR_MONTHS]


def _title_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def context(program: Program) -> dict[str, Any]:
    """Everything a document shows, as plain strings and lists (shared by DOCX, PDF and HTML)."""
    school = program.school
    snap = program.snapshot or {}
    profile: dict[str, str] = snap.get("profile", {})
    facts: dict[str, Any] = snap.get("facts", {})
    factors = list(
        RiskFactor.objects.filter(code__in=list(profile) + list(program.priorities)).order_by("position")
    )
    titles = {f.code: f.title for f in factors}
    failure = program.kind == Program.Kind.FAILURE
    goals = list(program.goals.all())
    measures = list(program.measures.all())
    # The roadmap template has three year columns (the program cycle 2023–2025).
    years = list(range(program.year_from, program.year_from + 3))

    risk_rows = [
        {
            "title": f.title,
            "level": charts.WORDS.get(profile.get(f.code, ""), "не оценён"),
            "priority": "да" if f.code in program.priorities else "",
        }
        for f in factors
        if f.code in profile
    ]
    results_rows = [
        {
            "procedure": Procedure(r["procedure"]).label
            if r["procedure"] in Procedure.values
            else r["procedure"],
            "year": str(r["year"]),
            "n": docs.ru_number(r["n"], 0),
            "share_2": docs.ru_percent(r["share_2"]),
        }
        for r in facts.get("results", [])
    ]
    categories = [CATEGORY_WORDS.get(c, c) for c in snap.get("categories", [])]
    high = [titles.get(c, c) for c, lv in profile.items() if lv == "high"]
    analysis = [
        f"Анализ выполнен по данным {program.profile_year} г.: результаты оценочных процедур (ВПР, ОГЭ, ЕГЭ, КДР), "
        "муниципальные факторы риска, рисковый профиль школы и результаты идентификации.",
        (
            f"По итогам идентификации {facts.get('identification_year')} г. школа отнесена к категориям: {'; '.join(categories)}."
            if categories
            else "По итогам опубликованной идентификации школа не отнесена к категориям программы поддержки."
        ),
    ]
    if facts.get("vpr_share_2") is not None:
        analysis.append(
            f"Доля отметок «2» по ВПР в {program.profile_year} г. составила {docs.ru_percent(facts['vpr_share_2'])} "
            "(все предметы и классы)."
        )
    inputs = [
        ("staff_vacancies", "число вакансий педагогических работников", lambda v: docs.ru_number(v, 0)),
        ("internet_mbps", "скорость подключения к сети Интернет", lambda v: f"{docs.ru_number(v)} Мбит/с"),
        ("share_category_first_highest", "доля педагогов с первой и высшей категориями", docs.ru_percent),
        ("share_trained_3y", "доля педагогов, прошедших повышение квалификации за 3 года", docs.ru_percent),
    ]
    parts = [f"{label} — {fmt(facts[key])}" for key, label, fmt in inputs if facts.get(key) is not None]
    if facts.get("equipment_complete") is not None:
        parts.append(
            "все предметы обеспечены оборудованием по ООП"
            if facts["equipment_complete"]
            else "не все предметы обеспечены оборудованием по ООП"
        )
    if parts:
        analysis.append("Муниципальные показатели условий: " + "; ".join(parts) + ".")
    analysis.append(
        f"Высокий уровень риска установлен по факторам: {', '.join('«' + t + '»' for t in high)}."
        if high
        else "Факторов с высоким уровнем риска не выявлено."
    )
    if program.analysis_note.strip():
        analysis.extend(p.strip() for p in program.analysis_note.splitlines() if p.strip())

    goal_rows = []
    for n, g in enumerate(goals, start=1):
        goal_rows.append(
            {
                "n": str(n),
                "text": g.text,
                "tasks": g.task_list
                or [f"реализовать меры программы по фактору «{titles.get(g.factor_code, g.factor_code)}»"],
                "indicator": g.indicator,
                "unit": g.unit,
                "baseline": docs.ru_number(g.baseline),
                "target": docs.ru_number(g.target),
            }
        )
    measure_rows = []
    for n, m in enumerate(measures, start=1):
        months = constructor.active_months(
            m.start, m.end, program.school_year, m.timing_months, m.timing_kind
        )
        measure_rows.append(
            {
                "n": str(n),
                "title": m.title,
                "description": m.description,
                "factors": ", ".join(titles.get(f, f) for f in m.factor_codes) or "—",
                "directions": ", ".join(str(d) for d in m.directions),
                "responsible": m.responsible or "—",
                "dates": f"{docs.ru_date(m.start)}–\u200b{docs.ru_date(m.end)}",
                "result": m.expected_result or "—",
                "evidence": m.evidence or "—",
                "basis": m.provenance_text(),
                "months": ["+" if on else "" for on in months],
                "years": [
                    _months_text(
                        constructor.months_in_year(m.start, m.end, y, m.timing_months, m.timing_kind)
                    )
                    for y in years
                ],
            }
        )
    expected = [
        f"{g['indicator']}: с {g['baseline']} до {g['target']}\u00a0{g['unit']}".rstrip() for g in goal_rows
    ]
    expected += sorted({m.expected_result for m in measures if m.expected_result})[:6]
    kind_title = constructor.KINDS[program.kind]
    sections = {
        "goals": "Цели и задачи программы"
        if not failure
        else "Цели и задачи профилактики учебной неуспешности",
        "measures": "Мероприятия программы"
        if not failure
        else "Меры профилактики и ликвидации учебной неуспешности",
    }
    passport = [
        (
            "Наименование программы",
            f"{kind_title} {school.name} на {program.year_from}–{program.year_to} годы",
        ),
        (
            "Основания для разработки",
            "Приказ Управления образования от 26.01.2023 № 41 «О реализации муниципальной программы поддержки школ с низкими результатами обучения»; рисковый профиль школы; результаты идентификации",
        ),
        ("Разработчик", f"Управленческая команда {school.short_name}"),
        ("Руководитель программы", program.director or "директор школы"),
        ("Цель", "; ".join(g.text for g in goals) or "—"),
        ("Приоритетные риски", "; ".join(titles.get(p, p) for p in program.priorities) or "—"),
        ("Сроки реализации", f"{program.year_from}–{program.year_to} годы"),
        (
            "Целевые показатели",
            "; ".join(f"{g['indicator']} — {g['target']}\u00a0{g['unit']}".rstrip() for g in goal_rows)
            or "—",
        ),
        (
            "Система контроля",
            "Ежегодный мониторинг показателей программы; отчёт на педагогическом совете; муниципальный мониторинг (ноябрь–декабрь)",
        ),
    ]
    status = "УТВЕРЖДЕНА" if program.is_approved else "ПРОЕКТ"
    approved = docs.ru_date(program.approved_at.date()) if program.approved_at else "__.__.____"
    return {
        "authority": school.municipality.authority_name or str(school.municipality),
        "school_name": school.name,
        "school_short": school.short_name,
        "status_word": status,
        "approved_line": f"приказом директора от {approved} № ____" if program.is_approved else "",
        "kind_title": kind_title.upper(),
        "period": f"на {program.year_from}–{program.year_to} годы",
        "version": f"Версия {program.version}",
        "city_year": f"{_city(school.municipality.name)}, {program.year_from}",
        "passport": [{"k": k, "v": v} for k, v in passport],
        "analysis": analysis,
        "risk_rows": risk_rows,
        "results_rows": results_rows,
        "goals": goal_rows,
        "measures": measure_rows,
        "expected": expected,
        "monitoring": [
            "Мониторинг реализации программы проводится ежегодно в ноябре–декабре в рамках муниципального мониторинга показателей программы поддержки ШНОР (Приложение 1 к приказу № 41).",
            "Ответственный за мониторинг — заместитель директора по УВР; итоги рассматриваются на педагогическом совете и размещаются на сайте школы.",
            "По итогам мониторинга программа корректируется: создаётся новая версия в Конструкторе ШППКО.",
        ],
        "risks": [{"risk": r, "way": w} for r, w in PROGRAM_RISKS],
        "sections": sections,
        "school_year": f"{program.school_year}/{program.school_year + 1}",
        "month_names": _months_header(),
        "years": [str(y) for y in years],
        "directions": [{"n": str(k), "title": v} for k, v in DIRECTIONS.items()],
    }


def _months_text(months: tuple[int, ...]) -> str:
    """(9, 10, 11, 12) → «сен–дек»; (3, 9, 12) → «мар, сен, дек»; () → «—»."""
    if not months:
        return "—"
    runs: list[list[int]] = []
    for m in months:
        if runs and m == runs[-1][-1] + 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    names = docs.RU_MONTHS_SHORT
    return ", ".join(
        names[r[0] - 1] if len(r) == 1 else f"{names[r[0] - 1]}–{names[r[-1] - 1]}" for r in runs
    )


def _city(name: str) -> str:
    return name.replace("(демо)", "").replace("г. ", "").strip() or name


def _profile_rows(program: Program) -> list[tuple[str, str]]:
    """(factor title, level) of the program's risk profile, in the factors' catalogue order."""
    profile: dict[str, str] = (program.snapshot or {}).get("profile", {})
    factors = RiskFactor.objects.filter(code__in=list(profile)).order_by("position")
    return [(f.title, profile[f.code]) for f in factors]


def chart_png(program: Program) -> bytes:
    """Bar chart of the risk profile as a PNG picture (for the DOCX)."""
    return _profile_chart_png(tuple(_profile_rows(program)))


@functools.lru_cache(maxsize=64)
def _profile_chart_png(rows: tuple[tuple[str, str], ...]) -> bytes:
    """The picture shows nothing but the (factor, level) pairs, so the same profile gives the same PNG: a process
    keeps the last 64 (about 60 KB each). A program's profile is frozen in its snapshot, so every document of a
    program after the first — edits of measures, goals, dates, re-downloads — reuses its picture instead of
    spending matplotlib's 130–200 ms on it again."""
    return docs.bar_chart_png(
        [_wrap(title) for title, _ in rows],
        [constructor.LEVEL_SCORE[level] for _, level in rows],
        colors=[charts.COLORS[level] for _, level in rows],
        ticks=[(1, "низкий"), (2, "средний"), (3, "высокий")],
    )


def _wrap(text: str, width: int = 48) -> str:
    words, lines, line = text.split(), [], ""
    for w in words:
        if len(line) + len(w) + 1 > width and line:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "\n".join(lines[:3])


def render_html(program: Program, *, for_pdf: bool = False, ctx: dict[str, Any] | None = None) -> str:
    """The document as HTML: the preview page's body, or (``for_pdf``) a whole page for WeasyPrint.

    The profile chart is a table of bars in the document font (charts.profile_chart_document), so the HTML and the
    PDF need no picture: the PDF's chart stays sharp at any zoom, its factor names are text, and no matplotlib
    drawing delays the PDF (only the DOCX needs a PNG).
    """
    full = dict(ctx if ctx is not None else context(program))
    full["chart"] = charts.profile_chart_document(_profile_rows(program))
    full["for_pdf"] = for_pdf
    return render_to_string("programs/document.html", full)


def render_pdf(program: Program, *, ctx: dict[str, Any] | None = None) -> bytes:
    return docs.html_to_pdf(render_html(program, for_pdf=True, ctx=ctx))


def render_docx(program: Program, *, chart: bytes | None = None, ctx: dict[str, Any] | None = None) -> bytes:
    png = chart if chart is not None else chart_png(program)
    return docs.render_docx(
        TEMPLATE, ctx if ctx is not None else context(program), {"chart": png}, image_width_mm=160
    )


def render_both(program: Program) -> tuple[bytes, bytes]:
    """(DOCX, PDF) of one program, made side by side: the PDF is laid out in the document worker process
    (portal.lib.documents.pdf_in_background) while this process draws the chart and fills the DOCX."""
    ctx = context(program)
    pdf = docs.pdf_in_background(render_html(program, for_pdf=True, ctx=ctx))
    docx = render_docx(program, ctx=ctx)
    return docx, pdf.result()


#: Bump when the layout of the documents changes, so that cached documents are not served any more.
LAYOUT_VERSION = "3"


def cached(program: Program, fmt: str) -> bytes:
    """The document in ``fmt`` ("docx" or "pdf"), from the cache when nothing it shows has changed.

    The key is a hash of everything the document shows (its context) and of the template file, so an edit of the
    program, the school or the library makes a new document, and a repeated download of an unchanged one — the
    usual case for an approved program — costs no rendering. A PDF that must be made is laid out in a document
    worker while this process makes (and caches) the DOCX, which the team usually downloads next.
    """
    ctx = context(program)
    digest = hashlib.sha256(
        json.dumps(ctx, sort_keys=True, ensure_ascii=False, default=str).encode()
        + TEMPLATE.read_bytes()
        + LAYOUT_VERSION.encode()
    ).hexdigest()

    def key(kind: str) -> str:
        return f"programs:document:{kind}:{digest}"

    content: bytes | None = cache.get(key(fmt))
    if content is None:
        if fmt == "docx":
            content = render_docx(program, ctx=ctx)
        else:
            pending = docs.pdf_in_background(render_html(program, for_pdf=True, ctx=ctx))
            if cache.get(key("docx")) is None:
                cache.set(key("docx"), render_docx(program, ctx=ctx), timeout=24 * 3600)
            content = pending.result()
        cache.set(key(fmt), content, timeout=24 * 3600)
    return content


def render_many(programs: list[Program]) -> list[tuple[bytes, bytes]]:
    """(DOCX, PDF) of several programs: every PDF is handed to the document workers first, then the charts and
    DOCX are made here while the workers lay the PDFs out."""
    contexts = [context(program) for program in programs]
    pdfs = [
        docs.pdf_in_background(render_html(p, for_pdf=True, ctx=c))
        for p, c in zip(programs, contexts, strict=True)
    ]
    docx = [render_docx(p, ctx=c) for p, c in zip(programs, contexts, strict=True)]
    return [(d, pending.result()) for d, pending in zip(docx, pdfs, strict=True)]


def filename(program: Program, ext: str) -> str:
    kind = "shppko" if program.kind == Program.Kind.SHPPKO else "profilaktika"
    return f"{kind}-{program.school.code}-v{program.version}.{ext}"
