"""Small template helpers of the monitoring pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``{{ chain|get_item:s.school_id }}``: a mapping's value by a variable key (None if absent)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
