"""The sufficiency dashboards in the browser: who sees what, suppression, filters, CSV
downloads and the auditor's dashboard as it stood."""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import date, datetime, timedelta

import html5lib
import pytest
import sqlalchemy as sa

from domain.account import account_id
from domain.actor import Actor
from domain.organisation import authority_id
from domain.timezone import LONDON
from tests.conftest import account_for

NS = "{http://www.w3.org/1999/xhtml}"

HTMX = {"HX-Request": "true", "HX-Target": "dashboard-tables"}
PAGES = ["/sufficiency/", "/sufficiency/region", "/sufficiency/partnerships/south-east",
         "/sufficiency/authorities/886", "/sufficiency/authorities/838"]
# A day early in the collection years the portal accepts (SSDA903 from 2015-16), and the
# placement types to try for one that has none of an authority's demo children in it.
DAY = date(2015, 6, 1)
EARLY = f"on-day={DAY.day}&on-month={DAY.month}&on-year={DAY.year}"
CANDIDATES = (
    ("fostering_in_house", {"place": "U4", "place_provider": "PR1"}),
    ("parents", {"place": "P1", "place_provider": "PR0"}),
    ("other", {"place": "T0"}),
    ("other_residential", {"place": "R1"}),
)


def _visible(element) -> str:
    """An element's text as a sighted reader sees it (visually hidden words left out)."""
    if "govuk-visually-hidden" in (element.get("class") or ""):
        return ""
    parts = [element.text or ""]
    for child in element:
        parts += [_visible(child), child.tail or ""]
    return "".join(parts)


def page_tables(html: str) -> dict[str, list[list[str]]]:
    """Every figures table on a page by id: its header row, then its rows, as visible text."""
    document = html5lib.parse(html)
    found = {}
    for table in document.iter(f"{NS}table"):
        if "app-figures-table" not in (table.get("class") or ""):
            continue
        found[table.get("id")] = [
            [" ".join(_visible(cell).split()) for cell in row
             if cell.tag in (f"{NS}th", f"{NS}td")]
            for row in table.iter(f"{NS}tr")]
    return found


def cell(tables, table_id: str, row_label: str, column: str) -> str:
    header, *rows = tables[table_id]
    row = next(r for r in rows if r[0] == row_label)
    return row[header.index(column)]


def as_csv_text(shown: str) -> str:
    """A figure as the page shows it, as the CSV holds it: no separators or symbols."""
    return re.sub(r"^(-?)£", r"\1", shown).replace(",", "").removesuffix("%")


def quiet_type(app, la_code: str) -> tuple[str, dict]:
    """A placement type group in which the authority has no child in care on ``DAY`` (so the
    test's own children are the only ones counted), with terms that fall in it."""
    from projections.placements import placement_episodes as ep

    with app.extensions["portal"].engine.connect() as c:
        for group, terms in CANDIDATES:
            found = c.execute(sa.select(sa.func.count()).where(
                ep.c.authority_id == authority_id(la_code), ep.c.place_group == group,
                ep.c.start <= DAY, sa.or_(ep.c.end.is_(None), ep.c.end > DAY))).scalar()
            if found == 0:
                return group, terms
    pytest.fail(f"every placement type has children of {la_code} in care on {DAY}")


def start_placements(app, la_code: str, count: int, on: date, prefix: str,
                     end: date | None = None, terms: dict | None = None) -> None:
    services = app.extensions["portal"]
    officer = account_for("council_officer", {"838": "Dorset", "886": "Kent"}[la_code])
    actor = Actor(user_id=account_id(officer.email), organisation_id=authority_id(la_code))
    for n in range(count):
        ref = services.child_refs.reference(la_code, f"{prefix}-{n}")
        services.portal.start_placement(
            actor, authority_id=authority_id(la_code), child_ref=ref, birth_month="2000-01",
            sex="1", uasc=False, on=on, terms={"legal_status": "C2", "place": "U4",
                                              "place_provider": "PR1", **(terms or {})})
        if end is not None:
            services.portal.end_placement(actor, authority_id(la_code), ref, on=end,
                                          rec="E13")


@pytest.mark.parametrize("role", ["council_officer", "provider_user", "auditor",
                                  "platform_admin"])
