"""Two smaller synthetic municipalities of the demo region, so that the region roles see a comparison.

«Северный район (демо)» (10 schools) and «Южный район (демо)» (8 schools) take their schools from the same
synthetic region the Минусинск demo is fitted on (``opora.synthetic.demo_minusinsk``: schools REG-0001…), under
their own codes (SEV-01…, YUG-01…). Their results, context and risk inputs go through the coordinator's import
services, the regional set is imported as their reference, and a 2023 identification is run and published — the
same path as «г. Минусинск (демо)», so every page of the region has real numbers behind it.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from django.db import transaction

from opora.plural import SCHOOL, count
from portal.schools.models import Municipality, Region

YEAR = 2023
SEED = 2023

_KINDS = {
    "sosh": ("Средняя общеобразовательная школа", "СОШ"),
    "oosh": ("Основная общеобразовательная школа", "ООШ"),
    "evening": ("Открытая (сменная) общеобразовательная школа", "О(С)ОШ"),
    "gymnasium": ("Гимназия", "Гимназия"),
    "lyceum": ("Лицей", "Лицей"),
}


@dataclass(frozen=True)
class DemoMunicipality:
    code: str
    name: str
    genitive: str  # «Северного района»
    prefix: str  # school codes: SEV-01 …
    sources: tuple[int, int]  # REG-<first> … REG-<last> of the synthetic region


EXTRA_MUNICIPALITIES = (
    DemoMunicipality("demo-north", "Северный район (демо)", "Северного района", "SEV", (1, 10)),
    DemoMunicipality("demo-south", "Южный район (демо)", "Южного района", "YUG", (13, 20)),
)


def _renames() -> dict[str, str]:
    """REG-xxxx → the extra municipalities' school codes."""
    out = {}
    for m in EXTRA_MUNICIPALITIES:
        first, last = m.sources
        for i, n in enumerate(range(first, last + 1), start=1):
            out[f"REG-{n:04d}"] = f"{m.prefix}-{i:02d}"
    return out


def load_extra_municipality(region: Region, spec: DemoMunicipality) -> tuple[Municipality, str]:
    """Create one extra municipality with its schools, data and a published 2023 identification."""
    from opora.synthetic import demo_minusinsk, write_csv
    from portal.demo.base import ensure_municipality, ensure_school
    from portal.identification import services as identification
    from portal.results import services as imports

    data = demo_minusinsk(SEED)
    renames = _renames()

    def renamed(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.with_columns(pl.col("school_id").replace(renames))

    schools = renamed(data.schools)
    mine = pl.col("school_id").str.starts_with(spec.prefix + "-")
    with transaction.atomic():
        municipality = ensure_municipality(
            region,
            spec.code,
            name=spec.name,
            authority=f"Управление образования администрации {spec.genitive} (демонстрационные данные)",
        )
        numbers: dict[str, int] = {}
        for order, (code, kind, rural, students) in enumerate(
            schools.filter(mine).select("school_id", "kind", "rural", "students").iter_rows(), start=1
        ):
            full, short = _KINDS.get(kind, ("Общеобразовательная организация", "ОО"))
            numbers[kind] = number = numbers.get(kind, 0) + 1
            ensure_school(
                municipality,
                code,
                name=f"{full} № {number} {spec.genitive} (демо)",
                short_name=f"{short} № {number}",
                kind=kind if kind in _KINDS else "other",
                locality="rural" if rural else "urban",
                students=int(students),
                address=f"{spec.name}, ул. Школьная, {order}",
                sort_key=order,
            )
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            files = {
                "results": write_csv(renamed(data.results).filter(mine), folder / "results.csv"),
                "context": write_csv(renamed(data.context).filter(mine), folder / "context.csv"),
                "risk": write_csv(renamed(data.risk).filter(mine), folder / "risk.csv"),
                "region_results": write_csv(renamed(data.results), folder / "region_results.csv"),
                "region_context": write_csv(renamed(data.context), folder / "region_context.csv"),
            }
            for kind in ("results", "context", "risk"):
                path = files[kind]
                report = imports.import_file(
                    municipality, kind, path.read_bytes(), filename=path.name, by=None, replace=True
                )
                if not report.ok:
                    raise RuntimeError(f"demo import of {spec.code}/{path.name} failed: {report.errors[:3]}")
            ref = imports.import_reference(
                municipality,
                name="Синтетический региональный набор (демо)",
                results=(files["region_results"].name, files["region_results"].read_bytes()),
                context=(files["region_context"].name, files["region_context"].read_bytes()),
                by=None,
            )
            if not ref.ok:
                raise RuntimeError(f"demo reference import of {spec.code} failed: {ref.errors[:3]}")
        run = identification.run_identification(municipality, YEAR, by=None, reference=ref.batch.reference)
        identification.publish_run(run, by=None)
    schools_count = count(municipality.schools.count(), SCHOOL)
    return municipality, f"{spec.name}: {schools_count}, идентификация {YEAR} г. опубликована"
