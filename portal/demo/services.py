"""``load_demo``: the demo region, loaded once, step by step; a second run changes nothing users made.

Steps, each in its own transaction and recorded in :class:`~portal.demo.models.DemoStep` when it succeeds:

1. ``base`` — the region, «г. Минусинск (демо)» and its 13 schools, the academic years (``portal.demo.base``);
2. ``accounts`` — one user per role (``portal.demo.accounts``; passwords generated once and kept);
3. ``region:<code>`` — the two smaller synthetic municipalities (``portal.demo.region``);
4. ``<loader>@<municipality code>`` — each app's registered loader (``portal.demo.registry``), for Минусинск and,
   for loaders registered ``everywhere``, for the other two as well.

A step that is recorded is skipped, so published runs, uploads and edits survive every later ``make run``; a step
added by a newer version runs once. A crash leaves the finished steps recorded and the failed one rolled back, so
the next run resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from portal.demo import accounts as demo_accounts
from portal.demo import base, region, registry
from portal.demo.models import DemoStep
from portal.schools.models import Municipality, Region

Write = Callable[[str], Any]


def _done(key: str) -> bool:
    return DemoStep.objects.filter(key=key).exists()


def _mark(key: str, note: str) -> None:
    DemoStep.objects.get_or_create(key=key, defaults={"note": note[:500]})


def _adopt_legacy(write: Write) -> None:
    """A demo loaded by a version without steps: record what that version loaded, so it is never reloaded."""
    if DemoStep.objects.exists() or not Municipality.objects.filter(code=base.MUNICIPALITY_CODE).exists():
        return
    note = "загружено прежней версией"
    keys = ["base", "accounts"] + [f"{loader.name}@{base.MUNICIPALITY_CODE}" for loader in registry.loaders()]
    for key in keys:
        _mark(key, note)
    write("Демо-данные были загружены прежней версией: они оставлены как есть.")


def _step(key: str, func: Callable[[Write], str | None], write: Write) -> bool:
    """Run ``func`` once: in one transaction with the record of the step. Returns whether it ran."""
    if _done(key):
        return False
    lines: list[str] = []

    def tee(line: str) -> None:
        lines.append(line)
        write(line)

    with transaction.atomic():
        note = func(tee) or (lines[-1] if lines else "")
        _mark(key, note)
    return True


def load_demo(
    *, password: str | None = None, write: Write = print, extensions: bool = True
) -> list[demo_accounts.DemoAccount]:
    """Load what of the demo is not loaded yet; return the demo accounts with the passwords to show.

    ``password``: one password for every demo user (set where it differs); otherwise the generated ones are kept
    in ``var/demo-passwords.json``. ``extensions=False``: only the base step and the accounts.
    """
    _adopt_legacy(write)
    ran = 0

    def base_step(w: Write) -> str:
        return base.load_base()[2]

    ran += _step("base", base_step, write)
    demo_region = Region.objects.get(code=base.REGION_CODE)
    minusinsk = Municipality.objects.get(code=base.MUNICIPALITY_CODE)
    ran += _step(
        "accounts", lambda w: demo_accounts.create_accounts(demo_region, minusinsk, password=password), write
    )
    if extensions:
        municipalities = [minusinsk]
        for spec in region.EXTRA_MUNICIPALITIES:

            def extra(w: Write, spec: region.DemoMunicipality = spec) -> str:
                return region.load_extra_municipality(demo_region, spec)[1]

            ran += _step(f"region:{spec.code}", extra, write)
            found = Municipality.objects.filter(code=spec.code).first()
            if found is not None:
                municipalities.append(found)
        for loader in registry.loaders():
            for municipality in municipalities if loader.everywhere else [minusinsk]:

                def run(
                    w: Write, loader: registry.DemoLoader = loader, m: Municipality = municipality
                ) -> None:
                    # The other municipalities' lines say whose they are; Минусинск's read as before.
                    loader.func(m, w if m == minusinsk else (lambda line, m=m: w(f"{m.name} — {line}")))

                ran += _step(f"{loader.name}@{municipality.code}", run, write)
    if not ran:
        write("Демо-данные уже загружены: всё, что в них изменено, оставлено как есть.")
    return demo_accounts.accounts(password=password)
