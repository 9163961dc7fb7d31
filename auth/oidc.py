"""Single sign-on through an organisation's own OpenID Connect provider.

The protocol is authlib's Flask client, registered per identity provider on demand: the
authorization code flow with PKCE (S256), state and nonce kept in the (server-side) session,
and the ID token checked in full (signature against the provider's JWKS, ``iss`` against the
issuer the discovery URL names, ``aud`` against our client id, ``exp``/``iat``, ``nonce``).
This module adds what is the portal's own: where the client secret is read from, the issuer
allow-list, and which account the provider's user becomes.

A refused sign-in raises :class:`auth.refusals.Refused` with a kind the sign-in pages explain;
which account the provider's user becomes is the application's use case
(``portal/services/single_sign_on.py``).
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.base_client.errors import MismatchingStateError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from joserfc.errors import JoseError

from auth.refusals import Refused

log = logging.getLogger(__name__)

SCOPE = "openid email profile"
TIMEOUT_SECONDS = 10
# Discovery documents are re-read daily, so a provider's moved endpoints are followed; a new
# signing key is fetched as soon as a token names it (authlib re-reads the JWKS on an unknown
# key id).
METADATA_MAX_AGE_SECONDS = 24 * 3600
# Errors an identity provider sends back when the *user* did not finish signing in, as opposed
# to a request or token that is wrong.
USER_ERRORS = {"access_denied", "login_required", "interaction_required", "consent_required",
               "account_selection_required", "temporarily_unavailable"}


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
