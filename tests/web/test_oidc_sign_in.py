"""Single sign-on, end to end against a real OpenID Connect provider on localhost.

The provider is oidc-provider-mock served over HTTP (tests/oidc_provider.py): the portal reads
its discovery document and JWKS, the test signs in on its authorize page over HTTP, and the
portal exchanges the code at its token endpoint. The portal side runs through the Flask test
client. Each forged callback is refused by the portal's real checks (authlib's), with a clear
page, nobody signed in, nothing stored, and a log line without secrets.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import sqlalchemy as sa
from flask import g

from auth.session_store import PLAIN_COOKIE, _hash, web_sessions
from domain.account import account_id
from domain.actor import Actor
from domain.identity_provider import identity_provider_id
from domain.organisation import authority_id
from portal.demo.loader import demo_accounts
from tests.conftest import account_for
from tests.oidc_provider import running_provider

SECRET_ENV = "TEST_KENT_OIDC_CLIENT_SECRET"
NEWCOMER = "new.starter@kent.example.org"


@pytest.fixture(scope="module")
def provider():
    with running_provider() as running:
        yield running


@pytest.fixture
def kent():
    return account_for("council_officer", "Kent")


@pytest.fixture
def admin_actor():
    admin = account_for("platform_admin")
    return Actor(account_id(admin.email), admin.organisation_id)


@pytest.fixture
def idp(app, demo_services, provider, kent, admin_actor, monkeypatch):
    """Kent's identity provider, registered with the running provider as a confidential client
    whose secret the portal reads from the environment."""
    provider.front.tamper = None
    idp_id = identity_provider_id(kent.organisation_id)
    client_id, secret = provider.register_client(
        f"http://localhost/sign-in/organisation/{idp_id}/callback")
    monkeypatch.setenv(SECRET_ENV, secret)
    _, position = demo_services.portal.register_identity_provider(
        admin_actor, organisation_id=kent.organisation_id, display_name="Kent County Council",
        discovery_url=provider.discovery_url, client_id=client_id,
        client_secret_ref=f"env:{SECRET_ENV}", allowed_domains=["kent.example.org"])
    demo_services.projections.wait_for(position)
    return {"id": idp_id, "client_id": client_id, "secret": secret}


def begin(client, idp) -> str:
    """Start signing in; returns the provider's authorize address the portal redirected to."""
    response = client.get(f"/sign-in/organisation/{idp['id']}/start")
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response.headers["Location"]


def finish(client, callback: str):
    parts = urlsplit(callback)
    assert f"{parts.scheme}://{parts.netloc}" == "http://localhost"
    return client.get(f"{parts.path}?{parts.query}")


def sign_in(client, provider, idp, sub: str, **claims):
    provider.add_user(sub, **claims)
    return finish(client, provider.authorize(begin(client, idp), sub))


def signed_in_as(client):
    """The account the client's session is signed in as (None when nobody is)."""
    with client:
        client.get("/sign-in")
        principal = g.principal
    return principal


