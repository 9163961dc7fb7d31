"""The council's own homes and places in development through the real views: bad input gets
every error beside its field and stores nothing; only the authority's own officers see its
homes' pipelines and its schemes; the region sees the pipeline as totals of places."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest

from tests.conftest import account_for
from tests.web.test_placement_pages import date_fields, error_text
from tests.web.test_placement_pages import field_error as raw_field_error


def field_error(page: str, field: str) -> str:
    return html.unescape(raw_field_error(page, field))


@pytest.fixture
def dorset(client):
    client.sign_in(account_for("council_officer", "Dorset"))
    return client


def today(client) -> date:
    return client.application.extensions["portal"].portal.today()


def home_form(client, **overrides) -> dict[str, str]:
    return {"name": "Lulworth House", "setting_type": "childrens_home",
            "postcode_district": "DT2", "registered_places": "4", "stage": "planned",
            **date_fields("on", today(client) - timedelta(days=10)),
            "reason": "Capital programme approved", **overrides}


def scheme_form(client, **overrides) -> dict[str, str]:
    return {"name": "Council home, Sherborne", "development_type": "council_home",
            "setting_type": "childrens_home", "places": "4",
            **date_fields("expected_opening", today(client) + timedelta(days=400)),
            "confidence": "medium", "tender_id": "", "contract_id": "", "reason": "",
            **overrides}


def test_a_council_home_is_recorded_and_moved_through_its_pipeline(dorset):
    bad = dorset.post_form("/council-homes/new", home_form(
        dorset, name="", setting_type="independent_fostering_agency", registered_places="0",
        stage="", reason="", ofsted_urn="URN1",
        **date_fields("on", today(dorset) + timedelta(days=3))))
    page = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "There is a problem" in page
    assert field_error(page, "name") == "Enter the home or service's name"
    assert field_error(page, "setting_type") == "Choose the kind of setting from the list"
    assert field_error(page, "registered_places") == "Places must be between 1 and 200"
    assert field_error(page, "stage") == "Choose the stage"
    assert field_error(page, "reason") == "Say why the setting moves to this stage"
    assert field_error(page, "on") == "The date of the step cannot be in the future"
    assert field_error(page, "ofsted_urn") == "Enter an Ofsted URN, like SC123456"
    assert "Lulworth" not in dorset.get("/council-homes/").get_data(as_text=True)

    done = dorset.post_form("/council-homes/new", home_form(dorset))
    assert done.status_code == 302, error_text(done)
    url = done.headers["Location"]
    shown = dorset.get(url).get_data(as_text=True)
    assert "Lulworth House" in shown and "Capital programme approved" in shown
    wrong = dorset.post_form(url, {"stage": "open", **date_fields("on", today(dorset)),
                                   "reason": "Too soon"})
    assert field_error(wrong.get_data(as_text=True), "stage") == (
        "From planned the next stage is applying for registration or closed")
    step = dorset.post_form(url, {"stage": "applying", **date_fields("on", today(dorset)),
                                  "reason": "Application sent to Ofsted"})
    assert step.status_code == 302, error_text(step)
    listing = dorset.get("/council-homes/").get_data(as_text=True)
    assert re.search(r"Lulworth House.*?Applying for registration since", listing, re.S)
    # The authority's own provider is in the directory as such.
    directory = html.unescape(dorset.get("/directory/").get_data(as_text=True))
    assert re.search(r"Dorset Council \(in-house\).*?The council's own \(in-house\) "
                     r"provision", directory, re.S)


def test_another_authoritys_officer_cannot_see_a_council_home(dorset, client):
    url = dorset.post_form("/council-homes/new", home_form(dorset)).headers["Location"]
    client.sign_in(account_for("council_officer", "Kent"))
    assert client.get(url).status_code == 404
    assert "Lulworth" not in client.get("/council-homes/").get_data(as_text=True)


def test_places_in_development_refuse_bad_input_whole_and_show_regionally(dorset, client):
    def schemes() -> list[str]:
        page = dorset.get("/developments/").get_data(as_text=True)
        return re.findall(r'href="/developments/([0-9a-f-]{36})"', page)

    before = schemes()
    bad = dorset.post_form("/developments/new", scheme_form(
        dorset, places="0", confidence="certain", setting_type="supported_accommodation",
        **date_fields("expected_opening", today(dorset) - timedelta(days=1))))
    page = bad.get_data(as_text=True)
    assert field_error(page, "places") == "Places must be between 1 and 200"
    assert field_error(page, "confidence") == "Choose the confidence in the date from the list"
    assert "must be in the future" in field_error(page, "expected_opening")
    assert field_error(page, "setting_type").startswith("A council children's home provides")
    assert schemes() == before

    done = dorset.post_form("/developments/new", scheme_form(dorset))
    assert done.status_code == 302, error_text(done)
    url = done.headers["Location"]
    no_reason = dorset.post_form(url + "/change", scheme_form(dorset, places="6"))
    assert field_error(no_reason.get_data(as_text=True), "reason") == \
        "Say why the scheme is changing"
    changed = dorset.post_form(url + "/change", scheme_form(dorset, places="6",
                                                            reason="A sixth bedroom"))
    assert changed.status_code == 302, error_text(changed)
    assert "Times changed" in dorset.get(url).get_data(as_text=True)

    client.sign_in(account_for("council_officer", "Kent"))
    assert client.get(url).status_code == 404
    region = client.get("/developments/region").get_data(as_text=True)
    assert "Dorset" in region and "Sherborne" not in region


def test_a_provider_has_no_council_pages(client, provider_user):
    client.sign_in(provider_user)
    assert client.get("/council-homes/").status_code == 403
    assert client.get("/developments/").status_code == 403
    assert client.get("/developments/region").status_code == 200


def open_home(client, **overrides) -> str:
    done = client.post_form("/council-homes/new", home_form(
        client, stage="open", reason="Registered and taking children", **overrides))
    assert done.status_code == 302, error_text(done)
    return done.headers["Location"]


def home_vacancy(client, **overrides) -> dict:
    return {"age_from": "9", "age_to": "15", "needs_met": ["education_on_site"],
            "weekly_fee": "4100", "places": "1",
            **date_fields("available_from", today(client) + timedelta(days=7)),
            "description": "A council home near the sea", **overrides}


def test_an_open_council_home_publishes_a_vacancy_on_the_board(dorset, client):
    url = open_home(dorset)
    page = dorset.get(url).get_data(as_text=True)
    assert "Publish a vacancy at this home" in page
    bad = dorset.post_form(url + "/vacancies/new", home_vacancy(
        dorset, places="5", weekly_fee="", age_from="20"))
    errors = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "There is a problem" in errors
    assert "is registered for 4 places" in field_error(errors, "places")
    assert field_error(errors, "weekly_fee") and field_error(errors, "age_from")
    assert "Its vacancies on the board" not in dorset.get(url).get_data(as_text=True)

    done = dorset.post_form(url + "/vacancies/new", home_vacancy(dorset))
    assert done.status_code == 302 and done.headers["Location"] == url, error_text(done)
    shown = html.unescape(dorset.get(url).get_data(as_text=True))
    assert "Its vacancies on the board" in shown and "£4,100 a week" in shown
    vacancy = re.search(r'href="(/vacancies/[0-9a-f-]{36})"', shown).group(1)
    # On the board like any provider's, the in-house provider as provider.
    client.sign_in(account_for("council_officer", "Kent"))
    board = html.unescape(client.get(vacancy).get_data(as_text=True))
    assert "Lulworth House" in board and "Dorset Council (in-house)" in board


def test_a_council_home_not_open_offers_no_vacancy(dorset):
    url = dorset.post_form("/council-homes/new", home_form(dorset)).headers["Location"]
    assert "Publish a vacancy" not in dorset.get(url).get_data(as_text=True)
    assert dorset.get(url + "/vacancies/new").status_code == 404
    assert dorset.post_form(url + "/vacancies/new", home_vacancy(dorset)).status_code == 404


def test_a_council_homes_places_change_with_a_reason(dorset):
    url = open_home(dorset)
    form = dorset.get(url + "/places").get_data(as_text=True)
    assert 'name="registered_places"' in form and 'value="4"' in form
    bad = dorset.post_form(url + "/places", {"registered_places": "0", "reason": ""})
    page = bad.get_data(as_text=True)
    assert field_error(page, "registered_places") == "Places must be between 1 and 200"
    assert field_error(page, "reason") == "Say why the places change"
    same = dorset.post_form(url + "/places", {"registered_places": "4", "reason": "No change"})
    assert field_error(same.get_data(as_text=True), "registered_places") == \
        "Lulworth House already has 4 places"
    done = dorset.post_form(url + "/places", {"registered_places": "6",
                                              "reason": "Two bedrooms added"})
    assert done.status_code == 302, error_text(done)
    shown = dorset.get(url).get_data(as_text=True)
    assert re.search(r"Places\s*</dt>\s*<dd[^>]*>\s*6\s*</dd>", shown)
    # The vacancy command checks a vacancy against the places as they are now.
    five = dorset.post_form(url + "/vacancies/new", home_vacancy(dorset, places="5"))
    assert five.status_code == 302, error_text(five)


def test_only_the_councils_own_officers_change_its_home(dorset, client, provider_user):
    url = open_home(dorset)
    client.sign_in(account_for("council_officer", "Kent"))
    assert client.get(url + "/places").status_code == 404
    assert client.post_form(url + "/places", {"registered_places": "9",
                                              "reason": "Not ours"}).status_code == 404
    assert client.get(url + "/vacancies/new").status_code == 404
    assert client.post_form(url + "/vacancies/new", home_vacancy(client)).status_code == 404
    client.sign_in(provider_user)
    assert client.get(url + "/places").status_code == 403
    assert client.get(url + "/vacancies/new").status_code == 403
    client.sign_in(account_for("council_officer", "Dorset"))
    assert re.search(r"Places\s*</dt>\s*<dd[^>]*>\s*4\s*</dd>", client.get(url).text)
