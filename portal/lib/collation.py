"""Russian order of names (schools, municipalities) on PostgreSQL and SQLite alike.

PostgreSQL sorts by the database's collation, which is often «C» or «en_US» on a server: «Ёлочка» then lands after
«Яр», and lower-case «азбука» after every capital. We sort with the ICU collation ``ru-RU-x-icu`` (``ru-x-icu`` or
``und-x-icu`` if absent; README «Развёртывание» shows the check). ICU follows Russian dictionary practice: case is
ignored, «ё» sorts as «е» and only a tie puts «е» before «ё» («Елань» < «Ёлочка», as «елань» < «елочка»), and numbers
are compared character by character («№ 10» before «№ 2», which we accept).

On SQLite the same rule is the collation ``opora_ru``, registered on every new connection, and :func:`russian_key`
is the equivalent Python sort key for lists sorted in memory.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any, TypeVar

from django.db import connections
from django.db.backends.signals import connection_created
from django.db.models import F, QuerySet
from django.db.models.functions import Collate
from django.dispatch import receiver

Q = TypeVar("Q", bound=QuerySet[Any])

#: ICU collations to try on PostgreSQL, best first.
PG_COLLATIONS = ("ru-RU-x-icu", "ru-x-icu", "und-x-icu")
_RUNS = re.compile(r"\d+|\D+")
SQLITE_COLLATION = "opora_ru"


def _rank(ch: str) -> int:
    """ICU's groups in the Russian order: spaces and punctuation, symbols, digits, Cyrillic, Latin, the rest."""
    category = unicodedata.category(ch)
    if category[0] in "ZPC":
        return 0
    if category[0] == "S":
        return 1
    if category[0] == "N":
        return 2
    if "а" <= ch <= "я":
        return 3
    if "a" <= ch <= "z":
        return 4
    return 5


def russian_key(text: str) -> tuple[Any, ...]:
    """Sort key as ICU ``ru``: case ignored, «ё» as «е» (a tie puts «е» first), «№» as «no», Cyrillic before
    Latin; then lower case before capitals."""
    folded = text.casefold()
    primary = tuple((_rank(ch), ch) for ch in folded.replace("ё", "е").replace("№", "no"))
    return (primary, folded, text.swapcase())


def _compare(a: str | None, b: str | None) -> int:
    ka, kb = russian_key(a or ""), russian_key(b or "")
    return (ka > kb) - (ka < kb)


@receiver(connection_created)
def _register_sqlite_collation(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_collation(SQLITE_COLLATION, _compare)


@functools.cache
def _pg_collation(alias: str) -> str:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT collname FROM pg_collation WHERE collname = ANY(%s)", [list(PG_COLLATIONS)])
        found = {row[0] for row in cursor.fetchall()}
    for name in PG_COLLATIONS:
        if name in found:
            return name
    raise RuntimeError(
        "В PostgreSQL нет ICU-сопоставлений (ru-RU-x-icu, und-x-icu): соберите сервер с ICU (README «Развёртывание»)."
    )


def collation_name(alias: str = "default") -> str | None:
    """The collation that sorts Russian names on this database, or None where none is needed."""
    vendor = connections[alias].vendor
    if vendor == "postgresql":
        return _pg_collation(alias)
    if vendor == "sqlite":
        connection = connections[alias]
        connection.ensure_connection()  # opened before this module was imported: register now
        connection.connection.create_collation(SQLITE_COLLATION, _compare)
        return SQLITE_COLLATION
    return None


def by_name(field: str = "name", *, alias: str = "default", descending: bool = False) -> Any:
    """An ``order_by`` term sorting ``field`` in Russian order."""
    name = collation_name(alias)
    expression: Any = F(field) if name is None else Collate(F(field), name)
    return expression.desc() if descending else expression.asc()


def ordered_by_name(
    qs: Q, field: str = "name", *, first: tuple[str, ...] = (), then: tuple[str, ...] = ("pk",)
) -> Q:
    """``qs`` ordered by ``first`` fields, then ``field`` in Russian order, then ``then`` (a stable tie-break)."""
    return qs.order_by(*first, by_name(field, alias=qs.db), *then)  # type: ignore[return-value]


def natural_key(text: str) -> tuple[Any, ...]:
    """Sort key that compares runs of digits as numbers («Педагог 2» before «Педагог 10»), the rest as
    :func:`russian_key`; the whole text breaks ties («Педагог 02» and «Педагог 2» stay in a fixed order).

    >>> sorted(["Педагог 10", "Педагог 2", "педагог 1", "Ёжикова"], key=natural_key)
    ['Ёжикова', 'педагог 1', 'Педагог 2', 'Педагог 10']
    """
    parts: list[tuple[int, Any]] = []
    for run in _RUNS.findall(text):
        parts.append((0, int(run)) if run.isdigit() else (1, russian_key(run)[0]))
    return (tuple(parts), russian_key(text))


def naturally_ordered(queryset: Q, field: str) -> Q:
    """The queryset ordered by :func:`natural_key` of ``field`` (sorted in Python: meant for short lists, such as a
    school's teachers), still a queryset so that forms can use it."""
    from django.db.models import Case, IntegerField, Value, When

    pks = [
        pk for pk, _ in sorted(queryset.values_list("pk", field), key=lambda row: natural_key(row[1] or ""))
    ]
    if not pks:
        return queryset
    order = Case(*[When(pk=pk, then=Value(i)) for i, pk in enumerate(pks)], output_field=IntegerField())
    return queryset.order_by(order)
