"""The role × URL matrix shared by the apps' permission tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def role_url_matrix(
    allowed: Mapping[tuple[str, str], set[str]], names: Iterable[str]
) -> list[tuple[str, str, str, int]]:
    """``(role, scope, url name, status)`` for every role and URL: 200 where the role may go, 404 everywhere else."""
    names = list(names)
    return [
        (role, scope, name, 200 if name in can else 404)
        for (role, scope), can in allowed.items()
        for name in names
    ]