def with_query(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return urlunsplit(parts._replace(query=urlencode(query)))


def events_of(services, aggregate_id) -> list[str]:
    return [services.portal.mapper.to_domain_event(stored).__class__.__qualname__
            for stored in services.portal.recorder.select_events(aggregate_id)]


# --- signing in ----------------------------------------------------------------------------------

def test_a_council_user_signs_in_from_the_sign_in_page(client, demo_services, provider, idp,
                                                        caplog):
    """The whole journey: the sign-in page, the work email, the organisation's page, the
    provider's authorize page, back to the portal, a new account with no roles."""
    assert "/sign-in/organisation" in client.get("/sign-in").get_data(as_text=True)
    response = client.post_form("/sign-in/organisation", {"email": NEWCOMER.upper()})
    assert response.status_code == 303
    organisation_page = response.headers["Location"]
    assert organisation_page.startswith(f"/sign-in/organisation/{idp['id']}?")
    page = client.get(organisation_page).get_data(as_text=True)
    assert "Sign in with your Kent County Council account" in page
    start = page.split('href="', 1)[0] and next(
        part.split('"', 1)[0] for part in page.split('href="') if "/start" in part)
    response = client.get(start.replace("&amp;", "&"))
    assert response.status_code == 302
    authorize = response.headers["Location"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(authorize).query).items()}
    assert authorize.startswith(provider.url + "/oauth2/authorize?")
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["state"] and query["nonce"] and query["login_hint"] == NEWCOMER
    assert query["client_id"] == idp["client_id"]
    assert set(query["scope"].split()) == {"openid", "email", "profile"}

    before = demo_services.portal.last_position()
    provider.add_user("entra-oid-1001", email=NEWCOMER, name="Nia Newcomer")
    callback = provider.authorize(authorize, "entra-oid-1001")
    with caplog.at_level(logging.INFO):
        response = finish(client, callback)
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in/organisation/waiting-for-access"
    page = client.get("/sign-in/organisation/waiting-for-access").get_data(as_text=True)
    assert "You are signed in, but have no access yet" in page
    assert "Ask your organisation's administrator for the portal to give you a role" in page

    principal = signed_in_as(client)
    assert principal.email == NEWCOMER and principal.roles == frozenset()
    assert principal.display_name == "Nia Newcomer"
    assert principal.organisation_name == "Kent"
    assert principal.authenticated_by == ("oidc",)
    assert events_of(demo_services, account_id(NEWCOMER)) == [
        "Account.Created", "Account.IdentityLinked", "Account.SignedIn"]
    linked = demo_services.portal.get_account(account_id(NEWCOMER))
    assert linked.identities == [(provider.issuer, "entra-oid-1001")]
    assert demo_services.portal.last_position() == before + 3
    # The right verifier went to the token endpoint (the front checks it against the
    # challenge), and no token or code is kept anywhere.
    token_request = provider.front.token_requests[-1]
    assert token_request["code_verifier"] and token_request["grant_type"] == "authorization_code"
    code = parse_qs(urlsplit(callback).query)["code"][0]
    tokens = provider.front.token_responses[-1]
    assert_nothing_secret_stored(demo_services, [code, idp["secret"], tokens["id_token"],
                                                 tokens["access_token"]])
    assert "signed in" in [r.message for r in caplog.records]


def assert_nothing_secret_stored(services, secrets: list[str]) -> None:
    """Neither the event store nor any session row holds any of ``secrets``."""
    stored = [bytes(n.state).decode("utf-8", "replace") for n in
              services.portal.recorder.select_notifications(start=1, limit=1_000_000)]
    with services.engine.connect() as c:
        stored += [row for row in c.execute(sa.select(web_sessions.c.data)).scalars()]
    for secret in secrets:
        assert not any(secret in text for text in stored)


def test_a_first_sign_in_links_the_existing_account_and_later_ones_find_it_by_subject(
        client, demo_services, provider, idp, kent):
    response = sign_in(client, provider, idp, "entra-oid-kent", email=kent.email,
                       name="Kent officer")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    principal = signed_in_as(client)
    assert principal.user_id == account_id(kent.email)
    assert "council_officer" in principal.roles
    assert principal.authenticated_by == ("oidc",)
    assert events_of(demo_services, account_id(kent.email))[-2:] == [
        "Account.IdentityLinked", "Account.SignedIn"]
    signed = demo_services.portal.get_account(account_id(kent.email))
    assert signed.identities == [(provider.issuer, "entra-oid-kent")]

    # Later sign-ins find the account by issuer and subject, whatever the email claim says.
    client.post_form("/sign-out")
    response = sign_in(client, provider, idp, "entra-oid-kent", email="renamed@kent.example.org")
    assert response.headers["Location"] == "/"
    assert signed_in_as(client).user_id == account_id(kent.email)
    assert events_of(demo_services, account_id(kent.email))[-1] == "Account.SignedIn"
    assert demo_services.portal.find_account("renamed@kent.example.org") is None


def test_an_invited_person_accepts_the_invitation_by_signing_in(client, demo_services, provider,
                                                                 idp, admin_actor, kent):
    """No portal password or second factor: the council's identity provider vouched for them,
    and the roles the invitation gave are theirs."""
    invitee = "invitee@kent.example.org"
    _, position = demo_services.portal.invite_account(
        admin_actor, email=invitee, display_name="Ivy Invitee",
        organisation_id=kent.organisation_id, roles=["council_officer"],
        expires_at=datetime.now(UTC) + timedelta(days=7))
    demo_services.projections.wait_for(position)
    response = sign_in(client, provider, idp, "entra-oid-invitee", email=invitee)
    assert response.headers["Location"] == "/"
    principal = signed_in_as(client)
    assert principal.user_id == account_id(invitee)
    assert principal.roles == frozenset({"council_officer"})
    assert events_of(demo_services, account_id(invitee))[-3:] == [
        "Account.IdentityLinked", "Account.Activated", "Account.SignedIn"]
    assert demo_services.portal.get_account(account_id(invitee)).status == "active"


