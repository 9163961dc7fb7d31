"""Single sign-on through an organisation's own OpenID Connect provider.

The protocol is authlib's Flask client, registered per identity provider on demand: the
authorization code flow with PKCE (S256), state and nonce kept in the (server-side) session,
and the ID token checked in full (signature against the provider's JWKS, ``iss`` against the
issuer the discovery URL names, ``aud`` against our client id, ``exp``/``iat``, ``nonce``).
This module adds what is the portal's own: where the client secret is read from, the issuer
allow-list, and which account the provider's user becomes.

A refused sign-in raises :class:`Refused` with a kind the sign-in pages explain; nothing is
stored for it except a ``SignInFailed`` event on an account the refusal is about.
"""

from __future__ import annotations

import logging
import os
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.base_client.errors import MismatchingStateError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from joserfc.errors import JoseError

from domain.account import EMAIL, InvitationExpired, normalise_email
from domain.errors import DomainError
from domain.identity_provider_commands import IdentityProviderOff
from projections.directory_queries import account_by_email, account_by_id
from projections.identity_providers import linked_account

log = logging.getLogger(__name__)

SCOPE = "openid email profile"
MAX_SUBJECT = 255  # OpenID Connect Core 1.0, section 2: "sub" is at most 255 ASCII characters
TIMEOUT_SECONDS = 10
# Discovery documents are re-read daily, so a provider's moved endpoints are followed; a new
# signing key is fetched as soon as a token names it (authlib re-reads the JWKS on an unknown
# key id).
METADATA_MAX_AGE_SECONDS = 24 * 3600
# Errors an identity provider sends back when the *user* did not finish signing in, as opposed
# to a request or token that is wrong.
USER_ERRORS = {"access_denied", "login_required", "interaction_required", "consent_required",
               "account_selection_required", "temporarily_unavailable"}


