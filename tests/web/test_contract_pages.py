"""An authority's contracts and targets through the real views."""

from __future__ import annotations

import re
import uuid
from datetime import date

import pytest

from domain.actor import Actor
from domain.organisation import authority_id
from tests.conftest import account_for
from tests.web.test_placement_pages import date_fields, demo_setting, error_text, field_error

DORSET = authority_id("838")


def contract_form(**overrides) -> dict[str, str]:
    pid, _, _ = demo_setting("886")
    return {"title": "Kent residential block 2025-28", "provider_id": str(pid),
            "route": "block", "setting_type": "childrens_home", "places": "6",
            "weekly_price": "4200", **date_fields("start", date(2025, 4, 1)),
            **date_fields("end", date(2028, 3, 31)), **overrides}


@pytest.fixture
def kent(client, officer):
    client.sign_in(officer)
    return client


def record_contract(kent, **overrides) -> str:
    response = kent.post_form("/contracts/new", contract_form(**overrides))
    assert response.status_code == 302, error_text(response)
    return response.headers["Location"].rsplit("/", 1)[1]


def test_record_vary_and_terminate_a_contract(kent):
    contract_id = record_contract(kent)
    listing = kent.get("/contracts/").get_data(as_text=True)
    assert "Kent residential block 2025-28" in listing
    assert "Block contract" in listing and "£4,200" in listing
    assert "1 April 2025 to 31 March 2028" in listing and "Active" in listing

    unchanged = kent.post_form(f"/contracts/{contract_id}/vary", {
        "places": "6", "weekly_price": "4200", **date_fields("end", date(2028, 3, 31)),
        "reason": "review"})
    assert field_error(unchanged.get_data(as_text=True), "weekly_price").startswith(
        "Nothing has changed")
    no_reason = kent.post_form(f"/contracts/{contract_id}/vary", {
        "places": "8", "weekly_price": "4200", **date_fields("end", date(2028, 3, 31))})
    page = no_reason.get_data(as_text=True)
    assert field_error(page, "reason") == "Say why the contract is being varied"
    assert 'value="8"' in page
    varied = kent.post_form(f"/contracts/{contract_id}/vary", {
        "places": "8", "weekly_price": "4350", **date_fields("end", date(2029, 3, 31)),
        "reason": "Two more places agreed"})
    assert varied.status_code == 302, error_text(varied)
    shown = kent.get(f"/contracts/{contract_id}").get_data(as_text=True)
    assert "Contract varied" in shown and "£4,350" in shown and "31 March 2029" in shown
    assert re.search(r"Places\s*</dt>\s*<dd[^>]*>\s*8\s*</dd>", shown)

    outside = kent.post_form(f"/contracts/{contract_id}/terminate", {
        **date_fields("on", date(2030, 1, 1)), "reason": "Provider closed the home"})
    assert field_error(outside.get_data(as_text=True), "on") == (
        "The termination date must fall within the contract&#39;s term")
    ended = kent.post_form(f"/contracts/{contract_id}/terminate", {
        **date_fields("on", date(2026, 1, 1)), "reason": "Provider closed the home"})
    assert ended.status_code == 302, error_text(ended)
    shown = kent.get(f"/contracts/{contract_id}").get_data(as_text=True)
    assert "Terminated" in shown and "1 January 2026" in shown
    assert "Vary the contract" not in shown
    again = kent.post_form(f"/contracts/{contract_id}/vary", {
        "places": "9", "weekly_price": "4350", **date_fields("end", date(2029, 3, 31)),
        "reason": "more"})
    assert field_error(again.get_data(as_text=True), "reason") == (
        "This contract has been terminated")


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"title": ""}, "title", "Enter the contract's title"),
    ({"provider_id": ""}, "provider_id", "Choose the provider"),
    ({"provider_id": str(uuid.uuid4())}, "provider_id", "Choose the provider from the list"),
    ({"route": "in_house"}, "route", "Choose the contract route from the list"),
    ({"places": ""}, "places", "A block contract buys between 1 and 500 places"),
    ({"weekly_price": "0"}, "weekly_price", "Weekly price per place must be between £1 and "
                                            "£50,000"),
    ({**date_fields("end", date(2025, 1, 1))}, "end", "The contract must end after it starts"),
    ({"end-day": "40"}, "end", "End date must be a real date"),
])
def test_bad_contracts_are_refused_beside_their_field(kent, overrides, field, message):
    response = kent.post_form("/contracts/new", contract_form(**overrides))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert field_error(page, field) == message.replace("'", "&#39;")
    assert "<title>Error: Record a contract" in page
    assert 'value="4200"' in page or field == "weekly_price"  # what was typed is kept
    assert "Kent residential block" not in kent.get("/contracts/").get_data(as_text=True)


def test_another_authoritys_contract_is_not_found(app, kent):
    svc = app.extensions["portal"]
    pid, _, _ = demo_setting("838")
    theirs, position = svc.portal.record_contract(
        Actor(user_id=uuid.uuid4(), organisation_id=DORSET), authority_id=DORSET,
        provider_id=pid, route="block", title="Dorset homes block", setting_type="childrens_home",
        places=3, weekly_price=4000, start=date(2024, 4, 1), end=date(2027, 3, 31))
    svc.projections.wait_for(position)
    assert "Dorset homes block" not in kent.get("/contracts/").get_data(as_text=True)
    assert kent.get(f"/contracts/{theirs}").status_code == 404
    for path in (f"/contracts/{theirs}/vary", f"/contracts/{theirs}/terminate"):
        assert kent.get(path).status_code == 404
        assert kent.post_form(path, {"reason": "x", **date_fields("on", date(2025, 1, 1))}
                              ).status_code == 404


def test_targets_are_set_and_shown_for_the_officers_own_authority(kent, client):
    page = kent.get("/targets/").get_data(as_text=True)
    assert "Children in care per 10,000 children" in page
    saved = kent.post_form("/targets/", {"children_per_10k": "60", "out_of_area_pct": "30",
                                         "reason": "Sufficiency strategy 2024"})
    assert saved.status_code == 302, error_text(saved)
    page = kent.get("/targets/").get_data(as_text=True)
    assert "Targets saved" in page
    assert 'value="60"' in page and 'value="30"' in page
    removed = kent.post_form("/targets/", {"children_per_10k": "55", "out_of_area_pct": ""})
    assert removed.status_code == 302
    page = kent.get("/targets/").get_data(as_text=True)
    assert 'value="55"' in page and 'value="30"' not in page

    for values, field, message in (
            ({"out_of_area_pct": "150"}, "out_of_area_pct",
             "Percentage placed outside the authority's area must be between 0 and 100"),
            ({"children_per_10k": "lots"}, "children_per_10k",
             "Children in care per 10,000 children must be a number")):
        bad = kent.post_form("/targets/", values)
        page = bad.get_data(as_text=True)
        assert field_error(page, field) == message.replace("'", "&#39;")
        assert "<title>Error: Sufficiency targets" in page
    assert 'value="55"' in kent.get("/targets/").get_data(as_text=True)  # nothing stored

    client.post_form("/sign-out")
    client.sign_in(account_for("council_officer", "Dorset"))
    assert 'value="55"' not in client.get("/targets/").get_data(as_text=True)
