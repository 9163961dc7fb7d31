"""Optimistic concurrency through every other form that edits an existing record: the form
carries the version it was opened at, and saving over a change made since is refused with
"changed by someone else since you opened it; review and try again", the form shown again with
what was typed, a link to the record as it now is and its new version, and nothing saved.
(Vacancies, placements and home searches: tests/web/test_form_versions.py.)"""

from __future__ import annotations

import re
from datetime import date
from uuid import UUID

from domain.actor import Actor
from portal.form_keys import CHANGED
from tests.web.form_races import KEY
from tests.web.test_contract_pages import kent, record_contract  # noqa: F401 (fixture)
from tests.web.test_placement_pages import date_fields, error_text

VERSION = re.compile(r'name="version" value="(\d+)"')


def opened(client, url: str) -> dict[str, str]:
    """The hidden fields of the form at ``url`` as it is opened now."""
    page = client.get(url).text
    return {"version": VERSION.search(page).group(1), "idempotency_key": KEY.search(page).group(1)}


def refused(client, url: str, fields: dict, keys: dict, what: str, typed: list[str]) -> dict:
    """Send a form opened before someone else's change: it is refused, saying so, with what
    was typed kept; the hidden fields to send it again with (the record's new version)."""
    response = client.post_form(url, {**fields, **keys})
    page = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code in (200, 422), error_text(response)
    assert "<title>Error: " in page
    assert CHANGED.format(what=what) in page
    assert 'href="#record-as-it-is-now"' in page and 'id="record-as-it-is-now"' in page
    for text in typed:
        assert text in page, text
    newer = VERSION.search(page).group(1)
    assert int(newer) > int(keys["version"])
    return {"version": newer, "idempotency_key": KEY.search(page).group(1)}


def portal_of(client):
    return client.application.extensions["portal"]


# --- contracts ---------------------------------------------------------------------------------

def test_varying_a_contract_changed_since_the_form_was_opened_is_refused(kent):  # noqa: F811
    contract = UUID(record_contract(kent))
    svc = portal_of(kent)
    keys = opened(kent, f"/contracts/{contract}/vary")
    svc.projections.wait_for(svc.portal.vary_contract(
        Actor.system(), contract, reason="Price review", weekly_price=4300))
    ours = {"places": "8", "weekly_price": "4350", **date_fields("end", date(2029, 3, 31)),
            "reason": "Two more places agreed"}
    again = refused(kent, f"/contracts/{contract}/vary", ours, keys, "This contract",
                    ['value="8"', 'value="4350"', "Two more places agreed"])
    now = svc.portal.repository.get(contract)
    assert (now.places, now.weekly_price, now.end) == (6, 4300, date(2028, 3, 31))
    saved = kent.post_form(f"/contracts/{contract}/vary", {**ours, **again})
    assert saved.status_code == 302, error_text(saved)
    assert svc.portal.repository.get(contract).weekly_price == 4350


def test_terminating_a_contract_changed_since_the_form_was_opened_is_refused(kent):  # noqa: F811
    contract = UUID(record_contract(kent))
    svc = portal_of(kent)
    keys = opened(kent, f"/contracts/{contract}/terminate")
    svc.projections.wait_for(svc.portal.vary_contract(
        Actor.system(), contract, reason="Ends sooner", end=date(2027, 3, 31)))
    refused(kent, f"/contracts/{contract}/terminate",
            {**date_fields("on", date(2026, 1, 1)), "reason": "Provider closed the home"},
            keys, "This contract", ['value="2026"', "Provider closed the home"])
    assert svc.portal.repository.get(contract).terminated_on is None


# --- targets -----------------------------------------------------------------------------------

def test_targets_changed_since_the_form_was_opened_are_not_saved_over(kent, officer):  # noqa: F811
    svc = portal_of(kent)
    keys = opened(kent, "/targets/")
    svc.projections.wait_for(svc.portal.set_targets(
        Actor.system(), officer.organisation_id, targets={"children_per_10k": 62.0},
        reason="Cabinet's figure"))
    ours = {"children_per_10k": "58", "out_of_area_pct": "25", "reason": "Our own figure"}
    again = refused(kent, "/targets/", ours, keys, "Your authority's record",
                    ['value="58"', 'value="25"', "Our own figure"])
    authority = svc.portal.repository.get(officer.organisation_id)
    assert authority.targets == {"children_per_10k": 62.0}
    assert kent.post_form("/targets/", {**ours, **again}).status_code == 302
    assert svc.portal.repository.get(officer.organisation_id).targets == {
        "children_per_10k": 58.0, "out_of_area_pct": 25.0}


