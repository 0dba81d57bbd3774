"""Where the apps register their demo loaders (in their ``AppConfig.ready``); the demo app runs them in order.

A loader is ``fn(municipality, write)``: it adds its app's demo data to one municipality and reports with
``write`` (a Russian line for the console). It is run once per municipality — the demo app records each step
(``portal.demo.models.DemoStep``) and never runs it again, so a loader need not guard against a second run
(guards it already has are harmless). ``everywhere`` loaders run for the smaller synthetic municipalities of the
demo region too (they give the region roles a comparison); the others only for «г. Минусинск (демо)».

This module imports nothing of the apps: the base apps can register here without depending on what is above.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Loader = Callable[[Any, Callable[[str], Any]], None]


@dataclass(frozen=True)
class DemoLoader:
    name: str  # the step's name; stored once it has run, so keep it stable
    func: Loader
    order: int  # smaller first: a loader that needs another's data runs after it
    everywhere: bool = False


_LOADERS: dict[str, DemoLoader] = {}


def register(name: str, func: Loader, *, order: int, everywhere: bool = False) -> None:
    """Register (or re-register, e.g. after a reload) the demo loader ``name``."""
    _LOADERS[name] = DemoLoader(name, func, order, everywhere)


def loaders() -> list[DemoLoader]:
    """The registered loaders in the order they run."""
    return sorted(_LOADERS.values(), key=lambda loader: (loader.order, loader.name))
