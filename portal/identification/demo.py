"""Demo data for identification: three years of synthetic results, context and risk inputs for the 13 demo
schools, a synthetic regional reference set, the seeds' official 2023 list, and a published 2023 run.

The files are produced by the core's generator (opora.synthetic) and go through the same import services as a
coordinator's uploads, so the demo exercises the real path.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import transaction

from portal.identification import services
from portal.identification.models import IdentificationRun
from portal.results import services as imports
from portal.results.models import ImportBatch, ReferenceDataset
from portal.schools.models import Municipality

DEMO_YEAR = 2023


def demo_files(directory: Path) -> dict[str, Path]:
    """Write the demo's canonical CSV files into ``directory`` and return them by role."""
    from opora.synthetic import write_demo_files

    return {k: Path(v) for k, v in write_demo_files(directory).items()}


def load_identification_demo(municipality: Municipality, write: Callable[[str], Any]) -> None:
    """Import the demo files and publish the 2023 identification — once: a municipality that already has
    identification runs (the demo's or its users') is left as it is."""
    if IdentificationRun.objects.filter(municipality=municipality).exists():
        write("Идентификация (демо): расчёты уже есть — данные и расчёты не изменены.")
        return
    with tempfile.TemporaryDirectory() as tmp, transaction.atomic():
        files = demo_files(Path(tmp))
        for kind, key in (("results", "results"), ("context", "context"), ("risk", "risk")):
            path = files[key]
            report = imports.import_file(
                municipality, kind, path.read_bytes(), filename=path.name, by=None, replace=True
            )
            if not report.ok:
                raise RuntimeError(f"demo import of {path.name} failed: {report.errors[:3]}")
        official = files["official"]
        imports.import_official_list(
            municipality,
            official.read_bytes(),
            filename=official.name,
            by=None,
            source="Приложение 2 к приказу УО от 26.01.2023 № 41 (демо)",
            year=DEMO_YEAR,
        )
        ReferenceDataset.objects.filter(municipality=municipality).delete()
        ImportBatch.objects.filter(municipality=municipality, kind=ImportBatch.Kind.REFERENCE).delete()
        ref = imports.import_reference(
            municipality,
            name="Синтетический региональный набор (демо)",
            results=(files["region_results"].name, files["region_results"].read_bytes()),
            context=(files["region_context"].name, files["region_context"].read_bytes()),
            by=None,
        )
        if not ref.ok:
            raise RuntimeError(f"demo reference import failed: {ref.errors[:3]}")
        IdentificationRun.objects.filter(municipality=municipality).delete()
        run = services.run_identification(municipality, DEMO_YEAR, by=None, reference=ref.batch.reference)
        services.publish_run(run, by=None)
    write(f"Идентификация {DEMO_YEAR} (демо): расчёт № {run.pk} опубликован, модель — {run.fit_description}.")