# --- identity providers ------------------------------------------------------------------------

def test_an_identity_provider_changed_since_the_form_was_opened_is_not_saved_over(client):
    from domain.account import account_id
    from domain.identity_provider import identity_provider_id
    from tests.conftest import account_for
    from tests.web.test_oidc_admin import form_for

    admin = account_for("platform_admin")
    client.sign_in(admin)
    svc = portal_of(client)
    council = account_for("council_officer", "Kent")
    idp = identity_provider_id(council.organisation_id)
    assert client.post_form("/admin/identity-providers/new",
                            form_for(council)).status_code == 302
    keys = opened(client, f"/admin/identity-providers/{idp}/change")
    svc.projections.wait_for(svc.portal.change_identity_provider(
        Actor(user_id=account_id(admin.email), organisation_id=admin.organisation_id), idp,
        reason="Renamed", display_name="Kent CC"))
    ours = {**form_for(council), "client_id": "our-new-client", "reason": "New registration"}
    again = refused(client, f"/admin/identity-providers/{idp}/change", ours, keys,
                    "This identity provider", ['value="our-new-client"', "New registration"])
    provider = svc.portal.get_identity_provider(idp)
    assert (provider.display_name, provider.client_id) == (
        "Kent CC", "6731de76-14a6-49ae-97bc-6eba6914391e")
    assert client.post_form(f"/admin/identity-providers/{idp}/change",
                            {**ours, **again}).status_code == 302
    assert svc.portal.get_identity_provider(idp).client_id == "our-new-client"


# --- a provider's contact ----------------------------------------------------------------------

def test_a_provider_contact_changed_since_the_form_was_opened_is_not_saved_over(
        client, provider_user):
    client.sign_in(provider_user)
    svc = portal_of(client)
    keys = opened(client, "/our-contact/")
    svc.projections.wait_for(svc.portal.set_provider_contact(
        Actor.system(), provider_user.organisation_id, name="Sam Okafor",
        phone="01632 960 001", email="sam.okafor@provider.example.org"))
    ours = {"contact_name": "Ade Bello", "contact_phone": "01632 960 002",
            "contact_email": "ade.bello@provider.example.org", "reason": "Sam has left"}
    again = refused(client, "/our-contact/", ours, keys, "Your organisation's record",
                    ['value="Ade Bello"', 'value="01632 960 002"'])
    assert svc.portal.repository.get(provider_user.organisation_id).contact["name"] == \
        "Sam Okafor"
    assert client.post_form("/our-contact/", {**ours, **again}).status_code == 302
    assert svc.portal.repository.get(provider_user.organisation_id).contact["name"] == \
        "Ade Bello"


# --- an out-of-area placement's approval -------------------------------------------------------

def test_an_approval_for_a_record_changed_since_the_form_was_opened_is_refused(
        kent, officer):  # noqa: F811
    from datetime import timedelta

    from domain.account import account_id
    from tests.web.test_out_of_area_pages import RECORD_LINK, director, in_west_sussex
    from tests.web.test_placement_pages import CHILD_PAGE

    svc = portal_of(kent)
    done = kent.post_form("/placements/new", in_west_sussex(
        "OA-VERSION", date.today() - timedelta(days=1), urgency="emergency"))
    assert done.status_code == 302, error_text(done)
    child = CHILD_PAGE.match(done.headers["Location"]).group(1)
    listing = kent.get("/out-of-area/").text
    record = UUID(RECORD_LINK.search(listing[listing.index(child):]).group(1))
    keys = opened(kent, f"/out-of-area/{record}/approval")
    # A colleague sends the host authority its consultation meanwhile.
    svc.projections.wait_for(svc.portal.notify_host_authority(
        Actor(user_id=account_id(officer.email), organisation_id=officer.organisation_id),
        record))
    ours = director(date.today())
    again = refused(kent, f"/out-of-area/{record}/approval", ours, keys,
                    "This out-of-area placement",
                    ['value="Jo Director"', "The only home able to meet his needs"])
    assert svc.portal.repository.get(record).approval is None
    assert kent.post_form(f"/out-of-area/{record}/approval",
                          {**ours, **again}).status_code == 302
    assert svc.portal.repository.get(record).approval is not None


