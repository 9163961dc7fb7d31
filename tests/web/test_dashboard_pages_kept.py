"""A dashboard page's costly part (its headline and every table's section, rendered) is kept
with the dashboard builds (issue 14): the same page, its htmx refresh and the next reader of
the same view read it as it was rendered; another reader's view, other filters or an event
render it again."""

from __future__ import annotations

from datetime import date

import pytest

from portal.views import sufficiency as views
from tests.conftest import account_for
from tests.web.test_sufficiency_pages import HTMX, page_tables, start_placements


@pytest.fixture
def rendered(monkeypatch) -> list:
    """Every time the sections are rendered: the scope's name and the filters' date."""
    found = []
    real = views._sections

    def counted(c, scope, filters, context):
        found.append((scope.name, filters.on))
        return real(c, scope, filters, context)

    monkeypatch.setattr(views, "_sections", counted)
    return found


def sections(html: str) -> str:
    return html[html.index('id="dashboard-summary"'):]


def test_the_same_page_is_rendered_once_and_read_back_as_it_was(client, rendered):
    client.sign_in(account_for("council_officer", "Kent"))
    first = client.get("/sufficiency/region").get_data(as_text=True)
    again = client.get("/sufficiency/region").get_data(as_text=True)
    partial = client.get("/sufficiency/region", headers=HTMX).get_data(as_text=True)
    assert len(rendered) == 1
    assert sections(again) == sections(first)
    assert page_tables(partial) == page_tables(first)


def test_readers_of_other_authorities_and_other_filters_get_their_own_pages(client, rendered):
    client.sign_in(account_for("council_officer", "Kent"))
    kent = client.get("/sufficiency/region").get_data(as_text=True)
    chosen = client.get("/sufficiency/region?type=other_residential").get_data(as_text=True)
    assert len(rendered) == 2
    # Its CSV links carry its own filters.
    assert "type=other_residential" in chosen and "type=other_residential" not in kent
    client.post_form("/sign-out")
    client.sign_in(account_for("council_officer", "Dorset"))
    client.get("/sufficiency/region")
    assert len(rendered) == 3


def test_an_event_renders_the_page_again(client, app, rendered):
    client.sign_in(account_for("council_officer", "Kent"))
    before = page_tables(client.get("/sufficiency/authorities/886").get_data(as_text=True))
    start_placements(app, "886", 7, date(2026, 1, 5), "kept-page")
    app.extensions["portal"].projections.catch_up()
    after = page_tables(client.get("/sufficiency/authorities/886").get_data(as_text=True))
    assert len(rendered) == 2
    children = [row for row in before["children-in-care-table"] if row[0] == "Kent"]
    assert children != [row for row in after["children-in-care-table"] if row[0] == "Kent"]
