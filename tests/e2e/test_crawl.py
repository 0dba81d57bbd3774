"""The browser crawl (issue #17 acceptance): every page reachable from the navigation, for every demo role, at
1280 and 390 px — answers 200 (or a redirect), does not scroll sideways, and shows no raw code.

Pages are the navigation's links and the links on those pages (one example of each address pattern: the
first school card stands for all thirteen), GET only, without downloads and action endpoints. The demo is loaded
once for the module and served by one live server; one browser; each role's session is made once (no login form)
and reused at both widths; each page is loaded once at 1280 px, checked, then narrowed to 390 px and checked again.

What a page must not show (after links' addresses and file names of uploads are left out): snake_case identifiers
(``low_results``, ``status_changed``), English words the code uses as values (``queued``, ``None``, ``VPR``…), and
paths of the code (``docs/methodology.md``, ``portal/…``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlparse

import pytest
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings

from tests.e2e.conftest import ARTIFACTS

ROLES = [
    "demo-coordinator",
    "demo-methodist",
    "demo-school1",
    "demo-school2",
    "demo-region",
    "demo-region-coordinator",
    "demo-admin",
]
WIDTHS = (1280, 390)
MAX_PAGES = 70  # per role; a bound, not a target: the demo's roles reach 20–60 address patterns

SKIP_PATH = re.compile(
    r"/(logout|publish|withdraw|delete|remove|revoke|close|reopen|refresh|approve|new-version|submit|review"
    r"|download|file|upload|import|templates)/|/api/v1/|\.(xlsx|csv|docx|pdf|txt|zip|atom|rss|xml)$|/document\.\w+$|/d/\d+/$"
)
SKIP_QUERY = re.compile(r"(^|&)(format|fmt|download)=")

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
ENGLISH = re.compile(
    r"\b(queued|running|done|failed|draft|submitted|accepted|returned|pending|status|error|None|True|False|null"
    r"|undefined|NaN|VPR|OGE|EGE|KDR|vpr|oge|ege|kdr|TODO|lorem)\b"
)
CODE_PATH = re.compile(r"\b(?:docs|portal|opora|tests|bench)/[\w./-]+|\b[\w-]+\.(?:py|md|ya?ml|json|html)\b")
URLS = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+")
FILE_NAMES = re.compile(r"\S+\.(?:csv|xlsx|xls|pdf|docx|doc|txt|png|jpe?g|zip)\b", re.I)


def _pattern(url: str) -> str:
    parts = urlparse(url)
    path = re.sub(r"\d+", "N", parts.path)
    keys = sorted({kv.split("=", 1)[0] for kv in parts.query.split("&") if kv})
    return path + ("?" + "&".join(keys) if keys else "")


@dataclass
class Problem:
    url: str
    width: int
    what: str

    def __str__(self) -> str:
        return f"{self.url} @ {self.width}px: {self.what}"


@dataclass
class RoleCrawl:
    role: str
    pages: list[str] = field(default_factory=list)
    problems: dict[str, list[Problem]] = field(default_factory=dict)  # pattern → problems


def visible_problems(text: str) -> list[str]:
    """Raw codes in a page's visible text."""
    clean = FILE_NAMES.sub(" ", URLS.sub(" ", text))
    found = []
    for name, pattern in (("код", SNAKE), ("английское слово", ENGLISH), ("путь к файлу кода", CODE_PATH)):
        hits = sorted(set(pattern.findall(clean)))
        if hits:
            found.append(f"{name}: {', '.join(hits[:8])}")
    return found


def test_visible_problems_finds_codes_and_lets_russian_text_urls_and_uploads_pass() -> None:
    assert visible_problems("Категория: low_results; статус queued; см. docs/methodology.md; ВПР VPR") == [
        "код: low_results",
        "английское слово: VPR, queued",
        "путь к файлу кода: docs/methodology.md",
    ]
    ok = "СОШ № 2 (MNS-SOSH02): файл demo_results.csv, сайт https://example.org/demo_site/x_y, 1 строка"
    assert visible_problems(ok) == []