def test_every_dashboard_renders_for_every_role_allowed(client, role):
    client.sign_in(account_for(role))
    index = client.get("/sufficiency/").get_data(as_text=True)
    assert "/sufficiency/region" in index and "/sufficiency/partnerships/peninsula" in index
    for url in PAGES[1:]:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        tables = page_tables(page)
        assert "children-in-care-table" in tables
        assert page.count('role="img"') >= 3  # a chart beside most tables
        # Every table's CSV; the forecast's holds every month (its table, a year apart).
        assert page.count("Download this table (CSV)") == len(tables) - 1
        assert page.count("Download every month (CSV)") == 1
        partial = client.get(url, headers=HTMX).get_data(as_text=True)
        assert "<html" not in partial and 'hx-swap-oob="true"' in partial
        assert page_tables(partial).keys() == tables.keys()


def test_an_officer_sees_their_own_authority_in_full_and_another_suppressed(client, app):
    group, terms = quiet_type(app, "838")
    start_placements(app, "838", 3, date(2015, 5, 11), "early", end=date(2015, 12, 1),
                     terms=terms)
    query = f"{EARLY}&type={group}"
    client.sign_in(account_for("council_officer", "Dorset"))
    own = page_tables(client.get(f"/sufficiency/authorities/838?{query}").get_data(
        as_text=True))
    assert cell(own, "children-in-care-table", "Dorset", "Children in care") == "3"
    client.post_form("/sign-out")

    client.sign_in(account_for("council_officer", "Kent"))
    page = client.get(f"/sufficiency/authorities/838?{query}").get_data(as_text=True)
    seen = page_tables(page)
    assert cell(seen, "children-in-care-table", "Dorset", "Children in care") == "c"
    assert cell(seen, "children-in-care-table", "Dorset", "Per 10,000 children") == "c"
    assert "confidential: hidden to protect children" in page  # the hidden words after "c"
    assert "c: hidden to protect children" in page  # the footnote saying why
    download = client.get(f"/sufficiency/authorities/838/tables/children-in-care.csv?{query}")
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    dorset = next(r for r in rows if r[0] == "Dorset")
    assert dorset[1] == "c" and "3" not in dorset[1:3]
    # The region counts Dorset among others: still hidden from Kent's officer.
    region = page_tables(client.get(f"/sufficiency/region?{query}").get_data(as_text=True))
    assert cell(region, "children-in-care-table", "Dorset", "Children in care") == "c"
    # Kent's own dashboard is in full: a 0 is a 0, not suppressed.
    kent_group, kent_terms = quiet_type(app, "886")
    start_placements(app, "886", 2, date(2015, 5, 11), "kent", end=date(2015, 12, 1),
                     terms=kent_terms)
    kent = page_tables(client.get(f"/sufficiency/authorities/886?{EARLY}&type={kent_group}"
                                  ).get_data(as_text=True))
    assert cell(kent, "children-in-care-table", "Kent", "Children in care") == "2"


@pytest.mark.parametrize("url", ["/sufficiency/region", "/sufficiency/authorities/838"])
def test_every_csv_holds_the_pages_figures_and_no_suppressed_number(client, app, url):
    group, terms = quiet_type(app, "838")
    start_placements(app, "838", 2, date(2015, 5, 11), "csv", end=date(2015, 12, 1),
                     terms=terms)
    client.sign_in(account_for("provider_user"))
    page = client.get(f"{url}?{EARLY}&type={group}").get_data(as_text=True)
    links = re.findall(r'href="([^"]+\.csv[^"]*)"', page)
    tables = page_tables(page)
    assert len(links) == len(tables) >= 10
    hidden = 0
    for link in links:
        response = client.get(link.replace("&amp;", "&"))
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
        key = re.search(r"/tables/([a-z0-9-]+)\.csv", link).group(1)
        shown = tables[f"{key}-table"]
        if shown[1:] and shown[1][0] == "No figures for these filters.":
            shown = shown[:1]
        if key == "forecast":  # the page shows the months a year apart, the CSV every month
            rows = rows[:1] + [r for r in rows[1:] if r[0] in {s[0] for s in shown[1:]}]
        assert len(rows) == len(shown), key
        for csv_row, page_row in zip(rows[1:], shown[1:], strict=True):
            assert csv_row == [page_row[0], *map(as_csv_text, page_row[1:])], key
        hidden += sum(row.count("c") for row in rows)
    assert hidden > 0  # Dorset's 2 children are suppressed, in the CSV as on the page


def test_signed_out_visitors_sign_in_and_unknown_dashboards_are_not_found(client):
    response = client.get("/sufficiency/region")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    client.sign_in(account_for("council_officer", "Kent"))
    for url in ["/sufficiency/authorities/999", "/sufficiency/authorities/abc",
                "/sufficiency/partnerships/nowhere", "/sufficiency/region/tables/nothing.csv",
                "/sufficiency/authorities/886/tables/no-such-table.csv"]:
        assert client.get(url).status_code == 404, url


