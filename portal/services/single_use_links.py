"""Sign-in flows that start from an e-mailed, single-use link: accepting an invitation and
resetting a forgotten password. Both open the link (refused if used, expired or unknown), check
the new password against the rules, spend the link and set the password; each then does its
own step. The views only translate the request and render (``portal/views/invitations.py``,
``portal/views/password_reset.py``).

``svc`` is the composition root's services (``portal/bootstrap.py``); mail text is composed by
the caller, which knows the templates.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from auth.credentials import check_password_rules
from auth.session_store import revoke_all
from auth.tokens import INVITATION, PASSWORD_RESET, LinkRefused
from projections.directory_queries import account_by_email, account_by_id

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LinkFor:
    """An open link and the account it is for (the directory's row: e-mail, name, roles)."""

    token: str
    account: Any

    @property
    def account_id(self) -> UUID:
        return self.account["id"]


def open_link(svc, purpose: str, token: str) -> LinkFor:
    """The account a usable link is for; LinkRefused saying why otherwise. Uses nothing."""
    try:
        account_id = svc.tokens.check(purpose, token)
    except LinkRefused as refusal:
        log.info("single-use link refused", extra={"purpose": purpose,
                                                   "refusal": refusal.reason})
        raise
    with svc.engine.connect() as c:
        account = account_by_id(c, account_id)
    if account is None:
        raise LinkRefused("unknown")
    return LinkFor(token, account)


def _spend_for_password(svc, purpose: str, link: LinkFor, password: str) -> None:
    """Check the new password (DomainError on the ``password`` field), then spend the link
    (LinkRefused when another request spent it first)."""
    check_password_rules(password, email=link.account["email"])
    svc.tokens.spend(purpose, link.token)


# --- invitations ------------------------------------------------------------------------------

def accept_invitation(svc, link: LinkFor, password: str) -> UUID:
    """Set the invited account's password with its invitation link; returns the account id,
    to be signed in (the second factor is set up, where required, as part of signing in)."""
    _spend_for_password(svc, INVITATION, link, password)
    svc.credentials.set_password(link.account_id, password)
    log.info("invitation accepted", extra={"user_id": link.account_id.hex})
    return link.account_id


# --- password resets --------------------------------------------------------------------------

def send_password_reset_link(svc, email: str, *, url_for_token: Callable[[str], str],
                             compose: Callable[[str, str], str]) -> None:
    """Mail a reset link to an active account that signs in with a password; nothing
    otherwise (the caller shows the same page either way, so nobody learns who has an
    account). ``url_for_token`` makes the link's address; ``compose(name, url)`` the body."""
    with svc.engine.connect() as c:
        account = account_by_email(c, email)
    if account is None or account["suspended"] or account["status"] != "active" \
            or not svc.credentials.has_password(account["id"]):
        log.info("password reset asked for no usable account")
        return
    link = svc.tokens.issue(PASSWORD_RESET, account["id"])
    body = compose(account["display_name"], url_for_token(link.token))
    svc.mailer.send(email, "Reset your Sufficiency Portal password", body, "password_reset")
    log.info("password reset link sent", extra={"user_id": account["id"].hex})


def reset_password(svc, link: LinkFor, password: str, *, lockout) -> int:
    """Set a new password with a reset link: the PasswordReset event is recorded (never the
    hash), every session of the account ends and its sign-in lockout is cleared. Returns the
    event's notification id. DomainError when the password breaks a rule or the account was
    suspended since the link was sent; LinkRefused when the link was spent meanwhile."""
    _spend_for_password(svc, PASSWORD_RESET, link, password)
    position = svc.portal.record_password_reset(link.account_id)
    svc.credentials.set_password(link.account_id, password)
    ended = revoke_all(svc.engine, link.account_id)
    lockout.clear(link.account["email"])
    log.info("password reset", extra={"user_id": link.account_id.hex, "sessions": ended})
    return position
