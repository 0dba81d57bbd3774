"""Finding a school as people type it: «лицей», «гимназия», «сош 2», «СОШ № 2», «школа 2», «ёлкинская», a code.

The same on SQLite and PostgreSQL: the comparison is done here, in Python, on normalised words, not with the
database's LIKE (SQLite folds the case of Latin letters only, so «лицей» never found «Лицей»). A municipality has
at most a few hundred schools, so reading their names is cheap.

Normalisation: lower case, «ё» → «е», «№» and punctuation are spaces, letters and digits are split apart
(«сош№2», «СОШ2» → «сош 2»), numbers lose leading zeros (MNS-SOSH02 → «mns sosh 2»). Every word of the query must
match a word of the school's short name, full name, kind or code: a word by its beginning («лиц» finds «Лицей»), a
number whole («сош 2» finds СОШ № 2, not СОШ № 12 or № 25). A query that is part of a code (with or without its
punctuation) finds that school too.
"""

from __future__ import annotations

import re

from django.db.models import QuerySet

from portal.schools.models import School

_WORD = re.compile(r"[^\W\d_]+|\d+")


def normalise(text: str) -> list[str]:
    """The words of ``text`` as compared: lower case, ё → е, numbers without leading zeros."""
    words = _WORD.findall(text.casefold().replace("ё", "е"))
    return [str(int(w)) if w.isdigit() else w for w in words]


def _compact(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def matches(query: str, *texts: str, code: str = "") -> bool:
    """Whether a school described by ``texts`` (and ``code``) answers ``query``."""
    wanted = normalise(query)
    if not wanted:
        return True
    compact = _compact(query)
    if code and compact and compact in _compact(code):
        return True
    words = [w for text in (*texts, code) for w in normalise(text)]
    return all(
        any(w == token for w in words) if token.isdigit() else any(w.startswith(token) for w in words)
        for token in wanted
    )


def search_schools(schools: QuerySet[School], query: str) -> QuerySet[School]:
    """``schools`` narrowed to those that answer ``query`` (their order kept); all of them for an empty query."""
    if not normalise(query) and not _compact(query):
        return schools
    kinds = dict(School.Kind.choices)
    found = [
        pk
        for pk, code, short, name, kind in schools.values_list("pk", "code", "short_name", "name", "kind")
        if matches(query, short, name, str(kinds.get(kind, "")), code=code)
    ]
    return schools.filter(pk__in=found)
