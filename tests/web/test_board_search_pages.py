"""Saved searches of the vacancy board through the real views: an officer saves the board's
filters with a name (every error at once), lists and deletes them; a new matching vacancy is a
notice on their notices page that opens the vacancy, and an e-mail; another officer's saved
search is missing; only council officers save searches."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from portal.services.notices import send_board_notice_mail
from tests.conftest import account_for
from tests.web.test_referral_pages import open_vacancy, signed_in

SAVED = re.compile(r'action="/vacancies/saved-searches/([0-9a-f-]{36})/delete"')


def test_an_officer_saves_a_board_search_and_hears_of_a_new_match(app, provider_user):
    kent = signed_in(app, account_for("council_officer", "Kent"))
    board = kent.get("/vacancies/?setting_type=childrens_home&age=16").text
    link = re.search(r'href="(/vacancies/saved-searches/new\?[^"]*)"', board).group(1)
    page = kent.get(link.replace("&amp;", "&")).text
    assert "Looks for: Children&#39;s home, taking a child aged 16" in page
    refused = kent.post_form("/vacancies/saved-searches/new", {
        "setting_type": "childrens_home", "age": "16", "name": ""})
    assert refused.status_code == 400 and "Enter a name for the saved search" in refused.text
    saved = kent.post_form("/vacancies/saved-searches/new", {
        "setting_type": "childrens_home", "age": "16", "name": "Homes for a 16-year-old"})
    assert saved.status_code == 302
    listed = kent.get("/vacancies/saved-searches/").text
    assert "Homes for a 16-year-old" in listed
    vacancy, _ = open_vacancy(app, provider_user)  # a children's home place for 16 and 17
    notices = kent.get("/notices/").text
    assert "A new vacancy matches your saved search: Homes for a 16-year-old" in notices
    notice_id = re.search(r'href="/notices/([0-9a-f-]{36})"', notices).group(1)
    opened = kent.get(f"/notices/{notice_id}")
    assert opened.status_code == 303
    assert opened.headers["Location"].endswith(f"/vacancies/{vacancy}")
    services = app.extensions["portal"]
    assert send_board_notice_mail(services, datetime.now(UTC), "https://p.example.org")[0] >= 1
    mail = services.mailer.sent(to=account_for("council_officer", "Kent").email,
                                kind="vacancy_notice")
    assert any(f"/vacancies/{vacancy}" in m.body for m in mail)


def test_the_boards_quality_filter_is_saved_with_the_search(app):
    kent = signed_in(app, account_for("council_officer", "Kent"))
    board = kent.get("/vacancies/?quality=good_or_better").text
    link = re.search(r'href="(/vacancies/saved-searches/new\?[^"]*)"', board).group(1)
    page = kent.get(link.replace("&amp;", "&")).text
    assert "Looks for: judged good or outstanding by Ofsted" in page
    assert 'name="quality" value="good_or_better"' in page
    saved = kent.post_form("/vacancies/saved-searches/new", {
        "quality": "good_or_better", "name": "Good homes anywhere"})
    assert saved.status_code == 302
    listed = kent.get("/vacancies/saved-searches/").text
    assert "Good homes anywhere" in listed and "judged good or outstanding by Ofsted" in listed


def test_bad_filters_and_a_long_name_are_refused_together(app):
    kent = signed_in(app, account_for("council_officer", "Kent"))
    refused = kent.post_form("/vacancies/saved-searches/new", {
        "age": "99", "setting_type": "castle", "name": "x" * 101})
    assert refused.status_code == 400
    for message in ("Age must be between 0 and 25", "Choose a setting type from the list",
                    "The name must be 100 characters or fewer"):
        assert message in refused.text, message
    assert "x" * 101 not in kent.get("/vacancies/saved-searches/").text


def test_a_saved_search_is_its_owners_alone_and_can_be_deleted(app):
    kent = signed_in(app, account_for("council_officer", "Kent"))
    kent.post_form("/vacancies/saved-searches/new", {"name": "Anything in the region"})
    board_search_id = SAVED.search(kent.get("/vacancies/saved-searches/").text).group(1)
    dorset = signed_in(app, account_for("council_officer", "Dorset"))
    assert "Anything in the region" not in dorset.get("/vacancies/saved-searches/").text
    url = f"/vacancies/saved-searches/{board_search_id}/delete"
    assert dorset.post_form(url).status_code == 404
    assert dorset.post_form(f"/vacancies/saved-searches/{uuid4()}/delete").status_code == 404
    assert kent.post_form(url).status_code == 303
    assert "Anything in the region" not in kent.get("/vacancies/saved-searches/").text
    assert kent.post_form(url).status_code == 404  # deleted: no such saved search


@pytest.mark.parametrize("role", ["provider_user", "auditor", "platform_admin"])
def test_only_council_officers_save_board_searches(app, role):
    client = signed_in(app, account_for(role))
    assert client.get("/vacancies/saved-searches/").status_code == 403
    assert client.post_form("/vacancies/saved-searches/new", {"name": "x"}).status_code == 403


def test_an_unknown_area_is_refused_on_the_page(app):
    kent = signed_in(app, account_for("council_officer", "Kent"))
    refused = kent.post_form("/vacancies/saved-searches/new", {
        "area": f"authority:{uuid4()}", "name": "Nowhere"})
    assert refused.status_code == 400 and "Choose an area from the list" in refused.text
    assert 'href="#filters"' in refused.text


def test_a_notice_of_a_vacancy_since_withdrawn_says_so(app, provider_user):
    from domain.actor import Actor

    kent = signed_in(app, account_for("council_officer", "Kent"))
    kent.post_form("/vacancies/saved-searches/new", {"name": "Anything new"})
    vacancy, _ = open_vacancy(app, provider_user)
    services = app.extensions["portal"]
    services.projections.wait_for(services.portal.withdraw_vacancy(
        Actor.system(), uuid.UUID(vacancy), reason="Filled privately"))
    notice_id = re.search(r'href="/notices/([0-9a-f-]{36})"', kent.get("/notices/").text).group(1)
    opened = kent.get(f"/notices/{notice_id}")
    assert opened.status_code == 303 and opened.headers["Location"].endswith("/notices/")
    assert "That vacancy is no longer available" in kent.get("/notices/").text
