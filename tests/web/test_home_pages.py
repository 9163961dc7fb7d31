"""Each role's home page: the tasks its permissions allow and what needs its attention now."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from domain.actor import Actor
from domain.organisation import setting_id
from portal.demo import region
from portal.demo.loader import provider_id
from tests.conftest import account_for
from tests.web.test_home_search_pages import draft
from tests.web.test_invitations import invite


def _links(page: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', page))


def _panel(page: str, heading: str) -> str:
    """The text of one attention panel, from its heading to the next section."""
    start = page.index(heading)
    return page[start:page.index("</section>", start)]


def test_an_officer_sees_their_work_and_open_searches(client, officer):
    client.sign_in(officer)
    search_id = draft(client)
    page = client.get("/").get_data(as_text=True)
    assert "Needs your attention" in page and "What you do here" in page
    searches = _panel(page, "Open home searches")
    assert f"/home-searches/{search_id}" in searches
    assert re.search(r"Child C[0-9A-Z]{12}", searches)
    assert "Draft, planned, needed by" in searches
    assert "Imports with rejected rows" in page
    assert "Tenders closing in the next two weeks" in page
    links = _links(page)
    for path in ("/placements/", "/imports/", "/sufficiency/", "/home-searches/new",
                 "/contracts/", "/tenders/", "/targets/"):
        assert path in links, path
    # Nothing of another role's: no provider's vacancies, no audit, no administration.
    for path in ("/our-vacancies/new", "/referrals/", "/audit/", "/admin/", "/users/"):
        assert path not in links, path
    assert "Vacancies about to expire" not in page and "The audit log" not in page


def test_an_officer_sees_their_saved_searches_with_new_matches(app, provider_user):
    from tests.web.test_referral_pages import open_vacancy, signed_in

    kent = signed_in(app, account_for("council_officer", "Kent"))
    empty = _panel(kent.get("/").get_data(as_text=True), "Saved searches with new matches")
    assert "No new vacancy matches your saved searches of the board." in empty
    assert kent.post_form("/vacancies/saved-searches/new", {
        "setting_type": "childrens_home", "age": "16",
        "name": "Homes for a 16-year-old"}).status_code == 302
    open_vacancy(app, provider_user)  # a children's home place for 16 and 17
    matched = _panel(kent.get("/").get_data(as_text=True), "Saved searches with new matches")
    assert "Homes for a 16-year-old" in matched and "1 new matching vacancy" in matched
    assert 'href="/notices/"' in matched
    kent.post_form("/notices/read")  # read: nothing new is left to say
    page = kent.get("/").get_data(as_text=True)
    assert "No new vacancy matches your saved searches of the board." in page


def test_a_provider_sees_searches_to_answer_and_vacancies_about_to_expire(app, client,
                                                                         provider_user):
    svc = app.extensions["portal"]
    fact = next(v for v in region.VACANCIES if v.provider_name == provider_user.organisation)
    pid = provider_id(fact.provider_name)
    today = svc.portal.clock().date()
    _vacancy_id, position = svc.portal.publish_vacancy(
        Actor.system(), provider_id=pid, setting_id=setting_id(pid, fact.setting_name),
        age_from=fact.age_from, age_to=fact.age_to, needs_met=[], weekly_fee=4100,
        available_from=today, expires_on=today + timedelta(days=3), description="")
    svc.projections.wait_for(position)
    client.sign_in(provider_user)
    page = client.get("/").get_data(as_text=True)
    expiring = _panel(page, "Vacancies about to expire")
    assert fact.setting_name.replace("'", "&#39;") in expiring
    assert f"expires {(today + timedelta(days=3)).day} " in expiring
    assert "Home searches waiting for your answer" in page
    assert "Tender opportunities open to you" in page
    links = _links(page)
    for path in ("/our-vacancies/new", "/our-vacancies/", "/referrals/", "/notices/",
                 "/tenders/opportunities/"):
        assert path in links, path
    for path in ("/placements/", "/home-searches/new", "/imports/", "/audit/"):
        assert path not in links, path


def test_an_auditor_sees_the_latest_checkpoint_verified_and_the_ways_in(app, client):
    client.sign_in(account_for("auditor"))
    page = client.get("/").get_data(as_text=True)
    log = _panel(page, "The audit log")
    assert "The latest checkpoint was signed at" in log
    assert "Its signature verifies with this deployment&#39;s key." in log
    for path in ("/audit/", "/audit/as-at/", "/audit/checkpoints/", "/audit/access/"):
        assert path in _links(page), path
    # An altered checkpoint is called out, not passed over.
    from projections.audit.checkpoints import audit_checkpoints

    svc = app.extensions["portal"]
    with svc.engine.begin() as c:
        latest = c.execute(sa.select(sa.func.max(audit_checkpoints.c.id))).scalar()
        c.execute(audit_checkpoints.update().where(audit_checkpoints.c.id == latest)
                  .values(signature=b"\0" * 64))
    page = client.get("/").get_data(as_text=True)
    assert "does NOT verify" in _panel(page, "The audit log")


def test_an_administrator_sees_invitations_not_yet_accepted(client):
    client.sign_in(account_for("platform_admin"))
    before = client.get("/").get_data(as_text=True)
    assert "Nia Newstart" not in before
    invite(client, reason="New placements officer")
    page = client.get("/").get_data(as_text=True)
    pending = _panel(page, "Invitations not yet accepted")
    assert "Nia Newstart" in pending and "invited as council" in pending
    assert "/admin/" in _links(page) and "/users/" in _links(page)


def test_signed_out_visitors_see_what_the_service_is(client):
    page = client.get("/").get_data(as_text=True)
    assert "Sign in" in page and "Needs your attention" not in page
