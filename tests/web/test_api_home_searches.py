"""The integration API's home searches and referrals: a council's system drafts, changes
(If-Match), sends, reads offers and accepts one; a provider's system reads the searches sent to
it (never the child's reference) and offers or declines. Another organisation's search answers
exactly like a missing one, and nothing refused is stored."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from tests.web.api_fixtures import setting_of, stored_while_behind, views_behind


def search_body(child_id: str, **changes) -> dict:
    needed = date.today() + timedelta(days=7)
    return {"child_id": child_id, "urgency": "planned", "needed_by": needed.isoformat(),
            "latest_start": (needed + timedelta(days=21)).isoformat(),
            "placement_types": ["childrens_home"], "age": 13, "sex": "2", "siblings": 0,
            "needs": [], "family_district": "me14 1ab", "legal_status": "C2", **changes}


def draft(api, child_id: str, **changes):
    return api.post("/home-searches", search_body(child_id, **changes))


def sent_to(council_api, provider_api, child_id: str) -> str:
    drafted = draft(council_api, child_id)
    search_id = drafted.get_json()["id"]
    closes = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    sent = council_api.post(f"/home-searches/{search_id}/send", {
        "provider_ids": [str(provider_api.organisation_id)], "offers_close_at": closes})
    assert sent.status_code == 200, sent.get_json()
    assert sent.get_json()["status"] == "offers_open"
    return search_id


def test_draft_answers_201_with_the_search_and_never_the_councils_child_id(council_api):
    response = draft(council_api, "KT-HS-1")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert "KT-HS-1" not in response.get_data(as_text=True)
    assert body["status"] == "draft" and body["family_district"] == "ME14"
    assert body["child_ref"].startswith("C")
    assert response.headers["Location"] == f"/api/v1/home-searches/{body['id']}"
    assert response.headers["ETag"] == f'"{body["version"]}"'
    assert council_api.get(f"/home-searches/{body['id']}").get_json() == body
    listed = council_api.get("/home-searches", query_string={"status": "draft", "limit": 100})
    assert body["id"] in {item["id"] for item in listed.get_json()["items"]}


def test_every_rule_broken_is_named_at_once_and_nothing_is_stored(council_api):
    before = council_api.position()
    response = draft(council_api, "KT-HS-2", urgency="soon", age=40, needs=["flying"],
                     latest_start="2000-01-01", unknown_field=1)
    assert response.status_code == 422
    fields = {error["field"] for error in response.get_json()["errors"]}
    assert {"urgency", "age", "needs.0", "unknown_field"} <= fields
    assert council_api.position() == before


def test_a_draft_changes_with_if_match_and_a_stale_etag_is_412(council_api):
    drafted = draft(council_api, "KT-HS-3")
    search_id, etag = drafted.get_json()["id"], drafted.headers["ETag"]
    changed = council_api.patch(f"/home-searches/{search_id}", {"age": 14, "siblings": 1},
                                headers={"If-Match": etag})
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["age"], changed.get_json()["siblings"]) == (14, 1)
    assert changed.get_json()["urgency"] == "planned"  # kept
    before = council_api.position()
    stale = council_api.patch(f"/home-searches/{search_id}", {"age": 15},
                              headers={"If-Match": etag})
    assert stale.status_code == 412 and council_api.position() == before
    assert council_api.patch(f"/home-searches/{search_id}", {"age": 15}).status_code == 428


def test_cancel_and_close_unfilled(council_api):
    first = draft(council_api, "KT-HS-4").get_json()["id"]
    refused = council_api.post(f"/home-searches/{first}/cancel", {})
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == [{"field": "reason",
                                             "message": "Say why the search is cancelled"}]
    cancelled = council_api.post(f"/home-searches/{first}/cancel", {"reason": "Went home"})
    assert cancelled.get_json()["status"] == "cancelled"
    second = draft(council_api, "KT-HS-5").get_json()["id"]
    closed = council_api.post(f"/home-searches/{second}/close", {"unfilled_reason": "too_far"})
    assert closed.status_code == 200, closed.get_json()
    assert closed.get_json()["status"] == "closed_unfilled"
    assert closed.get_json()["unfilled_reason"] == "too_far"


def test_a_provider_reads_what_the_referral_page_shares_and_offers(council_api, provider_api):
    search_id = sent_to(council_api, provider_api, "KT-HS-6")
    child_ref = council_api.get(f"/home-searches/{search_id}").get_json()["child_ref"]
    listed = provider_api.get("/referrals", query_string={"limit": 100})
    assert listed.status_code == 200
    assert search_id in {item["id"] for item in listed.get_json()["items"]}
    read = provider_api.get(f"/referrals/{search_id}")
    body = read.get_json()
    assert child_ref not in read.get_data(as_text=True)
    assert "age" not in body and "legal_status" not in body and "child_ref" not in body
    assert body["age_band"] == "10 to 15" and body["own_offers"] == []
    setting = setting_of(provider_api.services, provider_api.organisation_id)
    offered = provider_api.post(f"/referrals/{search_id}/offers", {
        "setting_id": str(setting.id), "weekly_price": 4800,
        "start_on": date.today().isoformat(), "notes": "A room now"})
    assert offered.status_code == 201, offered.get_json()
    assert [o["weekly_price"] for o in offered.get_json()["own_offers"]] == [4800]
    offers = council_api.get(f"/home-searches/{search_id}/offers").get_json()
    assert [(o["provider_id"], o["rank"]) for o in offers["offers"]] == [
        (str(provider_api.organisation_id), 1)]
    assert offers["sent_to"][0]["answer"] == "offered"


def test_accepting_an_offer_places_the_child(council_api, provider_api):
    search_id = sent_to(council_api, provider_api, "KT-HS-7")
    setting = setting_of(provider_api.services, provider_api.organisation_id)
    provider_api.post(f"/referrals/{search_id}/offers", {
        "setting_id": str(setting.id), "weekly_price": 4700,
        "start_on": date.today().isoformat()})
    offer_id = council_api.get(f"/home-searches/{search_id}/offers").get_json()["offers"][0]["id"]
    approval = {"approver_name": "A Director", "approver_role": "director",
                "approved_on": date.today().isoformat(), "approval_reason": "Best match"}
    body = {"offer_id": offer_id, "birth_month": "2013-04", "uasc": False, **approval}
    early = council_api.post(f"/home-searches/{search_id}/accept", body)
    assert early.status_code == 409, early.get_json()  # offers are still open
    etag = council_api.get(f"/home-searches/{search_id}").headers["ETag"]
    closed = council_api.post(f"/home-searches/{search_id}/close-to-offers", {},
                              headers={"If-Match": etag})
    assert closed.get_json()["status"] == "closed_to_offers", closed.get_json()
    before = council_api.position()
    new_child = council_api.post(f"/home-searches/{search_id}/accept", {
        k: v for k, v in body.items() if k != "birth_month"})
    assert new_child.status_code == 422  # a child new to the portal: its month of birth
    assert "birth_month" in {e["field"] for e in new_child.get_json()["errors"]}
    unapproved = council_api.post(f"/home-searches/{search_id}/accept", {
        k: v for k, v in body.items() if k not in approval})
    assert unapproved.status_code == 422  # placed at a distance: the director's approval
    assert "approver_name" in {e["field"] for e in unapproved.get_json()["errors"]}
    assert council_api.position() == before
    accepted = council_api.post(f"/home-searches/{search_id}/accept", body)
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["status"] == "placed"
    child_ref = accepted.get_json()["child_ref"]
    record = council_api.get(f"/placements/{child_ref}").get_json()
    assert record["open"] and record["episodes"][-1]["setting_id"] == str(setting.id)
    assert record["episodes"][-1]["weekly_cost"] == 4700


def test_a_provider_declines_and_an_unknown_reason_is_refused(council_api, provider_api):
    search_id = sent_to(council_api, provider_api, "KT-HS-8")
    before = provider_api.position()
    wrong = provider_api.post(f"/referrals/{search_id}/decline", {"decline_reason": "bored"})
    assert wrong.status_code == 422 and provider_api.position() == before
    declined = provider_api.post(f"/referrals/{search_id}/decline",
                                 {"decline_reason": "staffing"})
    assert declined.status_code == 200, declined.get_json()
    assert declined.get_json()["answer"] == "declined"


def test_searches_of_others_answer_like_missing_ones(council_api, other_council_api,
                                                     provider_api, other_provider_api):
    search_id = sent_to(council_api, provider_api, "KT-HS-9")
    missing = str(uuid4())
    before = council_api.position()
    for api, paths in ((other_council_api, ["/home-searches/{}", "/home-searches/{}/offers"]),
                       (other_provider_api, ["/referrals/{}"])):
        for path in paths:
            other = api.get(path.format(search_id))
            gone = api.get(path.format(missing))
            assert other.status_code == gone.status_code == 404
            assert other.get_data() == gone.get_data()
    for api, path, body in (
            (other_council_api, "/home-searches/{}/cancel", {"reason": "x"}),
            (other_council_api, "/home-searches/{}/accept", {"offer_id": str(uuid4())}),
            (other_provider_api, "/referrals/{}/decline", {"decline_reason": "no_place"})):
        assert api.post(path.format(search_id), body).get_data() \
            == api.post(path.format(missing), body).get_data()
    assert council_api.position() == before
    assert provider_api.get("/home-searches").status_code == 403
    assert council_api.get("/referrals").status_code == 403


def test_a_search_drafted_before_the_views_catch_up_is_never_answered_404(
        council_api, monkeypatch):
    """Drafted while the projection process restarts: the client is told it was stored
    (503, Retry-After, its address), never that it does not exist; its retry with the same key
    stores nothing more and answers 201 with the search at that address."""
    answer = stored_while_behind(council_api, monkeypatch, "/home-searches",
                                 search_body("KT-HS-BEHIND"), "search-views-behind")
    assert "KT-HS-BEHIND" not in answer.get_data(as_text=True)


def test_an_offer_made_before_the_views_catch_up_is_never_answered_without_it(
        council_api, provider_api, monkeypatch):
    """The referral was readable before the offer, so finding it proves nothing: until the
    offer can be read with it, the answer is 503 (stored, retry), never a 201 without the
    offer; the retry with the same key stores no second offer and answers 201 with it."""
    search_id = sent_to(council_api, provider_api, "KT-HS-OFFER-BEHIND")
    setting = setting_of(provider_api.services, provider_api.organisation_id)
    body = {"setting_id": str(setting.id), "weekly_price": 4900,
            "start_on": date.today().isoformat()}
    key = {"Idempotency-Key": "offer-views-behind"}
    before = provider_api.position()
    with views_behind(provider_api, monkeypatch):
        answer = provider_api.post(f"/referrals/{search_id}/offers", body, headers=key)
    assert answer.status_code == 503, answer.get_json()
    assert "was stored" in answer.get_json()["detail"]
    assert answer.headers["Retry-After"] == "2"
    assert answer.headers["Location"] == f"/api/v1/referrals/{search_id}"
    stored = provider_api.position()
    assert stored > before
    retry = provider_api.post(f"/referrals/{search_id}/offers", body, headers=key)
    assert retry.status_code == 201, retry.get_json()
    assert [o["weekly_price"] for o in retry.get_json()["own_offers"]] == [4900]
    assert provider_api.position() == stored
