"""Demo documents of the public page for «г. Минусинск (демо)»: a few published documents (small real PDFs made
with ``portal.lib.documents.html_to_pdf``, one link) and one draft. Every text is marked «демо»; re-loading the
demo keeps the documents (each has a ``demo:…`` key). The orders of the program (№ 84, № 41 …) are not here: they
are entries of the registry «Документы программы» (portal/documents/demo.py) with the requisites the seeds give,
and the page lists them under «Нормативные документы»; the roadmap PDF lists the seed's own directions."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape

from portal.public import services
from portal.public.models import PublicDocument, Section
from portal.schools.models import Municipality, School


@dataclass(frozen=True)
class DemoDocument:
    key: str
    section: str
    title: str
    date: datetime.date | None
    description: str
    paragraphs: tuple[str, ...] = ()
    school_code: str = ""
    url: str = ""
    publish: bool = True


DOCUMENTS = (
    DemoDocument(
        "demo:municipal-program",
        Section.PROGRAMS,
        "Муниципальная программа поддержки школ с низкими результатами обучения на 2023–2025 годы (демо)",
        datetime.date(2023, 2, 15),
        "Цели, задачи, целевые показатели и механизмы поддержки школ.",
        (
            "Цель программы — повышение качества образования в школах с низкими результатами обучения и школах, "
            "функционирующих в неблагоприятных социальных условиях, через адресную методическую поддержку.",
            "Задачи: выявление школ, нуждающихся в поддержке; разработка и реализация школьных программ повышения "
            "качества образования; развитие профессиональных компетенций педагогов; мониторинг результатов.",
        ),
    ),
    DemoDocument(
        "demo:roadmap-2023-2025",
        Section.ROADMAPS,
        "Дорожная карта реализации программы на 2023–2025 годы (демо)",
        datetime.date(2023, 1, 26),
        "Мероприятия по шести направлениям, сроки, ответственные и ожидаемые результаты.",
        (),  # the directions of the shipped roadmap (seed 002), see _roadmap_paragraphs
    ),
    DemoDocument(
        "demo:kipk",
        Section.EVENTS,
        "Мероприятия КК ИПК для школ с низкими результатами обучения",
        None,
        "Сайт Красноярского краевого института повышения квалификации: курсы, семинары, консультации.",
        url="https://kipk.ru/",
    ),
    DemoDocument(
        "demo:oosh01-shppko",
        Section.PROGRAMS,
        "Программа повышения качества образования ООШ № 1 на 2023–2025 годы (демо)",
        datetime.date(2023, 3, 1),
        "Школьная программа (ШППКО): рисковый профиль, приоритеты, меры и целевые показатели.",
        (
            "Приоритетные направления: повышение учебной мотивации обучающихся; развитие профессиональных "
            "компетенций педагогов; укрепление взаимодействия с родителями.",
        ),
        school_code="MNS-OOSH01",
    ),
    DemoDocument(
        "demo:monitoring-2024-draft",
        Section.REPORTS,
        "Аналитическая справка по итогам мониторинга 2024 года (демо, черновик)",
        datetime.date(2024, 12, 20),
        "Черновик: не опубликован и не виден на публичной странице.",
        ("Черновик аналитической справки.",),
        publish=False,
    ),
)


def _roadmap_paragraphs() -> tuple[str, ...]:
    """The directions of the roadmap 2023–2025 as the seed prints them (no invented text)."""
    from opora.roadmap_catalogue import builtin_roadmaps

    roadmap = builtin_roadmaps()["minusinsk_2023_2025"]
    return tuple(f"Направление {d.number}. {d.title}" for d in roadmap.directions)


def demo_pdf(municipality: Municipality, doc: DemoDocument) -> bytes:
    from portal.lib.documents import html_to_pdf

    authority = escape(municipality.authority_name or municipality.name)
    date = f"от {doc.date:%d.%m.%Y}" if doc.date else ""
    paragraphs = doc.paragraphs or (_roadmap_paragraphs() if doc.key == "demo:roadmap-2023-2025" else ())
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    html = (
        f'<p class="center"><b>{authority}</b></p>'
        f'<p class="center" style="color:#a00">ДЕМОНСТРАЦИОННЫЙ ДОКУМЕНТ: все сведения вымышлены</p>'
        f"<h1>{escape(doc.title)}</h1><p class='center'>{date}</p>{body}"
    )
    return html_to_pdf(html)


def load_public_demo(municipality: Municipality, write: Callable[[str], Any] = print) -> None:
    existing = set(PublicDocument.objects.filter(municipality=municipality).values_list("key", flat=True))
    added = 0
    for d in DOCUMENTS:
        if d.key in existing:
            continue
        school = School.objects.get(code=d.school_code) if d.school_code else None
        if d.url:
            obj = services.create_document(
                municipality,
                school,
                section=d.section,
                title=d.title,
                description=d.description,
                document_date=d.date,
                url=d.url,
                key=d.key,
                by=None,
            )
            if d.publish:
                services.publish(obj, by=None)
        else:
            services.publish_generated(
                municipality,
                school,
                d.section,
                d.title,
                f"{d.key.split(':')[1]}.pdf",
                demo_pdf(municipality, d),
                by=None,
                publish_now=d.publish,
                description=d.description,
                document_date=d.date,
                key=d.key,
            )
        added += 1
    write(f"Публичная страница: демо-документов добавлено {added}, всего {len(DOCUMENTS)}.")
