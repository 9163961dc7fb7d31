"""Optimistic concurrency through every other form that edits an existing record: the form
carries the version it was opened at, and saving over a change made since is refused with
"changed by someone else since you opened it; review and try again", the form shown again with
what was typed, a link to the record as it now is and its new version, and nothing saved.
(Vacancies, placements and home searches: tests/web/test_form_versions.py.)"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import pytest
from flask.testing import FlaskClient

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


# --- each form: opened, changed by someone else, refused, sent again ------------------------------

@dataclass(frozen=True)
class Race:
    """One form that edits an existing record, with its record made and its user signed in:
    someone else's change to the record, what our user types, how the refusal names the
    record and what of ours it shows again; and the record as it must stand after the refusal
    (theirs only) and after sending the form again (ours, or None where that is not tried)."""

    client: FlaskClient
    url: str
    what: str
    ours: dict
    typed: list[str]
    theirs: Callable[[], int]
    as_theirs: Callable[[], None]
    as_ours: Callable[[], None] | None = None


def contract_variation(request) -> Race:
    client = request.getfixturevalue("kent")
    svc = portal_of(client)
    contract = UUID(record_contract(client))

    def as_theirs():
        now = svc.portal.repository.get(contract)
        assert (now.places, now.weekly_price, now.end) == (6, 4300, date(2028, 3, 31))

    def as_ours():
        assert svc.portal.repository.get(contract).weekly_price == 4350

    return Race(client, f"/contracts/{contract}/vary", "This contract",
                {"places": "8", "weekly_price": "4350", **date_fields("end", date(2029, 3, 31)),
                 "reason": "Two more places agreed"},
                ['value="8"', 'value="4350"', "Two more places agreed"],
                lambda: svc.portal.vary_contract(Actor.system(), contract,
                                                 reason="Price review", weekly_price=4300),
                as_theirs, as_ours)


def contract_termination(request) -> Race:
    client = request.getfixturevalue("kent")
    svc = portal_of(client)
    contract = UUID(record_contract(client))

    def as_theirs():
        assert svc.portal.repository.get(contract).terminated_on is None

    return Race(client, f"/contracts/{contract}/terminate", "This contract",
                {**date_fields("on", date(2026, 1, 1)), "reason": "Provider closed the home"},
                ['value="2026"', "Provider closed the home"],
                lambda: svc.portal.vary_contract(Actor.system(), contract, reason="Ends sooner",
                                                 end=date(2027, 3, 31)),
                as_theirs)


def targets(request) -> Race:
    client, officer = request.getfixturevalue("kent"), request.getfixturevalue("officer")
    svc = portal_of(client)

    def as_theirs():
        authority = svc.portal.repository.get(officer.organisation_id)
        assert authority.targets == {"children_per_10k": 62.0}

    def as_ours():
        assert svc.portal.repository.get(officer.organisation_id).targets == {
            "children_per_10k": 58.0, "out_of_area_pct": 25.0}

    return Race(client, "/targets/", "Your authority's record",
                {"children_per_10k": "58", "out_of_area_pct": "25", "reason": "Our own figure"},
                ['value="58"', 'value="25"', "Our own figure"],
                lambda: svc.portal.set_targets(
                    Actor.system(), officer.organisation_id,
                    targets={"children_per_10k": 62.0}, reason="Cabinet's figure"),
                as_theirs, as_ours)


def registered_identity_provider(client):
    """A platform administrator signed in on ``client``, having registered Kent's identity
    provider: the administrator acting, the provider's id and the council's account."""
    from domain.account import account_id
    from domain.identity_provider import identity_provider_id
    from tests.conftest import account_for
    from tests.web.test_oidc_admin import form_for

    admin = account_for("platform_admin")
    client.sign_in(admin)
    council = account_for("council_officer", "Kent")
    idp = identity_provider_id(council.organisation_id)
    assert client.post_form("/admin/identity-providers/new",
                            form_for(council)).status_code == 302
    return Actor(user_id=account_id(admin.email), organisation_id=admin.organisation_id), idp, \
        council


def identity_provider(request) -> Race:
    from tests.web.test_oidc_admin import form_for

    client = request.getfixturevalue("client")
    svc = portal_of(client)
    admin, idp, council = registered_identity_provider(client)

    def as_theirs():
        provider = svc.portal.get_identity_provider(idp)
        assert (provider.display_name, provider.client_id) == (
            "Kent CC", "6731de76-14a6-49ae-97bc-6eba6914391e")

    def as_ours():
        assert svc.portal.get_identity_provider(idp).client_id == "our-new-client"

    return Race(client, f"/admin/identity-providers/{idp}/change", "This identity provider",
                {**form_for(council), "client_id": "our-new-client",
                 "reason": "New registration"},
                ['value="our-new-client"', "New registration"],
                lambda: svc.portal.change_identity_provider(admin, idp, reason="Renamed",
                                                            display_name="Kent CC"),
                as_theirs, as_ours)


def provider_contact(request) -> Race:
    client, provider_user = (request.getfixturevalue("client"),
                             request.getfixturevalue("provider_user"))
    client.sign_in(provider_user)
    svc = portal_of(client)

    def contact_name():
        return svc.portal.repository.get(provider_user.organisation_id).contact["name"]

    def as_theirs():
        assert contact_name() == "Sam Okafor"

    def as_ours():
        assert contact_name() == "Ade Bello"

    return Race(client, "/our-contact/", "Your organisation's record",
                {"contact_name": "Ade Bello", "contact_phone": "01632 960 002",
                 "contact_email": "ade.bello@provider.example.org", "reason": "Sam has left"},
                ['value="Ade Bello"', 'value="01632 960 002"'],
                lambda: svc.portal.set_provider_contact(
                    Actor.system(), provider_user.organisation_id, name="Sam Okafor",
                    phone="01632 960 001", email="sam.okafor@provider.example.org"),
                as_theirs, as_ours)


def out_of_area_approval(request) -> Race:
    """A colleague sends the host authority its consultation meanwhile."""
    from datetime import timedelta

    from domain.account import account_id
    from tests.web.test_out_of_area_pages import RECORD_LINK, director, in_west_sussex
    from tests.web.test_placement_pages import CHILD_PAGE

    client, officer = request.getfixturevalue("kent"), request.getfixturevalue("officer")
    svc = portal_of(client)
    done = client.post_form("/placements/new", in_west_sussex(
        "OA-VERSION", date.today() - timedelta(days=1), urgency="emergency"))
    assert done.status_code == 302, error_text(done)
    child = CHILD_PAGE.match(done.headers["Location"]).group(1)
    listing = client.get("/out-of-area/").text
    record = UUID(RECORD_LINK.search(listing[listing.index(child):]).group(1))

    def as_theirs():
        assert svc.portal.repository.get(record).approval is None

    def as_ours():
        assert svc.portal.repository.get(record).approval is not None

    return Race(client, f"/out-of-area/{record}/approval", "This out-of-area placement",
                director(date.today()),
                ['value="Jo Director"', "The only home able to meet his needs"],
                lambda: svc.portal.notify_host_authority(
                    Actor(user_id=account_id(officer.email),
                          organisation_id=officer.organisation_id), record),
                as_theirs, as_ours)


def development_scheme(request) -> Race:
    from domain.account import account_id
    from tests.conftest import account_for
    from tests.web.test_supply_pages import scheme_form

    client = request.getfixturevalue("client")
    dorset = account_for("council_officer", "Dorset")
    client.sign_in(dorset)
    svc = portal_of(client)
    done = client.post_form("/developments/new", scheme_form(client))
    assert done.status_code == 302, error_text(done)
    url = done.headers["Location"]
    scheme = UUID(url.rsplit("/", 1)[1])

    def as_theirs():
        assert svc.portal.repository.get(scheme).places == 3

    def as_ours():
        assert svc.portal.repository.get(scheme).places == 6

    return Race(client, url + "/change", "This scheme",
                scheme_form(client, places="6", reason="A sixth bedroom"),
                ['value="6"', "A sixth bedroom"],
                lambda: svc.portal.change_development(
                    Actor(user_id=account_id(dorset.email),
                          organisation_id=dorset.organisation_id),
                    authority_id=dorset.organisation_id, development_id=scheme,
                    reason="Smaller site", places=3),
                as_theirs, as_ours)


def race_is_refused_then_saved(race: Race) -> None:
    """The form opened before their change is refused and nothing of ours is saved; sent
    again with the record's new version, ours is saved over theirs."""
    keys = opened(race.client, race.url)
    portal_of(race.client).projections.wait_for(race.theirs())
    again = refused(race.client, race.url, race.ours, keys, race.what, race.typed)
    race.as_theirs()
    if race.as_ours is not None:
        saved = race.client.post_form(race.url, {**race.ours, **again})
        assert saved.status_code == 302, error_text(saved)
        race.as_ours()


