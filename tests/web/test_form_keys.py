"""Idempotency keys on forms: every form that creates or changes a record carries a key made
when it was rendered, and a submission sent again (its reply lost) is answered as the first
was, with the same redirect, and stores nothing more.

The store of keys is the API's (auth/idempotency.py), claimed per signed-in person."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from auth.idempotency import idempotency_keys
from portal.form_keys import IN_PROGRESS, REUSED
from tests.web.test_home_search_pages import search_form
from tests.web.test_placement_pages import date_fields, record_form
from tests.web.test_provider_pages import a_home, own_setting_ids, vacancy_form
from tests.web.test_referral_pages import sent  # noqa: F401 (a fixture)
from tests.web.test_version_clashes import all_at_once, signed_in_clients

TEMPLATES = Path(__file__).parents[2] / "portal" / "templates"
FORM = re.compile(r"<form\b(?P<attributes>[^>]*)>(?P<body>.*?)</form>", re.S | re.I)
KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')
# Forms whose answer is the session itself (signing in or out, a second factor, a password
# chosen from a link, an invitation accepted): a replayed redirect would not give it, so they
# carry the CSRF token alone.
SESSION_FORMS = {
    "layout.html", "session/sign_in.html", "session/account.html",
    "second_factor/verify.html", "second_factor/recover.html", "second_factor/enrol.html",
    "password_reset/choose.html", "password_reset/request.html", "invitations/accept.html",
    "oidc/find.html",
}


def post_forms() -> list[tuple[str, str]]:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        for form in FORM.finditer(path.read_text()):
            if re.search(r'method="post"', form["attributes"], re.I):
                found.append((name, form["body"]))
    return found


def test_every_form_that_changes_a_record_carries_a_key_and_session_forms_do_not():
    forms = post_forms()
    assert len(forms) > 60
    for name, body in forms:
        if name in SESSION_FORMS:
            assert "{{ csrf_field() }}" in body and "form_keys()" not in body, name
        else:
            # tenders/_macros.html's csrf() writes form_keys().
            assert "{{ form_keys() }}" in body or "{{ csrf() }}" in body, name
    assert "{% macro csrf() %}{{ form_keys() }}{% endmacro %}" in (
        TEMPLATES / "tenders" / "_macros.html").read_text()
    assert {name for name, _ in forms} >= SESSION_FORMS


def test_each_rendering_of_a_form_makes_a_new_key(client, provider_user):
    client.sign_in(provider_user)
    first, second = (KEY.findall(client.get("/our-vacancies/new").text) for _ in range(2))
    assert len(first) == len(second) == 1 and first != second
    assert not KEY.search(client.get("/sign-in").text)


# --- sent twice, stored once --------------------------------------------------------------------

def sent_twice(client, form_page: str, url: str, data: dict):
    """Post the form rendered at ``form_page`` to ``url`` and, as if its reply were lost, post
    it again with the same key: the second answer repeats the first and stores nothing."""
    svc = client.application.extensions["portal"]
    key = KEY.findall(client.get(form_page).text)[0]
    before = svc.portal.last_position()
    first = client.post_form(url, {**data, "idempotency_key": key})
    assert first.status_code in (302, 303), first.text[:2000]
    stored = svc.portal.last_position()
    assert stored > before
    again = client.post_form(url, {**data, "idempotency_key": key})
    assert (again.status_code, again.headers["Location"]) == (
        first.status_code, first.headers["Location"])
    assert again.headers["Idempotent-Replayed"] == "true"
    assert svc.portal.last_position() == stored
    return first, stored - before


def test_a_vacancy_published_twice_is_published_once(app, client, provider_user):
    client.sign_in(provider_user)
    _, settings = own_setting_ids(app, provider_user.organisation)
    first, events = sent_twice(client, "/our-vacancies/new", "/our-vacancies/new",
                               vacancy_form(a_home(settings)))
    assert events == 1
    page = client.get(first.headers["Location"]).text
    assert page.count("Vacancy published") == 1  # the message once, not once per sending


def test_a_placement_started_twice_is_recorded_once(client, officer):
    client.sign_in(officer)
    sent_twice(client, "/placements/new", "/placements/new",
               record_form("KT-IDEM-1", date(2024, 5, 1)))
    again = client.post_form("/placements/new", record_form("KT-IDEM-1", date(2024, 6, 1)))
    assert again.status_code == 200  # a new form (no key): the child's open placement refuses


def test_a_home_search_created_twice_is_created_once(client, officer):
    client.sign_in(officer)
    _, events = sent_twice(client, "/home-searches/new", "/home-searches/new",
                           search_form(child_id="KT-IDEM-2"))
    assert events == 1


def test_an_offer_sent_twice_is_offered_once(app, sent, provider_user):  # noqa: F811
    from tests.web.test_referral_pages import signed_in

    kent, search_id, vacancy = sent
    provider = signed_in(app, provider_user)
    sent_twice(provider, f"/referrals/{search_id}", f"/referrals/{search_id}/offer", {
        "vacancy_id": vacancy, "weekly_price": "4850", "notes": "Room ready now",
        **date_fields("start_on", date.today())})
    offers = kent.get(f"/home-searches/{search_id}/offers").text
    assert "1 offer, best first" in offers


# --- what a key does not replay -------------------------------------------------------------------

def test_a_refused_form_gives_its_key_back(app, client, provider_user):
    client.sign_in(provider_user)
    _, settings = own_setting_ids(app, provider_user.organisation)
    key = KEY.findall(client.get("/our-vacancies/new").text)[0]
    refused = client.post_form("/our-vacancies/new", {
        **vacancy_form(a_home(settings), weekly_fee=""), "idempotency_key": key})
    assert refused.status_code == 200 and "<title>Error: " in refused.text
    fixed = client.post_form("/our-vacancies/new", {
        **vacancy_form(a_home(settings)), "idempotency_key": key})
    assert fixed.status_code == 302 and "Idempotent-Replayed" not in fixed.headers


def test_a_key_sent_with_other_answers_is_refused_and_stores_nothing(app, client,
                                                                     provider_user):
    client.sign_in(provider_user)
    _, settings = own_setting_ids(app, provider_user.organisation)
    key = KEY.findall(client.get("/our-vacancies/new").text)[0]
    client.post_form("/our-vacancies/new", {**vacancy_form(a_home(settings)),
                                            "idempotency_key": key})
    position = app.extensions["portal"].portal.last_position()
    other = client.post_form("/our-vacancies/new", {
        **vacancy_form(a_home(settings), weekly_fee="9999"), "idempotency_key": key})
    assert other.status_code == 409
    assert REUSED in other.text.replace("&#39;", "'")
    assert app.extensions["portal"].portal.last_position() == position


def test_a_retry_while_the_first_still_runs_is_told_to_wait(app, client, provider_user):
    """As when the first is still running, or its process died before it answered: the key
    is claimed with no answer kept, so the retry is not run (it may have been stored)."""
    client.sign_in(provider_user)
    _, settings = own_setting_ids(app, provider_user.organisation)
    data = {**vacancy_form(a_home(settings)), "idempotency_key": "running-now"}
    assert client.post_form("/our-vacancies/new", data).status_code == 302
    svc = app.extensions["portal"]
    with svc.engine.begin() as c:
        c.execute(idempotency_keys.update().values(status=None, body=None, headers=None))
    position = svc.portal.last_position()
    response = client.post_form("/our-vacancies/new", data)
    assert response.status_code == 409 and IN_PROGRESS in response.text
    assert svc.portal.last_position() == position


def test_once_the_claim_is_older_than_any_request_the_retry_finds_the_first_vacancy(
        app, client, provider_user, monkeypatch):
    """The first run stored the vacancy and its process died before answering: after the
    claim timeout a retry runs again, and since the new vacancy's id comes from the key it
    finds the vacancy the first run stored instead of publishing a second."""
    client.sign_in(provider_user)
    _, settings = own_setting_ids(app, provider_user.organisation)
    data = {**vacancy_form(a_home(settings)), "idempotency_key": "died-before-answering"}
    first = client.post_form("/our-vacancies/new", data)
    assert first.status_code == 302
    svc = app.extensions["portal"]
    with svc.engine.begin() as c:  # no answer kept, as when the process died
        c.execute(idempotency_keys.update().values(status=None, body=None, headers=None))
    position = svc.portal.last_position()
    store = svc.portal.idempotency
    later = store.clock() + store.claim_timeout + timedelta(seconds=1)
    monkeypatch.setattr(store, "clock", lambda: later)
    retry = client.post_form("/our-vacancies/new", data)
    assert (retry.status_code, retry.headers["Location"]) == (302, first.headers["Location"])
    assert svc.portal.last_position() == position


def test_a_key_is_the_persons_own(app, client, provider_user, other_provider_user):
    """Another person sending a form with the same key runs it as their own."""
    from tests.web.test_referral_pages import signed_in

    client.sign_in(provider_user)
    _, settings = own_setting_ids(app, provider_user.organisation)
    data = {**vacancy_form(a_home(settings)), "idempotency_key": "shared-key"}
    assert client.post_form("/our-vacancies/new", data).status_code == 302
    other = signed_in(app, other_provider_user)
    _, theirs = own_setting_ids(app, other_provider_user.organisation)
    position = app.extensions["portal"].portal.last_position()
    again = other.post_form("/our-vacancies/new", {
        **vacancy_form(theirs[0][0]), "idempotency_key": "shared-key"})
    assert again.status_code == 302 and "Idempotent-Replayed" not in again.headers
    assert app.extensions["portal"].portal.last_position() == position + 1


def test_a_malformed_key_is_refused(client, provider_user):
    client.sign_in(provider_user)
    response = client.post_form("/our-vacancies/new", {"idempotency_key": "two words"})
    assert response.status_code == 400 and "not sent as this service gave it" in response.text


def test_ten_tabs_sending_one_form_at_once_publish_one_vacancy(app, client, provider_user):
    _, settings = own_setting_ids(app, provider_user.organisation)
    clients, csrf = signed_in_clients(app, client, provider_user, 10)
    data = {**vacancy_form(a_home(settings)), "csrf_token": csrf, "idempotency_key": "at-once"}
    svc = app.extensions["portal"]
    before = svc.portal.last_position()
    responses = all_at_once(10, lambda i: clients[i].post("/our-vacancies/new", data=data))
    assert not [r for r in responses if isinstance(r, Exception)]
    statuses = Counter(r.status_code for r in responses)
    assert set(statuses) <= {302, 409} and statuses[302] >= 1, statuses
    created = {r.headers["Location"] for r in responses if r.status_code == 302}
    assert len(created) == 1
    assert svc.portal.last_position() == before + 1
