"""What a person is told when sign-in attempts are stopped (auth/lockout.py), the same way on
the password, second-factor and recovery-code steps.

Guessing many accounts from one address is answered 429 with Retry-After, like any client
that asks too often; a stop on one account (from this address, or from many) is a message on
the form, with what the owner can do about it."""

from __future__ import annotations

from flask import current_app, request
from werkzeug.exceptions import TooManyRequests

from auth.lockout import ADDRESS, PAIR
from domain.timezone import LONDON


def client_address() -> str:
    return request.remote_addr or "unknown"


def refusal(email: str, remedy: str) -> str | None:
    """None when attempts for ``email`` may go on now; otherwise the form's message, naming
    ``remedy`` (what an administrator can reset). Raises 429 when the client address itself
    is stopped."""
    stop = current_app.extensions["lockout"].throttled(email, client_address())
    if stop is None:
        return None
    now = current_app.extensions["lockout"].clock()
    if stop.kind == ADDRESS:
        raise TooManyRequests(
            "Too many wrong passwords or codes have come from your network in the last few "
            f"minutes. Try again after {stop.until.astimezone(LONDON):%H:%M}.",
            retry_after=max(1, int((stop.until - now).total_seconds()) + 1))
    after = f"{stop.until.astimezone(LONDON):%H:%M}"
    if stop.kind == PAIR:
        return (f"Too many wrong passwords or codes for this email address. Try again after "
                f"{after}, or ask your administrator to reset your {remedy}")
    return (f"Too many wrong passwords or codes for this account from several places. Try "
            f"again after {after}, or reset your password from the sign-in page")
