"""Readers: the worked example of docs/import-formats.md and a large student-level CSV."""

from __future__ import annotations

import io

import numpy as np
import polars as pl
from openpyxl import Workbook

from opora import readers


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Статистика"
    for row in rows:
        ws.append(row)
    ws.merge_cells("A4:A5")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_it_reads_the_documented_fis_oko_example_and_skips_the_municipality_row() -> None:
    data = _xlsx(
        [
            ["ВПР 2023. Русский язык. 5 класс"],
            ["Статистика по отметкам"],
            ["Район", "Название ОО", "Кол-во участников", "2", "3", "4", "5"],
            [None, "Вся выборка", 1250000, "15,2", "38,1", "34,6", "12,1"],
            [None, "г. Минусинск", 135, 15.6, 40, 34.8, 9.6],
            ["г. Минусинск", "МОБУ «СОШ № 1»", 80, 12.5, 40, 37.5, 10],
            [None, "МОБУ «СОШ № 2»", 55, 20, 40, 30.91, 9.09],
        ]
    )
    lookup = {"МОБУ «СОШ № 1»": "mns001", "МОБУ «СОШ № 2»": "mns002"}
    out = readers.read_results(data, filename="fis.xlsx", school_lookup=lookup)
    assert out.ok, [str(e) for e in out.errors]
    assert out.layout == "fis_oko" and out.frame is not None
    assert out.frame.schema == readers.tables.RESULTS_SCHEMA
    rows = {r["school_id"]: r for r in out.frame.iter_rows(named=True)}
    assert set(rows) == {"mns001", "mns002"}
    # 80 × (12,5; 40; 37,5; 10) % = 10; 32; 30; 8 — sum 80.
    assert [rows["mns001"][k] for k in ("n_2", "n_3", "n_4", "n_5")] == [10, 32, 30, 8]
    # 55 × (20; 40; 30,91; 9,09) % = 11; 22; 17,0005 → 17; 4,9995 → 5 — sum 55.
    assert [rows["mns002"][k] for k in ("n_2", "n_3", "n_4", "n_5")] == [11, 22, 17, 5]
    assert rows["mns002"]["grade"] == 5 and rows["mns002"]["year"] == 2023
    warned = " ".join(str(w) for w in out.warnings)
    assert "Вся выборка" in warned and "г. Минусинск" in warned


def test_it_reads_a_million_row_student_csv() -> None:
    n = 1_000_000
    rng = np.random.default_rng(1)
    frame = pl.DataFrame(
        {
            "student_id": [f"P{i}" for i in range(n)],
            "school_id": rng.choice(["mns001", "mns002", "mns003"], n),
            "procedure": ["vpr"] * n,
            "subject": ["rus"] * n,
            "grade": rng.integers(4, 9, n),
            "year": [2024] * n,
            "primary_score": rng.integers(0, 46, n).astype(float),
            "max_score": [45.0] * n,
            "mark": rng.integers(2, 6, n),
        }
    )
    buffer = io.BytesIO()
    frame.write_csv(buffer)
    out = readers.read_students(buffer.getvalue(), filename="students.csv")
    assert out.ok, [str(e) for e in out.errors[:5]]
    assert out.frame is not None and out.frame.height == n
