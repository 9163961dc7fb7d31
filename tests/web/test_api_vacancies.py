"""The integration API's vacancies: a provider's system publishes, reads, updates (If-Match),
withdraws and lists its own; a council's system searches the board. Every event carries the
client as its actor; another provider's vacancy answers exactly like a missing one."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from domain.actor import Actor
from tests.web.api_fixtures import setting_of, stored_while_behind, vacancy_body


def publish(api, **changes):
    setting = setting_of(api.services, api.organisation_id)
    return api.post("/vacancies", vacancy_body(setting.id, **changes))


def test_publish_answers_201_with_the_vacancy_its_address_and_etag(provider_api):
    response = publish(provider_api, weekly_fee=4321)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["weekly_fee"] == 4321 and body["status"] == "available"
    assert response.headers["Location"] == f"/api/v1/vacancies/{body['id']}"
    assert response.headers["ETag"] == f'"{body["version"]}"'
    fetched = provider_api.get(f"/vacancies/{body['id']}")
    assert fetched.status_code == 200 and fetched.get_json() == body


def test_every_event_of_a_call_carries_the_client_as_actor(provider_api):
    published = publish(provider_api)
    vacancy_id = UUID(published.get_json()["id"])
    provider_api.patch(f"/vacancies/{vacancy_id}", {"places": 2},
                       headers={"If-Match": published.headers["ETag"]})
    portal = provider_api.services.portal
    events = [portal.mapper.to_domain_event(stored)
              for stored in portal.recorder.select_events(vacancy_id)]
    assert len(events) == 2
    expected = Actor(user_id=provider_api.client_id, organisation_id=provider_api.organisation_id,
                     client_id=provider_api.client_id)
    assert {event.actor for event in events} == {expected}


def test_update_with_if_match_changes_the_terms_and_a_stale_etag_is_412(provider_api):
    published = publish(provider_api)
    vacancy_id, etag = published.get_json()["id"], published.headers["ETag"]
    changed = provider_api.patch(f"/vacancies/{vacancy_id}", {"weekly_fee": 5000},
                                 headers={"If-Match": etag})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["weekly_fee"] == 5000
    assert changed.get_json()["description"] == "A calm home"  # kept
    assert changed.headers["ETag"] != etag
    before = provider_api.position()
    stale = provider_api.patch(f"/vacancies/{vacancy_id}", {"weekly_fee": 6000},
                               headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.mimetype == "application/problem+json"
    assert stale.headers["ETag"] == changed.headers["ETag"]
    assert provider_api.position() == before


def test_update_without_if_match_is_428_and_a_malformed_one_400(provider_api):
    vacancy_id = publish(provider_api).get_json()["id"]
    before = provider_api.position()
    missing = provider_api.patch(f"/vacancies/{vacancy_id}", {"weekly_fee": 5000})
    assert missing.status_code == 428
    assert missing.get_json()["type"].endswith("#problem-precondition-required")
    malformed = provider_api.patch(f"/vacancies/{vacancy_id}", {"weekly_fee": 5000},
                                   headers={"If-Match": "yesterday"})
    assert malformed.status_code == 400
    assert malformed.get_json()["errors"][0]["field"] == "If-Match"
    assert provider_api.position() == before


def test_withdraw_then_a_second_withdraw_is_a_conflict(provider_api):
    vacancy_id = publish(provider_api).get_json()["id"]
    withdrawn = provider_api.post(f"/vacancies/{vacancy_id}/withdraw", {"reason": "Filled"})
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    before = provider_api.position()
    again = provider_api.post(f"/vacancies/{vacancy_id}/withdraw", {})
    assert again.status_code == 409
    assert provider_api.position() == before


def test_list_own_in_pages_by_cursor(provider_api):
    ids = {publish(provider_api).get_json()["id"] for _ in range(3)}
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = provider_api.get("/vacancies", query_string=query).get_json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert ids <= set(seen) and len(seen) == len(set(seen)) and pages >= 2
    assert seen == sorted(seen)


def test_idempotency_key_creates_once_and_replays_the_first_answer(provider_api):
    setting = setting_of(provider_api.services, provider_api.organisation_id)
    body = vacancy_body(setting.id)
    key = {"Idempotency-Key": str(uuid4())}
    first = provider_api.post("/vacancies", body, headers=key)
    position = provider_api.position()
    again = provider_api.post("/vacancies", body, headers=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert provider_api.position() == position
    other = provider_api.post("/vacancies", {**body, "weekly_fee": 1}, headers=key)
    assert other.status_code == 422
    assert other.get_json()["type"].endswith("#problem-idempotency-key-reused")
    assert provider_api.position() == position


def test_a_refused_request_does_not_spend_its_idempotency_key(provider_api):
    setting = setting_of(provider_api.services, provider_api.organisation_id)
    key = {"Idempotency-Key": "retry-after-fixing"}
    refused = provider_api.post("/vacancies", vacancy_body(setting.id, age_from=17),
                                headers=key)
    assert refused.status_code == 422
    fixed = provider_api.post("/vacancies", vacancy_body(setting.id), headers=key)
    assert fixed.status_code == 201


def test_another_providers_vacancy_answers_like_a_missing_one(provider_api, other_provider_api):
    published = publish(provider_api)
    vacancy_id, etag = published.get_json()["id"], published.headers["ETag"]
    before = provider_api.position()
    for path, call in [
        (f"/vacancies/{vacancy_id}", lambda p: other_provider_api.get(p)),
        (f"/vacancies/{vacancy_id}", lambda p: other_provider_api.patch(
            p, {"weekly_fee": 1}, headers={"If-Match": etag})),
        (f"/vacancies/{vacancy_id}/withdraw", lambda p: other_provider_api.post(p, {})),
    ]:
        missing_id = str(uuid4())
        other = call(path)
        missing = call(path.replace(vacancy_id, missing_id))
        assert other.status_code == missing.status_code == 404
        # The same answer, but for the address asked (the problem's "instance").
        assert other.get_data(as_text=True).replace(vacancy_id, missing_id) \
            == missing.get_data(as_text=True)
    listed = other_provider_api.get("/vacancies", query_string={"limit": 100}).get_json()
    assert vacancy_id not in {item["id"] for item in listed["items"]}
    assert provider_api.position() == before


def test_a_providers_setting_is_its_own(provider_api, other_provider_api):
    theirs = setting_of(provider_api.services, provider_api.organisation_id)
    before = provider_api.position()
    response = other_provider_api.post("/vacancies", vacancy_body(theirs.id))
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "setting_id"
    assert provider_api.position() == before


def test_a_council_searches_the_board_but_may_not_publish(provider_api, council_api):
    vacancy_id = publish(provider_api, weekly_fee=1234).get_json()["id"]
    found, cursor = [], None
    while True:
        page = council_api.get("/vacancy-board", query_string={
            "max_weekly_fee": 1234, "limit": 100, **({"cursor": cursor} if cursor else {})
        }).get_json()
        found += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert vacancy_id in {item["id"] for item in found}
    assert all(item["weekly_fee"] <= 1234 for item in found)
    before = council_api.position()
    refused = council_api.post("/vacancies", vacancy_body(uuid4()))
    assert refused.status_code == 403
    assert refused.mimetype == "application/problem+json"
    assert council_api.position() == before


def test_settings_lists_only_the_providers_own(provider_api, other_provider_api):
    own = provider_api.get("/settings").get_json()["items"]
    theirs = other_provider_api.get("/settings").get_json()["items"]
    assert own and theirs
    assert {s["id"] for s in own}.isdisjoint({s["id"] for s in theirs})
    expected = setting_of(provider_api.services, provider_api.organisation_id)
    assert str(expected.id) in {s["id"] for s in own}


def test_the_reference_page_lists_every_operation_and_problem(client):
    page = client.get("/api/v1/reference").get_data(as_text=True)
    for operation in ("POST /api/v1/vacancies", "PATCH /api/v1/vacancies/{vacancy_id}",
                      "POST /api/v1/placements/{child_ref}/end", "GET /api/v1/vacancy-board"):
        assert operation in page
    assert 'id="problem-stale"' in page and "If-Match" in page


def test_the_audit_history_names_the_api_client(provider_api, client):
    from domain.account import account_id
    from tests.conftest import account_for

    vacancy_id = publish(provider_api).get_json()["id"]
    with client.session_transaction() as session:
        session["account_id"] = account_id(account_for("auditor").email).hex
        session["authenticated_by"] = ["password", "totp"]
    history = client.get(f"/audit/records/{vacancy_id}").get_data(as_text=True)
    assert "by API client Test system" in " ".join(history.split())
    events = client.get("/audit/", query_string={"record": vacancy_id}).get_data(as_text=True)
    assert "API client Test system" in events


class _Died(BaseException):
    """The worker's process ending mid-request (nothing after it runs)."""


