"""Named exceptions of the analytics core; their messages are Russian because they reach users (style rule 7)."""

from __future__ import annotations

__all__ = ["AnalyticsError", "ConfigError", "InsufficientDataError"]


class AnalyticsError(Exception):
    """Base class: bad input or a computation that cannot be made; ``str(error)`` is a Russian sentence."""


class InsufficientDataError(AnalyticsError):
    """Too few schools, participants or components to compute an index or fit the model."""


class ConfigError(AnalyticsError):
    """An identification configuration is invalid (unknown key, wrong type or value out of range)."""
