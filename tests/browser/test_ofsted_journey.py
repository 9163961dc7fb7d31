"""Quality in a real browser: a platform administrator imports the Ofsted sample register
(the demo's own: nothing changes, two URNs are offered as new settings) and a file changing a
judgement; a council officer filters the vacancy board to good-or-better homes with htmx,
then reads the quality and in-house fostering sections of their authority's dashboard.
Every page on the way is checked with axe-core."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from portal.demo.loader import demo_accounts
from portal.demo.ofsted import SAMPLE
from tests.browser.conftest import Pages, assert_accessible, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_an_administrator_imports_the_sample_and_an_officer_reads_quality_and_fostering(
        pages: Pages, tmp_path):
    admin = next(a for a in demo_accounts() if a.role == "platform_admin")
    page = pages.new_page()
    page.goto("/sign-in")
    sign_in(page, admin)
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Administration", exact=True).click()
    page.get_by_role("button", name="Ofsted register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ofsted register")
    assert_accessible(page)

    page.get_by_label("Ofsted's register (CSV)").set_input_files(SAMPLE)
    page.get_by_role("button", name="Import the register").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "339 rows read: 337 match a setting of the directory, 2 do not.")
    candidates = page.get_by_role("table", name="URNs of the register that no setting carries")
    expect(candidates).to_contain_text("SC899001")
    expect(candidates).to_contain_text("Sorrel Barn")
    assert_accessible(page)

    # A later register: the first setting re-inspected and judged inadequate.
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    first = lines[1].split(",")
    first[10], first[11], first[12] = "02/09/2026", "30/09/2026", "4"
    later = tmp_path / "register-later.csv"
    later.write_text("\n".join([lines[0], ",".join(first), *lines[2:]]), encoding="utf-8")
    page.get_by_label("Ofsted's register (CSV)").set_input_files(later)
    page.get_by_role("button", name="Import the register").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "1 registration changed (1 new fact); 336 unchanged.")
    assert_accessible(page)
    screenshot(page, "ofsted-register")

    officer = next(a for a in demo_accounts() if a.role == "council_officer")
    board = pages.new_page()
    board.goto("/vacancies/")
    sign_in(board, officer)
    expect(board.get_by_role("heading", level=1)).to_have_text("Vacancy board")
    assert_accessible(board)
    judgements = board.locator("#results td[data-judgement]")
    before = {j.get_attribute("data-judgement") for j in judgements.all()}
    assert before - {"outstanding", "good"}, "the demo board has homes judged lower"
    with board.expect_response(lambda r: urlparse(r.url).path == "/vacancies/"
                               and r.request.headers.get("hx-request") == "true") as response:
        board.get_by_label("Good or better (outstanding or good)").check()
    assert response.value.ok
    expect(board.locator("#results td[data-judgement='inadequate']")).to_have_count(0)
    after = {j.get_attribute("data-judgement") for j in judgements.all()}
    assert after and after <= {"outstanding", "good"}
    assert parse_qs(urlparse(board.url).query)["quality"] == ["good_or_better"]
    expect(board.locator("#results")).to_contain_text("inspected")
    assert_accessible(board)
    screenshot(board, "vacancy-board-good-or-better")

    # The officer's own dashboard: the quality of their children's homes, then in-house
    # fostering (the demo's monthly returns) and its capacity gap.
    board.get_by_role("link", name="Sufficiency", exact=True).click()
    board.get_by_role("link", name=officer.organisation, exact=True).click()
    expect(board.get_by_role("heading", level=1)).to_have_text(
        f"{officer.organisation}: sufficiency dashboard")
    quality = board.locator("#placed-by-quality")
    expect(quality.get_by_role("heading", level=2)).to_have_text(
        "Children by the Ofsted judgement of their home")
    expect(quality).to_contain_text("Good or outstanding")
    households = board.locator("#fostering-households")
    expect(households.get_by_role("heading", level=2)).to_have_text(
        "In-house foster carers: approved households, places and utilisation")
    expect(households).to_contain_text("Mainstream")
    expect(households).to_contain_text("Utilisation (%)")
    recruitment = board.locator("#fostering-recruitment")
    expect(recruitment).to_contain_text("Conversion, enquiry to approval (%)")
    expect(recruitment).to_contain_text(officer.organisation)
    expect(board.locator("#fostered-children")).to_contain_text(
        "With an independent fostering agency")
    gap = board.locator("#capacity-gap")
    gap.get_by_text("How this is counted").click()
    expect(gap).to_contain_text("independent fostering agencies' places its children live in")
    assert_accessible(board)
    screenshot(board, "dashboard-quality-and-fostering")