def test_an_account_without_a_sufficiency_role_is_refused(client, app):
    services = app.extensions["portal"]
    email = "no-roles@kent.example.org"
    services.portal.create_account(Actor.system(), email=email, display_name="No roles",
                                   organisation_id=authority_id("886"), roles=[])
    services.credentials.set_password(account_id(email), "a-long-enough-password")
    services.projections.catch_up()
    kent = account_for("council_officer", "Kent")
    client.sign_in(type(kent)(email, "a-long-enough-password", "", "Kent", "No roles",
                              authority_id("886")))
    for url in [*PAGES, "/sufficiency/authorities/886/tables/children-in-care.csv"]:
        assert client.get(url).status_code == 403, url
    assert 'href="/sufficiency/"' not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(("query", "field", "message"), [
    ("on-day=31&on-month=2&on-year=2026", "on", "Date must be a real date"),
    ("on-day=1&on-month=&on-year=2026", "on", "Date must include a day, month and year"),
    ("on-day=1&on-month=1&on-year=2999", "on", "Date must be today or in the past"),
    ("from-day=1&from-month=6&from-year=2025&to-day=1&to-month=1&to-year=2025", "to",
     "End of the period must be the same as or after the start"),
    ("area=886", "area", "Choose an authority in this view"),
    ("area=kent", "area", "Choose an authority from the list"),
    ("type=castle", "type", "Choose a placement type from the list"),
])
def test_filter_errors_are_shown_beside_their_fields(client, query, field, message):
    client.sign_in(account_for("council_officer", "Kent"))
    response = client.get(f"/sufficiency/partnerships/peninsula?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: " in page
    assert f'href="#{field}"' in page and message in page
    assert "children-in-care-table" in page_tables(page)  # the valid filters still apply
    partial = client.get(f"/sufficiency/partnerships/peninsula?{query}", headers=HTMX)
    text = partial.get_data(as_text=True)
    assert "Some filters could not be used" in text and message in text


def test_filters_narrow_the_dashboard_and_keep_the_values_chosen(client, app):
    group, terms = quiet_type(app, "838")
    start_placements(app, "838", 6, date(2015, 5, 11), "filter", end=date(2015, 12, 1),
                     terms=terms)
    client.sign_in(account_for("council_officer", "Kent"))
    page = client.get(f"/sufficiency/region?{EARLY}&area=838&type={group}"
                      ).get_data(as_text=True)
    tables = page_tables(page)
    assert [row[0] for row in tables["children-in-care-table"][1:]] == ["Dorset"]
    # 6, rounded to the nearest 5 across authority lines (issue 17, finding 5).
    assert cell(tables, "children-in-care-table", "Dorset", "Children in care") == "5"
    assert '<option value="838" selected>' in page
    assert f'<option value="{group}" selected>' in page
    assert re.search(r'name="on-year"[^>]*value="2015"', page)
    assert "Dorset only" in page
    # Without the area, every partner is listed again, each with its own row.
    everyone = page_tables(client.get(f"/sufficiency/region?{EARLY}&type={group}"
                                      ).get_data(as_text=True))
    assert len(everyone["children-in-care-table"]) > 3
    # Arguments a dashboard does not read are not carried into its CSV links.
    odd = client.get(f"/sufficiency/region?{EARLY}&key=x&utm_source=mail").get_data(
        as_text=True)
    links = re.findall(r'href="([^"]+\.csv[^"]*)"', odd)
    assert links and all("utm_source" not in link and "key=" not in link for link in links)
    assert all("on-year=2015" in link for link in links)


def test_the_auditor_sees_a_dashboard_as_it_stood_before_a_later_placement(client, app):
    auditor = account_for("auditor")
    client.sign_in(auditor)
    before = page_tables(client.get("/sufficiency/authorities/886").get_data(as_text=True))
    shown_then = cell(before, "children-in-care-table", "Kent", "Children in care")
    time.sleep(1.1)
    moment = datetime.now(LONDON).replace(microsecond=0)
    time.sleep(1.1)
    # The auditor's view crosses authority lines, so it counts at the last month end and
    # rounds to the nearest 5: five children placed before then (recorded now) change it.
    last_month = date.today().replace(day=1) - timedelta(days=10)
    start_placements(app, "886", 5, last_month, "later")
    after = page_tables(client.get("/sufficiency/authorities/886").get_data(as_text=True))
    assert cell(after, "children-in-care-table", "Kent", "Children in care") != shown_then

    query = (f"/audit/as-at/?view=sufficiency&dashboard=authority:886&date-day={moment.day}"
             f"&date-month={moment.month}&date-year={moment.year}&time={moment:%H:%M:%S}")
    page = client.get(query).get_data(as_text=True)
    assert "Sufficiency dashboard: Kent as at" in page
    as_at = page_tables(page)
    assert cell(as_at, "children-in-care-table", "Kent", "Children in care") == shown_then
    assert as_at.keys() == before.keys()
    assert "Download this table" not in page


@pytest.mark.parametrize(("dashboard", "message"), [
    ("authority:999", "That dashboard did not exist then"),
    ("kent", "Choose a dashboard from the list"),
])
def test_the_auditor_is_told_when_a_dashboard_cannot_be_shown(client, dashboard, message):
    client.sign_in(account_for("auditor"))
    now = datetime.now(LONDON)
    page = client.get(f"/audit/as-at/?view=sufficiency&dashboard={dashboard}"
                      f"&date-day={now.day}&date-month={now.month}"
                      f"&date-year={now.year}&time={now:%H:%M:%S}").get_data(as_text=True)
    assert message in page and 'href="#dashboard"' in page


def test_a_large_count_hidden_to_protect_another_reads_c_with_the_footnote_never_low(client):
    """On the Peninsula partnership's dashboard (the demo's own figures), every hidden cell
    reads "c", whatever its size, the note under each table says why, and no count reads
    "low" (a count never rounds to zero); the partnership's headline is shown."""
    client.sign_in(account_for("provider_user"))
    page = client.get("/sufficiency/partnerships/peninsula?on=30/11/2026").get_data(
        as_text=True)
    tables = page_tables(page)
    placed = tables["placed-out-of-area-table"]
    header = placed[0]
    hidden = [row[0] for row in placed[1:] for value in row[1:] if value == "c"]
    assert hidden  # small counts of unaccompanied children, and what would give them away
    assert not any(value == "low" for table in tables.values() for row in table
                   for value in row[1:])
    assert page.count("c: hidden to protect children") >= len(tables) - 2
    in_care = tables["children-in-care-table"]
    total = next(row for row in in_care if row[0] == "Total")
    assert total[1] not in ("c", "low") and int(total[1].replace(",", "")) >= 5
    # Devon's 841 children (shown rounded to 5 to other councils) are never hidden.
    devon = next(row for row in placed if row[0] == "Devon: all children")
    assert devon[header.index("Children in care")] == "840"


def test_dorsets_dashboard_shows_its_rate_without_unaccompanied_children_and_the_threshold(
        client):
    """Dorset's own figures on the demo's date: 71 per 10,000, 60 excluding unaccompanied
    children, and 72 unaccompanied children against a National Transfer Scheme threshold of
    66.1 (0.1% of 66,100), each with its definition."""
    client.sign_in(account_for("council_officer", "Dorset"))
    page = client.get("/sufficiency/authorities/838?on=23/11/2026").get_data(as_text=True)
    tables = page_tables(page)
    assert cell(tables, "children-in-care-table", "Dorset", "Per 10,000 children") == "71.0"
    assert cell(tables, "children-in-care-table", "Dorset", "Per 10,000 children, excluding "
                "unaccompanied asylum-seeking children") == "60.1"
    nts = "unaccompanied-children-table"
    assert cell(tables, nts, "Dorset", "Unaccompanied asylum-seeking children") == "72"
    assert cell(tables, nts, "Dorset", "Threshold: 0.1% of children aged 0 to 17") == "66.1"
    assert cell(tables, nts, "Dorset", "Threshold") == "Reached"
    assert "National Transfer Scheme protocol" in page  # the definition


def test_a_dashboards_scope_follows_the_directory_from_the_next_request(app, client, officer):
    """Each process remembers the scope an address names by where the directory stood
    (portal/views/sufficiency.py): a renamed authority is read afresh on the next request, and
    an address naming no authority stays a 404."""
    client.sign_in(officer)
    own = "/sufficiency/authorities/886"
    assert "Kent and Medway" not in client.get(own).get_data(as_text=True)
    assert "Kent and Medway" not in client.get(own).get_data(as_text=True)  # remembered
    services = app.extensions["portal"]
    authority = services.portal.repository.get(authority_id("886"))
    authority.update_details(name="Kent and Medway", actor=Actor.system())
    services.projections.wait_for(services.portal._save(authority))
    page = client.get(own).get_data(as_text=True)
    assert "<h1" in page and "Kent and Medway" in page.split("<h1", 1)[1].split("</h1>", 1)[0]
    assert client.get("/sufficiency/authorities/999").status_code == 404
    assert client.get("/sufficiency/authorities/999").status_code == 404
