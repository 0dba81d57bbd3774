"""Identification configuration: frozen dataclasses with documented defaults (docs/methodology.md R1–R8).

Every constant of the reconstructed regional method is a field here, so a run is reproducible from
``IdentificationConfig.to_mapping()`` (a JSON-able snapshot) and a customer can change any of them without code.
Unknown keys and bad values raise :class:`opora.errors.ConfigError` with a Russian message naming the key.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Final

from opora.catalogue import ORDER_RISK_ZONE_FACTORS, RISK_FACTORS
from opora.errors import ConfigError

__all__ = [
    "CONTEXT_METHODS",
    "DEFAULT_CONTEXT_VARIABLES",
    "DEFAULT_RESULT_RANGES",
    "DEFAULT_STATISTICS",
    "LOW_RESULTS_RULES",
    "OUT_OF_RANGE_POLICIES",
    "RESIDUAL_MEASURES",
    "STATISTICS",
    "CategoryRules",
    "ContextConfig",
    "DataChecks",
    "IdentificationConfig",
    "RegressionConfig",
    "ResultsIndexConfig",
    "load_config",
]

#: Unit statistics the results index can use (docs/methodology.md R1).
STATISTICS: Final = ("mean_pct", "low_share", "high_share", "mean_mark")
#: Default statistics and their signs: +1 = higher is better, −1 = higher is worse (R1, R2).
DEFAULT_STATISTICS: Final = (("mean_pct", 1), ("low_share", -1), ("high_share", 1))
#: Default КИАСУО-like context variables and their direction (−1 = a higher share is less favourable; R4).
DEFAULT_CONTEXT_VARIABLES: Final = (
    ("low_income_share", -1),
    ("tzhs_share", -1),
    ("special_needs_share", -1),
    ("registered_share", -1),
    ("parents_no_higher_edu_share", -1),
    ("single_parent_share", -1),
    ("non_native_share", -1),
    ("rural", -1),
)
CONTEXT_METHODS: Final = ("mean", "pca")
#: What to do with a value outside its plausible range: refuse the run (listing the rows) or leave the value out
#: and report it (docs/methodology.md, «Проверка данных»).
OUT_OF_RANGE_POLICIES: Final = ("refuse", "exclude")
#: Plausible ranges of result values by default: a key is a column of the results table («mean_pct») or
#: «procedure.column» («ege.mean_score»). A mean of 0 % is a placeholder, not a result (issue 16: 1,090 such rows
#: halved R²), so the mean percentage starts at 1 %.
DEFAULT_RESULT_RANGES: Final = (
    ("mean_pct", 1.0, 100.0),
    ("ege.mean_score", 1.0, 100.0),
    ("mean_mark", 2.0, 5.0),
)
LOW_RESULTS_RULES: Final = ("quantile_or_residual", "quantile_and_residual", "quantile", "residual")
RESIDUAL_MEASURES: Final = ("std_residual", "studentized_residual")


def _signed_pairs(
    value: Any, key: str, allowed: tuple[str, ...] | None = None
) -> tuple[tuple[str, int], ...]:
    """``{"name": +1|-1|"+"|"-"}`` or ``[["name", sign], ...]`` → a tuple of pairs."""
    items: list[tuple[Any, Any]]
    if isinstance(value, Mapping):
        items = list(value.items())
    elif isinstance(value, list | tuple) and all(isinstance(p, list | tuple) and len(p) == 2 for p in value):
        items = [(p[0], p[1]) for p in value]
    else:
        raise ConfigError(f"Параметр «{key}»: ожидается словарь «имя: знак» (знак +1 или −1).")
    out: list[tuple[str, int]] = []
    for name, sign in items:
        if not isinstance(name, str) or not name:
            raise ConfigError(f"Параметр «{key}»: имя должно быть непустой строкой, получено {name!r}.")
        if allowed is not None and name not in allowed:
            raise ConfigError(
                f"Параметр «{key}»: неизвестная статистика «{name}»; допустимы: {', '.join(allowed)}."
            )
        if sign in ("+", "+1"):
            sign = 1
        elif sign in ("-", "−", "-1"):
            sign = -1
        if isinstance(sign, bool) or sign not in (1, -1):
            raise ConfigError(f"Параметр «{key}.{name}»: знак должен быть +1 или −1, получено {sign!r}.")
        out.append((name, int(sign)))
    if not out:
        raise ConfigError(f"Параметр «{key}»: список не может быть пустым.")
    return tuple(out)


def _str_tuple(value: Any, key: str) -> tuple[str, ...]:
    if (
        isinstance(value, str)
        or not isinstance(value, list | tuple)
        or not all(isinstance(v, str) for v in value)
    ):
        raise ConfigError(f"Параметр «{key}»: ожидается список строк.")
    return tuple(value)


def _number(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise ConfigError(f"Параметр «{key}»: ожидается число, получено {value!r}.")
    return float(value)


def _ranges(value: Any, key: str) -> tuple[tuple[str, float, float], ...]:
    """``{"name": [low, high]}`` → a tuple of (name, low, high) with low ≤ high."""
    if not isinstance(value, Mapping):
        raise ConfigError(f"Параметр «{key}»: ожидается словарь «имя: [от, до]».")
    out = []
    for name, bounds in value.items():
        if not isinstance(name, str) or not name:
            raise ConfigError(f"Параметр «{key}»: имя должно быть непустой строкой, получено {name!r}.")
        if not isinstance(bounds, list | tuple) or len(bounds) != 2:
            raise ConfigError(f"Параметр «{key}.{name}»: ожидается пара чисел [от, до], получено {bounds!r}.")
        lo, hi = _number(bounds[0], f"{key}.{name}"), _number(bounds[1], f"{key}.{name}")
        if lo > hi:
            raise ConfigError(f"Параметр «{key}.{name}»: нижняя граница {lo} больше верхней {hi}.")
        out.append((name, lo, hi))
    return tuple(out)


def _maps(value: Any, key: str) -> tuple[tuple[str, tuple[tuple[str, float], ...]], ...]:
    """``{"column": {"text": number}}`` → nested tuples (text → number of a text/ordinal context column)."""
    if not isinstance(value, Mapping):
        raise ConfigError(f"Параметр «{key}»: ожидается словарь «столбец: {{текст: число}}».")
    out = []
    for column, mapping in value.items():
        if not isinstance(column, str) or not column:
            raise ConfigError(
                f"Параметр «{key}»: имя столбца должно быть непустой строкой, получено {column!r}."
            )
        if not isinstance(mapping, Mapping) or not mapping:
            raise ConfigError(f"Параметр «{key}.{column}»: ожидается непустой словарь «текст: число».")
        pairs = []
        for text, number in mapping.items():
            if not isinstance(text, str) or not text.strip():
                raise ConfigError(f"Параметр «{key}.{column}»: текст должен быть непустой строкой.")
            pairs.append((text, _number(number, f"{key}.{column}.{text}")))
        out.append((column, tuple(pairs)))
    return tuple(out)


def _check_scalar(value: Any, expected: Any, key: str) -> Any:
    if expected is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"Параметр «{key}»: ожидается true или false, получено {value!r}.")
        return value
    if expected is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"Параметр «{key}»: ожидается целое число, получено {value!r}.")
        return value
    if expected is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"Параметр «{key}»: ожидается число, получено {value!r}.")
        return float(value)
    if expected == "float?":
        return None if value is None else _check_scalar(value, float, key)
    if expected is str:
        if not isinstance(value, str):
            raise ConfigError(f"Параметр «{key}»: ожидается строка, получено {value!r}.")
        return value.strip()
    if isinstance(expected, tuple):  # a choice among strings
        if value not in expected:
            raise ConfigError(f"Параметр «{key}»: значение {value!r} не из списка: {', '.join(expected)}.")
        return value
    raise ConfigError(f"Параметр «{key}»: неподдерживаемый тип.")  # pragma: no cover - programming error


def _build(cls: Any, mapping: Any, prefix: str, kinds: Mapping[str, Any]) -> Any:
    if not isinstance(mapping, Mapping):
        raise ConfigError(f"Раздел «{prefix}»: ожидается словарь параметров.")
    names = {f.name for f in fields(cls)}
    for key in mapping:
        if key not in names:
            raise ConfigError(f"Неизвестный параметр «{prefix}.{key}» в настройках идентификации.")
    kwargs: dict[str, Any] = {}
    for key, value in mapping.items():
        kind = kinds[key]
        full = f"{prefix}.{key}"
        if kind == "pairs_stat":
            kwargs[key] = _signed_pairs(value, full, STATISTICS)
        elif kind == "pairs":
            kwargs[key] = _signed_pairs(value, full)
        elif kind == "strs":
            kwargs[key] = _str_tuple(value, full)
        elif kind == "ranges":
            kwargs[key] = _ranges(value, full)
        elif kind == "maps":
            kwargs[key] = _maps(value, full)
        else:
            kwargs[key] = _check_scalar(value, kind, full)
    obj = cls(**kwargs)
    obj.validate(prefix)
    return obj


def _snapshot(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    kinds = type(obj)._KINDS
    for f in fields(obj):
        value = getattr(obj, f.name)
        if kinds.get(f.name) == "ranges":
            out[f.name] = {name: [lo, hi] for name, lo, hi in value}
        elif kinds.get(f.name) == "maps":
            out[f.name] = {column: dict(pairs) for column, pairs in value}
        elif isinstance(value, tuple) and value and isinstance(value[0], tuple):
            out[f.name] = {name: sign for name, sign in value}
        elif isinstance(value, tuple):
            out[f.name] = list(value)
        else:
            out[f.name] = value
    return out


def _range(value: float, lo: float, hi: float, key: str, *, open_lo: bool = False) -> None:
    if value < lo or value > hi or (open_lo and value == lo):
        raise ConfigError(f"Параметр «{key}»: значение {value} вне допустимого диапазона [{lo}; {hi}].")


@dataclass(frozen=True)
class ResultsIndexConfig:
    """How the results index is built (R1–R3).

    ``statistics``: unit statistics and their signs; ``procedures``: procedures used (empty = every procedure
    in the data); ``split_vpr_by_level``: ВПР counts as three groups (НОО ≤ 4, ООО 5–9, СОО 10–11);
    ``min_participants``: a cell with fewer participants is dropped; ``min_components``: minimum number of
    procedure groups a school needs; ``min_schools_per_cell``: a (procedure, subject, grade, year) cell needs this
    many fit schools to be standardised; ``window_years``: years whose results make one year's index (4: SEED-B
    «за 2019–2022 годы (в динамике)»; 1 = that year only); ``lower_is_better``: procedures (e.g. the columns of a
    wide table) whose values are better when lower.
    """

    statistics: tuple[tuple[str, int], ...] = DEFAULT_STATISTICS
    procedures: tuple[str, ...] = ()
    split_vpr_by_level: bool = True
    min_participants: int = 10
    min_components: int = 2
    min_schools_per_cell: int = 5
    window_years: int = 4
    lower_is_better: tuple[str, ...] = ()

    _KINDS = {
        "statistics": "pairs_stat",
        "procedures": "strs",
        "split_vpr_by_level": bool,
        "min_participants": int,
        "min_components": int,
        "min_schools_per_cell": int,
        "window_years": int,
        "lower_is_better": "strs",
    }

    def validate(self, prefix: str = "results") -> None:
        _range(self.min_participants, 1, 10**6, f"{prefix}.min_participants")
        _range(self.min_components, 1, 100, f"{prefix}.min_components")
        _range(self.min_schools_per_cell, 2, 10**6, f"{prefix}.min_schools_per_cell")
        _range(self.window_years, 1, 20, f"{prefix}.window_years")


@dataclass(frozen=True)
class ContextConfig:
    """How the context index is built (R4): variables with direction, ``mean`` of z or first principal component
    (``pca``), and the minimum number of variables a school must have."""

    variables: tuple[tuple[str, int], ...] = DEFAULT_CONTEXT_VARIABLES
    method: str = "mean"
    min_variables: int = 3

    _KINDS = {"variables": "pairs", "method": CONTEXT_METHODS, "min_variables": int}

    def validate(self, prefix: str = "context") -> None:
        _range(self.min_variables, 1, max(1, len(self.variables)), f"{prefix}.min_variables")
        names = [name for name, _ in self.variables]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ConfigError(f"Параметр «{prefix}.variables»: переменная «{repeated[0]}» указана дважды.")


@dataclass(frozen=True)
class RegressionConfig:
    """The regression (R5) and shrinkage (R6).

    ``weighted``: WLS with weights = participants (normalised to mean 1); ``ci_level``: level of the confidence
    and prediction intervals; ``shrinkage``: the category rules use the empirical-Bayes shrunk residual;
    ``within_variance``: σ²_within per participant in index units (None = estimated, R6); ``min_schools``: fewer
    fit schools raise InsufficientDataError.
    """

    weighted: bool = False
    ci_level: float = 0.95
    shrinkage: bool = False
    within_variance: float | None = None
    min_schools: int = 10

    _KINDS = {
        "weighted": bool,
        "ci_level": float,
        "shrinkage": bool,
        "within_variance": "float?",
        "min_schools": int,
    }

    def validate(self, prefix: str = "regression") -> None:
        _range(self.ci_level, 0.5, 0.9999, f"{prefix}.ci_level")
        if self.within_variance is not None:
            _range(self.within_variance, 0.0, 1e9, f"{prefix}.within_variance")
        _range(self.min_schools, 3, 10**7, f"{prefix}.min_schools")


@dataclass(frozen=True)
class CategoryRules:
    """Category rules (R7) and stability (R8); the source of each default is in docs/methodology.md R7."""

    q_ctx: float = 0.25
    q_res: float = 0.25
    low_results_k: float = 1.0
    low_results_rule: str = "quantile_or_residual"
    resilient_min_residual: float = 0.0
    above_expected_k: float = 1.0
    residual_measure: str = "std_residual"
    risk_factors: tuple[str, ...] = ORDER_RISK_ZONE_FACTORS
    risk_min_factors: int = 2
    internet_min_mbps: float = 50.0
    categories_min_share: float = 70.0
    trained_min_share: float = 95.0
    vacancies_max: int = 0
    equipment_required: bool = True
    trend_drop: float = 0.5
    trend_min_years: int = 2
    stability_years: int = 2
    stability_requires_current: bool = True
    evaluation_years: int = 3
    stable_categories: tuple[str, ...] = ("low_results", "adverse_context", "resilient", "above_expected")

    _KINDS = {
        "q_ctx": float,
        "q_res": float,
        "low_results_k": float,
        "low_results_rule": LOW_RESULTS_RULES,
        "resilient_min_residual": float,
        "above_expected_k": float,
        "residual_measure": RESIDUAL_MEASURES,
        "risk_factors": "strs",
        "risk_min_factors": int,
        "internet_min_mbps": float,
        "categories_min_share": float,
        "trained_min_share": float,
        "vacancies_max": int,
        "equipment_required": bool,
        "trend_drop": float,
        "trend_min_years": int,
        "stability_years": int,
        "stability_requires_current": bool,
        "evaluation_years": int,
        "stable_categories": "strs",
    }

    def validate(self, prefix: str = "categories") -> None:
        _range(self.q_ctx, 0.0, 1.0, f"{prefix}.q_ctx", open_lo=True)
        _range(self.q_res, 0.0, 1.0, f"{prefix}.q_res", open_lo=True)
        _range(self.low_results_k, 0.0, 10.0, f"{prefix}.low_results_k")
        _range(self.above_expected_k, 0.0, 10.0, f"{prefix}.above_expected_k")
        for code in self.risk_factors:
            if code not in RISK_FACTORS:
                raise ConfigError(
                    f"Параметр «{prefix}.risk_factors»: фактор «{code}» не из списка: {', '.join(RISK_FACTORS)}."
                )
        if not self.risk_factors:
            raise ConfigError(f"Параметр «{prefix}.risk_factors»: выберите хотя бы один фактор риска.")
        _range(self.risk_min_factors, 1, len(self.risk_factors), f"{prefix}.risk_min_factors")
        _range(self.categories_min_share, 0.0, 100.0, f"{prefix}.categories_min_share")
        _range(self.trained_min_share, 0.0, 100.0, f"{prefix}.trained_min_share")
        _range(self.internet_min_mbps, 0.0, 1e6, f"{prefix}.internet_min_mbps")
        _range(self.vacancies_max, 0, 10**6, f"{prefix}.vacancies_max")
        _range(self.trend_drop, 0.0, 100.0, f"{prefix}.trend_drop")
        _range(self.trend_min_years, 2, 20, f"{prefix}.trend_min_years")
        _range(self.evaluation_years, 1, 20, f"{prefix}.evaluation_years")
        _range(self.stability_years, 1, self.evaluation_years, f"{prefix}.stability_years")
        known = ("low_results", "adverse_context", "resilient", "above_expected")
        for code in self.stable_categories:
            if code not in known:
                raise ConfigError(
                    f"Параметр «{prefix}.stable_categories»: категория «{code}» не из списка: {', '.join(known)}."
                )


@dataclass(frozen=True)
class DataChecks:
    """Checks of the input values before anything is computed (docs/methodology.md, «Проверка данных»).

    ``result_ranges``: plausible range of result values by column («mean_pct») or «procedure.column»
    («ege.mean_score», «math.mean_pct» for a wide table's column); ``context_ranges``: by context variable
    (empty: the catalogue's range, 0–100 % for other variables); ``out_of_range``: ``refuse`` the run listing the
    rows, or ``exclude`` the values and report them; ``validity_column``: a column of the results whose «нет»/false/0
    marks a row as not valid (it is left out and reported); ``context_text_values``: text → number for a text or
    ordinal context column (without it, text in a context column refuses the run).
    """

    result_ranges: tuple[tuple[str, float, float], ...] = DEFAULT_RESULT_RANGES
    context_ranges: tuple[tuple[str, float, float], ...] = ()
    out_of_range: str = "refuse"
    validity_column: str = ""
    context_text_values: tuple[tuple[str, tuple[tuple[str, float], ...]], ...] = ()

    _KINDS = {
        "result_ranges": "ranges",
        "context_ranges": "ranges",
        "out_of_range": OUT_OF_RANGE_POLICIES,
        "validity_column": str,
        "context_text_values": "maps",
    }

    def validate(self, prefix: str = "data") -> None:
        for name, _, _ in self.result_ranges:
            if not name.strip():
                raise ConfigError(f"Параметр «{prefix}.result_ranges»: пустое имя столбца.")

    def result_range(self, procedure: str, column: str) -> tuple[float, float] | None:
        """The range of ``column`` for ``procedure``: «procedure.column» first, then «column»."""
        table = {name: (lo, hi) for name, lo, hi in self.result_ranges}
        return table.get(f"{procedure}.{column}", table.get(column))

    def context_range(self, variable: str) -> tuple[float, float]:
        from opora.catalogue import CONTEXT_CATALOGUE, DEFAULT_CONTEXT_RANGE

        table = {name: (lo, hi) for name, lo, hi in self.context_ranges}
        if variable in table:
            return table[variable]
        item = CONTEXT_CATALOGUE.get(variable)
        return (item.low, item.high) if item else DEFAULT_CONTEXT_RANGE

    def text_values(self, column: str) -> dict[str, float] | None:
        for name, pairs in self.context_text_values:
            if name == column:
                return dict(pairs)
        return None


_SECTIONS: Final[dict[str, Any]] = {
    "results": ResultsIndexConfig,
    "context": ContextConfig,
    "regression": RegressionConfig,
    "categories": CategoryRules,
    "data": DataChecks,
}


@dataclass(frozen=True)
class IdentificationConfig:
    """The whole configuration of an identification run; ``IdentificationConfig()`` is the documented default."""

    results: ResultsIndexConfig = field(default_factory=ResultsIndexConfig)
    context: ContextConfig = field(default_factory=ContextConfig)
    regression: RegressionConfig = field(default_factory=RegressionConfig)
    categories: CategoryRules = field(default_factory=CategoryRules)
    data: DataChecks = field(default_factory=DataChecks)

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any] | None) -> IdentificationConfig:
        """Build from a (JSON/YAML/TOML) mapping; missing keys take defaults; unknown keys raise ConfigError.

        >>> IdentificationConfig.from_mapping({"categories": {"q_ctx": 0.2}}).categories.q_ctx
        0.2
        """
        if mapping is None:
            return cls()
        if not isinstance(mapping, Mapping):
            raise ConfigError("Настройки идентификации должны быть словарём (объектом JSON).")
        for key in mapping:
            if key not in _SECTIONS:
                raise ConfigError(
                    f"Неизвестный раздел «{key}» в настройках идентификации; допустимы: {', '.join(_SECTIONS)}."
                )
        parts = {
            name: _build(section, mapping.get(name, {}), name, section._KINDS)
            for name, section in _SECTIONS.items()
        }
        return cls(**parts)

    def to_mapping(self) -> dict[str, Any]:
        """JSON-able snapshot; ``from_mapping(to_mapping())`` gives an equal configuration."""
        return {name: _snapshot(getattr(self, name)) for name in _SECTIONS}


def load_config(path: str | Path) -> IdentificationConfig:
    """Read a configuration file (.json, .yaml/.yml or .toml) into an IdentificationConfig."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"Не удалось прочитать файл настроек «{p}»: {error.strerror}.") from error
    suffix = p.suffix.lower()
    try:
        if suffix == ".json":
            data = json.loads(text)
        elif suffix in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text) or {}
        elif suffix == ".toml":
            data = tomllib.loads(text)
        else:
            raise ConfigError(f"Файл настроек «{p.name}»: поддерживаются форматы .json, .yaml, .toml.")
    except ConfigError:
        raise
    except Exception as error:  # parse errors of three libraries; the message is what matters
        raise ConfigError(f"Файл настроек «{p.name}» не разобран: {error}.") from error
    return IdentificationConfig.from_mapping(data)
