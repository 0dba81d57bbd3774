"""Data: the measures library edited before libraries were per region becomes each region's own copy.

Until now one library served every region and any method centre's edit changed it for all. If the stored library
differs from the shipped catalogue (a measure edited or added), every region keeps what it saw: it gets its own
copy of the stored library, its programs point to the copy, and the rows without a region go back to the shipped
catalogue (measures added by a method centre then live only in the regions' copies). An unedited library is left
as it is: regions keep using the shipped rows until their first change.
"""

from typing import Any

from django.db import migrations

FIELDS = (
    "title",
    "description",
    "risk_factors",
    "directions",
    "indicators",
    "responsible_role",
    "timing_kind",
    "timing_months",
    "duration_months",
    "expected_result",
    "evidence",
    "levels",
    "priority",
)


def _shipped() -> dict[str, dict[str, Any]]:
    from opora.measures_catalogue import builtin_library

    out = {}
    for m in builtin_library().measures:
        out[m.code] = {
            "title": m.title,
            "description": m.description,
            "risk_factors": list(m.risk_factors),
            "directions": list(m.directions),
            "indicators": list(m.indicators),
            "responsible_role": m.responsible_role,
            "timing_kind": m.timing.kind,
            "timing_months": list(m.timing.months or []),
            "duration_months": m.timing.duration_months,
            "expected_result": m.expected_result,
            "evidence": m.evidence,
            "levels": list(m.levels),
            "priority": m.priority,
        }
    return out


def forwards(apps: Any, schema_editor: Any) -> None:
    Measure = apps.get_model("programs", "Measure")
    ProgramMeasure = apps.get_model("programs", "ProgramMeasure")
    Region = apps.get_model("schools", "Region")
    rows = list(Measure.objects.filter(region__isnull=True).order_by("code"))
    if not rows:
        return
    shipped = _shipped()
    edited = any(
        r.code not in shipped
        or not r.is_active
        or any(getattr(r, f) != shipped[r.code][f] for f in FIELDS)
        for r in rows
    )
    if not edited:
        return
    for region in Region.objects.all():
        Measure.objects.bulk_create(
            [
                Measure(region=region, code=r.code, is_active=r.is_active, origin=r.origin,
                        **{f: getattr(r, f) for f in FIELDS})
                for r in rows
            ]
        )  # fmt: skip
        copies = {m.code: m.pk for m in Measure.objects.filter(region=region)}
        linked = ProgramMeasure.objects.filter(
            measure__isnull=False, measure__region__isnull=True, program__school__municipality__region=region
        ).select_related("measure")
        for pm in linked:
            pm.measure_id = copies[pm.measure.code]
            pm.save(update_fields=["measure"])
    for r in rows:
        if r.code in shipped:
            Measure.objects.filter(pk=r.pk).update(is_active=True, origin="catalogue", **shipped[r.code])
        else:
            r.delete()


def backwards(apps: Any, schema_editor: Any) -> None:
    """Back to one library: programs point to the shipped rows again; the regions' own edits are dropped."""
    Measure = apps.get_model("programs", "Measure")
    ProgramMeasure = apps.get_model("programs", "ProgramMeasure")
    shipped = {m.code: m.pk for m in Measure.objects.filter(region__isnull=True)}
    for pm in ProgramMeasure.objects.filter(measure__region__isnull=False).select_related("measure"):
        pm.measure_id = shipped.get(pm.measure.code)
        pm.save(update_fields=["measure"])
    Measure.objects.filter(region__isnull=False).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0002_measure_region"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
