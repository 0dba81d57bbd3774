"""Acceptance: the synthetic demo reproduces the seeds' 2023 classification (SEED-B Прил. 2; docs R11)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from opora.identify import compare_with_official, identify
from opora.synthetic import DEMO_OFFICIAL_2023, demo_minusinsk, demo_schools, write_demo_files

# SEED-B Прил. 2 (shared/seeds/002_b0f6aa79e73152c4.txt, «кластеризация образовательных учреждений»):
LOW_AND_ADVERSE = {"MNS-OOSH01", "MNS-SOSH02", "MNS-OSOSH14"}  # ШНОР и ШНСУ
FALLING = {"MNS-SOSH05", "MNS-SOSH03", "MNS-SOSH47"}  # зона риска снижения образовательных результатов
BY_FACTORS = {"MNS-OOSH01", "MNS-OSOSH14", "MNS-SOSH47"}  # в зоне риска по ≥ 2 факторам
WATCHED = {"low_results", "adverse_context", "at_risk"}


def _classify(seed: int) -> tuple[dict[str, set[str]], object]:
    data = demo_minusinsk(seed)
    codes = demo_schools()["code"].to_list()
    result = identify(data.results, data.context, data.risk, apply_schools=codes, year=2023)
    return {sid: set(c) for sid, c in result.schools.select("school_id", "categories").iter_rows()}, result


def test_it_reproduces_the_2023_classification_of_the_seeds() -> None:
    cats, result = _classify(2023)
    assert len(cats) == 13
    assert {s for s, c in cats.items() if {"low_results", "adverse_context"} <= c} == LOW_AND_ADVERSE
    assert {s for s, c in cats.items() if "at_risk" in c} == FALLING | BY_FACTORS
    for sid, c in cats.items():
        if sid not in LOW_AND_ADVERSE | FALLING | BY_FACTORS:
            assert not c & WATCHED, (sid, c)
    assert cats["MNS-SOSH02"] & WATCHED == {"low_results", "adverse_context"}
    for sid in FALLING | BY_FACTORS:
        assert cats[sid] & {"low_results", "adverse_context"} == (
            {"low_results", "adverse_context"} if sid in LOW_AND_ADVERSE else set()
        )
    rules = {sid: {r.rule for r in result.reasons[sid] if r.fired} for sid in cats}  # type: ignore[attr-defined]
    assert {s for s, r in rules.items() if "negative_trend" in r} == FALLING
    assert {s for s, r in rules.items() if "risk_factors" in r} == BY_FACTORS
    # Fitted on the whole synthetic region (300 schools; a few tiny evening schools fail the coverage rule).
    assert 290 <= result.model.n <= 300  # type: ignore[attr-defined]


def test_it_agrees_with_the_official_list_it_ships() -> None:
    _, result = _classify(2023)
    official = pl.DataFrame(
        list(DEMO_OFFICIAL_2023), schema={"school_id": pl.String, "category": pl.String}, orient="row"
    )
    cmp = compare_with_official(result, official)  # type: ignore[arg-type]
    assert cmp.height == 13 and cmp["agree"].all()


@pytest.mark.parametrize("seed", [1, 7, 42])
def test_it_keeps_the_classification_with_other_noise(seed: int) -> None:
    cats, _ = _classify(seed)
    assert {s for s, c in cats.items() if {"low_results", "adverse_context"} <= c} == LOW_AND_ADVERSE
    assert {s for s, c in cats.items() if "at_risk" in c} == FALLING | BY_FACTORS


def test_it_is_deterministic() -> None:
    a, b = demo_minusinsk(2023), demo_minusinsk(2023)
    assert a.results.equals(b.results) and a.context.equals(b.context) and a.risk.equals(b.risk)


def test_it_writes_canonical_demo_files(tmp_path: Path) -> None:
    files = write_demo_files(tmp_path)
    assert set(files) == {"results", "context", "risk", "official", "region_results", "region_context"}
    results = files["results"].read_text(encoding="utf-8").splitlines()
    assert results[0].split(",")[:8] == [
        "school_id",
        "procedure",
        "subject",
        "grade",
        "grade_program",
        "year",
        "date",
        "n",
    ]
    assert ",2023-04-" in "\n".join(results)  # ISO dates
    risk = files["risk"].read_text(encoding="utf-8")
    assert risk.splitlines()[0].endswith("equipment_complete") and ",false" in risk and ",true" in risk
    schools = pl.read_csv(files["results"])["school_id"].unique().to_list()
    assert sorted(schools) == sorted(demo_schools()["code"].to_list())
    region = pl.read_csv(files["region_context"])
    assert region["school_id"].n_unique() == 300 and set(region["year"].to_list()) == {2021, 2022, 2023}
    assert pl.read_csv(files["official"]).columns == ["school_id", "category"]