def test_an_expired_invitation_is_not_accepted_by_signing_in(client, demo_services, provider,
                                                             idp, admin_actor, kent):
    """The identity provider vouches for the person, but the invitation that would give them
    roles has lapsed: nothing is linked or activated, and the refusal is recorded."""
    invitee = "late@kent.example.org"
    _, position = demo_services.portal.invite_account(
        admin_actor, email=invitee, display_name="Lee Late",
        organisation_id=kent.organisation_id, roles=["council_officer"],
        expires_at=datetime.now(UTC) - timedelta(minutes=1))
    demo_services.projections.wait_for(position)
    before = events_of(demo_services, account_id(invitee))
    response = sign_in(client, provider, idp, "entra-oid-late", email=invitee)
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Your invitation to the portal has expired" in page
    assert "invite you again" in page
    assert signed_in_as(client) is None
    account = demo_services.portal.get_account(account_id(invitee))
    assert (account.status, account.identities) == ("invited", [])
    assert events_of(demo_services, account_id(invitee)) == [*before, "Account.SignInFailed"]


def test_sign_in_follows_only_a_local_next_address(client, provider, idp, kent):
    provider.add_user("entra-oid-next", email=kent.email)
    client.get(f"/sign-in/organisation/{idp['id']}/start?next=https://evil.example/")
    response = client.get(f"/sign-in/organisation/{idp['id']}/start?next=/vacancies/?age=9")
    callback = provider.authorize(response.headers["Location"], "entra-oid-next")
    assert finish(client, callback).headers["Location"] == "/vacancies/?age=9"


@pytest.mark.parametrize("email", ["someone@gmail.com", "someone@evil-kent.example.org",
                                   "someone@kent.example.org.evil.example"])
def test_an_email_outside_the_allowed_domains_is_refused(client, demo_services, provider, idp,
                                                          email, caplog):
    before = demo_services.portal.last_position()
    with caplog.at_level(logging.INFO):
        response = sign_in(client, provider, idp, "entra-oid-outsider", email=email)
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Your email address cannot be used with this sign-in" in page
    assert "You have not been signed in" in page
    assert signed_in_as(client) is None
    assert demo_services.portal.last_position() == before
    assert demo_services.portal.find_account(email) is None
    assert refusals(caplog) == ["domain"]


def test_an_unverified_or_missing_email_is_refused(client, demo_services, provider, idp):
    before = demo_services.portal.last_position()
    response = sign_in(client, provider, idp, "entra-oid-unverified", email=NEWCOMER,
                       email_verified=False)
    assert response.status_code == 403
    assert "did not give us your email address" in response.get_data(as_text=True)
    response = sign_in(client, provider, idp, "entra-oid-no-email", name="No Email")
    assert response.status_code == 403
    assert signed_in_as(client) is None
    assert demo_services.portal.last_position() == before


def test_control_characters_in_the_name_claim_never_reach_the_log(client, demo_services,
                                                                  provider, idp):
    """Issue 17, finding 1: a name the provider asserts (some let people choose their own) is
    stored in the account's events; a NUL in it would stop PostgreSQL's read models."""
    response = sign_in(client, provider, idp, "entra-oid-odd-name", email=NEWCOMER,
                       name="Nia\x00 New\x1b[31mcomer\u200b")
    assert response.status_code == 302
    assert signed_in_as(client).display_name == "Nia New[31mcomer"


def test_another_organisations_account_is_refused_and_the_attempt_recorded_on_it(
        client, demo_services, provider, idp, admin_actor, kent):
    dorset = account_for("council_officer", "Dorset")
    position = demo_services.portal.change_identity_provider(
        admin_actor, idp["id"], allowed_domains=["kent.example.org", "dorset.example.org"])
    demo_services.projections.wait_for(position)
    response = sign_in(client, provider, idp, "entra-oid-dorset", email=dorset.email)
    assert response.status_code == 403
    assert "belongs to another organisation" in response.get_data(as_text=True)
    assert signed_in_as(client) is None
    assert events_of(demo_services, account_id(dorset.email))[-1] == "Account.SignInFailed"
    assert demo_services.portal.get_account(account_id(dorset.email)).identities == []


