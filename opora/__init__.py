"""Опора analytics core: pure functions over polars frames; never imports Django."""

__all__: list[str] = []