def test_a_retry_after_the_process_died_between_saving_and_replying_creates_nothing_more(
        provider_api, monkeypatch):
    import portal.api.vacancies as api_vacancies
    from auth.idempotency import created_id

    store = provider_api.services.portal.idempotency
    setting = setting_of(provider_api.services, provider_api.organisation_id)
    body = vacancy_body(setting.id)
    key = {"Idempotency-Key": "died-after-saving"}
    before = provider_api.position()

    def die(*args, **kwargs):
        raise _Died

    # The vacancy is stored, then the process dies before it replies or gives the key back.
    with monkeypatch.context() as dying:
        dying.setattr(api_vacancies, "_answer", die)
        dying.setattr(store, "abandon", lambda *args: None)
        with pytest.raises(_Died):
            provider_api.post("/vacancies", body, headers=key)
    stored = provider_api.position()
    assert stored > before
    # A retry while the claim is fresh is told the first is still running...
    busy = provider_api.post("/vacancies", body, headers=key)
    assert busy.status_code == 409
    assert busy.get_json()["type"].endswith("#problem-idempotency-key-in-use")
    # ...and once it is older than any request may run, the retry takes it over and is
    # answered with the vacancy the first run stored, storing nothing more.
    later = store.clock() + store.claim_timeout + timedelta(seconds=1)
    monkeypatch.setattr(store, "clock", lambda: later)
    retry = provider_api.post("/vacancies", body, headers=key)
    assert retry.status_code == 201, retry.get_json()
    vacancy_id = created_id(provider_api.client_id, "died-after-saving")
    assert retry.get_json()["id"] == str(vacancy_id)
    assert provider_api.position() == stored
    assert provider_api.services.portal.get_vacancy(vacancy_id).weekly_fee == body["weekly_fee"]
    replayed = provider_api.post("/vacancies", body, headers=key)
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert provider_api.position() == stored


