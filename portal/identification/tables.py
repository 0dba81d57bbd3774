"""Tables sortable by any column: the server sorts by ``?sort=<column>&dir=asc|desc`` (works without JavaScript),
and portal/static/identification/sortable.js sorts the same table in place when JavaScript is on."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest

__all__ = ["Column", "natural", "sort_table"]


@dataclass(frozen=True)
class Column:
    """``value(row)`` is what the column sorts by (None sorts last in either direction)."""

    key: str
    label: str
    value: Callable[[Any], Any]
    numeric: bool = False


def natural(text: str) -> tuple[Any, ...]:
    """«СОШ № 2» before «СОШ № 10»: digits compare as numbers, letters without case."""
    return tuple(int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", text))


def _key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (1, 0)
    if isinstance(value, str):
        return (0, natural(value))
    return (0, value)


def sort_table(
    request: HttpRequest, rows: Sequence[Any], columns: Sequence[Column], *, default: str, anchor: str = ""
) -> tuple[list[Any], list[dict[str, Any]]]:
    """The rows in the order the request asks for, and the header cells: label, link that sorts by the column
    (the other direction when it is the current one), aria-sort, whether it is numeric."""
    keys = {c.key: c for c in columns}
    key = request.GET.get("sort", default)
    if key not in keys:
        key = default
    direction = "desc" if request.GET.get("dir") == "desc" else "asc"
    column = keys[key]
    present = [r for r in rows if column.value(r) is not None]
    missing = [r for r in rows if column.value(r) is None]
    ordered = sorted(present, key=lambda r: _key(column.value(r)), reverse=direction == "desc") + missing
    headers = []
    for c in columns:
        current = c.key == key
        flip = "desc" if current and direction == "asc" else "asc"
        query = {k: v for k, v in request.GET.items() if k not in ("sort", "dir")} | {
            "sort": c.key,
            "dir": flip,
        }
        headers.append(
            {
                "key": c.key,
                "label": c.label,
                "numeric": c.numeric,
                "href": "?" + urlencode(query) + (f"#{anchor}" if anchor else ""),
                "aria": ("ascending" if direction == "asc" else "descending") if current else "none",
            }
        )
    return ordered, headers
