"""Catalogues of indicators in the database: the YAML files of the core, synced idempotently (services re-exports)."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.db import transaction

from opora import indicator_catalogue as catalogue
from portal.audit.services import record
from portal.monitoring.models import Indicator, IndicatorSet, IndicatorValue


class CatalogueRefused(Exception):
    """Raised as services.MonitoringError by the callers (kept separate to avoid an import cycle)."""


# --------------------------------------------------------------------------------------------- catalogue


def _indicator_fields(ind: catalogue.Indicator, position: int) -> dict[str, Any]:
    targets = [
        {
            "subitem": sub,
            "year": year,
            "op": t.op,
            "value": t.value,
            "unit": t.unit,
            "source": t.source,
            "note": t.note,
            "base": t.base,
            "measure": t.measure,
            "document": t.document,
        }
        for (sub, year), items in sorted(ind.all_targets().items(), key=lambda kv: (kv[0][0] or "", kv[0][1]))
        for t in items
    ]
    return {
        "position": position,
        "source_number": ind.source_number or "",
        "block": ind.block or "",
        "direction": ind.direction,
        "municipal_wording": ind.municipal_wording or "",
        "municipal_type": ind.municipal_type or "",
        "municipal_indicator_text": ind.municipal_indicator_text or "",
        "school_wording": ind.school_wording or "",
        "school_type": ind.school_type or "",
        "school_indicator_text": ind.school_indicator_text or "",
        "derivation": ind.derivation or "",
        "target_group": ind.target_group or "",
        "bucket_scheme": ind.bucket_scheme or "",
        "school_bucket_scheme": ind.school_bucket_scheme or "",
        "status_labels": dict(ind.status_labels),
        "subitems": [
            {
                "code": s.code,
                "label": s.label,
                "levels": list(s.levels),
                "municipal_wording": s.municipal_wording,
                "school_wording": s.school_wording,
                "note": s.note,
                "records": _records_json(s.records),
                "education_level": s.education_level,
            }
            for s in ind.subitems
        ],
        "targets": targets,
        "source_lines": list(ind.source_lines),
        "note": ind.note or "",
        "records": _records_json(ind.records),
    }


def _records_json(records: Mapping[str, catalogue.RecordRule]) -> dict[str, Any]:
    return {level: {"from": list(r.sources), "mode": r.mode} for level, r in records.items()}


def sync_indicator_set(loaded: catalogue.IndicatorSet, yaml_text: str, *, by: Any) -> IndicatorSet:
    """Create or update the set and its indicators from a validated catalogue; idempotent.

    An indicator missing from the new file is deleted only if nothing was entered for it; otherwise the load is
    refused, so values are never orphaned silently.
    """
    with transaction.atomic():
        obj = IndicatorSet.objects.select_for_update().filter(code=loaded.code).first()
        fields = {
            "title": loaded.title,
            "source": loaded.source,
            "source_file": loaded.source_file or "",
            "buckets": {
                name: {
                    "label": s.label,
                    "buckets": [
                        {
                            "code": b.code,
                            "label": b.label,
                            "lower": b.lower,
                            "upper": b.upper,
                            "lower_closed": b.lower_closed,
                            "upper_closed": b.upper_closed,
                        }
                        for b in s.buckets
                    ],
                }
                for name, s in loaded.buckets.items()
            },
            "blocks": [
                {"code": b.code, "source_number": b.source_number, "title": b.title, "direction": b.direction}
                for b in loaded.blocks.values()
            ],
            "yaml_text": yaml_text,
            "sha256": hashlib.sha256(yaml_text.encode("utf-8")).hexdigest(),
        }
        created = obj is None
        if obj is None:
            obj = IndicatorSet.objects.create(code=loaded.code, **fields)
            record(
                obj, "monitoring.indicator_set.created", by=by, after={"code": obj.code, "sha256": obj.sha256}
            )
        elif obj.sha256 == fields["sha256"] and obj.indicators.count() == len(loaded.indicators):
            return obj
        else:
            before = {"sha256": obj.sha256}
            for name, value in fields.items():
                setattr(obj, name, value)
            obj.save()
        existing = {i.code: i for i in obj.indicators.all()}
        wanted = [ind.id for ind in loaded.indicators]
        stale = [code for code in existing if code not in wanted]
        used = set(
            IndicatorValue.objects.filter(
                indicator__indicator_set=obj, indicator__code__in=stale
            ).values_list("indicator__code", flat=True)
        )
        if used:
            raise CatalogueRefused(
                f"Набор «{obj.code}»: в новом файле нет показателей {', '.join(sorted(used))}, "
                "но по ним уже введены значения. Загрузка отменена."
            )
        Indicator.objects.filter(indicator_set=obj, code__in=stale).delete()
        for position, ind in enumerate(loaded.indicators, start=1):
            values = _indicator_fields(ind, position)
            if ind.id in existing:
                row = existing[ind.id]
                for name, value in values.items():
                    setattr(row, name, value)
                row.save()
            else:
                Indicator.objects.create(indicator_set=obj, code=ind.id, **values)
        if not created:
            record(
                obj,
                "monitoring.indicator_set.changed",
                by=by,
                before=before,
                after={"sha256": obj.sha256, "indicators": len(wanted), "removed": stale},
            )
    return obj


def load_indicator_set_text(yaml_text: str, *, by: Any, name: str = "загруженный файл") -> IndicatorSet:
    """Validate a catalogue YAML (as text) with the core's loader and sync it; ``CatalogueError`` if invalid."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / (Path(name).name or "set.yaml")
        path.write_text(yaml_text, encoding="utf-8")
        try:
            loaded = catalogue.load_set(path)
        except catalogue.CatalogueError as exc:
            raise CatalogueRefused(str(exc).replace(str(path), name)) from exc
    return sync_indicator_set(loaded, yaml_text, by=by)


def sync_builtin_sets(*, by: Any) -> list[IndicatorSet]:
    """Load the catalogues shipped with the core (``opora/data/indicators``)."""
    out = []
    for code, filename in catalogue.BUILTIN_FILES.items():
        text = (Path(catalogue.__file__).resolve().parent / "data" / "indicators" / filename).read_text(
            "utf-8"
        )
        obj = load_indicator_set_text(text, by=by, name=filename)
        if obj.code != code:  # pragma: no cover - builtin_sets() checks the same
            raise CatalogueRefused(f"{filename}: ожидается код набора {code!r}")
        out.append(obj)
    return out