def test_a_vacancy_stored_before_the_views_catch_up_is_never_answered_404(
        provider_api, monkeypatch):
    """The projection process is restarting (killed, say): the vacancy is stored but cannot
    be read within the wait. The client is told so (503, retry), never that it does not
    exist; its retry with the same key stores nothing more and answers 201 with it."""
    setting = setting_of(provider_api.services, provider_api.organisation_id)
    stored_while_behind(provider_api, monkeypatch, "/vacancies", vacancy_body(setting.id),
                        "views-behind")


def test_a_retry_after_the_process_died_before_saving_creates_the_vacancy_once(
        provider_api, monkeypatch):
    store = provider_api.services.portal.idempotency
    setting = setting_of(provider_api.services, provider_api.organisation_id)
    body = vacancy_body(setting.id)
    key = {"Idempotency-Key": "died-before-saving"}
    before = provider_api.position()
    portal = provider_api.services.portal

    def die(*args, **kwargs):
        raise _Died

    with monkeypatch.context() as dying:
        dying.setattr(portal, "publish_vacancy", die)
        dying.setattr(store, "abandon", lambda *args: None)
        with pytest.raises(_Died):
            provider_api.post("/vacancies", body, headers=key)
    assert provider_api.position() == before
    later = store.clock() + store.claim_timeout + timedelta(seconds=1)
    monkeypatch.setattr(store, "clock", lambda: later)
    retry = provider_api.post("/vacancies", body, headers=key)
    assert retry.status_code == 201, retry.get_json()
    assert provider_api.position() > before
    again = provider_api.post("/vacancies", body, headers=key)
    assert again.get_json() == retry.get_json()
