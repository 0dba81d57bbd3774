"""Personal-data minimisation: student-level files never bring names into Опора.

Student results are accepted only under pseudonymous participant codes. A file whose header has a column that looks
like a person's name (ФИО, фамилия, имя, отчество, fio, name, …) is refused as a whole before any row is read, so no
name is ever parsed, stored or logged.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: Words that make a column header a name column (compared after lower-casing, ё→е and dropping punctuation).
NAME_WORDS = frozenset(
    {
        "фио",
        "фамилия",
        "имя",
        "отчество",
        "фамилияимяотчество",
        "fio",
        "name",
        "names",
        "surname",
        "firstname",
        "lastname",
        "middlename",
        "patronymic",
        "fullname",
        "familyname",
        "givenname",
    }
)
#: Headers that contain «name» but are not a person's name (a school's name is fine).
_NOT_PERSON = ("школ", "school", "оо", "организац", "муницип", "предмет", "subject", "файл", "file")

_WORD = re.compile(r"[a-zа-я0-9]+")


def _words(header: str) -> list[str]:
    return _WORD.findall(header.lower().replace("ё", "е"))


def looks_like_name_column(header: str) -> bool:
    """True for «ФИО», «Ф.И.О. ученика», «Фамилия», «Имя обучающегося», «full_name», «Last Name», …"""
    words = _words(header)
    if not words:
        return False
    joined = "".join(words)
    if joined in {"фио", "fio"} or joined.startswith(("фио", "fio", "фамилия", "fullname", "lastname")):
        return True
    if any(w in NAME_WORDS for w in words):
        return not any(w.startswith(_NOT_PERSON) for w in words)
    # «ф и о», «f.i.o.»: single letters spelling the abbreviation
    return "".join(w for w in words if len(w) == 1) in {"фио", "fio"}


def name_columns(headers: Iterable[str]) -> list[str]:
    """The headers that look like a person's name."""
    return [h for h in headers if looks_like_name_column(str(h))]


def _first_line(data: bytes) -> str:
    head = data[:65536]
    end = head.find(b"\n")
    line = head if end < 0 else head[:end]
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            return line.decode(encoding).rstrip("\r")
        except UnicodeDecodeError:
            continue
    return ""


def split_header(line: str) -> list[str]:
    """The CSV header cells, with the separator guessed among ; , and tab."""
    sep = max((";", ",", "\t"), key=line.count)
    return [cell.strip().strip('"').strip() for cell in line.split(sep)]


def student_names_problem(kind: str, data: bytes, filename: str) -> str | None:
    """For a student-level file (``kind == "students"``): the Russian reason it is refused, or None."""
    if kind != "students":
        return None
    found = name_columns(split_header(_first_line(data)))
    if not found:
        return None
    listed = ", ".join(f"«{h}»" for h in found)
    return (
        f"Файл «{filename}», строка 1: столбцы {listed} похожи на имена обучающихся. Имена загружать нельзя — "
        "удалите эти столбцы и оставьте только обезличенные коды участников."
    )
