"""The API's conventions on every operation they apply to. Idempotency keys on each that
creates a record (publishing a vacancy, drafting a home search, making an offer, starting a
placement, lodging a bid): a retry with the same key answers with the same record and stores
nothing more; the same key with another body is a 422 problem and stores nothing; a retry after
the first run's process died between saving and replying finds the record that run stored
rather than creating a second. And If-Match: each operation whose description requires it
answers 428 without it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest

from auth.idempotency import created_id
from domain.placement import placement_id
from domain.tender import bid_id
from tests.web.api_fixtures import setting_of, vacancy_body, views_behind
from tests.web.test_api_home_searches import search_body, sent_to
from tests.web.test_api_placements import start_body
from tests.web.test_api_tenders import bidder  # noqa: F401 (a fixture)


@dataclass
class Creation:
    api: Any
    path: str
    body: dict
    other_body: dict
    created: Any  # the answer's body -> the created record's id
    stream: Any  # the answer's body -> the id of the aggregate its event is stored in


def _vacancy(request) -> Creation:
    api = request.getfixturevalue("provider_api")
    setting = setting_of(api.services, api.organisation_id)
    return Creation(api, "/vacancies", vacancy_body(setting.id),
                    vacancy_body(setting.id, weekly_fee=4300), lambda b: b["id"],
                    lambda b: b["id"])


def _home_search(request) -> Creation:
    api = request.getfixturevalue("council_api")
    return Creation(api, "/home-searches", search_body("KT-IDEM-1"),
                    search_body("KT-IDEM-1", age=14), lambda b: b["id"], lambda b: b["id"])


def _offer(request) -> Creation:
    council, api = (request.getfixturevalue(name) for name in ("council_api", "provider_api"))
    search_id = sent_to(council, api, "KT-IDEM-2")
    setting = setting_of(api.services, api.organisation_id)
    body = {"setting_id": str(setting.id), "weekly_price": 4800,
            "start_on": date.today().isoformat(), "notes": "A room now"}
    return Creation(api, f"/referrals/{search_id}/offers", body, {**body, "weekly_price": 4900},
                    lambda b: b["own_offers"][0]["id"], lambda b: search_id)


def _placement(request) -> Creation:
    api = request.getfixturevalue("council_api")
    return Creation(api, "/placements", start_body("KT-IDEM-3"),
                    start_body("KT-IDEM-3", weekly_cost=430), lambda b: b["child_ref"],
                    lambda b: placement_id(api.organisation_id, b["child_ref"]))


def _bid(request) -> Creation:
    api, tender_id = request.getfixturevalue("bidder")
    tender = api.get(f"/tenders/{tender_id}").get_json()
    lot = tender["lots"][0]["lot_id"]
    answers = {q["question_id"]: "Our approach, in full" for q in tender["quality_questions"]}
    body = {"weekly_price": 3100, "answers": answers}
    return Creation(api, f"/tenders/{tender_id}/lots/{lot}/bid", body,
                    {**body, "weekly_price": 3000}, lambda b: b["bids"][0]["lot_id"],
                    lambda b: _bid_id(api, tender_id, lot))


def _bid_id(api, tender_id: str, lot: str) -> UUID:
    return bid_id(UUID(tender_id), lot, api.organisation_id)


CREATIONS = {"publish_vacancy": _vacancy, "draft_home_search": _home_search,
             "make_offer": _offer, "start_placement": _placement, "submit_bid": _bid}


def _events(api, aggregate_id) -> int:
    return len(api.services.portal.recorder.select_events(UUID(str(aggregate_id))))


@pytest.mark.parametrize("operation", CREATIONS)
def test_a_retry_with_the_same_key_answers_with_the_same_record_and_stores_nothing(
        request, operation):
    made = CREATIONS[operation](request)
    api, key = made.api, {"Idempotency-Key": f"create-{operation}"}
    first = api.post(made.path, made.body, headers=key)
    assert first.status_code in (200, 201), first.get_json()
    stream = made.stream(first.get_json())
    events, stored = _events(api, stream), api.position()
    retry = api.post(made.path, made.body, headers=key)
    assert retry.status_code == first.status_code
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert made.created(retry.get_json()) == made.created(first.get_json())
    assert retry.get_json() == first.get_json()
    assert retry.headers.get("ETag") == first.headers.get("ETag")
    assert retry.headers.get("Location") == first.headers.get("Location")
    assert api.position() == stored and _events(api, stream) == events


@pytest.mark.parametrize("operation", CREATIONS)
def test_the_same_key_with_another_body_is_a_422_problem_and_stores_nothing(request, operation):
    made = CREATIONS[operation](request)
    api, key = made.api, {"Idempotency-Key": f"reused-{operation}"}
    first = api.post(made.path, made.body, headers=key)
    assert first.status_code in (200, 201), first.get_json()
    stored = api.position()
    reused = api.post(made.path, made.other_body, headers=key)
    assert reused.status_code == 422
    assert reused.mimetype == "application/problem+json"
    problem = reused.get_json()
    assert problem["type"].endswith("#problem-idempotency-key-reused")
    assert problem["title"] == "This Idempotency-Key was used for a different request"
    assert api.position() == stored


class _Died(BaseException):
    """The worker's process ending mid-request (nothing after it runs)."""


