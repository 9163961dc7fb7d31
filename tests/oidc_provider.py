"""A real OpenID Connect provider on localhost for the single sign-on tests: oidc-provider-mock
(an authlib authorization server) served over HTTP on a free port, behind a thin WSGI front.

The front does two things the mock (0.3.4) cannot:

- It enforces PKCE (RFC 7636) as Microsoft Entra ID and other providers do: a code issued for
  a ``code_challenge`` is exchanged only with the matching ``code_verifier``. The mock issues
  codes without remembering the challenge, so without this a wrong verifier would pass
  unnoticed and the tests could not show the portal sends the right one.
- It can tamper with the ID token in a token response (re-signed with the provider's own key,
  or with a broken signature), so the tests can show the portal's own validation refusing a
  token with a wrong issuer, audience, expiry or signature: the mock never issues such tokens.

Everything else (discovery, JWKS, the authorize page, codes, nonce, client authentication) is
the mock's own.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import flask
import requests
import werkzeug.serving
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import RSAKey
from oidc_provider_mock import app as mock_app

Tamper = Callable[[str], str]


@dataclass
class Front:
    app: Callable
    signing_key: RSAKey
    challenges: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    token_responses: list[dict] = field(default_factory=list)
    tamper: Tamper | None = None
    # Serve a discovery document naming this issuer instead of the provider's own.
    discovery_issuer: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        if path == "/oauth2/authorize" and method == "POST":
            return self._authorize(environ, start_response)
        if path == "/oauth2/token" and method == "POST":
            return self._token(environ, start_response)
        if path == "/.well-known/openid-configuration" and self.discovery_issuer:
            status, headers, body = self._call(environ)
            body = json.dumps({**json.loads(body), "issuer": self.discovery_issuer}).encode()
            headers = [(k, str(len(body)) if k.lower() == "content-length" else v)
                       for k, v in headers]
            start_response(status, headers)
            return [body]
        return self.app(environ, start_response)

    def _call(self, environ) -> tuple[str, list[tuple[str, str]], bytes]:
        captured: dict = {}

        def start(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers

        body = b"".join(self.app(environ, start))
        return captured["status"], captured["headers"], body

    def _authorize(self, environ, start_response):
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        status, headers, body = self._call(environ)
        location = dict(headers).get("Location", "")
        code = parse_qs(urlsplit(location).query).get("code", [None])[0]
        with self.lock:
            self.authorize_requests.append(query)
            if code:
                self.challenges[code] = (query.get("code_challenge"),
                                         query.get("code_challenge_method"))
        start_response(status, headers)
        return [body]

    def _token(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length)
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        with self.lock:
            self.token_requests.append(form)
            challenge, challenge_method = self.challenges.get(form.get("code", ""), (None, None))
        if challenge is not None:
            verifier = form.get("code_verifier")
            if not verifier:
                return _error(start_response, "code_verifier is required")
            if challenge_method != "S256" or create_s256_code_challenge(verifier) != challenge:
                return _error(start_response, "code_verifier does not match code_challenge")
        environ["wsgi.input"] = io.BytesIO(raw)
        status, headers, body = self._call(environ)
        if status.startswith("200"):
            with self.lock:
                self.token_responses.append(json.loads(body))
        if self.tamper is not None and status.startswith("200"):
            token = json.loads(body)
            token["id_token"] = self.tamper(token["id_token"])
            body = json.dumps(token).encode()
            headers = [(k, str(len(body)) if k.lower() == "content-length" else v)
                       for k, v in headers]
        start_response(status, headers)
        return [body]

    # --- tampering with an ID token --------------------------------------------------------

    def resign(self, **changes) -> Tamper:
        """Change claims (None removes one) and sign again with the provider's own key: the
        signature is good, so only the claims can make the portal refuse it."""
        def tamper(token: str) -> str:
            header, claims = _parts(token)
            changed = {k: v for k, v in {**claims, **changes}.items() if v is not None}
            return jwt.encode(header, changed, self.signing_key)
        return tamper

    @staticmethod
    def forged_signature(**changes) -> Tamper:
        """Change claims but sign with another key under the provider's key id."""
        other = RSAKey.generate_key(2048)

        def tamper(token: str) -> str:
            header, claims = _parts(token)
            return jwt.encode(header, {**claims, **changes}, other)
        return tamper

    @staticmethod
    def altered_payload(**changes) -> Tamper:
        """Change claims and keep the provider's original signature."""
        def tamper(token: str) -> str:
            head, _payload, signature = token.split(".")
            _header, claims = _parts(token)
            payload = _b64(json.dumps({**claims, **changes}).encode())
            return f"{head}.{payload}.{signature}"
        return tamper


def _parts(token: str) -> tuple[dict, dict]:
    head, payload, _signature = token.split(".")
    return json.loads(_unb64(head)), json.loads(_unb64(payload))


def _b64(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _error(start_response, description: str):
    body = json.dumps({"error": "invalid_grant", "error_description": description}).encode()
    start_response("400 BAD REQUEST", [("Content-Type", "application/json"),
                                       ("Content-Length", str(len(body)))])
    return [body]


@dataclass
class Provider:
    """The running provider: its issuer, discovery URL and front."""

    url: str
    front: Front

    @property
    def issuer(self) -> str:
        return self.url

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def register_client(self, redirect_uri: str) -> tuple[str, str]:
        """Dynamic client registration (RFC 7591): the client id and secret the portal uses."""
        response = requests.post(f"{self.url}/oauth2/clients", json={
            "redirect_uris": [redirect_uri], "token_endpoint_auth_method": "client_secret_basic"},
            timeout=10)
        response.raise_for_status()
        client = response.json()
        return client["client_id"], client["client_secret"]

    def add_user(self, sub: str, **claims) -> None:
        requests.put(f"{self.url}/users/{sub}", json=claims, timeout=10).raise_for_status()

    def authorize(self, authorize_url: str, sub: str) -> str:
        """Sign in on the provider's own authorize page, as the user ``sub``; returns the
        address it sends the browser back to (the portal's callback, with code and state)."""
        page = requests.get(authorize_url, timeout=10)
        assert page.status_code == 200, page.text[:500]
        response = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False,
                                 timeout=10)
        assert response.status_code == 302, response.text[:500]
        return response.headers["Location"]


@contextmanager
def running_provider():
    app = mock_app(require_client_registration=True, require_nonce=True)
    with app.test_request_context("/"):
        app.preprocess_request()
        key = RSAKey.import_key(flask.g.oidc_provider_mock_storage.jwk.as_dict(is_private=True))
    front = Front(app=app, signing_key=key)
    server = werkzeug.serving.make_server("localhost", 0, front, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield Provider(url=f"http://localhost:{server.server_port}", front=front)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
