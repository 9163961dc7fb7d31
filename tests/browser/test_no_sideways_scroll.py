"""No page of the officer's, the provider's or the auditor's journeys scrolls sideways, on a
phone (390 px) or on a desktop (1280 px): wide tables scroll inside their own region, and
nothing (visually hidden text, a long e-mail address) widens the page. Every page is also
checked with axe-core.

The walk: the role's home page, every page of the service navigation, and from each of those
the first links into the records they list (a dashboard, a setting, a vacancy, a record's
history), once per kind of address."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import Pages, assert_accessible, sign_in
from tests.conftest import account_for

pytestmark = pytest.mark.browser

WIDTHS = (390, 1280)
LINKS_FROM_EACH = 3  # records followed from each page of the navigation
NOT_PAGES = re.compile(r"\.(csv|pdf|zip|json|txt)$|/sign-out|/download|/documents/")
ROLES = [("council_officer", "Dorset"), ("provider_user", None), ("auditor", None)]
# Pages a role's navigation does not list but its journey reaches: the auditor's history of
# accounts, whose records are headed by an e-mail address (a long word that must break).
# Each is (a page, the start of the address of the record on it to follow).
ALSO = {"auditor": [("/audit/?record_type=Account", "/audit/records/")]}


def _shape(path: str) -> str:
    """An address with its ids taken out, so one record of each kind is enough."""
    return re.sub(r"/[0-9a-f-]{8,}|/\d+", "/:id", path)


def _links(page: Page, selector: str) -> list[str]:
    hrefs = page.eval_on_selector_all(selector, "links => links.map(a => a.href)")
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if (href.startswith(origin) and not parts.fragment and not NOT_PAGES.search(parts.path)
                and parts.path not in found):
            found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def journey(page: Page, also: list[tuple[str, str]]) -> list[str]:
    """The pages of the signed-in role's journey (see the module's description)."""
    page.goto("/")
    walk = ["/", *_links(page, ".govuk-service-navigation a")]
    for url, record in also:
        page.goto(url)
        walk += [url, next(link for link in _links(page, "main a") if link.startswith(record))]
    seen = {_shape(urlsplit(url).path) for url in walk}
    for url in list(walk[1:]):
        page.goto(url)
        followed = 0
        for link in _links(page, "main a"):
            shape = _shape(urlsplit(link).path)
            if shape in seen:
                continue
            seen.add(shape)
            walk.append(link)
            followed += 1
            if followed == LINKS_FROM_EACH:
                break
    return walk


def sideways(page: Page) -> int:
    """How far the page scrolls sideways, in CSS pixels (0 when it does not)."""
    return page.evaluate(
        "() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")


@pytest.mark.parametrize(("role", "organisation"), ROLES)
def test_no_page_of_a_journey_scrolls_sideways(pages: Pages, role, organisation):
    page = pages.new_page()
    page.goto("/sign-in")
    sign_in(page, account_for(role, organisation))
    walk = journey(page, ALSO.get(role, []))
    assert len(walk) >= 6, walk
    wide = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for url in walk:
            response = page.goto(url)
            assert response is not None and response.ok, url
            if (over := sideways(page)) > 0:
                wide.append(f"{url} at {width} px scrolls {over} px sideways")
            assert_accessible(page)
    assert not wide, "\n".join(wide)