@pytest.fixture(scope="module")
def site(
    django_db_setup: Any, django_db_blocker: Any, browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """The demo in the test database, a live server and one browser context per role (sessions made once)."""
    from django.db import connection
    from pytest_django.live_server_helper import LiveServer

    from portal.accounts.models import User
    from portal.demo.services import load_demo

    media = tmp_path_factory.mktemp("crawl-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(media), OPORA_JOBS_MODE="inline"):
        name = str(connection.settings_dict["NAME"])
        assert "memory" in name or name.startswith("test_"), f"not a test database: {name}"
        load_demo(password="crawl-demo-pass-1", write=lambda line: None)
        # Each request of the server's threads closes its database connection (no persistent ones left behind to
        # keep PostgreSQL from dropping the test database at the end).
        max_age = connection.settings_dict.get("CONN_MAX_AGE")
        connection.settings_dict["CONN_MAX_AGE"] = 0
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        contexts = {}
        for role in ROLES:
            client = Client()
            client.force_login(User.objects.get(username=role))
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
            context.add_cookies(
                [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server.url}]
            )
            contexts[role] = context
        try:
            yield {"url": server.url, "contexts": contexts, "crawls": {}}
        finally:
            for context in contexts.values():
                context.close()
            server._live_server_modified_settings.disable()
            server.stop()
            connection.settings_dict["CONN_MAX_AGE"] = max_age
            call_command("flush", interactive=False, verbosity=0, stdout=io.StringIO())
            # This context's connection (Playwright's greenlets give the fixture its own) must not outlive the
            # module: PostgreSQL would refuse to drop the test database at the end of the session.
            connection.close()


def _links(page: Any, base: str, selector: str) -> list[str]:
    hrefs = page.eval_on_selector_all(selector, "els => els.map(e => e.getAttribute('href'))")
    out = []
    for href in hrefs:
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        url = urljoin(page.url, href)
        parts = urlparse(url)
        if not url.startswith(base) or SKIP_PATH.search(parts.path) or SKIP_QUERY.search(parts.query):
            continue
        if parts.path.startswith("/admin/") and parts.path != "/admin/":
            continue  # Django's own administration: only its index
        out.append(url.split("#")[0])
    return out


def _check(page: Any, url: str, width: int) -> list[Problem]:
    page.set_viewport_size({"width": width, "height": 900})
    state = page.evaluate(
        "() => ({overflow: document.documentElement.scrollWidth - window.innerWidth,"
        " text: document.body.innerText})"
    )
    problems = []
    if state["overflow"] > 1:
        problems.append(Problem(url, width, f"страница шире экрана на {state['overflow']} px"))
    problems += [Problem(url, width, p) for p in visible_problems(state["text"])]
    return problems


def crawl(site: dict[str, Any], role: str) -> RoleCrawl:
    if role in site["crawls"]:
        return site["crawls"][role]  # type: ignore[no-any-return]
    base, result = site["url"], RoleCrawl(role)
    page = site["contexts"][role].new_page()
    response = page.goto(base + "/")
    start = page.url
    queue = [(start, 1)]
    queue += [(u, 1) for u in _links(page, base, "nav a[href]")]
    seen: set[str] = set()
    while queue and len(result.pages) < MAX_PAGES:
        url, depth = queue.pop(0)
        pattern = _pattern(url)
        if pattern in seen:
            continue
        seen.add(pattern)
        try:
            response = page.goto(url, wait_until="load")
        except Exception as error:  # a link to a file: not a page
            if "Download is starting" in str(error):
                continue
            raise
        status = response.status if response is not None else 0
        result.pages.append(url)
        problems = [] if status < 400 else [Problem(url, 1280, f"ответ {status}")]
        if status < 400:
            for width in WIDTHS:
                problems += _check(page, url, width)
            if depth == 1:
                page.set_viewport_size({"width": 1280, "height": 900})
                queue += [(u, 2) for u in _links(page, base, "main a[href]")]
        if problems:
            result.problems[pattern] = problems
            ARTIFACTS.mkdir(exist_ok=True)
            name = re.sub(r"[^\w-]+", "_", f"crawl-{role}-{pattern}")[:120]
            page.screenshot(path=str(Path(ARTIFACTS) / f"{name}.png"), full_page=True)
    page.close()
    site["crawls"][role] = result
    return result


# The marker makes pytest-django create the test database; each test only reads (the demo is committed once by
# the module fixture and flushed after the last test).
@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_the_role_loads_fits_a_phone_and_shows_no_code(site: dict[str, Any], role: str) -> None:
    result = crawl(site, role)
    print(f"{role}: {len(result.pages)} страниц")  # shown with -s: what the crawl covered
    assert len(result.pages) >= 3, f"{role}: the crawl reached only {result.pages}"
    if result.problems:
        lines = [str(problem) for problems in result.problems.values() for problem in problems]
        pytest.fail(f"{role}: {len(lines)} problems on {len(result.problems)} pages:\n" + "\n".join(lines))