def test_a_suspended_account_is_refused_and_the_attempt_recorded(client, demo_services, provider,
                                                                  idp, admin_actor, kent):
    officer = demo_services.portal.get_account(account_id(kent.email))
    officer.suspend(actor=admin_actor, reason="Left the council")
    demo_services.projections.wait_for(demo_services.portal._save(officer))
    before = demo_services.portal.last_position()
    response = sign_in(client, provider, idp, "entra-oid-suspended", email=kent.email)
    assert response.status_code == 403
    assert "Your account is suspended" in response.get_data(as_text=True)
    assert signed_in_as(client) is None
    assert demo_services.portal.last_position() == before + 1
    assert events_of(demo_services, account_id(kent.email))[-1] == "Account.SignInFailed"


def test_an_account_linked_to_another_subject_is_not_relinked(client, demo_services, provider,
                                                               idp, kent):
    sign_in(client, provider, idp, "entra-oid-original", email=kent.email)
    client.post_form("/sign-out")
    response = sign_in(client, provider, idp, "entra-oid-impostor", email=kent.email)
    assert response.status_code == 403
    assert "linked to someone else" in response.get_data(as_text=True)
    assert signed_in_as(client) is None
    assert demo_services.portal.get_account(account_id(kent.email)).identities == [
        (provider.issuer, "entra-oid-original")]


def test_a_turned_off_identity_provider_signs_nobody_in(client, demo_services, provider, idp,
                                                         admin_actor, kent):
    provider.add_user("entra-oid-off", email=kent.email)
    authorize = begin(client, idp)  # started while it was on
    position = demo_services.portal.disable_identity_provider(admin_actor, idp["id"],
                                                              reason="Moving tenant")
    demo_services.projections.wait_for(position)
    before = demo_services.portal.last_position()
    response = finish(client, provider.authorize(authorize, "entra-oid-off"))
    assert response.status_code == 403
    assert "Single sign-on for your organisation is turned off" in response.get_data(
        as_text=True)
    assert signed_in_as(client) is None
    assert demo_services.portal.last_position() == before
    assert client.get(f"/sign-in/organisation/{idp['id']}").status_code == 403
    assert client.get(f"/sign-in/organisation/{idp['id']}/start").status_code == 403


def test_a_missing_client_secret_is_a_clear_page_and_a_log_line_naming_only_its_reference(
        client, provider, idp, monkeypatch, caplog):
    monkeypatch.delenv(SECRET_ENV)
    with caplog.at_level(logging.INFO):
        response = client.get(f"/sign-in/organisation/{idp['id']}/start")
    assert response.status_code == 503
    assert "not set up correctly" in response.get_data(as_text=True)
    assert any(getattr(r, "secret_ref", None) == f"env:{SECRET_ENV}" for r in caplog.records)


def test_a_discovery_document_naming_another_issuer_is_not_followed(client, demo_services,
                                                                      provider, idp, caplog):
    """The issuer is exactly what the registered discovery URL names; a document (or a
    provider) claiming another is refused before anyone is sent to it."""
    provider.front.discovery_issuer = "https://login.microsoftonline.com/other-tenant/v2.0"
    try:
        with caplog.at_level(logging.INFO):
            response = client.get(f"/sign-in/organisation/{idp['id']}/start")
    finally:
        provider.front.discovery_issuer = None
    assert response.status_code == 503
    assert "Single sign-on for your organisation is not working" in response.get_data(
        as_text=True)
    assert refusals(caplog) == ["misconfigured"]
    # Once the document is right again, signing in works (nothing wrong was cached).
    assert client.get(f"/sign-in/organisation/{idp['id']}/start").status_code == 302


def test_the_secret_may_come_from_a_secrets_file(client, demo_services, provider, idp,
                                                 admin_actor, tmp_path, monkeypatch, kent):
    secret_file = tmp_path / "kent-oidc-secret"
    secret_file.write_text(idp["secret"] + "\n")
    monkeypatch.delenv(SECRET_ENV)
    position = demo_services.portal.change_identity_provider(
        admin_actor, idp["id"], client_secret_ref=f"file:{secret_file}")
    demo_services.projections.wait_for(position)
    response = sign_in(client, provider, idp, "entra-oid-file", email=kent.email)
    assert response.headers["Location"] == "/"


