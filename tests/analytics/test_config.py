"""Configuration: defaults, round trip, validation, files (docs/methodology.md R7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from opora.config import IdentificationConfig, load_config
from opora.errors import ConfigError


def test_it_round_trips_through_a_json_snapshot() -> None:
    config = IdentificationConfig.from_mapping(
        {"categories": {"q_ctx": 0.2, "stability_years": 3}, "regression": {"weighted": True}}
    )
    snapshot = json.loads(json.dumps(config.to_mapping()))
    assert IdentificationConfig.from_mapping(snapshot) == config
    assert IdentificationConfig.from_mapping({}) == IdentificationConfig()


def test_it_documents_the_seed_thresholds_as_defaults() -> None:
    rules = IdentificationConfig().categories
    # SEED-B Прил. 2: Интернет < 50 Мбит/с, категории < 70 %, ПК за 3 года < 95 %, ≥ 2 факторов.
    assert (rules.internet_min_mbps, rules.categories_min_share, rules.trained_min_share) == (
        50.0,
        70.0,
        95.0,
    )
    assert rules.risk_min_factors == 2
    assert IdentificationConfig().results.min_participants == 10


@pytest.mark.parametrize(
    ("mapping", "needle"),
    [
        ({"results": {"min_participant": 5}}, "results.min_participant"),
        ({"rules": {}}, "rules"),
        ({"categories": {"q_ctx": 1.5}}, "categories.q_ctx"),
        ({"categories": {"stability_years": 4}}, "categories.stability_years"),
        ({"regression": {"weighted": "yes"}}, "regression.weighted"),
        ({"results": {"statistics": {"median": 1}}}, "median"),
        ({"context": {"variables": {"low_income_share": 2}}}, "context.variables.low_income_share"),
        ({"context": {"method": "factor"}}, "context.method"),
    ],
)
def test_it_names_the_bad_key_in_a_russian_message(mapping: dict[str, object], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle.replace(".", r"\.")) as info:
        IdentificationConfig.from_mapping(mapping)
    assert "араметр" in str(info.value) or "раздел" in str(info.value)


def test_it_loads_json_yaml_and_toml(tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text('{"categories": {"q_res": 0.1}}', encoding="utf-8")
    (tmp_path / "c.yaml").write_text("categories:\n  q_res: 0.1\n", encoding="utf-8")
    (tmp_path / "c.toml").write_text("[categories]\nq_res = 0.1\n", encoding="utf-8")
    configs = {load_config(tmp_path / f"c.{ext}") for ext in ("json", "yaml", "toml")}
    assert len(configs) == 1 and configs.pop().categories.q_res == 0.1


def test_it_rejects_unreadable_or_unknown_config_files(tmp_path: Path) -> None:
    (tmp_path / "c.ini").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match="поддерживаются"):
        load_config(tmp_path / "c.ini")
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(ConfigError, match="не разобран"):
        load_config(tmp_path / "bad.json")
    with pytest.raises(ConfigError, match="Не удалось прочитать"):
        load_config(tmp_path / "missing.json")


def test_every_parameter_has_a_russian_description_and_display() -> None:
    import re
    from dataclasses import fields

    from opora.params import PARAMS, display, params_table

    described = {p.path for p in PARAMS}
    config = IdentificationConfig()
    for section in ("results", "context", "regression", "categories", "data"):
        for f in fields(getattr(config, section)):
            assert f"{section}.{f.name}" in described, f"{section}.{f.name}"
    rows = params_table(config.to_mapping())
    assert len(rows) == len(PARAMS) and all(len(r) == 4 for r in rows)
    for _, label, value, default in rows:
        assert value == default  # the defaults' snapshot shows its own defaults
        # People read Russian: no snake_case codes (a column key like «ege.mean_score» is shown by its name).
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", f"{label} {value}"), (label, value)
    assert display("categories.risk_factors", ["internet_slow"]) == "низкий уровень Интернета"
    assert display("results.window_years", 4) == "4"
    assert (
        display("data.result_ranges", {"ege.mean_score": [1.0, 100.0]})
        == "ЕГЭ: средний тестовый балл: от 1 до 100"
    )