# The creations whose record's id comes from the key, and the module whose answer is cut off.
KEYED_IDS = {"publish_vacancy": "portal.api.vacancies", "draft_home_search":
             "portal.api.home_searches", "make_offer": "portal.api.referrals"}


@pytest.mark.parametrize("operation", KEYED_IDS)
def test_a_retry_after_the_process_died_after_saving_answers_with_the_record_it_stored(
        request, monkeypatch, operation):
    import importlib

    made = CREATIONS[operation](request)
    api, key = made.api, {"Idempotency-Key": f"died-{operation}"}
    store = api.services.portal.idempotency
    before = api.position()

    def die(*args, **kwargs):
        raise _Died

    with monkeypatch.context() as dying:
        dying.setattr(importlib.import_module(KEYED_IDS[operation]), "_answer", die)
        dying.setattr(store, "abandon", lambda *args: None)
        with pytest.raises(_Died):
            api.post(made.path, made.body, headers=key)
    stored = api.position()
    assert stored > before
    later = store.clock() + store.claim_timeout + timedelta(seconds=1)
    monkeypatch.setattr(store, "clock", lambda: later)
    retry = api.post(made.path, made.body, headers=key)
    assert retry.status_code == 201, retry.get_json()
    assert made.created(retry.get_json()) == str(created_id(api.client_id, key[
        "Idempotency-Key"]))
    assert api.position() == stored
    if operation == "make_offer":
        assert len(retry.get_json()["own_offers"]) == 1


def test_every_operation_described_as_requiring_if_match_answers_428_without_it(
        client, council_api, provider_api):
    """The description and the views agree: the views read If-Match as their operation's
    description declares it (portal.api.access.expected_version)."""
    vacancy = _vacancy_created(provider_api)
    search = council_api.post("/home-searches", search_body("KT-IDEM-4")).get_json()["id"]
    child = council_api.post("/placements", start_body("KT-IDEM-5")).get_json()["child_ref"]
    records = {"vacancy_id": vacancy, "search_id": search, "child_ref": child}
    description = client.get("/api/v1/openapi.json").get_json()
    required = [(path, method) for path, operations in description["paths"].items()
                for method, op in operations.items()
                if any(p["name"] == "If-Match" and p["required"] for p in op["parameters"])]
    assert len(required) == 4  # change a vacancy or a search; change or end a placement
    for path, method in required:
        api = provider_api if path.startswith("/vacancies") else council_api
        before = api.position()
        answer = getattr(api.http, method)(
            "/api/v1" + path.format(**records), json={}, headers=api.headers())
        assert answer.status_code == 428, (path, answer.get_json())
        assert answer.get_json()["type"].endswith("#problem-precondition-required")
        assert api.position() == before


def _vacancy_created(api) -> str:
    setting = setting_of(api.services, api.organisation_id)
    return api.post("/vacancies", vacancy_body(setting.id)).get_json()["id"]


# The creations read back from the projections: each may have stored its record before they
# can show it (portal.api.read_back), and says so in its description's 503.
STORED_UNREADABLE = (*KEYED_IDS, "start_placement")


@pytest.mark.parametrize("operation", STORED_UNREADABLE)
def test_a_record_stored_before_the_views_catch_up_is_a_described_503_naming_its_address(
        request, client, monkeypatch, operation):
    """Never 404 for a record that was stored: 503 with Retry-After and Location, as the
    operation's description declares; once the views catch up, Location answers 200."""
    made = CREATIONS[operation](request)
    api = made.api
    with views_behind(api, monkeypatch):
        answer = api.post(made.path, made.body, headers={"Idempotency-Key": f"lag-{operation}"})
    assert answer.status_code == 503, answer.get_json()
    assert answer.get_json()["type"].endswith("#problem-busy")
    described = next(op for operations in client.get("/api/v1/openapi.json").get_json()[
        "paths"].values() for op in operations.values() if op["operationId"] == operation)
    assert {"Retry-After", "Location"} <= set(described["responses"]["503"]["headers"])
    assert int(answer.headers["Retry-After"]) > 0
    read = api.get(answer.headers["Location"].removeprefix("/api/v1"))
    assert read.status_code == 200, read.get_json()


def test_every_operation_describes_its_503_and_only_the_creations_read_back_a_location(
        client):
    """Any operation may find the service busy (a read model being rebuilt, the event store
    not answering): each describes that 503 with Retry-After; only the creations read back
    from the projections add the stored record's Location."""
    description = client.get("/api/v1/openapi.json").get_json()
    located = set()
    for operations in description["paths"].values():
        for op in operations.values():
            unavailable = op["responses"]["503"]
            assert unavailable["headers"]["Retry-After"]["required"] is True
            assert "application/problem+json" in unavailable["content"]
            if "Location" in unavailable["headers"]:
                located.add(op["operationId"])
    assert located == set(STORED_UNREADABLE)
