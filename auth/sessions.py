"""Server-side sessions: revocable, with idle and absolute timeouts (OWASP ASVS 3.3).

Flask's default session is a signed cookie: it cannot be revoked, so a cookie copied before
sign-out keeps working until it expires. Here the cookie holds only a random token; the
session's data lives in the database under the token's SHA-256 (a stolen database does not
yield usable cookies). A session ends when it is revoked (sign-out, "sign out everywhere", an
account suspended), after 30 minutes without a request, or 12 hours after sign-in, whichever
comes first. Signing in always starts a new session, so a token planted before sign-in is
worthless after it.

Sessions with nothing in them (a visitor who has not yet needed a CSRF token) are never stored.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import UUID

import sqlalchemy as sa
from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from auth.session_store import (
    ABSOLUTE_TIMEOUT,
    IDLE_TIMEOUT,
    PLAIN_COOKIE,
    SECURE_COOKIE,
    TOUCH_EVERY,
    _aware,
    _hash,
    web_sessions,
)

# Built once: every request with a session cookie runs it.
_BY_TOKEN = sa.select(web_sessions).where(web_sessions.c.token_hash == sa.bindparam("token"))


class ServerSession(CallbackDict, SessionMixin):
    def __init__(self, initial: dict | None = None, token_hash: str | None = None,
                 created_at: datetime | None = None,
                 last_seen_at: datetime | None = None) -> None:
        def on_update(session: ServerSession) -> None:
            session.modified = True

        super().__init__(initial or {}, on_update)
        self.token_hash = token_hash
        self.created_at = created_at
        self.last_seen_at = last_seen_at
        self.modified = False
        self.rotate = False
        # Why a presented cookie was refused ("expired", "revoked"), for a friendly message.
        self.ended: str | None = None

    def regenerate(self) -> None:
        """Start a new session (a new token) when this response is sent: call at sign-in."""
        self.rotate = True
        self.modified = True


class ServerSessionInterface(SessionInterface):
    def __init__(self, engine_for: Callable[[Flask], sa.Engine], secure: bool) -> None:
        self.engine_for = engine_for
        self.secure = secure
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def get_cookie_name(self, app: Flask) -> str:
        return SECURE_COOKIE if self.secure else PLAIN_COOKIE

    # --- reading ------------------------------------------------------------------------------

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        token = request.cookies.get(self.get_cookie_name(app))
        if not token or len(token) > 100:
            return ServerSession()
        with self.engine_for(app).connect() as c:
            row = c.execute(_BY_TOKEN, {"token": _hash(token)}).mappings().first()
        session = ServerSession()
        if row is None:
            session.ended = "unknown"
            return session
        now = self.clock()
        created, seen = _aware(row["created_at"]), _aware(row["last_seen_at"])
        if row["revoked_at"] is not None:
            session.ended = "revoked"
        elif now - seen > IDLE_TIMEOUT or now - created > ABSOLUTE_TIMEOUT:
            session.ended = "expired"
        else:
            try:
                data = json.loads(row["data"])
            except ValueError:
                data = {}
            session = ServerSession(data, row["token_hash"], created, seen)
        return session

    # --- writing ------------------------------------------------------------------------------

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:
        name = self.get_cookie_name(app)
        now = self.clock()
        engine = self.engine_for(app)
        if not session:
            if session.token_hash is not None or session.ended is not None:
                if session.token_hash is not None:
                    with engine.begin() as c:
                        self._revoke(c, session.token_hash, now)
                response.delete_cookie(name, path="/", secure=self.secure, httponly=True,
                                       samesite="Lax")
            return
        data = json.dumps(dict(session), default=str)
        account = session.get("account_id")
        account_id = UUID(account) if account else None
        with engine.begin() as c:
            if session.token_hash is None or session.rotate:
                if session.token_hash is not None:
                    self._revoke(c, session.token_hash, now)
                token = secrets.token_urlsafe(32)
                c.execute(web_sessions.insert().values(
                    token_hash=_hash(token), account_id=account_id, data=data, created_at=now,
                    last_seen_at=now))
                self._set_cookie(app, response, name, token)
                return
            if session.modified:
                c.execute(web_sessions.update()
                          .where(web_sessions.c.token_hash == session.token_hash)
                          .values(data=data, account_id=account_id, last_seen_at=now))
            elif session.last_seen_at is None or now - session.last_seen_at >= TOUCH_EVERY:
                c.execute(web_sessions.update()
                          .where(web_sessions.c.token_hash == session.token_hash)
                          .values(last_seen_at=now))

    def _set_cookie(self, app: Flask, response: Response, name: str, token: str) -> None:
        # No Max-Age: the cookie ends with the browser; the server enforces both timeouts.
        response.set_cookie(name, token, path="/", secure=self.secure, httponly=True,
                            samesite="Lax")

    @staticmethod
    def _revoke(c: sa.Connection, token_hash: str, now: datetime) -> None:
        c.execute(web_sessions.update()
                  .where(web_sessions.c.token_hash == token_hash,
                         web_sessions.c.revoked_at.is_(None))
                  .values(revoked_at=now, data="{}"))
