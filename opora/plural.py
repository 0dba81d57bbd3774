"""Russian plural forms: the one helper every message, page and document uses («1 строка, 3 строки, 5 строк»).

Russian nouns after a number take one of three forms: *one* (1, 21, 101 …), *few* (2–4, 22–24 …) and *many*
(0, 5–20, 25–30 …, 11–14, 111–114 …). Fractions take the *few* form («2,5 балла», «0,5 школы»).

>>> count(1, "строка", "строки", "строк")
'1 строка'
>>> count(22, PEDAGOG)
'22 педагога'
>>> plural(11, "школа", "школы", "школ")
'школ'
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "MUNICIPALITY",
    "PEDAGOG",
    "ROW",
    "SCHOOL",
    "YEAR",
    "count",
    "plural",
]

# Forms used across the product, so that a message never spells them again.
ROW = ("строка", "строки", "строк")
SCHOOL = ("школа", "школы", "школ")
MUNICIPALITY = ("муниципалитет", "муниципалитета", "муниципалитетов")
PEDAGOG = ("педагог", "педагога", "педагогов")
YEAR = ("год", "года", "лет")


def _forms(forms: Sequence[str]) -> tuple[str, str, str]:
    if isinstance(forms, str):
        forms = forms.split(",")
    parts = tuple(f.strip() for f in forms)
    if len(parts) != 3:
        raise ValueError(f"нужны три формы слова (1, 2, 5), дано: {forms!r}")
    return parts[0], parts[1], parts[2]


def plural(n: float, *forms: str | Sequence[str]) -> str:
    """The form of the noun that goes with ``n``: ``plural(5, "строка", "строки", "строк") == "строк"``.

    ``forms`` are the three forms (for 1, 2 and 5), given as three strings, one tuple or one comma-separated
    string («строка,строки,строк»).
    """
    one, few, many = _forms(forms[0] if len(forms) == 1 else forms)  # type: ignore[arg-type]
    if isinstance(n, float) and not n.is_integer():
        return few
    k = abs(int(n))
    if k % 10 == 1 and k % 100 != 11:
        return one
    if 2 <= k % 10 <= 4 and not 12 <= k % 100 <= 14:
        return few
    return many


def count(n: float, *forms: str | Sequence[str]) -> str:
    """The number and its noun: ``count(3, ROW) == "3 строки"``; a thousands space and a decimal comma."""
    if isinstance(n, float) and not n.is_integer():
        shown = f"{n:,}".replace(",", "\u00a0").replace(".", ",")
    else:
        shown = f"{int(n):,}".replace(",", "\u00a0")
    return f"{shown} {plural(n, *forms)}"