def test_unknown_identity_providers_are_the_usual_404(client):
    missing = identity_provider_id(account_id("nobody@example.org"))
    for path in ("", "/start", "/callback?code=x&state=y"):
        assert client.get(f"/sign-in/organisation/{missing}{path}").status_code == 404


def test_a_domain_without_single_sign_on_says_so(client, idp):
    response = client.post_form("/sign-in/organisation", {"email": "someone@devon.example.org"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is no single sign-on for devon.example.org" in page
    assert "<title>Error: Sign in with your organisation" in page
    response = client.post_form("/sign-in/organisation", {"email": "not an email"})
    assert "Enter an email address in the correct format" in response.get_data(as_text=True)


# --- forged callbacks ---------------------------------------------------------------------------

def refusals(caplog) -> list[str]:
    return [r.refusal for r in caplog.records if r.getMessage() == "single sign-on refused"]


def assert_refused(response, demo_services, client, caplog, before: int, kind: str,
                   secrets: list[str]) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page[:300]
    assert "You have not been signed in" in page
    assert signed_in_as(client) is None
    assert demo_services.portal.last_position() == before  # nothing stored
    assert demo_services.portal.find_account(NEWCOMER) is None
    assert refusals(caplog) == [kind]
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    for secret in secrets:
        assert secret not in logged


def forged(client, demo_services, provider, idp, caplog, *, authorize_changes=None,
           callback_changes=None, kind: str, session_tamper=None):
    """Start a sign-in as the newcomer, let the provider answer, tamper where asked, and check
    the portal refuses the callback."""
    provider.add_user("entra-oid-forged", email=NEWCOMER, name="Forged")
    authorize = begin(client, idp)
    if authorize_changes:
        authorize = with_query(authorize, **authorize_changes)
    callback = provider.authorize(authorize, "entra-oid-forged")
    query = parse_qs(urlsplit(callback).query)
    secrets = [query["code"][0], query["state"][0], idp["secret"]]
    if callback_changes:
        callback = with_query(callback, **callback_changes)
    if session_tamper:
        session_tamper(client)
    before = demo_services.portal.last_position()
    caplog.clear()
    with caplog.at_level(logging.INFO):
        response = finish(client, callback)
    assert_refused(response, demo_services, client, caplog, before, kind, secrets)
    return response


def test_a_callback_without_state_is_refused(client, demo_services, provider, idp, caplog):
    response = forged(client, demo_services, provider, idp, caplog,
                      callback_changes={"state": None}, kind="state")
    assert "This sign-in cannot be finished" in response.get_data(as_text=True)


def test_a_callback_with_another_state_is_refused(client, demo_services, provider, idp, caplog):
    forged(client, demo_services, provider, idp, caplog,
           callback_changes={"state": "forged-state-value"}, kind="state")


def test_a_callback_from_another_browser_is_refused(app, client, demo_services, provider, idp,
                                                     caplog):
    """Login CSRF: a callback whose state belongs to someone else's session. Its code is not
    redeemed (the provider sees no token request), and it still works where it started."""
    provider.add_user("entra-oid-attacker", email="attacker@kent.example.org")
    attacker = app.test_client()
    callback = provider.authorize(begin(attacker, idp), "entra-oid-attacker")
    before = demo_services.portal.last_position()
    tokens_before = len(provider.front.token_requests)
    with caplog.at_level(logging.INFO):
        response = finish(client, callback)
    assert response.status_code == 400
    assert signed_in_as(client) is None
    assert demo_services.portal.last_position() == before
    assert refusals(caplog) == ["state"]
    assert len(provider.front.token_requests) == tokens_before
    assert finish(attacker, callback).status_code == 302


def test_a_nonce_other_than_the_sessions_is_refused(client, demo_services, provider, idp, caplog):
    """The provider signs a token carrying whatever nonce the authorize request asked for; a
    request altered on its way there gets a token this session did not ask for."""
    response = forged(client, demo_services, provider, idp, caplog,
                      authorize_changes={"nonce": "attacker-chosen-nonce"}, kind="token")
    assert "We could not confirm who you are" in response.get_data(as_text=True)


def test_a_replayed_callback_is_refused(client, demo_services, provider, idp, caplog):
    provider.add_user("entra-oid-replay", email=NEWCOMER)
    callback = provider.authorize(begin(client, idp), "entra-oid-replay")
    assert finish(client, callback).status_code == 302
    client.post_form("/sign-out")
    before = demo_services.portal.last_position()
    with caplog.at_level(logging.INFO):
        response = finish(client, callback)
    assert response.status_code == 400
    assert signed_in_as(client) is None
    assert demo_services.portal.last_position() == before
    assert refusals(caplog) == ["state"]


def test_a_replayed_code_with_a_fresh_state_is_refused_by_the_provider(
        client, demo_services, provider, idp, caplog):
    provider.add_user("entra-oid-replay-code", email=NEWCOMER)
    used = provider.authorize(begin(client, idp), "entra-oid-replay-code")
    assert finish(client, used).status_code == 302
    client.post_form("/sign-out")
    account_events = len(events_of(demo_services, account_id(NEWCOMER)))
    used_code = parse_qs(urlsplit(used).query)["code"][0]
    fresh = provider.authorize(begin(client, idp), "entra-oid-replay-code")
    replay = with_query(fresh, code=used_code)
    before = demo_services.portal.last_position()
    with caplog.at_level(logging.INFO):
        response = finish(client, replay)
    assert response.status_code == 400
    assert signed_in_as(client) is None
    assert demo_services.portal.last_position() == before
    assert len(events_of(demo_services, account_id(NEWCOMER))) == account_events
    assert refusals(caplog) == ["token"]
    assert provider.front.token_requests[-1]["code"] == used_code


def test_a_code_issued_to_another_session_fails_its_pkce_check(app, client, demo_services,
                                                                provider, idp, caplog):
    """Code injection: an attacker's code, carried into the victim's callback with the victim's
    own state, meets the victim's verifier at the token endpoint, and the provider refuses. The
    attacker's request even reuses the victim's nonce, so only PKCE stands in the way."""
    provider.add_user("entra-oid-attacker", email="attacker@kent.example.org")
    victim_authorize = begin(client, idp)
    victim = {k: v[0] for k, v in parse_qs(urlsplit(victim_authorize).query).items()}
    attacker = app.test_client()
    attacker_authorize = with_query(begin(attacker, idp), nonce=victim["nonce"])
    stolen = parse_qs(urlsplit(provider.authorize(attacker_authorize, "entra-oid-attacker"))
                      .query)["code"][0]
    injected = f"http://localhost/sign-in/organisation/{idp['id']}/callback?" + urlencode(
        {"code": stolen, "state": victim["state"]})
    issued = len(provider.front.token_responses)
    before = demo_services.portal.last_position()
    with caplog.at_level(logging.INFO):
        response = finish(client, injected)
    assert_refused(response, demo_services, client, caplog, before, "token",
                   [stolen, victim["state"], idp["secret"]])
    assert provider.front.token_requests[-1]["code"] == stolen
    assert len(provider.front.token_responses) == issued  # the provider issued no token
    assert demo_services.portal.find_account("attacker@kent.example.org") is None


def test_a_token_request_without_the_pkce_verifier_is_refused(client, demo_services, provider,
                                                              idp, caplog):
    """A session whose stored sign-in has lost its verifier sends none; the provider refuses
    the code it issued for a challenge."""
    def drop_verifier(client):
        token = client.get_cookie(PLAIN_COOKIE).value
        with demo_services.engine.begin() as c:
            data = json.loads(c.execute(sa.select(web_sessions.c.data).where(
                web_sessions.c.token_hash == _hash(token))).scalar_one())
            for key, value in data.items():
                if key.startswith("_state_"):
                    value["data"].pop("code_verifier")
            c.execute(web_sessions.update().where(web_sessions.c.token_hash == _hash(token))
                      .values(data=json.dumps(data)))

    forged(client, demo_services, provider, idp, caplog, session_tamper=drop_verifier,
           kind="token")
    assert "code_verifier" not in provider.front.token_requests[-1]


@pytest.mark.parametrize("tamper", [
    pytest.param(lambda front: front.resign(iss="https://login.microsoftonline.com/other/v2.0"),
                 id="wrong-issuer"),
    pytest.param(lambda front: front.resign(aud="another-client"), id="wrong-audience"),
    pytest.param(lambda front: front.resign(aud=["another-client", "yet-another"]),
                 id="wrong-audience-list"),
    pytest.param(lambda front: front.resign(exp=int(time.time()) - 3600,
                                            iat=int(time.time()) - 7200), id="expired"),
    pytest.param(lambda front: front.resign(iat=None), id="no-issued-at"),
    pytest.param(lambda front: front.resign(nonce=None), id="no-nonce"),
    pytest.param(lambda front: front.resign(sub="x" * 256), id="overlong-subject"),
    pytest.param(lambda front: front.forged_signature(), id="signed-by-another-key"),
    pytest.param(lambda front: front.altered_payload(email="boss@kent.example.org"),
                 id="altered-after-signing"),
    pytest.param(lambda front: (lambda token: token.rsplit(".", 1)[0] + "."),
                 id="signature-removed"),
])
def test_a_bad_id_token_is_refused(client, demo_services, provider, idp, caplog, tamper):
    provider.front.tamper = tamper(provider.front)
    try:
        response = forged(client, demo_services, provider, idp, caplog, kind="token")
    finally:
        provider.front.tamper = None
    assert "We could not confirm who you are" in response.get_data(as_text=True)
    assert demo_services.portal.find_account("boss@kent.example.org") is None


def test_a_callback_nobody_started_is_refused_even_while_the_provider_is_unreachable(
        client, demo_services, admin_actor, caplog, monkeypatch):
    """Nothing is fetched from the identity provider for a callback this browser did not
    start, so a stray or forged one is told the sign-in cannot be finished (400), not that the
    council's sign-in service is down (503)."""
    devon = authority_id("878")
    monkeypatch.setenv(SECRET_ENV, "devon-secret")
    _, position = demo_services.portal.register_identity_provider(
        admin_actor, organisation_id=devon, display_name="Devon County Council",
        discovery_url="http://127.0.0.1:9/.well-known/openid-configuration",
        client_id="devon-client", client_secret_ref=f"env:{SECRET_ENV}",
        allowed_domains=["devon.example.org"])
    demo_services.projections.wait_for(position)
    idp = identity_provider_id(devon)
    with caplog.at_level(logging.INFO):
        stray = client.get(f"/sign-in/organisation/{idp}/callback?code=abc&state=xyz")
        started = client.get(f"/sign-in/organisation/{idp}/start")
    assert stray.status_code == 400
    assert "This sign-in cannot be finished" in stray.get_data(as_text=True)
    assert started.status_code == 503  # starting one must ask the provider, which is down
    assert refusals(caplog) == ["state", "unreachable"]


def test_the_provider_refusing_the_sign_in_is_a_clear_page(client, demo_services, provider, idp,
                                                            caplog):
    """The user pressed "deny" on the provider's page."""
    authorize = begin(client, idp)
    import requests

    response = requests.post(authorize, data={"action": "deny"}, allow_redirects=False,
                             timeout=10)
    callback = response.headers["Location"]
    assert "error=access_denied" in callback
    before = demo_services.portal.last_position()
    with caplog.at_level(logging.INFO):
        response = finish(client, callback)
    assert response.status_code == 400
    assert "did not sign you in" in response.get_data(as_text=True)
    assert signed_in_as(client) is None
    assert demo_services.portal.last_position() == before
    assert refusals(caplog) == ["provider"]


def test_the_accounts_known_to_the_demo_still_sign_in_with_passwords(client):
    """Single sign-on is an addition: an organisation's password accounts keep working."""
    officer = next(a for a in demo_accounts() if a.organisation == "Devon")
    client.sign_in(officer)
    assert signed_in_as(client).authenticated_by != ("oidc",)


def test_only_refusals_count_towards_the_single_sign_on_limits(app, client, idp):
    """A council's staff behind one proxy address all find their sign-in; guessing domains
    from that address is still limited (20 refusals a minute)."""
    app.config["RATELIMIT_ENABLED"] = True
    for n in range(30):
        found = client.post_form("/sign-in/organisation", {"email": f"officer{n}@kent.example.org"})
        assert found.status_code == 303, n
    statuses = [client.post_form("/sign-in/organisation",
                                 {"email": f"someone@guess{n}.example.org"}).status_code
                for n in range(21)]
    assert statuses[:20] == [200] * 20 and statuses[20] == 429
