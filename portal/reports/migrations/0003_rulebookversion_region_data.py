"""Data: the rule versions saved before rules were per region become the history of every region.

Until now one set of rules served every region. Each region keeps what it used: every version is assigned to
the first region and copied for each other region (same text, author, date and comment). Versions are dropped only
when there is no region at all (then no municipality could use them).
"""

from typing import Any

from django.db import migrations


def forwards(apps: Any, schema_editor: Any) -> None:
    RuleBookVersion = apps.get_model("reports", "RuleBookVersion")
    Region = apps.get_model("schools", "Region")
    versions = list(RuleBookVersion.objects.filter(region__isnull=True).order_by("created_at", "pk"))
    if not versions:
        return
    regions = list(Region.objects.order_by("pk"))
    if not regions:
        RuleBookVersion.objects.filter(region__isnull=True).delete()
        return
    first, others = regions[0], regions[1:]
    for v in versions:
        for region in others:
            copy = RuleBookVersion.objects.create(
                region=region, text=v.text, comment=v.comment, rules=v.rules, created_by_id=v.created_by_id
            )
            RuleBookVersion.objects.filter(pk=copy.pk).update(created_at=v.created_at)  # auto_now_add
        RuleBookVersion.objects.filter(pk=v.pk).update(region=first)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_rulebookversion_region"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
