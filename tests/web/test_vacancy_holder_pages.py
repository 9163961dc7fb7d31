"""A vacancy held for, or filled by, a council's home search, through the real views: the
provider holds the place for a search sent to it (chosen from a list; bad choices refused with
nothing stored) and sees the council's name only; that council still reads the vacancy ("Held
for your search", listed on its home searches page; "Filled by your placement", the child's
page linking back to the vacancy), while another council gets 404 for it."""

from __future__ import annotations

import re
from datetime import date
from uuid import uuid4

from tests.conftest import account_for
from tests.web.test_placement_pages import date_fields
from tests.web.test_referral_pages import (
    DIRECTOR_APPROVAL,
    sent,  # noqa: F401
    signed_in,
)


def _child_ref(kent, search_id: str) -> str:
    return re.search(r"Offers for child (C[0-9A-Z]{12})",
                     kent.get(f"/home-searches/{search_id}/offers").text).group(1)


def _status(page: str) -> str:
    return re.search(r'id="vacancy-status">([^<]*)<', page).group(1)


def test_a_provider_holds_a_place_for_a_search_and_only_that_council_still_sees_it(
        app, sent, provider_user):  # noqa: F811
    kent, search_id, vacancy = sent
    child_ref = _child_ref(kent, search_id)
    provider = signed_in(app, provider_user)
    own = provider.get(f"/our-vacancies/{vacancy}").text
    assert f'<option value="{search_id}">The search from Kent' in own
    # A choice that is not a search, or not one sent to this provider: refused, nothing held.
    for choice, message in (("junk", "Choose one of the home searches sent to you"),
                            (str(uuid4()), "Choose one of the home searches sent to you"),
                            ("", "Enter the home search reference, or choose one of the")):
        refused = provider.post_form(f"/our-vacancies/{vacancy}/hold",
                                     {"home_search_id": choice})
        assert refused.status_code == 422 and message in refused.text, choice
        assert "<title>Error: " in refused.text
    assert _status(provider.get(f"/our-vacancies/{vacancy}").text) == "Available"

    held = provider.post_form(f"/our-vacancies/{vacancy}/hold",
                              {"home_search_id": search_id, "reason": "Room kept"})
    assert held.status_code == 302
    own = provider.get(f"/our-vacancies/{vacancy}").text
    assert re.match(r"On hold for a home search from Kent", _status(own))
    assert child_ref not in own  # the authority's name only, never the child
    assert f'held for <a class="govuk-link" href="/referrals/{search_id}">the home search ' \
        "from Kent" in own
    listed = provider.get("/our-vacancies/").text
    assert "On hold</strong> for Kent" in listed and child_ref not in listed

    page = kent.get(f"/vacancies/{vacancy}")
    assert page.status_code == 200
    assert "Held for your search" in page.text
    assert f'href="/home-searches/{search_id}">child {child_ref}</a>' in page.text
    assert "Ask for this place" not in page.text  # not on the board while held
    assert kent.post_form(f"/vacancies/{vacancy}/ask", {"search_id": search_id}) \
        .status_code == 404
    assert f'href="/vacancies/{vacancy}">a vacancy at' in kent.get(
        f"/home-searches/{search_id}").text
    searches = kent.get("/home-searches/").text
    assert "Vacancies held for your searches" in searches
    assert f'href="/vacancies/{vacancy}"' in searches
    assert vacancy not in kent.get("/vacancies/").text  # the board lists available ones

    dorset = signed_in(app, account_for("council_officer", "Dorset"))
    assert dorset.get(f"/vacancies/{vacancy}").status_code == 404
    assert f"/vacancies/{vacancy}" not in dorset.get("/home-searches/").text

    # Released: back on the board for every council, and off Kent's held list.
    assert provider.post_form(f"/our-vacancies/{vacancy}/release").status_code == 302
    assert "Held for your search" not in kent.get(f"/vacancies/{vacancy}").text
    assert f'href="/vacancies/{vacancy}"' not in kent.get("/home-searches/").text
    assert dorset.get(f"/vacancies/{vacancy}").status_code == 200


def test_a_hold_by_reference_only_belongs_to_no_council(app, sent, provider_user):  # noqa: F811
    kent, _, vacancy = sent
    provider = signed_in(app, provider_user)
    held = provider.post_form(f"/our-vacancies/{vacancy}/hold",
                              {"home_search_ref": "Phone call from Medway"})
    assert held.status_code == 302
    own = provider.get(f"/our-vacancies/{vacancy}").text
    assert _status(own) == "On hold for home search Phone call from Medway"
    assert kent.get(f"/vacancies/{vacancy}").status_code == 404


def test_a_vacancy_filled_by_acceptance_stays_with_the_council_that_filled_it(
        app, sent, provider_user):  # noqa: F811
    kent, search_id, vacancy = sent
    child_ref = _child_ref(kent, search_id)
    provider = signed_in(app, provider_user)
    assert provider.post_form(f"/referrals/{search_id}/offer", {
        "vacancy_id": vacancy, "weekly_price": "4850",
        **date_fields("start_on", date.today())}).status_code == 302
    assert kent.post_form(f"/home-searches/{search_id}/close-to-offers").status_code == 302
    offer_id = re.search(r'name="offer_id" type="radio" value="([0-9a-f-]{36})"',
                         kent.get(f"/home-searches/{search_id}/offers").text).group(1)
    accepted = kent.post_form(f"/home-searches/{search_id}/accept", {
        "offer_id": offer_id, "birth_month": "2010-04", "uasc": "no", **DIRECTOR_APPROVAL})
    assert accepted.status_code == 302, accepted.text[:2000]

    page = kent.get(f"/vacancies/{vacancy}")
    assert page.status_code == 200 and "Filled by your placement" in page.text
    assert f'href="/placements/children/{child_ref}"' in page.text
    child = kent.get(f"/placements/children/{child_ref}").text
    assert "Vacancies filled for this child" in child and f'href="/vacancies/{vacancy}"' in child

    own = provider.get(f"/our-vacancies/{vacancy}").text
    assert re.match(r"Filled by a placement of Kent", _status(own))
    assert child_ref not in own
    dorset = signed_in(app, account_for("council_officer", "Dorset"))
    assert dorset.get(f"/vacancies/{vacancy}").status_code == 404
    assert dorset.get(f"/placements/children/{child_ref}").status_code == 404
