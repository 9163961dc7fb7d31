"""Browser tests: the real app served on a free local port, driven by Debian's Chromium.

Chromium comes from the system (`apt-get install chromium`), never from `playwright install`.
Without it the browser tests skip on a developer's machine and fail under CI (CI=true).
Every page a test reaches is checked with axe-core (WCAG 2.2 AA rules) by
``assert_accessible``; a page that navigates without being checked fails the test at teardown.
"""

from __future__ import annotations

import functools
import json
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from werkzeug.serving import make_server

from domain.account import account_id
from portal import create_app
from portal.config import Settings
from tests.conftest import copy_demo_database
from tests.html_checks import totp_code

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
AXE_OPTIONS = {"runOnly": {"type": "tag",
                           "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}
TIMEOUT_MS = 10_000

expect.set_options(timeout=TIMEOUT_MS)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require(ok: bool, reason: str) -> None:
    """Skip when a browser prerequisite is missing locally; fail under CI."""
    if ok:
        return
    if in_ci():
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)", pytrace=False)
    print(f"\nSkipping browser tests: {reason}", file=sys.stderr)
    pytest.skip(reason)


# --- the app and the browser ----------------------------------------------------------------

@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    require(CHROMIUM.exists(), f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    require(AXE.exists(), f"axe-core not found at {AXE} (run `make install`)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def live_server(browser, demo_database, session_databases, tmp_path_factory) -> Iterator[str]:
    """The portal on its own copy of the demo region, served over HTTP; yields the base URL.

    Sign-in is rate limited (10 a minute per address); the browser tests sign in well under
    that, so the limiter stays as it is in production.
    """
    instance = tmp_path_factory.mktemp("browser")
    database_url = copy_demo_database(demo_database, instance, session_databases)
    with serving(lambda base_url: create_app(Settings.from_environment(
            database_url=database_url, secret_key="browser-test-secret-key",
            instance=instance, projections_inline=True, secure_cookies=False,
            portal_url=base_url))) as (base_url, _app):
        yield base_url


@contextmanager
def serving(make_app: Callable[[str], Flask]) -> Iterator[tuple[str, Flask]]:
    """A portal served over HTTP on a free local port: ``make_app`` is given the base URL
    first, because the app needs its own address (PORTAL_URL, which on PostgreSQL it must
    have) for the links it mails and the hosts it answers. Yields the base URL and the app;
    closes the app's services at the end."""
    apps: dict[str, Flask] = {}
    server = make_server("127.0.0.1", 0, lambda environ, start: apps["app"](environ, start),
                         threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    try:
        app = apps["app"] = make_app(base_url)
    except BaseException:
        server.server_close()
        raise
    LIVE_APPS[base_url] = app
    thread = threading.Thread(target=server.serve_forever, name=f"portal-{server.server_port}",
                              daemon=True)
    thread.start()
    try:
        yield base_url, app
    finally:
        LIVE_APPS.pop(base_url, None)
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        app.extensions["portal"].close()


# The app behind each live server, by base URL: sign_in reads which authenticator code an
# account used last, as a person would simply wait for their app's next code.
LIVE_APPS: dict[str, object] = {}


def sign_in(page: Page, account, check: Callable[[Page], None] | None = None) -> None:
    """From the sign-in page: the password, then the authenticator code where the account has
    one (every demo account does), landing on the page asked for. ``check`` runs on each page
    on the way (axe by default; pass the no-JavaScript check for pages without scripts)."""
    check = check or assert_accessible
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    check(page)
    page.get_by_label("Email address").fill(account.email)
    page.get_by_label("Password", exact=True).fill(account.password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).click()
    assert urlsplit(page.url).path != "/sign-in", f"sign-in refused for {account.email}"
    if urlsplit(page.url).path == "/sign-in/code":
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Enter the code from your authenticator app")
        check(page)
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
        services = LIVE_APPS[origin].extensions["portal"]
        # The portal accepts the next step's code but never a used one: when this account
        # has used both (signed in twice in this 30-second step), wait, as a person would, for
        # the app's next code.
        used = services.second_factors.last_step(account_id(account.email)) or 0
        while used + 1 > services.second_factors.step() + 1:
            page.wait_for_timeout(1000)
        page.get_by_label("Code", exact=True).fill(totp_code(services, account))
        with page.expect_navigation():
            page.get_by_role("button", name="Continue", exact=True).click()
        assert urlsplit(page.url).path != "/sign-in/code", (
            f"authenticator code refused for {account.email}")


def _cancelled_by_browser(request) -> bool:
    """A subresource the browser itself cancelled, because the page moved on before it arrived
    (typically the favicon of a page the journey has already left). The server never failed it,
    so it is not a problem; a document that fails to load, or any other network error, still is."""
    return request.failure == "net::ERR_ABORTED" and request.resource_type != "document"


class Pages:
    """Opens browser contexts and pages for a test, and checks them when the test ends:
    no JavaScript errors, no console errors (CSP violations included), no failed or 4xx/5xx
    requests, and every page visited was checked with axe."""

    def __init__(self, browser: Browser, base_url: str):
        self.browser = browser
        self.base_url = base_url
        self.contexts: list[BrowserContext] = []
        self.problems: list[str] = []

    def _report(self, url: str, problem: str) -> None:
        self.problems.append(problem)

    def new_page(self, *, java_script_enabled: bool = True) -> Page:
        context = self.browser.new_context(base_url=self.base_url,
                                           java_script_enabled=java_script_enabled)
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        _UNCHECKED[page] = None
        page.on("framenavigated", lambda frame: _navigated(page, frame))
        page.on("pageerror", lambda error: self.problems.append(f"JavaScript error: {error}"))
        page.on("console", lambda message: message.type == "error" and self._report(
            message.location.get("url", ""), f"console error on {page.url}: {message.text}"))
        page.on("response", lambda response: response.status >= 400 and self._report(
            response.url, f"HTTP {response.status} for {response.url}"))
        page.on("requestfailed", lambda request: _cancelled_by_browser(request) or self._report(
            request.url, f"request failed: {request.url} ({request.failure})"))
        return page

    def close(self, *, check: bool = True) -> None:
        """Close every context, then fail on any problem seen."""
        for context in self.contexts:
            for page in context.pages:
                if _UNCHECKED.get(page):
                    self.problems.append(f"{_UNCHECKED[page]} was never checked with axe")
                _UNCHECKED.pop(page, None)
            context.close()
        self.contexts.clear()
        if not check:
            return
        assert not self.problems, "\n".join(self.problems)


@pytest.fixture
def pages(browser, live_server) -> Iterator[Pages]:
    opened = Pages(browser, live_server)
    yield opened
    opened.close()


# --- accessibility --------------------------------------------------------------------------

# Pages that have navigated (or had their URL pushed by htmx) since their last axe check.
_UNCHECKED: dict[Page, str | None] = {}


def _navigated(page: Page, frame) -> None:
    if frame == page.main_frame and frame.url != "about:blank":
        _UNCHECKED[page] = frame.url


_RUN_AXE = """async (options) => {
  const results = await axe.run(document, options);
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), html: n.html,
                                summary: n.failureSummary})),
  }));
}"""


@functools.cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def _describe(url: str, violations: list[dict]) -> str:
    lines = [f"axe found {len(violations)} accessibility violation(s) on {url}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            lines.append(f"    at {node['target']}: {node['html'][:200]}")
            lines.extend(f"      {line}" for line in (node["summary"] or "").splitlines())
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    """Run axe-core's WCAG 2.0/2.1/2.2 A and AA rules on the page as it is now; fail listing
    every violation with its rule, help text and the elements at fault."""
    page.wait_for_load_state("load")
    # htmx marks elements while it swaps and settles; check the settled page.
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Not page.add_script_tag: the portal's Content-Security-Policy (rightly) blocks an
        # injected inline script. Evaluating the source through the DevTools protocol is not
        # subject to the page's CSP, so the policy stays on and any violation still shows up.
        page.evaluate(f"{_axe_source()}\n;undefined")
    violations = page.evaluate(_RUN_AXE, AXE_OPTIONS)
    _UNCHECKED[page] = None
    _record_timing(page)
    assert not violations, _describe(page.url, violations)


# BROWSER_PAGE_TIMINGS=FILE: each page the journeys check, with the browser's own navigation
# timing (request sent to first byte back, and the whole load), one JSON line a page. For the
# journeys' page timings in a note; never asserted (tests are not benchmarks).
_NAVIGATION = """() => { const n = performance.getEntriesByType("navigation")[0];
  return n ? {path: location.pathname, first_byte_ms: n.responseStart - n.requestStart,
              load_ms: n.duration} : null; }"""


def _record_timing(page: Page) -> None:
    target = os.environ.get("BROWSER_PAGE_TIMINGS")
    if not target:
        return
    timing = page.evaluate(_NAVIGATION)
    if timing:
        with open(target, "a", encoding="utf-8") as out:
            out.write(json.dumps(timing) + "\n")


_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)


def assert_accessible_without_javascript(page: Page, browser: Browser) -> None:
    """axe needs JavaScript, so a page rendered with JavaScript off is checked by serving its
    exact DOM, scripts removed, at the same URL to a JavaScript-enabled page (so the same
    stylesheets load and colours and layout are as the user sees them)."""
    url, html = page.url, _SCRIPT.sub("", page.content())
    context = browser.new_context()
    try:
        audit = context.new_page()
        audit.route(lambda address: address == url,
                    lambda route: route.fulfill(status=200, body=html,
                                                content_type="text/html; charset=utf-8"))
        audit.goto(url)
        assert_accessible(audit)
    finally:
        context.close()
    _UNCHECKED[page] = None


# --- screenshots ----------------------------------------------------------------------------

def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path

