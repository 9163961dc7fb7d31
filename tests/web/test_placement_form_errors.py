"""A placement form names every mistake in one round trip: the form's own (pence in a cost,
a choice left out) with the domain's episode rules (a date in the future, a code not valid in
the start's collection year)."""

from __future__ import annotations

from datetime import date, timedelta

from tests.conftest import account_for
from tests.web.test_placement_pages import record_form


def test_a_first_placement_with_four_mistakes_gets_four_messages_at_once(client):
    client.sign_in(account_for("council_officer", "Kent"))
    tomorrow = date.today() + timedelta(days=1)
    form = record_form("kt-errors-1", tomorrow, weekly_cost="4,557.50", sex="", place="H5")
    response = client.post_form("/placements/new", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Weekly cost must be in whole pounds: pence are not accepted" in page
    assert "Choose the child&#39;s sex" in page or "Choose the child's sex" in page
    assert "The start date cannot be in the future" in page
    assert "H5 is not a valid placement type code for" in page  # dropped from 2025-26
    assert page.count('class="govuk-error-message"') == 4
    # With a start in the past, the other three are still named together.
    form = record_form("kt-errors-1", date(2025, 6, 2), weekly_cost="4,557.50", sex="",
                       place="H5")
    page = client.post_form("/placements/new", form).get_data(as_text=True)
    assert "H5 is not a valid placement type code for 2025-26" in page
    assert "Weekly cost must be in whole pounds" in page
    assert page.count('class="govuk-error-message"') == 3


def test_costs_are_read_as_people_write_them(client):
    client.sign_in(account_for("council_officer", "Kent"))
    response = client.post_form("/placements/new", record_form(
        "kt-errors-2", date(2025, 6, 2), weekly_cost="£4,557"))
    assert response.status_code == 302, response.get_data(as_text=True)


def test_a_contract_with_four_mistakes_gets_four_messages_at_once(client):
    """The contract's own rules (a block buys places, it ends after it starts) and a provider
    not on offer arrive with the form's own error (pence in the price)."""
    from uuid import uuid4

    from tests.web.test_contract_pages import contract_form
    from tests.web.test_placement_pages import date_fields
    client.sign_in(account_for("council_officer", "Kent"))
    page = client.post_form("/contracts/new", contract_form(
        places="", weekly_price="4200.40", provider_id=str(uuid4()),
        **date_fields("end", date(2024, 3, 31)))).get_data(as_text=True)
    assert "A block contract buys between 1 and" in page
    assert "The contract must end after it starts" in page
    assert "Weekly price per place must be in whole pounds: pence are not accepted" in page
    assert "Choose the provider from the list" in page
    assert page.count('class="govuk-error-message"') == 4
