"""Template filters every template has without ``{% load %}`` (settings: TEMPLATES builtins).

``{{ n|count:"строка,строки,строк" }}`` → «5 строк»; ``{{ n|plural:"школа,школы,школ" }}`` → «школ».
Both go through ``opora.plural``, the one plural helper of the product.
"""

from __future__ import annotations

from typing import Any

from django import template

from opora import plural as _plural

register = template.Library()


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@register.filter(name="plural")
def plural_form(value: Any, forms: str) -> str:
    """The noun's form for the number: ``{{ n|plural:"школа,школы,школ" }}``."""
    n = _number(value)
    return _plural.plural(0 if n is None else n, forms)


@register.filter(name="count")
def count_phrase(value: Any, forms: str) -> str:
    """The number with its noun: ``{{ n|count:"строка,строки,строк" }}`` → «5 строк»; «—» without a number."""
    n = _number(value)
    if n is None:
        return "—"
    return _plural.count(int(n) if n.is_integer() else n, forms)
