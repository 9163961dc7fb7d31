"""Referrals through the real views: an officer sends a search to a provider, the provider
sees only what the referral shares and offers one of its vacancies, the officer sees the offer
ranked, closes the search to offers and accepts it (a second click changes nothing); another
provider never sees the search, another council gets 404."""

from __future__ import annotations

import re
from datetime import date, timedelta
from uuid import UUID, uuid4

import pytest

from domain.actor import Actor
from tests.conftest import account_for
from tests.html_checks import CheckedClient
from tests.web.test_home_search_pages import draft
from tests.web.test_placement_pages import date_fields

SYSTEM = Actor.system()
# The demo provider's first setting is in Dorset: at a distance from Kent.
DIRECTOR_APPROVAL = {"approver_name": "Jo Director", "approver_role": "director",
                     **date_fields("approved_on", date.today()),
                     "approval_reason": "The only home offered that meets his needs"}


def signed_in(app, account):
    app.test_client_class = CheckedClient
    client = app.test_client()
    client.sign_in(account)
    return client


def open_vacancy(app, provider) -> tuple[str, str]:
    """A new vacancy at one of the provider's settings, and the setting's type."""
    portal = app.extensions["portal"].portal
    setting = next(iter(portal.get_provider(provider.organisation_id).settings.values()))
    vacancy, position = portal.publish_vacancy(
        SYSTEM, provider_id=provider.organisation_id, setting_id=setting.id, age_from=16,
        age_to=17, needs_met=[], weekly_fee=4_900, available_from=date.today())
    app.extensions["portal"].projections.wait_for(position)
    return str(vacancy), setting.setting_type


@pytest.fixture
def sent(app, provider_user):
    """A Kent search for a 16-year-old sent to the provider, which has an open vacancy."""
    kent = signed_in(app, account_for("council_officer", "Kent"))
    vacancy, setting_type = open_vacancy(app, provider_user)
    search_id = draft(kent, placement_types=[setting_type], age="16", needs=[])
    page = kent.get(f"/home-searches/{search_id}/send")
    assert page.status_code == 200 and "Send the home search to providers" in page.text
    tomorrow = date.today() + timedelta(days=1)
    response = kent.post_form(f"/home-searches/{search_id}/send", {
        "provider_ids": [str(provider_user.organisation_id)], "offers_close_time": "17:00",
        **date_fields("offers_close_on", tomorrow)})
    assert response.status_code == 302, response.text[:3000]
    assert response.headers["Location"].endswith(f"/home-searches/{search_id}/offers")
    return kent, search_id, vacancy


def test_sending_without_a_provider_is_refused_on_the_page(app):
    kent = signed_in(app, account_for("council_officer", "Kent"))
    search_id = draft(kent)
    response = kent.post_form(f"/home-searches/{search_id}/send",
                              date_fields("offers_close_on", date.today() - timedelta(days=1)))
    assert response.status_code == 200
    assert "Choose at least one provider" in response.text
    assert "<title>Error: " in response.text


