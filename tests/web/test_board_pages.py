"""Vacancy pages that lead somewhere, through the real views: a provider names its contact
(every error at once) and councils see it on each vacancy with the setting's Ofsted URN; an
officer sees the distance from one of their own searches ("not known", never 0) and asks the
vacancy's provider for the place; the provider sees which place was asked for and offers this
vacancy from its own vacancy page. Who may do what."""

from __future__ import annotations

import re
from datetime import date, timedelta
from uuid import uuid4

import pytest

from tests.conftest import account_for
from tests.web.test_home_search_pages import draft
from tests.web.test_placement_pages import date_fields
from tests.web.test_referral_pages import open_vacancy, signed_in

CONTACT = {"contact_name": "Sam Okafor", "contact_phone": "01632 960 001",
           "contact_email": "sam.okafor@provider.example.org"}


def test_a_provider_names_its_contact_and_councils_see_it_on_each_vacancy(app, provider_user):
    provider = signed_in(app, provider_user)
    page = provider.get("/our-contact/")
    assert page.status_code == 200 and "You have not named a contact yet" in page.text
    refused = provider.post_form("/our-contact/", {"contact_name": "", "contact_phone": "123",
                                                   "contact_email": "sam@"})
    assert refused.status_code == 200 and "<title>Error: " in refused.text
    for message in ("Enter the contact&#39;s name", "Enter a UK telephone number",
                    "Enter an email address in the correct format"):
        assert message in refused.text, message
    saved = provider.post_form("/our-contact/", CONTACT)
    assert saved.status_code == 302
    assert "Sam Okafor" in provider.get("/our-contact/").text
    vacancy, _ = open_vacancy(app, provider_user)
    kent = signed_in(app, account_for("council_officer", "Kent"))
    page = kent.get(f"/vacancies/{vacancy}").text
    assert "Sam Okafor" in page and 'href="tel:01632960001"' in page
    assert 'href="mailto:sam.okafor%40provider.example.org"' in page
    assert "Ofsted URN" in page


@pytest.mark.parametrize("role", ["council_officer", "auditor", "platform_admin"])
def test_only_providers_name_a_contact(app, role):
    client = signed_in(app, account_for(role))
    assert client.get("/our-contact/").status_code == 403
    assert client.post_form("/our-contact/", CONTACT).status_code == 403


def test_the_distance_from_a_chosen_search_and_not_known_never_zero(app, provider_user):
    vacancy, setting_type = open_vacancy(app, provider_user)
    kent = signed_in(app, account_for("council_officer", "Kent"))
    near = draft(kent, placement_types=[setting_type], age="16", needs=[])
    unknown = draft(kent, placement_types=[setting_type], age="16", needs=[],
                    family_district="ZZ99")
    page = kent.get(f"/vacancies/{vacancy}?search_id={near}").text
    assert re.search(r"[\d.]+ miles from the family's district ME14", page)
    page = kent.get(f"/vacancies/{vacancy}?search_id={unknown}").text
    assert "Distance not known" in page and " 0 miles" not in page and "0.0 miles" not in page
    # Another council's search, a missing one and junk read alike.
    dorset = signed_in(app, account_for("council_officer", "Dorset"))
    for other in (near, uuid4(), "junk"):
        page = dorset.get(f"/vacancies/{vacancy}?search_id={other}")
        assert page.status_code == 200
        assert "Choose one of your authority&#39;s open home searches" in page.text
        assert "miles from" not in page.text


def test_an_officer_asks_for_a_place_and_the_provider_offers_it(app, provider_user):
    vacancy, setting_type = open_vacancy(app, provider_user)
    kent = signed_in(app, account_for("council_officer", "Kent"))
    search_id = draft(kent, placement_types=[setting_type], age="16", needs=[])
    # A draft needs the offers deadline: every problem named, nothing stored.
    refused = kent.post_form(f"/vacancies/{vacancy}/ask", {"search_id": search_id})
    assert refused.status_code == 400 and "Enter the date offers close" in refused.text
    assert kent.post_form(f"/vacancies/{vacancy}/ask", {}).status_code == 400
    tomorrow = date.today() + timedelta(days=1)
    asked = kent.post_form(f"/vacancies/{vacancy}/ask", {
        "search_id": search_id, **date_fields("offers_close_on", tomorrow)})
    assert asked.status_code == 302
    assert asked.headers["Location"].endswith(f"/home-searches/{search_id}/offers")
    page = kent.get(f"/vacancies/{vacancy}").text
    assert "You have asked for this place for 1 of your home searches" in page
    provider = signed_in(app, provider_user)
    own = provider.get(f"/our-vacancies/{vacancy}").text
    link = f"/referrals/{search_id}?vacancy_id={vacancy}"
    assert link in own and "the council asked for this place" in own
    referral = provider.get(link).text
    assert "Kent asked for this place" in referral
    assert re.search(rf'<option value="{vacancy}" selected', referral)
    offered = provider.post_form(f"/referrals/{search_id}/offer", {
        "vacancy_id": vacancy, "weekly_price": "4900", **date_fields("start_on", date.today())})
    assert offered.status_code == 302
    assert link not in provider.get(f"/our-vacancies/{vacancy}").text  # offered already


def test_asking_is_for_officers_and_an_unlisted_vacancy_is_missing(app, provider_user):
    vacancy, _ = open_vacancy(app, provider_user)
    kent = signed_in(app, account_for("council_officer", "Kent"))
    assert kent.post_form(f"/vacancies/{uuid4()}/ask", {}).status_code == 404
    for role in ("provider_user", "auditor", "platform_admin"):
        client = signed_in(app, account_for(role))
        assert client.post_form(f"/vacancies/{vacancy}/ask", {}).status_code == 403
