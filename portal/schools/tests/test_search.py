"""School search as people type (issue #17): «лицей», «гимназия», «сош 2», «СОШ № 2», ё/е, case, codes.

The same answers on SQLite and PostgreSQL (run this file with DATABASE_URL set to each); SQLite's LIKE alone folds
only Latin letters, which is why «лицей» found nothing there before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from portal.schools.models import Municipality, School
from portal.schools.search import matches, normalise, search_schools

SCHOOLS = [
    (
        "MNS-SOSH02",
        "СОШ № 2",
        "Муниципальное бюджетное учреждение «Средняя общеобразовательная школа № 2»",
        "sosh",
    ),
    ("MNS-SOSH12", "СОШ № 12", "Средняя общеобразовательная школа № 12", "sosh"),
    ("MNS-SOSH25", "СОШ №25", "Средняя общеобразовательная школа №25", "sosh"),
    ("MNS-LYC07", "Лицей № 7", "Муниципальное автономное учреждение «Лицей № 7»", "lyceum"),
    ("MNS-GYM01", "Гимназия № 1", "МАОУ «Гимназия № 1»", "gymnasium"),
    ("MNS-OOSH01", "ООШ № 1", "Основная общеобразовательная школа № 1", "oosh"),
    ("MNS-ELK", "Ёлкинская СОШ", "Ёлкинская средняя общеобразовательная школа", "sosh"),
]


@pytest.fixture
def town(world: dict[str, Any]) -> Municipality:
    municipality = world["M"]
    School.objects.filter(municipality=municipality).delete()
    for code, short, name, kind in SCHOOLS:
        School.objects.create(municipality=municipality, code=code, short_name=short, name=name, kind=kind)
    return municipality


def _found(municipality: Municipality, query: str) -> list[str]:
    return list(
        search_schools(School.objects.in_municipality(municipality), query).values_list("code", flat=True)
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("лицей", ["MNS-LYC07"]),
        ("ЛИЦЕЙ", ["MNS-LYC07"]),
        ("лиц", ["MNS-LYC07"]),  # while typing
        ("гимназия", ["MNS-GYM01"]),
        ("сош 2", ["MNS-SOSH02"]),  # not № 12, not № 25
        ("СОШ № 2", ["MNS-SOSH02"]),
        ("сош№2", ["MNS-SOSH02"]),
        ("СОШ2", ["MNS-SOSH02"]),
        ("школа 2", ["MNS-SOSH02"]),
        ("сош 25", ["MNS-SOSH25"]),
        ("елкинская", ["MNS-ELK"]),  # е finds ё
        ("ёлкинская", ["MNS-ELK"]),
        ("MNS-LYC07", ["MNS-LYC07"]),  # a code
        ("mns-lyc", ["MNS-LYC07"]),  # part of a code
        ("sosh02", ["MNS-SOSH02"]),
        ("лицей 8", []),
        ("", [code for code, *_ in SCHOOLS]),
    ],
)
def test_search_finds_schools_as_people_type_them(
    town: Municipality, query: str, expected: list[str]
) -> None:
    assert sorted(_found(town, query)) == sorted(expected)


def test_normalisation() -> None:
    assert normalise("МБОУ «СОШ № 02»") == ["мбоу", "сош", "2"]
    assert normalise("Ёлки-2") == ["елки", "2"]
    assert matches("сош 1", "ООШ № 1") is False and matches("ош 1", "ООШ № 1") is False
    assert matches("оош 1", "ООШ № 1")


def test_the_municipality_page_searches_and_keeps_the_registry_order(
    client: Client, town: Municipality, user_with_role: Callable[..., Any]
) -> None:
    client.force_login(user_with_role("coordinator", "M"))
    url = reverse("schools:municipality", args=[town.pk])
    html = client.get(url, {"q": "сош 2"}, HTTP_HX_REQUEST="true").content.decode()
    assert "СОШ № 2" in html and "СОШ № 12" not in html
    html = client.get(url, {"q": "лицей"}).content.decode()
    assert "Лицей № 7" in html and "Гимназия № 1" not in html
    html = client.get(url, {"q": "академия"}, HTTP_HX_REQUEST="true").content.decode()
    assert "По запросу «академия» школ не найдено." in html