def test_a_provider_offers_and_the_officer_accepts(app, sent, provider_user,
                                                   other_provider_user):
    kent, search_id, vacancy = sent
    child_ref = re.search(r"Offers for child (C[0-9A-Z]{12})",
                          kent.get(f"/home-searches/{search_id}/offers").text).group(1)
    provider = signed_in(app, provider_user)
    listed = provider.get("/referrals/").text
    assert f"/referrals/{search_id}" in listed and "16 and 17" in listed
    page = provider.get(f"/referrals/{search_id}").text
    assert "Home search from Kent" in page and child_ref not in page
    response = provider.post_form(f"/referrals/{search_id}/offer", {
        "vacancy_id": vacancy, "weekly_price": "4850", "notes": "Room ready now",
        **date_fields("start_on", date.today())})
    assert response.status_code == 302, response.text[:3000]
    assert "Offer sent" in provider.get(f"/referrals/{search_id}").text

    other = signed_in(app, other_provider_user)
    assert other.get(f"/referrals/{search_id}").status_code == 404
    assert f"/referrals/{search_id}" not in other.get("/referrals/").text
    dorset = signed_in(app, account_for("council_officer", "Dorset"))
    assert dorset.get(f"/home-searches/{search_id}/offers").status_code == 404
    assert dorset.post_form(f"/home-searches/{search_id}/close-to-offers").status_code == 404

    offers = kent.get(f"/home-searches/{search_id}/offers").text
    assert "1 offer, best first" in offers and "The published weights" in offers
    assert "Room ready now" in offers and "Offered a place" in offers
    assert kent.post_form(f"/home-searches/{search_id}/close-to-offers").status_code == 302
    offer_id = re.search(r'name="offer_id" type="radio" value="([0-9a-f-]{36})"',
                         kent.get(f"/home-searches/{search_id}/offers").text)
    assert offer_id, "the accept form lists the offer"
    form = {"offer_id": offer_id.group(1), "birth_month": "2010-04", "uasc": "no"}
    # The offered home is in Dorset, at a distance from Kent: a planned search's acceptance
    # needs the director's approval (regulation 11), and without it nothing is stored.
    refused = kent.post_form(f"/home-searches/{search_id}/accept", form)
    assert refused.status_code == 400
    assert "needs approval by the director of children&#39;s services" in refused.text
    form = {**form, **DIRECTOR_APPROVAL}
    response = kent.post_form(f"/home-searches/{search_id}/accept", form)
    assert response.status_code == 302, response.text[:3000]
    done = kent.get(f"/home-searches/{search_id}/offers").text
    assert "Offer accepted: the placement has started" in done and "Placed" in done
    assert kent.post_form(f"/home-searches/{search_id}/accept", form).status_code == 302
    own = provider.get(f"/referrals/{search_id}").text
    assert "accepted" in own


def test_a_provider_declines_with_a_reason(app, sent, provider_user):
    _, search_id, _ = sent
    provider = signed_in(app, provider_user)
    refused = provider.post_form(f"/referrals/{search_id}/decline", {"decline_reason": "x"})
    assert refused.status_code == 400 and "Choose why you cannot offer" in refused.text
    response = provider.post_form(f"/referrals/{search_id}/decline",
                                  {"decline_reason": "staffing"})
    assert response.status_code == 302
    assert "You declined this search" in provider.get(f"/referrals/{search_id}").text


def test_accepting_an_offer_of_a_vacancy_taken_meanwhile_says_so_and_changes_nothing(
        app, sent, provider_user):
    kent, first, vacancy = sent
    svc = app.extensions["portal"]
    second = draft(kent, child_id="KT-HS-2", placement_types=[
        svc.portal.get_vacancy(UUID(vacancy)).setting_type], age="16", needs=[])
    tomorrow = date.today() + timedelta(days=1)
    assert kent.post_form(f"/home-searches/{second}/send", {
        "provider_ids": [str(provider_user.organisation_id)],
        **date_fields("offers_close_on", tomorrow)}).status_code == 302
    provider = Actor(uuid4(), provider_user.organisation_id)
    offers = [svc.portal.offer_place(provider, UUID(s), vacancy_id=UUID(vacancy),
                                     weekly_price=4_800, start_on=date.today())[0]
              for s in (first, second)]
    for search in (first, second):
        assert kent.post_form(f"/home-searches/{search}/close-to-offers").status_code == 302
    taken = kent.post_form(f"/home-searches/{first}/accept", {
        "offer_id": str(offers[0]), "birth_month": "2010-04", "uasc": "no",
        **DIRECTOR_APPROVAL})
    assert taken.status_code == 302
    before = svc.portal.last_position()
    refused = kent.post_form(f"/home-searches/{second}/accept", {
        "offer_id": str(offers[1]), "birth_month": "2010-06", "uasc": "no",
        **DIRECTOR_APPROVAL})
    assert refused.status_code == 409
    assert "The offer was not accepted" in refused.text and "taken meanwhile" in refused.text
    assert svc.portal.last_position() == before
    assert "Closed to offers" in kent.get(f"/home-searches/{second}/offers").text