# --- at once -----------------------------------------------------------------------------------

def vary_form(price: int, version: str) -> dict[str, str]:
    return {"places": "6", "weekly_price": str(price), **date_fields("end", date(2028, 3, 31)),
            "reason": f"Agreed at {price}", "version": version}


def test_five_officers_varying_one_contract_at_once_one_wins_in_threads(app, client, officer):
    from collections import Counter

    from tests.web.test_version_clashes import all_at_once, signed_in_clients

    client.sign_in(officer)
    contract = record_contract(client)
    version = opened(client, f"/contracts/{contract}/vary")["version"]
    clients, csrf = signed_in_clients(app, client, officer, 5)
    responses = all_at_once(5, lambda i: clients[i].post(
        f"/contracts/{contract}/vary", data={**vary_form(5000 + i, version),
                                            "idempotency_key": f"thread-{i}",
                                            "csrf_token": csrf}))
    assert not [r for r in responses if isinstance(r, Exception)], responses
    assert Counter(r.status_code for r in responses) == {302: 1, 200: 4}
    for i, response in enumerate(responses):
        if response.status_code == 200:
            page = response.get_data(as_text=True).replace("&#39;", "'")
            assert CHANGED.format(what="This contract") in page
            assert f'value="{5000 + i}"' in page
    winner = next(i for i, r in enumerate(responses) if r.status_code == 302)
    now = portal_of(client).portal.repository.get(UUID(contract))
    assert (now.version, now.weekly_price) == (2, 5000 + winner)


# --- places in development ---------------------------------------------------------------------

def test_a_scheme_changed_since_the_form_was_opened_is_not_saved_over(client):
    from domain.account import account_id
    from tests.conftest import account_for
    from tests.web.test_supply_pages import scheme_form

    dorset = account_for("council_officer", "Dorset")
    client.sign_in(dorset)
    svc = portal_of(client)
    done = client.post_form("/developments/new", scheme_form(client))
    assert done.status_code == 302, error_text(done)
    url = done.headers["Location"]
    scheme = UUID(url.rsplit("/", 1)[1])
    keys = opened(client, url + "/change")
    svc.projections.wait_for(svc.portal.change_development(
        Actor(user_id=account_id(dorset.email), organisation_id=dorset.organisation_id),
        authority_id=dorset.organisation_id, development_id=scheme, reason="Smaller site",
        places=3))
    ours = scheme_form(client, places="6", reason="A sixth bedroom")
    again = refused(client, url + "/change", ours, keys, "This scheme",
                    ['value="6"', "A sixth bedroom"])
    assert svc.portal.repository.get(scheme).places == 3
    assert client.post_form(url + "/change", {**ours, **again}).status_code == 302
    assert svc.portal.repository.get(scheme).places == 6


def test_turning_off_an_identity_provider_changed_since_the_page_was_opened_is_refused(
        client):
    from domain.account import account_id
    from domain.identity_provider import identity_provider_id
    from tests.conftest import account_for
    from tests.web.test_oidc_admin import form_for

    admin = account_for("platform_admin")
    client.sign_in(admin)
    svc = portal_of(client)
    council = account_for("council_officer", "Kent")
    idp = identity_provider_id(council.organisation_id)
    assert client.post_form("/admin/identity-providers/new",
                            form_for(council)).status_code == 302
    keys = opened(client, f"/admin/identity-providers/{idp}")
    svc.projections.wait_for(svc.portal.change_identity_provider(
        Actor(user_id=account_id(admin.email), organisation_id=admin.organisation_id), idp,
        reason="New domain", allowed_domains=["kent.example.org", "kent.example.com"]))
    response = client.post_form(f"/admin/identity-providers/{idp}/disable",
                                {"reason": "Moving to a new tenant", **keys})
    page = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 400
    assert CHANGED.format(what="This identity provider") in page
    assert "kent.example.com" in page and "Moving to a new tenant" in page
    assert not svc.portal.get_identity_provider(idp).disabled
    newer = VERSION.search(page).group(1)
    assert int(newer) > int(keys["version"])
    assert client.post_form(f"/admin/identity-providers/{idp}/disable", {
        "reason": "Moving to a new tenant", "version": newer,
        "idempotency_key": KEY.search(page).group(1)}).status_code == 302
    assert svc.portal.get_identity_provider(idp).disabled
