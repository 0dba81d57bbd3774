"""Demo registry of «г. Минусинск (демо)»: exactly the documents the seeds cite, and the schools' status history.

Documents (requisites as printed; nothing the seeds do not say — no invented titles, numbers or issuers):

* приказ № 84 от 14.02.2022 of Управление образования администрации города Минусинска — it approved the municipal
  program 2020–2022 (seed 000, lines 1-6 and 12-13);
* приказ от 26.01.2023 № 41 — its appendices are the monitoring indicators (Приложение 1), the classification of
  schools (Приложение 2) and the roadmap 2023–2025 (seed 002, lines 3, 1012, 1119); the seed names no issuer;
* приказ УО от 19.01.2023 — named as a basis of the classification (seed 002, line 1101); no number given;
* информационное письмо Министерства образования и науки Красноярского края от 22.12.2022 — the other basis
  (002, line 1101); no number given.

Which indicators and roadmap entries each one evidences is our reading (docs/catalogue-notes.md §9). The status
history is what the seeds name: ФИОКО's list of 2019–2020, «500+» in 2020–2021 (000, lines 203-217) and the
2023 classification (002, lines 1101-1111). The seed writes «ООШ № 5» in 000 and «СОШ № 5» elsewhere; the demo
registry has one school № 5 (СОШ № 5), and the entries say so. Re-loading the demo changes nothing (keys).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from portal.documents import services
from portal.documents.models import Kind, ProgramDocument, SchoolStatus, Status, StatusKind
from portal.schools.models import Municipality, School

UO_MINUSINSK = "Управление образования администрации города Минусинска"


@dataclass(frozen=True)
class SeedDocument:
    key: str
    kind: str
    number: str
    date: datetime.date
    title: str
    issuer: str
    description: str
    indicators: tuple[str, ...] = ()
    #: (roadmap code, item code, year) of the entries the document evidences
    entries: tuple[tuple[str, str, int], ...] = field(default=())
    is_public: bool = True


DOCUMENTS = (
    SeedDocument(
        "seed:order-84",
        Kind.PROGRAM_ORDER,
        "84",
        datetime.date(2022, 2, 14),
        "Муниципальная программа поддержки школ с низкими результатами обучения в г. Минусинске на 2020-2022 годы",
        UO_MINUSINSK,
        "Приказом утверждена муниципальная программа (в её составе — дорожная карта на 2022–2023 гг.): "
        "«Утверждена приказом Управления образования администрации города Минусинска от 14.02.2022 № 84».",
        ("1.1",),
        (("minusinsk_2022_2023", "1.3", 2022),),
    ),
    SeedDocument(
        "seed:order-41",
        Kind.PROGRAM_ORDER,
        "41",
        datetime.date(2023, 1, 26),
        "Показатели мониторинга муниципальной программы (приложение 1), информация об образовательных "
        "учреждениях, отнесённых к категории школ, функционирующих в зоне риска снижения образовательных "
        "результатов (приложение 2), дорожная карта на 2023-2025 годы",
        "",
        "Приложения 1 и 2 «к приказу от 26.01.2023 № 41» и дорожная карта 2023–2025. Кто издал приказ, в "
        "приложениях не указано.",
        ("1.1", "2.1", "6.1"),
        (("minusinsk_2023_2025", "1.1", 2023), ("minusinsk_2023_2025", "6.1", 2023)),
    ),
    SeedDocument(
        "seed:order-uo-2023-01-19",
        Kind.ORDER,
        "",
        datetime.date(2023, 1, 19),
        "Приказ УО от 19.01.2023",
        "Управление образования",
        "Названо в приложении 2 к приказу от 26.01.2023 № 41 основанием кластеризации школ. Номер и название "
        "приказа там не указаны.",
        (),
        (("minusinsk_2023_2025", "2.1", 2023),),
        is_public=False,
    ),
    SeedDocument(
        "seed:ministry-letter-2022-12-22",
        Kind.MINISTRY_LETTER,
        "",
        datetime.date(2022, 12, 22),
        "Информационное письмо Министерства образования и науки Красноярского края от 22.12.2022",
        "Министерство образования и науки Красноярского края",
        "Названо в приложении 2 к приказу от 26.01.2023 № 41 основанием кластеризации школ. Номер письма там не "
        "указан.",
        (),
        (("minusinsk_2023_2025", "2.1", 2023),),
        is_public=False,
    ),
)

_FIOKO = (
    "Программа 2020–2022 гг., раздел 2: «идентифицированы школы с низкими образовательными результатами из которых в 2019 – "
    "2020 годах 3 (три) школы: МОБУ «ООШ№5» МОБУ «ООШ № 1», МКОУ «О(С)ОШ № 14»»"
)
_500_2020 = (
    "Программа 2020–2022 гг., раздел 2: «в 2020 году МОБУ «СОШ №3», «СОШ №47», «СОШ№5» также были отнесены к школам с низкими "
    "результатами обучения и функционирующими в неблагоприятных социальных условиях, и включены на этом "
    "основании в федеральный проект оказания адресной методической помощи «500+»»"
)
_500_2021_CONT = (
    "Программа 2020–2022 гг., раздел 2: «В настоящее время эти школы продолжают реализацию проекта «500+»»"
)
_500_2021 = "Программа 2020–2022 гг., раздел 2: «а в 2021 году участниками этого проекта стали МОБУ «ООШ № 1», МКОУ«О(С)ОШ № 14»»"
_CLASS_2023 = (
    "Приложение 2 к приказу от 26.01.2023 № 41: «в соответствии с информационным письмом Министерства образования и науки "
    "Красноярского края от 22.12.2022г, Приказом УО от19.01.2023 г. кластеризация образовательных учреждений "
    "выглядит следующим образом: категория ШНОР и ШНСУ: МОБУ «ООШ№1», МОБУ «СОШ №2», МКОУ «О(С)ОШ № 14», "
    "категория образовательных учреждений, находящихся в зоне риска снижения образовательных результатов - МОБУ "
    "«СОШ№5», МОБУ «СОШ№3», «МОБУ «СОШ№47»»"
)
_NOTE_5 = (
    "В источнике — «ООШ № 5»; в демо-реестре школа № 5 — СОШ № 5 (в 2020 г. источник называет её «СОШ №5»)."
)

# (school code, year, status, document key, quotation, note); the quotations are seed 000 lines 203-217 and seed
# 002 lines 1100-1106, named for a reader by the document they are in
STATUSES: tuple[tuple[str, int, str, str, str, str], ...] = (
    ("MNS-SOSH05", 2019, StatusKind.FIOKO, "seed:order-84", _FIOKO, _NOTE_5),
    ("MNS-OOSH01", 2019, StatusKind.FIOKO, "seed:order-84", _FIOKO, ""),
    ("MNS-OSOSH14", 2019, StatusKind.FIOKO, "seed:order-84", _FIOKO, ""),
    ("MNS-SOSH05", 2020, StatusKind.FIOKO, "seed:order-84", _FIOKO, _NOTE_5),
    ("MNS-OOSH01", 2020, StatusKind.FIOKO, "seed:order-84", _FIOKO, ""),
    ("MNS-OSOSH14", 2020, StatusKind.FIOKO, "seed:order-84", _FIOKO, ""),
    ("MNS-SOSH03", 2020, StatusKind.LOW_RESULTS_ADVERSE, "seed:order-84", _500_2020, ""),
    ("MNS-SOSH47", 2020, StatusKind.LOW_RESULTS_ADVERSE, "seed:order-84", _500_2020, ""),
    ("MNS-SOSH05", 2020, StatusKind.LOW_RESULTS_ADVERSE, "seed:order-84", _500_2020, ""),
    ("MNS-SOSH03", 2020, StatusKind.PROJECT_500, "seed:order-84", _500_2020, ""),
    ("MNS-SOSH47", 2020, StatusKind.PROJECT_500, "seed:order-84", _500_2020, ""),
    ("MNS-SOSH05", 2020, StatusKind.PROJECT_500, "seed:order-84", _500_2020, ""),
    ("MNS-SOSH03", 2021, StatusKind.PROJECT_500, "seed:order-84", _500_2021_CONT, ""),
    ("MNS-SOSH47", 2021, StatusKind.PROJECT_500, "seed:order-84", _500_2021_CONT, ""),
    ("MNS-SOSH05", 2021, StatusKind.PROJECT_500, "seed:order-84", _500_2021_CONT, ""),
    ("MNS-OOSH01", 2021, StatusKind.PROJECT_500, "seed:order-84", _500_2021, ""),
    ("MNS-OSOSH14", 2021, StatusKind.PROJECT_500, "seed:order-84", _500_2021, ""),
    ("MNS-OOSH01", 2023, StatusKind.LOW_RESULTS_ADVERSE, "seed:order-uo-2023-01-19", _CLASS_2023, ""),
    ("MNS-SOSH02", 2023, StatusKind.LOW_RESULTS_ADVERSE, "seed:order-uo-2023-01-19", _CLASS_2023, ""),
    ("MNS-OSOSH14", 2023, StatusKind.LOW_RESULTS_ADVERSE, "seed:order-uo-2023-01-19", _CLASS_2023, ""),
    ("MNS-SOSH05", 2023, StatusKind.AT_RISK, "seed:order-uo-2023-01-19", _CLASS_2023, ""),
    ("MNS-SOSH03", 2023, StatusKind.AT_RISK, "seed:order-uo-2023-01-19", _CLASS_2023, ""),
    ("MNS-SOSH47", 2023, StatusKind.AT_RISK, "seed:order-uo-2023-01-19", _CLASS_2023, ""),
)


def _entry_ids(municipality: Municipality, refs: tuple[tuple[str, str, int], ...]) -> list[int]:
    from portal.roadmap.models import RoadmapEntry

    ids = []
    for source, code, year in refs:
        entry = RoadmapEntry.objects.filter(
            item__municipality=municipality,
            item__school__isnull=True,
            item__source=source,
            item__code=code,
            year=year,
        ).first()
        if entry is not None:
            ids.append(entry.pk)
    return ids


def load_documents_demo(municipality: Municipality, write: Callable[[str], Any]) -> None:
    """The seeds' documents and status history for the demo municipality (kept as they are if already there)."""
    from portal.monitoring.models import IndicatorSet
    from portal.monitoring.services import sync_builtin_sets
    from portal.roadmap.services import sync_builtin

    with transaction.atomic():
        if not IndicatorSet.objects.filter(code="order_2023_41").exists():
            sync_builtin_sets(by=None)  # the slots the documents evidence
        if not municipality.roadmap_items.exists():
            sync_builtin(municipality, by=None)
        added = 0
        docs: dict[str, ProgramDocument] = {}
        for seed in DOCUMENTS:
            doc = ProgramDocument.objects.filter(municipality=municipality, key=seed.key).first()
            if doc is None:
                doc = services.save_document(
                    ProgramDocument(municipality=municipality, key=seed.key),
                    {
                        "kind": seed.kind,
                        "number": seed.number,
                        "date": seed.date,
                        "title": seed.title,
                        "issuer": seed.issuer,
                        "status": Status.ACTIVE,
                        "repealed_on": None,
                        "description": seed.description,
                        "url": "",
                        "is_public": seed.is_public,
                    },
                    by=None,
                    indicators=seed.indicators,
                    entries=_entry_ids(municipality, seed.entries),
                )
                added += 1
            docs[seed.key] = doc
        schools = {s.code: s for s in School.objects.filter(municipality=municipality)}
        statuses = 0
        for code, year, kind, doc_key, source, note in STATUSES:
            school = schools.get(code)
            if school is None or SchoolStatus.objects.filter(school=school, year=year, kind=kind).exists():
                continue
            services.add_status(
                school, year, kind, by=None, document=docs.get(doc_key), source=source, note=note, key="seed"
            )
            statuses += 1
    total = ProgramDocument.objects.filter(municipality=municipality).count()
    write(
        f"Документы программы (демо): добавлено документов {added} (всего {total}), "
        f"записей истории статусов школ {statuses}."
    )
