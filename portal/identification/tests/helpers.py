"""Test helpers: the POST of the methodology settings form for a configuration mapping."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from opora.config import IdentificationConfig
from portal.identification.settings_form import MethodologyForm


def settings_post(
    mapping: dict[str, Any] | None = None, *, variables: Iterable[str] = (), loaded_state: str | None = None
) -> dict[str, Any]:
    """What a browser sends when the form, filled with ``mapping``, is submitted unchanged."""
    form = MethodologyForm(current=IdentificationConfig.from_mapping(mapping or {}), variables=variables)
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list):
            data[name] = [str(v) for v in value]
        elif value is None:
            data[name] = ""
        elif isinstance(value, float):
            data[name] = f"{value:g}".replace(".", ",")
        else:
            data[name] = str(value)
    if loaded_state is not None:
        data["loaded_state"] = loaded_state
    return data
