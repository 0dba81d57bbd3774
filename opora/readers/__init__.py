"""Readers: file bytes in, canonical polars frames plus Russian row-level errors out (docs/import-formats.md)."""

from opora.readers import templates
from opora.readers.common import ReadOutcome, RowError
from opora.readers.students import read_students
from opora.readers.tables import (
    CONTEXT_VARIABLES,
    read_context,
    read_official_list,
    read_results,
    read_risk,
)

__all__ = [
    "CONTEXT_VARIABLES",
    "ReadOutcome",
    "RowError",
    "read_context",
    "read_official_list",
    "read_results",
    "read_risk",
    "read_students",
    "templates",
]
