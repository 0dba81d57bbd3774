"""What a value slot asks for, and validation of one entered value (shared by forms, Excel import, services)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from portal.monitoring.models import Indicator, ValueType

#: Derivations whose school value is a number of people (the percentage is computed from the school's total).
PEOPLE_DERIVATIONS = {"share_of_teachers": "staff_total", "share_of_students": "students_total"}
#: School subitems summed into the numerator of an indicator-level share (3.7): teams are not people.
NOT_PEOPLE_SUBITEMS = frozenset({"leadership_teams"})

STATUS3_DEFAULT = {"present": "представлены", "emerging": "в процессе становления", "absent": "отсутствуют"}

_url = URLValidator(schemes=["http", "https"])


class InvalidValue(Exception):
    """An entered value is not acceptable; the message (Russian) names the indicator and the reason."""


@dataclass(frozen=True)
class Slot:
    """One value to enter: indicator, subitem code ("" = the indicator itself), level and input kind."""

    indicator: Indicator
    subitem: str
    level: str  # "school" | "municipal"

    @property
    def value_type(self) -> str:
        return self.indicator.school_type if self.level == "school" else self.indicator.municipal_type

    @property
    def kind(self) -> str:
        """``bool``, ``people`` (a number of people → percentage), ``pct``, ``count``, ``status3`` or ``text``."""
        vt = self.value_type
        if vt in (ValueType.BOOL, ValueType.BOOL_LINKS):
            return "bool"
        if vt == ValueType.PCT and self.level == "school" and self.indicator.derivation in PEOPLE_DERIVATIONS:
            return "people"
        if vt in (ValueType.PCT, ValueType.PCT_BUCKET):
            return "pct"
        return str(vt)

    @property
    def needs_links(self) -> bool:
        return self.value_type == ValueType.BOOL_LINKS

    @property
    def key(self) -> str:
        return f"{self.indicator.code}|{self.subitem}"

    @property
    def label(self) -> str:
        """The subitem's label («Супервизия»), or "" for the indicator itself."""
        return self.indicator.subitem_label(self.subitem) if self.subitem else ""

    @property
    def ref(self) -> str:
        """How the slot is named in messages: «3.8 (Супервизия)»."""
        label = self.indicator.subitem_label(self.subitem) if self.subitem else ""
        return f"{self.indicator.code}" + (f" ({label})" if label else "")

    @property
    def wording(self) -> str:
        return self.indicator.subitem_wording(self.subitem, self.level)

    @property
    def denominator_field(self) -> str | None:
        return PEOPLE_DERIVATIONS.get(self.indicator.derivation) if self.kind == "people" else None

    def status_labels(self) -> dict[str, str]:
        return dict(self.indicator.status_labels) or STATUS3_DEFAULT


def school_slots(indicators: list[Indicator], computed: set[str] | None = None) -> list[Slot]:
    """Slots a school fills; ``computed`` holds keys of slots computed from results (not typed)."""
    out = []
    for ind in indicators:
        for sub in ind.school_slots:
            slot = Slot(ind, sub, "school")
            if computed is None or slot.key not in computed:
                out.append(slot)
    return out


def municipal_manual_slots(indicators: list[Indicator]) -> list[Slot]:
    """Slots the coordinator types: every municipal slot of a ``manual`` indicator."""
    return [
        Slot(ind, sub, "municipal")
        for ind in indicators
        if ind.derivation in ("", "manual")
        for sub in ind.municipal_slots
    ]


def is_empty(payload: dict[str, Any]) -> bool:
    return (
        payload.get("bool_value") is None
        and payload.get("number") is None
        and payload.get("numerator") is None
        and not payload.get("status3")
        and not (payload.get("text") or "").strip()
        and not payload.get("links")
    )


def clean(slot: Slot, raw: dict[str, Any], *, denominator: int | None = None) -> dict[str, Any]:
    """A valid payload for the slot, or ``InvalidValue`` with a Russian message naming the indicator."""
    kind = slot.kind
    payload: dict[str, Any] = {
        "bool_value": None,
        "number": None,
        "numerator": None,
        "status3": "",
        "text": "",
        "links": [],
    }
    ref = f"Показатель {slot.ref}"
    links = [str(u).strip() for u in (raw.get("links") or []) if str(u).strip()]
    for url in links:
        try:
            _url(url)
        except ValidationError as exc:
            raise InvalidValue(f"{ref}: «{url}» — не адрес сайта (нужна ссылка вида https://…).") from exc
    payload["text"] = (raw.get("text") or "").strip()
    if kind == "bool":
        value = raw.get("bool_value")
        if value is not None and not isinstance(value, bool):
            raise InvalidValue(f"{ref}: ожидается «да» или «нет».")
        payload["bool_value"] = value
        payload["links"] = links
        if value is True and slot.needs_links and not links:
            raise InvalidValue(f"{ref}: при ответе «да» нужна ссылка на документ.")
    elif kind == "people":
        n = raw.get("numerator")
        if n is not None:
            n = _number(n, ref)
            if n < 0 or n != int(n):
                raise InvalidValue(f"{ref}: число людей должно быть целым и не меньше 0.")
            if denominator is not None and n > denominator:
                raise InvalidValue(f"{ref}: {int(n)} больше, чем всего в школе ({denominator}).")
            payload["numerator"] = n
            payload["number"] = 100.0 * n / denominator if denominator else None
    elif kind == "pct":
        v = raw.get("number")
        if v is not None:
            v = _number(v, ref)
            if not 0 <= v <= 100:
                raise InvalidValue(f"{ref}: процент должен быть от 0 до 100.")
            payload["number"] = v
    elif kind == "count":
        v = raw.get("number")
        if v is not None:
            v = _number(v, ref)
            if v < 0 or v != int(v):
                raise InvalidValue(f"{ref}: ожидается целое число не меньше 0.")
            payload["number"] = v
    elif kind == "status3":
        code = raw.get("status3") or ""
        if code and code not in slot.status_labels():
            raise InvalidValue(f"{ref}: неизвестный уровень «{code}».")
        payload["status3"] = code
        payload["links"] = links
    return payload


def _number(value: Any, ref: str) -> float:
    if isinstance(value, bool):
        raise InvalidValue(f"{ref}: ожидается число.")
    if isinstance(value, str):
        value = value.strip().replace(",", ".").replace("\u00a0", "").replace(" ", "")
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        raise InvalidValue(f"{ref}: «{value}» — не число.") from exc
