"""The second factor's operations: setting up an authenticator app, signing in with a recovery
code, new recovery codes, and an administrator's reset for a lost phone. The secrets and codes
stay in ``auth/second_factor.py``'s tables; the events only say that something happened, who
did it and when. The sign-in views (``portal/views/second_factor.py``) keep the session's part.

``svc`` is the composition root's services (``portal/bootstrap.py``).
"""

from __future__ import annotations

import logging
from uuid import UUID

from auth.session_store import revoke_all
from domain.actor import Actor
from domain.errors import NotFound
from domain.permissions import check_in_scope
from domain.principal import Principal
from projections.directory_queries import account_by_id

log = logging.getLogger(__name__)


def enrol_authenticator(svc, account_id: UUID, secret: str, code: str) -> list[str] | None:
    """Set up the authenticator app whose ``secret`` shows ``code`` now: the account's new
    recovery codes (shown once), or None when the code does not match (nothing changes)."""
    codes = svc.second_factors.enrol(account_id, secret, code)
    if codes is not None:
        svc.portal.enrol_second_factor(account_id)
    return codes


def use_recovery_code(svc, account_id: UUID, code: str) -> int | None:
    """Spend one recovery code for the second step of signing in: how many are left, or None
    when the code is not one of the account's unused codes."""
    left = svc.second_factors.use_recovery_code(account_id, code)
    if left is not None:
        svc.portal.record_recovery_code_used(account_id, remaining=left)
    return left


def regenerate_recovery_codes(svc, account_id: UUID) -> tuple[list[str], int]:
    """Ten new recovery codes (the old ones stop working) and the event's notification id."""
    codes = svc.second_factors.regenerate_recovery_codes(account_id)
    return codes, svc.portal.record_recovery_codes_regenerated(account_id)


def account_to_reset(svc, principal: Principal, account_id: UUID):
    """The directory's row of an account whose second factor the principal may reset;
    NotFound for one outside their scope, as for one that does not exist."""
    with svc.engine.connect() as c:
        account = account_by_id(c, account_id)
    if account is None:
        raise NotFound("There is no such account")
    check_in_scope(principal, "accounts.manage", account["organisation_id"],
                   missing="There is no such account")
    return account


def reset_second_factor(svc, actor: Actor, account_id: UUID, *, reason: str) -> int:
    """For a lost phone: the authenticator and recovery codes go, every session of the account
    ends, and the person sets up a new authenticator at their next sign-in. DomainError when
    the reason is refused."""
    position = svc.portal.reset_second_factor(actor, account_id, reason=reason)
    svc.second_factors.reset(account_id)
    revoke_all(svc.engine, account_id)
    log.info("second factor reset", extra={"user_id": account_id.hex})
    return position