class Refused(Exception):
    """A sign-in through an identity provider was refused; ``kind`` names why (see
    ``portal/views/oidc.py`` REFUSALS for what the user is told)."""

    def __init__(self, kind: str, detail: str | None = None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.detail = detail  # for the log: an error code or exception name, never a secret


@dataclass(frozen=True)
class Signed:
    account_id: UUID
    position: int
    created: bool


def init_app(app: Flask) -> None:
    OAuth(app)


def _oauth() -> OAuth:
    return current_app.extensions["authlib.integrations.flask_client"]


def read_secret(ref: str) -> str:
    """The client secret a reference points to: ``env:NAME`` or ``file:/path``."""
    kind, _, where = ref.partition(":")
    secret = None
    if kind == "env":
        secret = os.environ.get(where)
    elif kind == "file":
        try:
            secret = Path(where).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            secret = None
    if not secret or not secret.strip():
        # The reference is configuration, not a secret: it may be logged.
        log.error("identity provider client secret unavailable", extra={"secret_ref": ref})
        raise Refused("misconfigured", "client secret unavailable")
    return secret.strip()


def client_for(provider: dict):
    """authlib's client for this identity provider, registered on first use. The name carries
    the provider's version, so a changed client id or discovery URL takes effect at once (a
    sign-in that started before the change fails its state check and starts again)."""
    oauth = _oauth()
    name = f"idp-{provider['id'].hex}-{provider['version']}"
    client = oauth.create_client(name)
    if client is None:
        client = oauth.register(
            name,
            client_id=provider["client_id"],
            client_secret=None,
            server_metadata_url=provider["discovery_url"],
            client_kwargs={"scope": SCOPE, "code_challenge_method": "S256",
                           "default_timeout": TIMEOUT_SECONDS},
        )
    client.client_secret = read_secret(provider["client_secret_ref"])
    _check_metadata(client, provider)
    return client


def _check_metadata(client, provider: dict) -> None:
    """Load (or re-load, once a day) the discovery document and make sure it names exactly
    the issuer its URL promises: a document naming another issuer is refused, not followed."""
    loaded_at = client.server_metadata.get("_loaded_at")
    if loaded_at is not None and time.time() - loaded_at > METADATA_MAX_AGE_SECONDS:
        client.server_metadata.clear()
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        client.server_metadata.clear()
        raise Refused("unreachable", type(error).__name__) from None
    if metadata.get("issuer") != provider["issuer"]:
        client.server_metadata.clear()
        log.error("identity provider discovery document names another issuer",
                  extra={"identity_provider_id": provider["id"].hex})
        raise Refused("misconfigured", "issuer in discovery document")
    if "S256" not in metadata.get("code_challenge_methods_supported", ["S256"]):
        client.server_metadata.clear()
        raise Refused("misconfigured", "no S256 PKCE")


def verified_claims(client, provider: dict) -> dict:
    """Exchange the callback's code and return the ID token's claims once authlib has checked
    state, the token response, the signature, ``iss``, ``aud``, ``exp``, ``iat`` and
    ``nonce``. The tokens themselves are dropped here: the portal keeps none."""
    try:
        token = client.authorize_access_token(claims_options={
            "iss": {"essential": True, "values": [provider["issuer"]]},
            "sub": {"essential": True},
        })
    except MismatchingStateError:
        raise Refused("state") from None
    except OAuthError as error:
        kind = "provider" if error.error in USER_ERRORS else "token"
        raise Refused(kind, error.error or type(error).__name__) from None
    except JoseError as error:
        raise Refused("token", _jose_detail(error)) from None
    except requests.RequestException as error:
        raise Refused("unreachable", type(error).__name__) from None
    except ValueError as error:  # a token response that is not JSON, a malformed token
        raise Refused("token", type(error).__name__) from None
    except RuntimeError as error:  # authlib: the discovery document lacks an endpoint
        raise Refused("misconfigured", type(error).__name__) from None
    claims = token.get("userinfo")
    if not claims:
        raise Refused("token", "no ID token")
    return dict(claims)


def _jose_detail(error: Exception) -> str:
    claim = getattr(error, "claim", None)
    name = getattr(error, "error", None) or type(error).__name__
    return f"{name} {claim}" if claim else name


# --- which account the provider's user is ------------------------------------------------------

def sign_in(svc, provider: dict, claims: dict) -> Signed:
    """The account the provider's user signs in as, with the sign-in recorded.

    1. An account already linked to this issuer and subject: that account.
    2. Otherwise the email claim must be in one of the provider's allowed domains (a provider
       can assert any address, so only the domains the organisation owns are believed). An
       account with that email in the provider's organisation is linked to the subject;
    3. with no account yet, one is created with no roles until an administrator grants them.
    """
    if provider["disabled"]:
        raise Refused("disabled")
    subject = claims["sub"]
    if not isinstance(subject, str) or not 0 < len(subject) <= MAX_SUBJECT \
            or not (subject.isascii() and subject.isprintable()):
        raise Refused("token", "subject")
    with svc.engine.connect() as c:
        linked = linked_account(c, provider["issuer"], subject)
        account = account_by_id(c, linked) if linked is not None else None
    if account is not None:
        _check_account(svc, provider, account)
        return Signed(account["id"], svc.portal.record_sign_in(account["id"], method="oidc"),
                      created=False)

    email = _email(claims)
    if email.rpartition("@")[2] not in provider["allowed_domains"]:
        raise Refused("domain")
    with svc.engine.connect() as c:
        account = account_by_email(c, email)
    if account is not None:
        _check_account(svc, provider, account)
        if any(issuer == provider["issuer"]
               for issuer, _ in svc.portal.get_account(account["id"]).identities):
            _refuse_for(svc, account, "linked_elsewhere",
                        "Single sign-on as another user of the same identity provider")
        try:
            position = svc.portal.sign_in_linking_identity(
                account["id"], provider_ref=provider["id"], subject=subject)
        except InvitationExpired:
            _refuse_for(svc, account, "invitation_expired",
                        "Single sign-on after the account's invitation expired")
        except DomainError as error:
            raise _refusal(error) from None
        return Signed(account["id"], position, created=False)
    try:
        new_id, position = svc.portal.sign_in_creating_account(
            provider_ref=provider["id"], subject=subject, email=email,
            display_name=_display_name(claims, email))
    except DomainError as error:
        raise _refusal(error) from None
    return Signed(new_id, position, created=True)


def _refusal(error: DomainError) -> Refused:
    """A command refused at the last moment: the provider was turned off, or the account
    changed (suspended, linked, created) between the checks above and the command, as when
    two first sign-ins race."""
    if isinstance(error, IdentityProviderOff):
        return Refused("disabled")
    return Refused("retry", type(error).__name__)


def _check_account(svc, provider: dict, account) -> None:
    if account["organisation_id"] != provider["organisation_id"]:
        _refuse_for(svc, account, "other_organisation",
                    "Single sign-on through another organisation's identity provider")
    if account["suspended"]:
        _refuse_for(svc, account, "suspended", "Account suspended")


def _refuse_for(svc, account, kind: str, reason: str):
    svc.portal.record_failed_sign_in(account["id"], reason=reason)
    raise Refused(kind)


def _email(claims: dict) -> str:
    raw = claims.get("email")
    if not isinstance(raw, str) or claims.get("email_verified") is False:
        raise Refused("no_email")
    email = normalise_email(raw)
    if len(email) > 320 or not EMAIL.match(email):
        raise Refused("no_email")
    return email


def _display_name(claims: dict, email: str) -> str:
    """The ``name`` claim as the account's name: NFC, without the control, format or
    surrogate characters that no event may carry (a person may choose their own name at some
    providers), at most 200 characters; the email's local part when there is none."""
    name = claims.get("name")
    if isinstance(name, str):
        name = "".join(ch for ch in name if ch.isprintable() or ch == " ")
        name = " ".join(unicodedata.normalize("NFC", name).split())[:200]
        if name:
            return name
    return email.partition("@")[0]
