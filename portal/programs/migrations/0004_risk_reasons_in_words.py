"""Data: the reasons of levels computed from data, stored as rule expressions («выполнено условие
«equipment_complete == false and …»»), are rewritten as Russian sentences with the numbers (opora.risk_explain).

Only the reasons in the old form are touched. A level whose data changed since it was computed (the rule gives
another level today) gets a sentence asking to compute it again instead of an explanation of other numbers.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

OLD_FORM = "выполнено условие «"
OLD_FORM_LOW = "условия высокого и среднего уровней не выполнены ("
STALE = (
    "Уровень рассчитан по прежним данным; нажмите «Рассчитать по данным», чтобы обновить его и объяснение."
)
INPUT_FIELDS = (
    "staff_vacancies",
    "internet_mbps",
    "share_category_first_highest",
    "share_trained_3y",
    "equipment_complete",
)


def rewrite(apps: Any, schema_editor: Any) -> None:
    from opora.measures_catalogue import builtin_library
    from opora.risk_explain import explain

    RiskLevel = apps.get_model("programs", "RiskLevel")
    RiskInput = apps.get_model("results", "RiskInput")
    rules = {c: f.data_rule for c, f in builtin_library().risk_factors.items() if f.data_rule is not None}
    inputs: dict[tuple[int, int], dict[str, Any]] = {}
    for row in RiskInput.objects.values("school_id", "year", *INPUT_FIELDS):
        inputs[(row.pop("school_id"), row.pop("year"))] = row
    for lv in RiskLevel.objects.exclude(computed_level="").select_related("profile", "factor"):
        if OLD_FORM not in lv.reason and OLD_FORM_LOW not in lv.reason:
            continue
        rule = rules.get(lv.factor.code)
        data = inputs.get((lv.profile.school_id, lv.profile.year))
        if rule is None or data is None:
            reason = STALE
        else:
            words = explain(rule, data)
            reason = words.text if words.level == lv.computed_level else STALE
        RiskLevel.objects.filter(pk=lv.pk).update(reason=reason)


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0003_measure_region_copies"),
        ("results", "0001_initial"),
    ]

    operations = [migrations.RunPython(rewrite, migrations.RunPython.noop)]
