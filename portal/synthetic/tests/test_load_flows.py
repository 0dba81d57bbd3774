"""The load test's flows work on a generated region (in-process, both databases): every page a locust user opens
answers 200 for its role, and the school form round trip the locustfile makes (parse, change one value, POST)
saves exactly that value."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.test import Client

from portal.monitoring.models import IndicatorValue
from portal.synthetic.services import DEFAULT_PASSWORD, generate_region

BENCH = Path(__file__).resolve().parents[3] / "bench"


def _module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def plan(db: Any, tmp_path: Path) -> dict[str, Any]:
    generate_region(municipalities=2, schools=5, seed=3, identify=True, write=lambda _: None)
    path = tmp_path / "plan.json"
    _module("bench_load").write_plan(path, DEFAULT_PASSWORD, 2024)
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _login(account: dict[str, Any]) -> Client:
    client = Client()
    assert client.login(username=account["username"], password=DEFAULT_PASSWORD)
    return client


def test_plan_mixes_roles_and_every_account_has_its_objects(plan: dict[str, Any]) -> None:
    roles = [a["role"] for a in plan["accounts"]]
    # the first five accounts are one of each role, so a small number of locust users still covers every flow
    assert set(roles[:5]) == {
        "coordinator",
        "school_team",
        "method_centre",
        "region_viewer",
        "region_coordinator",
    }
    for m in plan["municipalities"]:
        assert m["run"] and m["period"] and m["schools"]
    for a in plan["accounts"]:
        if a["role"] == "school_team":
            assert (
                a["school"]
                in next(m for m in plan["municipalities"] if m["pk"] == a["municipality"])["schools"]
            )


def test_every_flow_answers_200_for_its_role(plan: dict[str, Any]) -> None:
    first = {}
    for a in plan["accounts"]:
        first.setdefault(a["role"], a)
    coord = first["coordinator"]
    m = next(x for x in plan["municipalities"] if x["pk"] == coord["municipality"])
    client = _login(coord)
    for url in (
        f"/municipalities/{m['pk']}/",
        f"/schools/{m['schools'][0]}/",
        f"/monitoring/periods/{m['period']}/",
        f"/monitoring/periods/{m['period']}/schools/{m['schools'][0]}/",
        f"/municipalities/{m['pk']}/identification/",
        f"/identification/runs/{m['run']}/",
        f"/municipalities/{m['pk']}/roadmap/",
        f"/municipalities/{m['pk']}/reports/",
        f"/p/{m['code']}/",
    ):
        assert client.get(url).status_code == 200, url
    response = client.post(
        f"/municipalities/{m['pk']}/reports/identification/",
        {"identification-year": "2024", "identification-format": "docx"},
    )
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    viewer = _login(first["region_viewer"])
    assert viewer.get(f"/regions/{plan['accounts'][0]['region']}/").status_code == 200
    assert viewer.get(f"/municipalities/{m['pk']}/").status_code == 200
    team = first["school_team"]
    school_client = _login(team)
    assert school_client.get(f"/schools/{team['school']}/").status_code == 200
    assert school_client.get(f"/schools/{team['school']}/roadmap/").status_code == 200


def test_the_school_form_round_trip_saves_one_value(plan: dict[str, Any]) -> None:
    form_fields = _module("html_form").form_fields
    team = next(a for a in plan["accounts"] if a["role"] == "school_team")
    client = _login(team)
    url = f"/monitoring/periods/{team['period']}/schools/{team['school']}/edit/"
    page = client.get(url)
    assert page.status_code == 200
    fields = form_fields(page.content.decode(), "totals-staff_total")
    names = {n for n, _ in fields}
    assert "totals-staff_total" in names and "csrfmiddlewaretoken" in names
    target = next(
        n
        for n in sorted(names)
        if n.endswith("_text") and any(v for k, v in fields if k.rsplit("_", 1)[0] == n[:-5] and k != n)
    )
    before = {
        (v.indicator_id, v.subitem): v.as_payload()
        for v in IndicatorValue.objects.filter(period_id=team["period"], school_id=team["school"])
    }
    data = [(n, v) for n, v in fields if n != target] + [(target, "нагрузочный тест 1")]
    body: dict[str, list[str]] = {}
    for n, v in data:
        body.setdefault(n, []).append(v)
    response = client.post(url, body)
    assert response.status_code == 302, response.content.decode()[:2000]
    after = {
        (v.indicator_id, v.subitem): v.as_payload()
        for v in IndicatorValue.objects.filter(period_id=team["period"], school_id=team["school"])
    }
    changed = [k for k in after if after[k] != before.get(k)]
    assert len(changed) == 1 and after[changed[0]]["text"] == "нагрузочный тест 1"
