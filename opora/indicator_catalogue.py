"""Catalogues of monitoring indicators shipped as YAML data (``opora/data/indicators/*.yaml``).

A catalogue transcribes one founding document: each indicator's wording at the municipal and the school level,
its value types, how the municipal value is derived from school values, bucket schemes and yearly targets.
Loading validates the whole file, so a typo in the data fails loudly, with a Russian message naming the file,
the indicator and the field (docs/catalogue-notes.md describes the files and the choices made in them).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any, Final

import yaml

__all__ = [
    "BUILTIN_FILES",
    "DERIVATIONS",
    "LEVELS",
    "STATUS3_CODES",
    "TARGET_GROUPS",
    "TARGET_OPS",
    "VALUE_TYPES",
    "Block",
    "Bucket",
    "BucketScheme",
    "CatalogueError",
    "Indicator",
    "IndicatorSet",
    "Subitem",
    "Target",
    "builtin_sets",
    "load_set",
]

#: Value types of one level of an indicator.
VALUE_TYPES: Final = frozenset({"bool_links", "bool", "pct", "pct_bucket", "count", "status3", "text"})

#: How the municipal value is obtained; ``manual`` means typed by the coordinator.
DERIVATIONS: Final = frozenset(
    {
        "share_of_schools_yes",
        "share_of_teachers",
        "share_of_students",
        "count_sum",
        "share_of_schools_with_positive_dynamics",
        "share_of_schools_with_risk_factor",
        "bucket_distribution",
        "manual",
    }
)

#: School value types each derivation can be computed from (``count`` > 0 counts as «да» for a share of schools).
_DERIVATION_SCHOOL_TYPES: Final[Mapping[str, frozenset[str]]] = {
    "share_of_schools_yes": frozenset({"bool", "bool_links", "count"}),
    "share_of_teachers": frozenset({"pct", "count"}),
    "share_of_students": frozenset({"pct", "count"}),
    "count_sum": frozenset({"count"}),
    "share_of_schools_with_positive_dynamics": frozenset({"bool"}),
    # the school's own value is «оценка проведена»; the factors themselves are computed from its risk data
    "share_of_schools_with_risk_factor": frozenset({"bool"}),
    "bucket_distribution": frozenset({"pct_bucket"}),
}

TARGET_GROUPS: Final = frozenset({"shnor", "at_risk", "all_schools", "program_schools"})
TARGET_OPS: Final = frozenset({">=", ">", "<=", "<", "=="})
LEVELS: Final = ("municipal", "school")
#: Codes of the three-level status «представлены / в процессе становления / отсутствуют».
STATUS3_CODES: Final = frozenset({"present", "emerging", "absent"})

_TARGET_YEARS: Final = range(2020, 2031)
_DIRECTIONS: Final = range(1, 7)
_LINES_RE: Final = re.compile(r"^(\d+)(?:-(\d+))?$")

_DATA_DIR: Final = Path(__file__).resolve().parent / "data" / "indicators"
#: The catalogues shipped with the package, by set code.
BUILTIN_FILES: Final[Mapping[str, str]] = {
    "order_2023_41": "order_2023_41.yaml",
    "program_2020": "program_2020_targets.yaml",
}


class CatalogueError(ValueError):
    """A catalogue file is malformed; the message (Russian) names the file, the item and the field."""


@dataclass(frozen=True)
class Bucket:
    """Half-open interval ``[lower, upper)`` of a percent; ``None`` means unbounded."""

    code: str
    label: str
    lower: float | None
    upper: float | None

    def contains(self, value: float) -> bool:
        return (self.lower is None or value >= self.lower) and (self.upper is None or value < self.upper)


@dataclass(frozen=True)
class BucketScheme:
    """Ordered buckets covering the whole real line without gaps or overlaps (checked on load)."""

    name: str
    label: str
    buckets: tuple[Bucket, ...]

    def bucket_for(self, value: float) -> Bucket:
        """The bucket holding ``value``; a value exactly at an edge belongs to the upper bucket."""
        if math.isnan(value):
            raise ValueError(f"шкала «{self.name}»: значение не число (NaN)")
        for bucket in self.buckets:
            if bucket.contains(value):
                return bucket
        raise ValueError(f"шкала «{self.name}» не покрывает значение {value}")  # unreachable after validation


@dataclass(frozen=True)
class Target:
    """A yearly target such as «не менее 50 %» (``op=">="``, ``value=50``) or «да» (``op="=="``, ``value=True``)."""

    year: int
    op: str
    value: float | bool
    unit: str | None = None
    source: str | None = None
    note: str | None = None

    def is_met(self, value: float | bool | None) -> bool | None:
        """Whether ``value`` meets the target; ``None`` when there is no value yet."""
        if value is None:
            return None
        if isinstance(self.value, bool) or isinstance(value, bool):
            # A yes/no target is compared only with a yes/no value; mixing kinds has no answer.
            both_bool = isinstance(self.value, bool) and isinstance(value, bool)
            return (value == self.value) if both_bool else None
        return {
            ">=": value >= self.value,
            ">": value > self.value,
            "<=": value <= self.value,
            "<": value < self.value,
            "==": value == self.value,
        }[self.op]


@dataclass(frozen=True)
class Subitem:
    """A part of an indicator that has its own value (a course registry, a risk factor, a subject…)."""

    code: str
    label: str
    levels: tuple[str, ...]
    municipal_wording: str | None = None
    school_wording: str | None = None
    targets: Mapping[int, Target] = field(default_factory=dict)
    note: str | None = None


@dataclass(frozen=True)
class Block:
    """A heading of the source document, with its number as printed and its roadmap direction (1–6)."""

    code: str
    source_number: str | None
    title: str
    direction: int
    source_lines: tuple[str, ...]


@dataclass(frozen=True)
class Indicator:
    """One monitoring indicator at the municipal and (optionally) the school level."""

    id: str
    source_number: str | None
    block: str | None
    direction: int
    municipal_wording: str | None
    municipal_type: str | None
    school_wording: str | None
    school_type: str | None
    derivation: str | None
    target_group: str | None
    source_lines: tuple[str, ...]
    municipal_indicator_text: str | None = None
    school_indicator_text: str | None = None
    bucket_scheme: str | None = None
    school_bucket_scheme: str | None = None
    status_labels: Mapping[str, str] = field(default_factory=dict)
    subitems: tuple[Subitem, ...] = ()
    targets: Mapping[int, Target] = field(default_factory=dict)
    note: str | None = None

    def subitem(self, code: str) -> Subitem:
        for sub in self.subitems:
            if sub.code == code:
                return sub
        raise KeyError(code)

    def all_targets(self) -> dict[tuple[str | None, int], Target]:
        """Targets of the indicator (key ``(None, year)``) and of its subitems (key ``(code, year)``)."""
        out: dict[tuple[str | None, int], Target] = {(None, y): t for y, t in self.targets.items()}
        for sub in self.subitems:
            out.update({(sub.code, y): t for y, t in sub.targets.items()})
        return out


@dataclass(frozen=True)
class IndicatorSet:
    """A validated catalogue: set metadata, bucket schemes, blocks and indicators in source order."""

    code: str
    title: str
    source: str
    source_file: str | None
    buckets: Mapping[str, BucketScheme]
    blocks: Mapping[str, Block]
    indicators: tuple[Indicator, ...]

    def get(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def ids(self) -> list[str]:
        return [ind.id for ind in self.indicators]


# --------------------------------------------------------------------------------------------- loading


class _Ctx:
    """Formats error messages for one file and one item."""

    def __init__(self, path: str, item: str) -> None:
        self.path = path
        self.item = item

    def error(self, fld: str, message: str) -> CatalogueError:
        return CatalogueError(f"{self.path}: {self.item}, поле «{fld}»: {message}")


_SET_KEYS: Final = frozenset({"code", "title", "source", "source_file"})
_SCHEME_KEYS: Final = frozenset({"label", "buckets", "source_lines"})
_BUCKET_KEYS: Final = frozenset({"code", "label", "lower", "upper"})
_BLOCK_KEYS: Final = frozenset({"code", "source_number", "title", "direction", "source_lines"})
_TARGET_KEYS: Final = frozenset({"op", "value", "unit", "target_source", "note"})
_SUBITEM_KEYS: Final = frozenset(
    {"code", "label", "levels", "municipal_wording", "school_wording", "targets", "note"}
)
_INDICATOR_KEYS: Final = frozenset(
    {
        "id",
        "source_number",
        "block",
        "direction",
        "municipal_wording",
        "municipal_indicator_text",
        "municipal_type",
        "school_wording",
        "school_indicator_text",
        "school_type",
        "bucket_scheme",
        "school_bucket_scheme",
        "status_labels",
        "derivation",
        "target_group",
        "subitems",
        "targets",
        "source_lines",
        "note",
    }
)


def _mapping(raw: object, ctx: _Ctx, fld: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise ctx.error(fld, "ожидается словарь (ключ: значение)")
    return raw


def _check_keys(raw: Mapping[str, Any], allowed: frozenset[str], ctx: _Ctx) -> None:
    unknown = sorted(str(k) for k in raw if k not in allowed)
    if unknown:
        raise ctx.error(unknown[0], "неизвестное поле")


def _text(raw: Mapping[str, Any], key: str, ctx: _Ctx, *, required: bool = False) -> str | None:
    value = raw.get(key)
    if value is None:
        if required:
            raise ctx.error(key, "обязательное поле не заполнено")
        return None
    if not isinstance(value, str) or not value.strip():
        raise ctx.error(key, "ожидается непустая строка")
    return value


def _required(raw: Mapping[str, Any], key: str, ctx: _Ctx) -> str:
    value = _text(raw, key, ctx, required=True)
    if value is None:  # pragma: no cover - _text raises first; this narrows the type for mypy
        raise ctx.error(key, "обязательное поле не заполнено")
    return value


def _number(value: object, ctx: _Ctx, fld: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ctx.error(fld, f"ожидается число или null, получено {value!r}")
    return float(value)


def _direction(raw: Mapping[str, Any], ctx: _Ctx) -> int:
    value = raw.get("direction")
    if isinstance(value, bool) or not isinstance(value, int) or value not in _DIRECTIONS:
        raise ctx.error("direction", f"ожидается номер направления от 1 до 6, получено {value!r}")
    return value


def _source_lines(raw: Mapping[str, Any], ctx: _Ctx) -> tuple[str, ...]:
    value = raw.get("source_lines")
    if not isinstance(value, list) or not value:
        raise ctx.error("source_lines", "ожидается непустой список строк вида «13-36»")
    out: list[str] = []
    for item in value:
        match = _LINES_RE.match(str(item))
        if match is None or (match.group(2) is not None and int(match.group(2)) < int(match.group(1))):
            raise ctx.error("source_lines", f"неверный диапазон строк {item!r}")
        out.append(str(item))
    return tuple(out)


def _targets(raw: object, ctx: _Ctx) -> dict[int, Target]:
    if raw is None:
        return {}
    targets = _mapping(raw, ctx, "targets")
    out: dict[int, Target] = {}
    for year, spec in targets.items():
        if isinstance(year, bool) or not isinstance(year, int) or year not in _TARGET_YEARS:
            raise ctx.error("targets", f"год {year!r} вне диапазона 2020–2030")
        spec = _mapping(spec, ctx, f"targets.{year}")
        _check_keys(spec, _TARGET_KEYS, _Ctx(ctx.path, f"{ctx.item}, цель на {year} г."))
        op = spec.get("op")
        if op not in TARGET_OPS:
            raise ctx.error(f"targets.{year}.op", f"неизвестная операция {op!r}")
        value = spec.get("value")
        if isinstance(value, bool):
            if op != "==":
                raise ctx.error(f"targets.{year}.op", "для значения да/нет допустима только операция «==»")
            target_value: float | bool = value
        else:
            number = _number(value, ctx, f"targets.{year}.value")
            if number is None:
                raise ctx.error(f"targets.{year}.value", "значение цели не задано")
            target_value = number
        unit = spec.get("unit")
        if unit is not None and not isinstance(unit, str):
            raise ctx.error(f"targets.{year}.unit", "ожидается строка")
        source = spec.get("target_source")
        if not isinstance(source, str) or not source.strip():
            raise ctx.error(f"targets.{year}.target_source", "не указан источник цели (цитата со строкой)")
        note = spec.get("note")
        out[year] = Target(year, str(op), target_value, unit, source, str(note) if note is not None else None)
    return out


_BOOL_TYPES: Final = frozenset({"bool", "bool_links"})
_NUMERIC_TYPES: Final = frozenset({"pct", "pct_bucket", "count"})


def _check_target_kinds(targets: Mapping[int, Target], municipal_type: str | None, ctx: _Ctx) -> None:
    """Targets apply to the municipal value, so their kind must match the municipal value type."""
    for year, target in targets.items():
        is_bool = isinstance(target.value, bool)
        if (municipal_type in _BOOL_TYPES and not is_bool) or (municipal_type in _NUMERIC_TYPES and is_bool):
            raise ctx.error(
                f"targets.{year}.value", f"вид цели не подходит к типу значения {municipal_type!r}"
            )
        if municipal_type not in _BOOL_TYPES | _NUMERIC_TYPES:
            raise ctx.error(f"targets.{year}", f"для типа значения {municipal_type!r} цель задать нельзя")


def _bucket_scheme(name: str, raw: object, path: str) -> BucketScheme:
    ctx = _Ctx(path, f"шкала «{name}»")
    spec = _mapping(raw, ctx, "buckets")
    _check_keys(spec, _SCHEME_KEYS, ctx)
    items = spec.get("buckets")
    if not isinstance(items, list) or not items:
        raise ctx.error("buckets", "ожидается непустой список интервалов")
    buckets: list[Bucket] = []
    for item in items:
        item = _mapping(item, ctx, "buckets")
        _check_keys(item, _BUCKET_KEYS, ctx)
        code = _required(item, "code", ctx)
        label = _required(item, "label", ctx)
        bucket = Bucket(
            code, label, _number(item.get("lower"), ctx, "lower"), _number(item.get("upper"), ctx, "upper")
        )
        if bucket.lower is not None and bucket.upper is not None and bucket.lower >= bucket.upper:
            raise ctx.error("lower", f"интервал «{code}»: нижняя граница не меньше верхней")
        buckets.append(bucket)
    if len({b.code for b in buckets}) != len(buckets):
        raise ctx.error("code", "коды интервалов повторяются")
    if buckets[0].lower is not None:
        raise ctx.error("lower", f"первый интервал «{buckets[0].code}» должен начинаться с null (−∞)")
    if buckets[-1].upper is not None:
        raise ctx.error("upper", f"последний интервал «{buckets[-1].code}» должен заканчиваться null (+∞)")
    for prev, nxt in itertools.pairwise(buckets):
        if prev.upper is None or nxt.lower is None or prev.upper != nxt.lower:
            gap = prev.upper is not None and nxt.lower is not None and nxt.lower > prev.upper
            kind = "разрыв" if gap else "перекрытие"
            raise ctx.error("lower", f"{kind} между интервалами «{prev.code}» и «{nxt.code}»")
    return BucketScheme(name, _text(spec, "label", ctx) or name, tuple(buckets))


def _block(raw: object, path: str) -> Block:
    ctx = _Ctx(path, "блок")
    spec = _mapping(raw, ctx, "blocks")
    code = _required(spec, "code", ctx)
    ctx = _Ctx(path, f"блок «{code}»")
    _check_keys(spec, _BLOCK_KEYS, ctx)
    title = _required(spec, "title", ctx)
    return Block(
        code, _text(spec, "source_number", ctx), title, _direction(spec, ctx), _source_lines(spec, ctx)
    )


def _subitem(raw: object, ctx: _Ctx, typed_levels: tuple[str, ...]) -> Subitem:
    spec = _mapping(raw, ctx, "subitems")
    code = _required(spec, "code", ctx)
    sub_ctx = _Ctx(ctx.path, f"{ctx.item}, подпункт «{code}»")
    _check_keys(spec, _SUBITEM_KEYS, sub_ctx)
    label = _required(spec, "label", sub_ctx)
    levels_raw = spec.get("levels", list(typed_levels))
    if not isinstance(levels_raw, list) or not levels_raw:
        raise sub_ctx.error("levels", "ожидается непустой список уровней")
    for level in levels_raw:
        if level not in typed_levels:
            raise sub_ctx.error("levels", f"уровень {level!r} не задан у показателя (нет типа значения)")
    return Subitem(
        code,
        label,
        tuple(str(level) for level in levels_raw),
        _text(spec, "municipal_wording", sub_ctx),
        _text(spec, "school_wording", sub_ctx),
        _targets(spec.get("targets"), sub_ctx),
        _text(spec, "note", sub_ctx),
    )


def _indicator(
    raw: object, path: str, schemes: Mapping[str, BucketScheme], blocks: Mapping[str, Block]
) -> Indicator:
    ctx = _Ctx(path, "показатель")
    spec = _mapping(raw, ctx, "indicators")
    ind_id = spec.get("id")
    if not isinstance(ind_id, str) or not ind_id.strip():
        raise ctx.error("id", f"ожидается непустая строка, получено {ind_id!r}")
    ctx = _Ctx(path, f"показатель «{ind_id}»")
    _check_keys(spec, _INDICATOR_KEYS, ctx)

    direction = _direction(spec, ctx)
    block = _text(spec, "block", ctx)
    if block is not None:
        if block not in blocks:
            raise ctx.error("block", f"неизвестный блок {block!r}")
        if blocks[block].direction != direction:
            raise ctx.error(
                "direction", f"направление {direction} не совпадает с направлением блока «{block}»"
            )

    types: dict[str, str | None] = {}
    for level in LEVELS:
        value_type = spec.get(f"{level}_type")
        if value_type is not None and value_type not in VALUE_TYPES:
            raise ctx.error(f"{level}_type", f"неизвестный тип значения {value_type!r}")
        types[level] = value_type
        scheme_key = "bucket_scheme" if level == "municipal" else "school_bucket_scheme"
        scheme = spec.get(scheme_key)
        if value_type == "pct_bucket" and scheme is None:
            raise ctx.error(scheme_key, "для типа pct_bucket нужна шкала интервалов")
        if scheme is not None and value_type != "pct_bucket":
            raise ctx.error(scheme_key, "шкала задана, но тип значения не pct_bucket")
        if scheme is not None and scheme not in schemes:
            raise ctx.error(scheme_key, f"неизвестная шкала {scheme!r}")
    typed_levels = tuple(level for level in LEVELS if types[level] is not None)
    if not typed_levels:
        raise ctx.error("municipal_type", "не задан тип значения ни для одного уровня")
    municipal_wording = _text(spec, "municipal_wording", ctx, required=types["municipal"] is not None)

    status_raw = spec.get("status_labels")
    status_labels: dict[str, str] = {}
    if "status3" in types.values() or status_raw is not None:
        status_map = status_raw if isinstance(status_raw, Mapping) else {}
        if set(status_map) != STATUS3_CODES or "status3" not in types.values():
            raise ctx.error("status_labels", "для типа status3 нужны ровно present, emerging, absent")
        status_labels = {str(k): str(v) for k, v in status_map.items()}

    derivation = spec.get("derivation")
    if derivation is not None:
        if derivation not in DERIVATIONS:
            raise ctx.error("derivation", f"неизвестный способ расчёта {derivation!r}")
        if types["municipal"] is None:
            raise ctx.error("derivation", "способ расчёта задан, но муниципального значения нет")
        allowed = _DERIVATION_SCHOOL_TYPES.get(derivation)
        if allowed is not None and types["school"] not in allowed:
            raise ctx.error(
                "derivation", f"«{derivation}» нельзя вычислить из школьного типа {types['school']!r}"
            )
    target_group = spec.get("target_group")
    if target_group is not None and target_group not in TARGET_GROUPS:
        raise ctx.error("target_group", f"неизвестная группа школ {target_group!r}")

    subitems_raw = spec.get("subitems") or []
    if not isinstance(subitems_raw, list):
        raise ctx.error("subitems", "ожидается список")
    subitems = tuple(_subitem(item, ctx, typed_levels) for item in subitems_raw)
    if len({s.code for s in subitems}) != len(subitems):
        raise ctx.error("subitems", "коды подпунктов повторяются")
    if derivation == "share_of_schools_with_risk_factor":
        from opora.risk_factors import RISK_FACTORS

        unknown = [s.code for s in subitems if s.code not in RISK_FACTORS]
        if unknown or not subitems:
            raise ctx.error(
                "subitems",
                f"для доли школ с фактором риска подпункты — коды факторов ({', '.join(RISK_FACTORS)}); "
                f"неизвестные: {', '.join(unknown) or 'подпунктов нет'}",
            )
    targets = _targets(spec.get("targets"), ctx)
    _check_target_kinds(targets, types["municipal"], ctx)
    for sub in subitems:
        _check_target_kinds(sub.targets, types["municipal"], _Ctx(path, f"{ctx.item}, подпункт «{sub.code}»"))

    return Indicator(
        id=ind_id,
        source_number=_text(spec, "source_number", ctx),
        block=block,
        direction=direction,
        municipal_wording=municipal_wording,
        municipal_type=types["municipal"],
        school_wording=_text(spec, "school_wording", ctx),
        school_type=types["school"],
        derivation=derivation,
        target_group=target_group,
        source_lines=_source_lines(spec, ctx),
        municipal_indicator_text=_text(spec, "municipal_indicator_text", ctx),
        school_indicator_text=_text(spec, "school_indicator_text", ctx),
        bucket_scheme=spec.get("bucket_scheme"),
        school_bucket_scheme=spec.get("school_bucket_scheme"),
        status_labels=status_labels,
        subitems=subitems,
        targets=targets,
        note=_text(spec, "note", ctx),
    )


def load_set(path: str | PathLike[str]) -> IndicatorSet:
    """Read and validate one catalogue file; raise :class:`CatalogueError` on the first problem found."""
    file = Path(path)
    name = str(file)
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{name}: файл не разбирается как YAML: {exc}") from exc
    top = _mapping(raw, _Ctx(name, "файл"), "(корень)")
    _check_keys(top, frozenset({"set", "buckets", "blocks", "indicators"}), _Ctx(name, "файл"))

    set_ctx = _Ctx(name, "набор")
    meta = _mapping(top.get("set"), set_ctx, "set")
    _check_keys(meta, _SET_KEYS, set_ctx)
    code, title, source = (_required(meta, key, set_ctx) for key in ("code", "title", "source"))

    schemes_raw = _mapping(top.get("buckets") or {}, set_ctx, "buckets")
    schemes = {str(n): _bucket_scheme(str(n), spec, name) for n, spec in schemes_raw.items()}

    blocks: dict[str, Block] = {}
    for block_raw in top.get("blocks") or []:
        block = _block(block_raw, name)
        if block.code in blocks:
            raise _Ctx(name, f"блок «{block.code}»").error("code", "код блока повторяется")
        blocks[block.code] = block

    items = top.get("indicators")
    if not isinstance(items, list) or not items:
        raise set_ctx.error("indicators", "ожидается непустой список показателей")
    indicators: list[Indicator] = []
    seen: set[str] = set()
    for item in items:
        indicator = _indicator(item, name, schemes, blocks)
        if indicator.id in seen:
            raise _Ctx(name, f"показатель «{indicator.id}»").error("id", "идентификатор повторяется")
        seen.add(indicator.id)
        indicators.append(indicator)

    return IndicatorSet(
        code=code,
        title=title,
        source=source,
        source_file=_text(meta, "source_file", set_ctx),
        buckets=schemes,
        blocks=blocks,
        indicators=tuple(indicators),
    )


def builtin_sets() -> dict[str, IndicatorSet]:
    """The catalogues shipped with the package, keyed by set code (validated on every call)."""
    out: dict[str, IndicatorSet] = {}
    for code, filename in BUILTIN_FILES.items():
        loaded = load_set(_DATA_DIR / filename)
        if loaded.code != code:
            raise CatalogueError(f"{_DATA_DIR / filename}: набор, поле «set.code»: ожидается {code!r}")
        out[code] = loaded
    return out
