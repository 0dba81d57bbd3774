"""Locust users of the load test (bench/bench_load.py starts the server and locust; see its docstring).

Every simulated user logs in once with its own account of the synthetic region (``OPORA_LOAD_PLAN``: a JSON file
the bench writes: accounts with their role and the objects they may open) and then follows the main flows of its
role with a think time (``OPORA_LOAD_WAIT``, "1,3" seconds by default):

* coordinator / methodist: municipality dashboard, school card, monitoring dashboard, a school's monitoring card,
  identification runs and a run, roadmap, the public page; a coordinator enqueues one report per session (rarely);
* school team: its school card, its monitoring form (GET, and a POST that changes one value), roadmap, public page;
* region viewer / regional coordinator: the regional page, municipal dashboards, identification runs.

Requests are grouped by flow name in the statistics; a response other than the expected status is a failure.
The run has two phases: all users log in (spawned at the spawn rate), then — once every user has tried — all of
them run the flows for ``OPORA_LOAD_SECONDS`` and locust stops itself; the log of every request (for exact
percentiles) ends with the measured phase's start and end.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from pathlib import Path
from typing import Any

import gevent
from gevent.event import Event
from html_form import form_fields  # bench/html_form.py (locust puts bench/ on sys.path)
from locust import HttpUser, between, events, task

_PLAN: dict[str, Any] = json.loads(Path(os.environ["OPORA_LOAD_PLAN"]).read_text(encoding="utf-8"))
_ACCOUNTS = itertools.cycle(_PLAN["accounts"])
_WAIT = [float(x) for x in os.environ.get("OPORA_LOAD_WAIT", "1,3").split(",")]
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
#: Every request's (flow, milliseconds, failed, start time), written at the end to OPORA_LOAD_LOG: the bench
#: computes exact percentiles from it, and the steady state after the last login.
_LOG: list[tuple[str, float, int, float]] = []


@events.request.add_listener
def _record(name: str, response_time: float, exception: Any = None, **kwargs: Any) -> None:
    start = kwargs.get("start_time") or (time.time() - float(response_time) / 1000)
    _LOG.append((name, float(response_time), 1 if exception else 0, float(start)))


@events.quitting.add_listener
def _dump(**_: Any) -> None:
    path = os.environ.get("OPORA_LOAD_LOG")
    if path:
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(f"{name}\t{ms:.3f}\t{failed}\t{start:.3f}\n" for name, ms, failed, start in _LOG)
            f.write(f"#phase\t{_PHASE.get('start', 0.0):.3f}\t{_PHASE.get('end', 0.0):.3f}\n")


# Two phases: every user logs in (the login storm), and only when all OPORA_LOAD_USERS have tried does the
# measured phase start for all of them at once; it lasts OPORA_LOAD_SECONDS, then locust stops itself.
_ALL_IN = Event()
_LOGINS = {"done": 0}
_PHASE: dict[str, float] = {}
_ENV: dict[str, Any] = {}


@events.init.add_listener
def _init(environment: Any, **_: Any) -> None:
    _ENV["env"] = environment


def _logged_in() -> None:
    _LOGINS["done"] += 1
    if _LOGINS["done"] >= int(os.environ.get("OPORA_LOAD_USERS", "1")) and not _ALL_IN.is_set():
        _PHASE["start"] = time.time()
        _PHASE["end"] = _PHASE["start"] + float(os.environ.get("OPORA_LOAD_SECONDS", "60"))
        _ALL_IN.set()
        runner = _ENV["env"].runner
        gevent.spawn_later(float(os.environ.get("OPORA_LOAD_SECONDS", "60")), runner.quit)


class PortalUser(HttpUser):
    wait_time = between(_WAIT[0], _WAIT[-1])

    def on_start(self) -> None:
        self.account: dict[str, Any] = next(_ACCOUNTS)
        self.role: str = self.account["role"]
        self.reported = False
        self.saves = 0
        page = self.client.get("/accounts/login/", name="login (GET)")
        token = _CSRF.search(page.text)
        with self.client.post(
            "/accounts/login/",
            data={
                "username": self.account["username"],
                "password": _PLAN["password"],
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Referer": f"{self.host}/accounts/login/"},
            name="login (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login of {self.account['username']}: HTTP {response.status_code}")
        _logged_in()
        # a safety net: the measured phase starts anyway after OPORA_LOAD_LOGIN_TIMEOUT seconds
        _ALL_IN.wait(timeout=float(os.environ.get("OPORA_LOAD_LOGIN_TIMEOUT", "600")))

    # --- helpers ------------------------------------------------------------------------------------------

    def _get(self, url: str, name: str) -> Any:
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{url}: HTTP {response.status_code}")
            return response

    def _school(self) -> int:
        return int(random.choice(self.account["schools"]))

    # --- flows --------------------------------------------------------------------------------------------

    @task(4)
    def dashboard(self) -> None:
        if self.role in ("region_viewer", "region_coordinator"):
            self._get(f"/regions/{self.account['region']}/", "regional page")
            muni = random.choice(_PLAN["municipalities"])
            self._get(f"/municipalities/{muni['pk']}/", "municipality dashboard")
        elif self.role == "school_team":
            self._get(f"/schools/{self.account['school']}/", "school card")
        else:
            self._get(f"/municipalities/{self.account['municipality']}/", "municipality dashboard")

    @task(3)
    def school_card(self) -> None:
        if self.role == "school_team":
            self._get(f"/schools/{self.account['school']}/", "school card")
        elif self.role in ("coordinator", "method_centre"):
            self._get(f"/schools/{self._school()}/", "school card")
        else:
            muni = random.choice(_PLAN["municipalities"])
            self._get(f"/schools/{random.choice(muni['schools'])}/", "school card")

    @task(3)
    def monitoring(self) -> None:
        period = self.account.get("period")
        if not period:
            muni = random.choice(_PLAN["municipalities"])
            period = muni["period"]
        if self.role == "school_team":
            school = self.account["school"]
            self._get(f"/monitoring/periods/{period}/schools/{school}/", "monitoring school card")
            self._school_form(period, school)
            return
        self._get(f"/monitoring/periods/{period}/", "monitoring dashboard")
        if self.role in ("coordinator", "method_centre"):
            self._get(f"/monitoring/periods/{period}/schools/{self._school()}/", "monitoring school card")

    def _school_form(self, period: int, school: int) -> None:
        url = f"/monitoring/periods/{period}/schools/{school}/edit/"
        page = self._get(url, "monitoring form (GET)")
        if page.status_code != 200:
            return
        fields = form_fields(page.text, "totals-staff_total")
        names = {n for n, _ in fields}
        # One value changes: the comment of the first slot that already has a value.
        target = next(
            (
                n
                for n in sorted(names)
                if n.endswith("_text")
                and any(v for k, v in fields if k.rsplit("_", 1)[0] == n[:-5] and k != n)
            ),
            None,
        )
        if target is None:
            return
        self.saves += 1
        data = [(n, v) for n, v in fields if n != target] + [(target, f"нагрузочный тест {self.saves}")]
        with self.client.post(
            url,
            data=data,
            headers={"Referer": f"{self.host}{url}"},
            name="monitoring form (POST one value)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"{url}: HTTP {response.status_code} (the form was not saved)")

    @task(2)
    def identification(self) -> None:
        if self.role == "school_team":
            return self.roadmap()
        muni = self.account.get("municipality") or random.choice(_PLAN["municipalities"])["pk"]
        run = self.account.get("run") or next(
            (m["run"] for m in _PLAN["municipalities"] if m["pk"] == muni), None
        )
        self._get(f"/municipalities/{muni}/identification/", "identification runs")
        if run:
            self._get(f"/identification/runs/{run}/", "identification run")
        return None

    @task(2)
    def roadmap(self) -> None:
        if self.role == "school_team":
            self._get(f"/schools/{self.account['school']}/roadmap/", "roadmap (school)")
        elif self.role in ("coordinator", "method_centre"):
            self._get(f"/municipalities/{self.account['municipality']}/roadmap/", "roadmap (municipality)")

    @task(1)
    def public(self) -> None:
        code = self.account.get("municipality_code") or random.choice(_PLAN["municipalities"])["code"]
        self._get(f"/p/{code}/", "public page")

    @task(1)
    def report(self) -> None:
        if self.role != "coordinator" or self.reported or random.random() > 0.3:
            return
        self.reported = True  # one report per session: rendering runs in the web process (jobs mode "thread")
        url = f"/municipalities/{self.account['municipality']}/reports/identification/"
        page = self._get(f"/municipalities/{self.account['municipality']}/reports/", "reports page")
        token = _CSRF.search(page.text)
        with self.client.post(
            url,
            data={
                "identification-year": str(_PLAN["year"]),
                "identification-format": "docx",
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Referer": f"{self.host}{url}"},
            name="report enqueue (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code != 302 or "/jobs/" not in location:
                response.failure(f"report enqueue: HTTP {response.status_code} → {location or 'no redirect'}")
                return
        self._get(location, "report job page")