@pytest.mark.parametrize("form", [
    contract_variation, contract_termination, targets, identity_provider, provider_contact,
    out_of_area_approval, development_scheme], ids=lambda form: form.__name__)
def test_a_form_changed_since_it_was_opened_is_refused_and_loses_nothing(request, form):
    race_is_refused_then_saved(form(request))


def test_turning_off_an_identity_provider_changed_since_the_page_was_opened_is_refused(
        client):
    svc = portal_of(client)
    admin, idp, _council = registered_identity_provider(client)
    keys = opened(client, f"/admin/identity-providers/{idp}")
    svc.projections.wait_for(svc.portal.change_identity_provider(
        admin, idp, reason="New domain",
        allowed_domains=["kent.example.org", "kent.example.com"]))
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


# --- at once -----------------------------------------------------------------------------------

def vary_form(price: int, version: str) -> dict[str, str]:
    return {"places": "6", "weekly_price": str(price), **date_fields("end", date(2028, 3, 31)),
            "reason": f"Agreed at {price}", "version": version}


def five_vary_at_once(app, client, officer, contract: str, version: str) -> int:
    """Five officers send the contract's variation form, all opened at ``version``, at once in
    threads: one is saved, each other is told it changed since and keeps what it typed. Which
    of them was saved (its price is 5000 and that)."""
    from collections import Counter

    from tests.web.test_version_clashes import all_at_once, signed_in_clients

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
    return next(i for i, r in enumerate(responses) if r.status_code == 302)


def test_five_officers_varying_one_contract_at_once_one_wins_in_threads(app, client, officer):
    client.sign_in(officer)
    contract = record_contract(client)
    version = opened(client, f"/contracts/{contract}/vary")["version"]
    winner = five_vary_at_once(app, client, officer, contract, version)
    now = portal_of(client).portal.repository.get(UUID(contract))
    assert (now.version, now.weekly_price) == (2, 5000 + winner)
