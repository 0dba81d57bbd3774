"""Russian order of school and municipality names, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from portal.lib.collation import collation_name, ordered_by_name, russian_key
from portal.schools.models import Municipality, Region, School

NAMES = ["Яр", "Школа № 2", "Ёлочка", "азбука", "Елань", "Берёзка", "Береговая", "Zeta", "(Лицей)", "5 школа"]
# The order PostgreSQL gives with `ORDER BY name COLLATE "ru-RU-x-icu"` (psql, 23.11.2026): punctuation, digits,
# Cyrillic with case ignored and ё as е («берег…» < «берез…», «елан…» < «елоч…»), then Latin.
EXPECTED = [
    "(Лицей)",
    "5 школа",
    "азбука",
    "Береговая",
    "Берёзка",
    "Елань",
    "Ёлочка",
    "Школа № 2",
    "Яр",
    "Zeta",
]


def test_the_python_key_sorts_in_russian_order() -> None:
    assert sorted(NAMES, key=russian_key) == EXPECTED
    # the same psql query: е before ё on a tie, lower case first; «№» sorts as «no» (after Cyrillic)
    assert sorted(["ёль", "Ель", "ель", "Яр", "№ 5"], key=russian_key) == ["ель", "Ель", "ёль", "Яр", "№ 5"]


@pytest.fixture
def region(db: Any) -> Region:
    region = Region.objects.create(code="r", name="Регион")
    for i, name in enumerate(NAMES):
        Municipality.objects.create(region=region, code=f"m{i}", name=name)
    return region


def test_municipalities_sort_in_russian_order_in_the_database(region: Region) -> None:
    names = list(ordered_by_name(Municipality.objects.filter(region=region)).values_list("name", flat=True))
    assert names == EXPECTED
    # the plain byte order of the database differs («Ёлочка» (U+0401) before «азбука», capitals first)
    plain = list(Municipality.objects.filter(region=region).order_by("name").values_list("name", flat=True))
    assert plain != EXPECTED


def test_the_collation_is_icu_on_postgresql(db: Any) -> None:
    name = collation_name()
    if connection.vendor == "postgresql":
        assert name in {"ru-RU-x-icu", "ru-x-icu", "und-x-icu"}
    else:
        assert name == "opora_ru"


def test_schools_of_a_municipality_sort_by_order_then_russian_name(region: Region) -> None:
    m = Municipality.objects.get(code="m0")
    for i, name in enumerate(NAMES):
        School.objects.create(municipality=m, code=f"s{i}", name=name, short_name=name, kind="sosh")
    School.objects.create(municipality=m, code="first", name="Яблонька", short_name="Яблонька", kind="sosh")
    shown = [s.short_name for s in School.objects.in_municipality(m)]
    assert shown == sorted([*NAMES, "Яблонька"], key=russian_key)
    School.objects.filter(code="s0").update(sort_key=1)  # «Яр» is put last by hand, the rest by name
    shown = [s.short_name for s in School.objects.in_municipality(m)]
    assert shown[-1] == "Яр" and shown[:-1] == sorted([*NAMES[1:], "Яблонька"], key=russian_key)
