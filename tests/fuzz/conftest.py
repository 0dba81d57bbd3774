"""Fixtures of the fuzz tests: a snapshot of every model's row count, to prove a rejected file wrote nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


def counts() -> dict[str, int]:
    from django.apps import apps

    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)}


@pytest.fixture
def snapshot(db: Any) -> Callable[[], dict[str, int]]:
    return counts


@pytest.fixture
def coordinator(world: dict[str, Any], user_with_role: Callable[..., Any]) -> Any:
    return user_with_role("coordinator", "M")
