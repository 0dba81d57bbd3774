"""School and municipality names as regional reports write them → one comparable key, and fuzzy candidates.

Real report files name schools, not codes, and the same school is written many ways: «Муниципальное бюджетное
общеобразовательное учреждение "Средняя общеобразовательная школа №1"», «МБОУ "СОШ № 1"», «мбоу сош №1»; a
municipality is often given as the name of its education authority («Комитет образования администрации
городского округа "Город Чита"»). ``school_key`` and ``municipality_key`` fold these into one key (quotes, ё/е,
case, spacing, «№», legal-form words and their abbreviations), so that exact matching is exact after
normalisation; ``candidates`` ranks the registry's names by similarity (rapidfuzz) and never offers a school with
other numbers («СОШ № 1» is not «СОШ № 11», however similar the strings are).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Candidate", "candidates", "municipality_key", "numbers", "school_key"]

# Legal forms: the long words and the abbreviations (МБОУ, МАОУ, МКОУ, ГБОУ, МОБУ, ЧОУ, КГБОУ, ГАОУ …).
_LEGAL_ABBR = re.compile(r"[а-я]{0,4}оу|мобу|мбу|мау|мку|ано|аноо|моо")
_LEGAL_WORDS = (
    "федеральное",
    "государственное",
    "краевое",
    "областное",
    "муниципальное",
    "частное",
    "негосударственное",
    "автономное",
    "бюджетное",
    "казенное",
    "некоммерческое",
    "общеобразовательное",
    "образовательное",
    "учреждение",
    "организация",
)
# Kinds of school written out → their usual abbreviation (longest phrases first).
_KINDS = (
    ("вечерняя сменная общеобразовательная школа", "всош"),
    ("открытая сменная общеобразовательная школа", "осош"),
    ("средняя общеобразовательная школа", "сош"),
    ("основная общеобразовательная школа", "оош"),
    ("начальная общеобразовательная школа", "нош"),
    ("начальная школа детский сад", "нш дс"),
    ("средняя школа", "сш"),
    ("основная школа", "ош"),
    ("с углубленным изучением отдельных предметов", "уиоп"),
    ("с углубленным изучением", "уи"),
    ("центр образования", "цо"),
    ("имени", "им"),
    ("города", "г"),
    ("город", "г"),
    ("поселка", "п"),
    ("поселок", "п"),
    ("пгт", "п"),
    ("села", "с"),
    ("село", "с"),
    ("деревни", "д"),
    ("деревня", "д"),
    ("станции", "ст"),
)
# Words of an education authority's name around the municipality's own name.
_AUTHORITY_WORDS = (
    "комитет",
    "управление",
    "отдел",
    "департамент",
    "министерство",
    "образования",
    "образованию",
    "по",
    "и",
    "молодежной",
    "политики",
    "политике",
    "спорта",
    "культуры",
    "администрации",
    "администрация",
    "муниципального",
    "муниципальный",
    "муниципальное",
    "образование",
    "городского",
    "городской",
    "округа",
    "округ",
    "района",
    "район",
    "районный",
    "районе",
    "мку",
    "мкуо",
    "муо",
    "уо",
    "ruo",
    "руо",
    "го",
    "мр",
    "мо",
    "сельского",
    "поселения",
)
_PUNCT = re.compile(r"[«»\"'“”„‘’`()\[\]{}:;.,!?/\\|_]+")
_DASH = re.compile(r"[-‐‑‒–—−]+")
_NUMBER = re.compile(r"\d+")


def _base(text: str) -> str:
    text = text.replace("\xa0", " ").replace("ё", "е").replace("Ё", "Е").lower()
    text = text.replace("№", " ").replace("#", " ")
    text = _PUNCT.sub(" ", text)
    text = _DASH.sub(" ", text)
    # «№1», «школа1» → «1» as its own word; «11а» stays one token («11 а»).
    text = re.sub(r"(?<=[^\d\s])(?=\d)|(?<=\d)(?=[^\d\s])", " ", text)
    return re.sub(r"\s+", " ", text).strip()


@lru_cache(maxsize=65536)
def school_key(text: str) -> str:
    """A school's name folded for comparison: «МБОУ "СОШ № 11 с.Волочаевка"» → «сош 11 с волочаевка»."""
    text = " " + _base(text) + " "
    for long, short in _KINDS:
        text = text.replace(f" {long} ", f" {short} ")
    words = [w for w in text.split() if w not in _LEGAL_WORDS and not _LEGAL_ABBR.fullmatch(w)]
    return " ".join(words)


@lru_cache(maxsize=4096)
def municipality_key(text: str) -> str:
    """A municipality's or its authority's name folded for comparison:
    «Комитет образования администрации городского округа "Город Чита"» → «г чита»; «г. Чита» → «г чита»."""
    text = " " + _base(text) + " "
    for long, short in _KINDS:
        text = text.replace(f" {long} ", f" {short} ")
    words = [w for w in text.split() if w not in _AUTHORITY_WORDS]
    # «Агинский район» and «Агинский» are one municipality; «г Чита» and «Чита» too.
    if len(words) > 1 and words[0] == "г":
        words = words[1:]
    return " ".join(words)


def numbers(key: str) -> tuple[str, ...]:
    """The numbers in a key (school numbers): schools with different numbers are different schools."""
    return tuple(_NUMBER.findall(key))


@dataclass(frozen=True)
class Candidate:
    """A registry entry that may be the named one: ``score`` 0–100 (100 = same key after normalisation)."""

    key: str
    index: int
    score: float


def candidates(key: str, choices: Sequence[str], *, limit: int = 3, cutoff: float = 60.0) -> list[Candidate]:
    """The registry keys most like ``key`` (best first); a choice with other school numbers is never offered."""
    from rapidfuzz import fuzz, process

    if not key or not choices:
        return []
    mine = numbers(key)
    found = process.extract(
        key, choices, scorer=fuzz.token_set_ratio, limit=max(limit * 4, 12), score_cutoff=cutoff
    )
    out = []
    for choice, score, index in found:
        if numbers(choice) != mine:
            continue
        # token_set_ratio gives 100 to a subset («сош 1» in «сош 1 г чита»); the plain ratio breaks the tie.
        out.append(Candidate(choice, index, round((2 * score + fuzz.ratio(key, choice)) / 3, 1)))
    out.sort(key=lambda c: -c.score)
    return out[:limit]


def index_keys(names: Iterable[str]) -> dict[str, list[int]]:
    """Key → positions of the names that fold to it (several schools may share a key in a region)."""
    out: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        out.setdefault(school_key(name), []).append(i)
    return out
