"""The runnable examples in the core's docstrings stay true (style rule 8)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "opora.aggregate",
    "opora.classify",
    "opora.config",
    "opora.indicator_types",
    "opora.indicators",
    "opora.measures_catalogue",
    "opora.plural",
    "opora.recommendations",
    "opora.regression",
    "opora.risk_explain",
    "opora.roadmap_catalogue",
    "opora.roadmap_tracking",
    "opora.rule_editing",
    "opora.shrinkage",
    "opora.standardize",
]


@pytest.mark.parametrize("name", MODULES)
def test_it_keeps_the_docstring_examples_true(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
