"""Every bad input to the integration API gets a precise RFC 9457 problem, never a 500, and
stores nothing: malformed JSON, wrong types, unknown fields, oversized bodies, other media
types, bad cursors and parameters, and missing, malformed, unknown, expired or revoked keys.
A cookie session never authorises an API call."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.account import account_id
from tests.conftest import account_for
from tests.web.api_fixtures import setting_of, vacancy_body

PROBLEM = "application/problem+json"


def problem(response, status: int, kind: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status and body["type"].endswith(f"#problem-{kind}")
    assert body["title"]
    return body


def raw_post(api, path: str, data: bytes | str, content_type="application/json", **headers):
    return api.http.post(f"/api/v1{path}", data=data, content_type=content_type,
                         headers=api.headers(headers))


@pytest.mark.parametrize("data", [b"{", b'{"age_from": 1,}', b"[1, 2", b"NaN", b"\xff\xfe",
                                  b'{"a": NaN}', b"[" * 60_000])
def test_malformed_json_is_400_and_stores_nothing(provider_api, data):
    before = provider_api.position()
    body = problem(raw_post(provider_api, "/vacancies", data), 400, "malformed-json")
    assert body["detail"].startswith("The body is not valid JSON")
    assert provider_api.position() == before


def test_a_body_that_is_not_an_object_is_422(provider_api):
    body = problem(raw_post(provider_api, "/vacancies", b"[1, 2]"), 422, "invalid-body")
    assert body["errors"] == [{"field": "body", "message": "Send a JSON object"}]


def test_wrong_types_and_unknown_fields_are_named_one_by_one(provider_api):
    setting = setting_of(provider_api.services, provider_api.organisation_id)
    sent = vacancy_body(setting.id, age_from="10", weekly_fee=42.5, needs_met="none",
                        available_from="tomorrow", colour="blue")
    before = provider_api.position()
    body = problem(provider_api.post("/vacancies", sent), 422, "invalid-body")
    errors = {e["field"]: e["message"] for e in body["errors"]}
    assert errors == {
        "age_from": "Youngest age must be a whole number",
        "weekly_fee": "Weekly fee must be a whole number",
        "needs_met": "Not a valid list.",
        "available_from": "Available from must be a real date",
        "colour": "Unknown field: this operation does not take it",
    }
    assert provider_api.position() == before


def test_missing_required_fields_are_all_named(provider_api):
    body = problem(provider_api.post("/vacancies", {}), 422, "invalid-body")
    assert {e["field"] for e in body["errors"]} == {
        "setting_id", "age_from", "age_to", "weekly_fee", "places", "available_from"}


def test_an_oversized_body_is_413(provider_api):
    before = provider_api.position()
    big = '{"description": "' + "x" * 70_000 + '"}'
    problem(raw_post(provider_api, "/vacancies", big), 413, "body-too-large")
    assert provider_api.position() == before


def test_another_media_type_is_415(provider_api):
    problem(raw_post(provider_api, "/vacancies", "age_from=1",
                     content_type="application/x-www-form-urlencoded"),
            415, "unsupported-media-type")


@pytest.mark.parametrize("cursor", ["nonsense", "eyJhZnRlciI6IDF9", "e30", "%%%", "W10"])
def test_a_bad_cursor_is_400(provider_api, council_api, cursor):
    body = problem(provider_api.get("/vacancies", query_string={"cursor": cursor}),
                   400, "bad-cursor")
    assert body["errors"] == [{"field": "cursor", "message": "Not a cursor this API gave"}]
    problem(council_api.get("/placements", query_string={"cursor": cursor}), 400, "bad-cursor")


def test_bad_query_parameters_are_named(provider_api):
    body = problem(provider_api.get("/vacancies", query_string={"limit": 0, "colour": "x"}),
                   400, "invalid-parameters")
    assert {e["field"] for e in body["errors"]} == {"limit", "colour"}


def test_bad_idempotency_key_is_400(provider_api):
    response = provider_api.post("/vacancies", {}, headers={"Idempotency-Key": "a b"})
    body = problem(response, 400, "invalid-parameters")
    assert body["errors"][0]["field"] == "Idempotency-Key"


@pytest.mark.parametrize(("authorization", "detail"), [
    (None, "Send your API key as 'Authorization: Bearer <key>'."),
    ("Basic dXNlcjpwYXNz", "Send your API key as 'Authorization: Bearer <key>'."),
    ("Bearer not-a-key", "That is not an API key of this service."),
    ("Bearer spk_00000000000000000000000000000000_x", "That API key is not known."),
])
def test_missing_malformed_or_unknown_keys_are_401(app, authorization, detail):
    headers = {"Authorization": authorization} if authorization else {}
    response = app.test_client().get("/api/v1/vacancies", headers=headers)
    body = problem(response, 401, "unauthenticated")
    assert body["detail"] == detail
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_secret_for_a_real_client_is_401(provider_api):
    forged = provider_api.key[:-4] + "AAAA"
    response = provider_api.http.get("/api/v1/vacancies",
                                     headers={"Authorization": f"Bearer {forged}"})
    problem(response, 401, "unauthenticated")


def test_an_expired_key_is_401(provider_api):
    clients = provider_api.services.portal.api_clients
    clients.clock = lambda: datetime.now(UTC) + timedelta(days=366)
    body = problem(provider_api.get("/vacancies"), 401, "unauthenticated")
    assert "expired" in body["detail"]


def test_a_revoked_key_is_401_at_once(provider_api):
    assert provider_api.get("/vacancies").status_code == 200
    provider_api.services.portal.api_clients.revoke(
        provider_api.client_id, organisation_id=provider_api.organisation_id,
        revoked_by=provider_api.client_id)
    before = provider_api.position()
    setting = setting_of(provider_api.services, provider_api.organisation_id)
    body = problem(provider_api.post("/vacancies", vacancy_body(setting.id)), 401,
                   "unauthenticated")
    assert "revoked" in body["detail"]
    assert provider_api.position() == before


def test_a_cookie_session_never_authorises_an_api_call(app, demo_services):
    """A signed-in person's browser (with a CSRF-less cross-site POST, or any other) gets 401:
    only a key lets a call in, so the API needs no CSRF token."""
    provider = account_for("provider_user")
    browser = app.test_client()
    with browser.session_transaction() as session:
        session["account_id"] = account_id(provider.email).hex
    assert browser.get("/our-vacancies/").status_code == 200  # signed in on the pages
    before = demo_services.portal.last_position()
    setting = setting_of(demo_services, provider.organisation_id)
    problem(browser.get("/api/v1/vacancies"), 401, "unauthenticated")
    problem(browser.post("/api/v1/vacancies", json=vacancy_body(setting.id)), 401,
            "unauthenticated")
    assert demo_services.portal.last_position() == before


def test_a_key_call_needs_no_csrf_token(provider_api):
    setting = setting_of(provider_api.services, provider_api.organisation_id)
    assert provider_api.post("/vacancies", vacancy_body(setting.id)).status_code == 201


def test_the_rate_limit_is_per_client_and_answers_429(app, provider_api, other_provider_api):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    from portal.extensions import limiter

    limiter.reset()
    statuses = [provider_api.get("/vacancies").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = provider_api.get("/vacancies")
    problem(limited, 429, "rate-limited")
    assert int(limited.headers["Retry-After"]) > 0
    assert other_provider_api.get("/vacancies").status_code == 200  # a bucket of its own
    limiter.reset()


def test_unknown_addresses_and_methods_are_problems(provider_api):
    problem(provider_api.get("/no-such-thing"), 404, "not-found")
    response = provider_api.http.delete("/api/v1/vacancies", headers=provider_api.headers())
    problem(response, 405, "method-not-allowed")
