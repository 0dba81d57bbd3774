"""Catalogues of monitoring indicators shipped as YAML data (``opora/data/indicators/*.yaml``).

A catalogue transcribes one founding document: each indicator's wording at the municipal and the school level,
its value types, how the municipal value is derived from school values, bucket schemes and yearly targets.
Loading validates the whole file, so a typo in the data fails loudly, with a Russian message naming the file,
the indicator and the field (docs/catalogue-notes.md describes the files and the choices made in them). The data
classes are in ``opora.indicator_types`` (re-exported here).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import Any, Final

import yaml

from opora.indicator_types import (
    EDUCATION_LEVELS,
    RECORD_MODES,
    RECORD_SOURCES,
    TARGET_MEASURES,
    Block,
    Bucket,
    BucketScheme,
    CatalogueError,
    Indicator,
    IndicatorSet,
    RecordRule,
    Subitem,
    Target,
)

__all__ = [
    "BUILTIN_FILES",
    "DERIVATIONS",
    "EDUCATION_LEVELS",
    "LEVELS",
    "RECORD_SOURCES",
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
    "RecordRule",
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
_BUCKET_KEYS: Final = frozenset({"code", "label", "lower", "upper", "lower_closed", "upper_closed"})
_BLOCK_KEYS: Final = frozenset({"code", "source_number", "title", "direction", "source_lines"})
_TARGET_KEYS: Final = frozenset(
    {"op", "value", "unit", "target_source", "note", "base", "measure", "document"}
)
_SUBITEM_KEYS: Final = frozenset(
    {
        "code",
        "label",
        "levels",
        "municipal_wording",
        "school_wording",
        "targets",
        "note",
        "records",
        "education_level",
    }
)
_RECORD_KEYS: Final = frozenset({"from", "mode"})
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
        "records",
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


def _target(year: int, spec_raw: object, ctx: _Ctx, where: str) -> Target:
    spec = _mapping(spec_raw, ctx, where)
    _check_keys(spec, _TARGET_KEYS, _Ctx(ctx.path, f"{ctx.item}, цель на {year} г."))
    op = spec.get("op")
    if op not in TARGET_OPS:
        raise ctx.error(f"{where}.op", f"неизвестная операция {op!r}")
    measure = spec.get("measure", "value")
    if measure not in TARGET_MEASURES:
        raise ctx.error(
            f"{where}.measure", f"неизвестная мера {measure!r}; допустимы: {', '.join(TARGET_MEASURES)}"
        )
    value = spec.get("value")
    if isinstance(value, bool):
        if op != "==":
            raise ctx.error(f"{where}.op", "для значения да/нет допустима только операция «==»")
        if measure != "value":
            raise ctx.error(f"{where}.value", "доля школ сравнивается с числом, а не с да/нет")
        target_value: float | bool = value
    else:
        number = _number(value, ctx, f"{where}.value")
        if number is None:
            raise ctx.error(f"{where}.value", "значение цели не задано")
        target_value = number
    unit = spec.get("unit")
    if unit is not None and not isinstance(unit, str):
        raise ctx.error(f"{where}.unit", "ожидается строка")
    source = spec.get("target_source")
    if not isinstance(source, str) or not source.strip():
        raise ctx.error(f"{where}.target_source", "не указан источник цели (цитата со строкой)")
    base = spec.get("base")
    if base is not None and base not in TARGET_GROUPS:
        raise ctx.error(f"{where}.base", f"неизвестная группа школ {base!r}")
    note, document = spec.get("note"), spec.get("document")
    return Target(
        year,
        str(op),
        target_value,
        unit,
        source,
        str(note) if note is not None else None,
        base,
        str(measure),
        str(document) if document is not None else None,
    )


def _targets(raw: object, ctx: _Ctx) -> dict[int, tuple[Target, ...]]:
    """``year: {…}`` (one target) or ``year: [{…}, {…}]`` (targets of different documents or bases)."""
    if raw is None:
        return {}
    targets = _mapping(raw, ctx, "targets")
    out: dict[int, tuple[Target, ...]] = {}
    for year, spec in targets.items():
        if isinstance(year, bool) or not isinstance(year, int) or year not in _TARGET_YEARS:
            raise ctx.error("targets", f"год {year!r} вне диапазона 2020–2030")
        specs = spec if isinstance(spec, list) else [spec]
        if not specs:
            raise ctx.error(f"targets.{year}", "пустой список целей")
        out[year] = tuple(
            _target(year, item, ctx, f"targets.{year}" + (f"[{n}]" if len(specs) > 1 else ""))
            for n, item in enumerate(specs)
        )
    return out


_BOOL_TYPES: Final = frozenset({"bool", "bool_links"})
_NUMERIC_TYPES: Final = frozenset({"pct", "pct_bucket", "count"})


def _check_target_kinds(
    targets: Mapping[int, tuple[Target, ...]], municipal_type: str | None, school_type: str | None, ctx: _Ctx
) -> None:
    """A target of the value matches the municipal value type; a share of schools needs a school value."""
    for year, items in targets.items():
        for target in items:
            if target.measure == "share_of_schools_with_any":
                if school_type not in ("bool", "bool_links", "count", "pct"):
                    raise ctx.error(
                        f"targets.{year}.measure", "доля школ считается только по школьным значениям"
                    )
                continue
            is_bool = isinstance(target.value, bool)
            if (municipal_type in _BOOL_TYPES and not is_bool) or (
                municipal_type in _NUMERIC_TYPES and is_bool
            ):
                raise ctx.error(
                    f"targets.{year}.value", f"вид цели не подходит к типу значения {municipal_type!r}"
                )
            if municipal_type not in _BOOL_TYPES | _NUMERIC_TYPES:
                raise ctx.error(f"targets.{year}", f"для типа значения {municipal_type!r} цель задать нельзя")


def _records(raw: object, ctx: _Ctx, typed_levels: tuple[str, ...]) -> dict[str, RecordRule]:
    """``records: {school: {from: [...], mode: decides|yes_only}, municipal: {...}}``."""
    if raw is None:
        return {}
    spec = _mapping(raw, ctx, "records")
    out: dict[str, RecordRule] = {}
    for level, rule_raw in spec.items():
        if level not in typed_levels:
            raise ctx.error("records", f"уровень {level!r} не задан у показателя (нет типа значения)")
        rule = _mapping(rule_raw, ctx, f"records.{level}")
        _check_keys(rule, _RECORD_KEYS, ctx)
        sources = rule.get("from")
        if not isinstance(sources, list) or not sources:
            raise ctx.error(f"records.{level}.from", "ожидается непустой список источников")
        unknown = [s for s in sources if s not in RECORD_SOURCES]
        if unknown:
            raise ctx.error(
                f"records.{level}.from",
                f"неизвестные источники {unknown}; допустимы: {', '.join(RECORD_SOURCES)}",
            )
        mode = rule.get("mode", "decides")
        if mode not in RECORD_MODES:
            raise ctx.error(f"records.{level}.mode", f"ожидается одно из {', '.join(RECORD_MODES)}")
        out[str(level)] = RecordRule(tuple(str(s) for s in sources), str(mode))
    return out


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
        flags = {}
        for key, default in (("lower_closed", True), ("upper_closed", False)):
            flag = item.get(key, default)
            if not isinstance(flag, bool):
                raise ctx.error(key, f"интервал «{code}»: ожидается true или false")
            flags[key] = flag
        bucket = Bucket(
            code,
            label,
            _number(item.get("lower"), ctx, "lower"),
            _number(item.get("upper"), ctx, "upper"),
            **flags,
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
        if prev.upper_closed == nxt.lower_closed:
            kind = "перекрытие" if prev.upper_closed else "разрыв"
            raise ctx.error(
                "upper_closed",
                f"{kind} в точке {prev.upper:g} между интервалами «{prev.code}» и «{nxt.code}»: "
                "граница должна входить ровно в один из них",
            )
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
    levels = tuple(str(level) for level in levels_raw)
    education_level = spec.get("education_level")
    if education_level is not None and education_level not in EDUCATION_LEVELS:
        raise sub_ctx.error(
            "education_level",
            f"ожидается один из уровней {', '.join(EDUCATION_LEVELS)}, получено {education_level!r}",
        )
    return Subitem(
        code,
        label,
        levels,
        _text(spec, "municipal_wording", sub_ctx),
        _text(spec, "school_wording", sub_ctx),
        _targets(spec.get("targets"), sub_ctx),
        _text(spec, "note", sub_ctx),
        _records(spec.get("records"), sub_ctx, levels),
        education_level,
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
    _check_target_kinds(targets, types["municipal"], types["school"], ctx)
    for sub in subitems:
        sub_ctx = _Ctx(path, f"{ctx.item}, подпункт «{sub.code}»")
        _check_target_kinds(sub.targets, types["municipal"], types["school"], sub_ctx)
        if "municipal" in sub.records and derivation not in (None, "manual"):
            raise sub_ctx.error(
                "records", "муниципальное значение выводится из школьных: записи на уровне УО не нужны"
            )
    records = _records(spec.get("records"), ctx, typed_levels)
    if "municipal" in records and derivation not in (None, "manual"):
        raise ctx.error(
            "records", "муниципальное значение выводится из школьных: записи на уровне УО не нужны"
        )

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
        records=records,
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
