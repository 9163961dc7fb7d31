"""User accounts as event-sourced aggregates: who may act, for which organisation, in which role.

Credentials (password hashes, second-factor secrets) are deliberately *not* in these events:
the event log is read by auditors and exported, so it must never hold a secret.
"""

from __future__ import annotations

import re
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.actor import Actor
from domain.base import PortalAggregate
from domain.errors import DomainError, IllegalTransition
from domain.organisation import NAMESPACE
from domain.vocabulary import ROLE_ORGANISATION_KINDS, ROLES

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def account_id(email: str) -> UUID:
    return uuid5(NAMESPACE, "account:" + normalise_email(email))


def check_role(role: str, organisation_kind: str) -> None:
    if role not in ROLES:
        raise DomainError("Choose a role", field="role")
    if organisation_kind not in ROLE_ORGANISATION_KINDS[role]:
        raise DomainError(
            f"A {ROLES[role].lower()} cannot belong to this kind of organisation", field="role"
        )


class Account(PortalAggregate):
    @staticmethod
    def create_id(email: str) -> UUID:
        return account_id(email)

    @event("Created")
    def __init__(
        self,
        *,
        email: str,
        display_name: str,
        organisation_id: UUID,
        roles: list[str],
        actor: Actor,
        reason: str | None,
    ) -> None:
        self.email = email
        self.display_name = display_name
        self.organisation_id = organisation_id
        self.roles = list(roles)
        self.suspended = False

    @classmethod
    def create(cls, *, email: str, display_name: str, organisation_id: UUID,
               organisation_kind: str, roles: list[str], actor: Actor) -> Account:
        email = normalise_email(email)
        if not EMAIL.match(email):
            raise DomainError("Enter an email address in the correct format, like name@example.org",
                              field="email")
        if not display_name.strip():
            raise DomainError("Enter the person's name", field="display_name")
        for role in roles:
            check_role(role, organisation_kind)
        return cls(email=email, display_name=display_name.strip(),
                   organisation_id=organisation_id, roles=sorted(set(roles)), actor=actor,
                   reason=None)

    def grant_role(self, role: str, organisation_kind: str, *, actor: Actor,
                   reason: str | None = None) -> None:
        check_role(role, organisation_kind)
        if role in self.roles:
            raise IllegalTransition(f"This account already has the role {ROLES[role].lower()}")
        self._role_granted(role=role, actor=actor, reason=reason)

    @event("RoleGranted")
    def _role_granted(self, *, role: str, actor: Actor, reason: str | None) -> None:
        self.roles = sorted({*self.roles, role})

    def revoke_role(self, role: str, *, actor: Actor, reason: str | None = None) -> None:
        if role not in self.roles:
            raise IllegalTransition("This account does not have that role")
        self._role_revoked(role=role, actor=actor, reason=reason)

    @event("RoleRevoked")
    def _role_revoked(self, *, role: str, actor: Actor, reason: str | None) -> None:
        self.roles = [r for r in self.roles if r != role]

    def suspend(self, *, actor: Actor, reason: str | None = None) -> None:
        if self.suspended:
            raise IllegalTransition("This account is already suspended")
        self._suspended(actor=actor, reason=reason)

    @event("Suspended")
    def _suspended(self, *, actor: Actor, reason: str | None) -> None:
        self.suspended = True

    def reinstate(self, *, actor: Actor, reason: str | None = None) -> None:
        if not self.suspended:
            raise IllegalTransition("This account is not suspended")
        self._reinstated(actor=actor, reason=reason)

    @event("Reinstated")
    def _reinstated(self, *, actor: Actor, reason: str | None) -> None:
        self.suspended = False

    # --- signing in: recorded so the auditor sees every use of an account --------------------

    def record_sign_in(self, *, method: str) -> None:
        """A successful sign-in; ``method`` says how ("password", "password+totp", "oidc")."""
        if self.suspended:
            raise IllegalTransition("This account is suspended")
        self._signed_in(method=method, actor=Actor(self.id, self.organisation_id), reason=None)

    @event("SignedIn")
    def _signed_in(self, *, method: str, actor: Actor, reason: str | None) -> None:
        pass

    def record_failed_sign_in(self, *, reason: str) -> None:
        """A refused attempt to sign in as this account. Nobody is signed in, so the portal
        itself records it."""
        self._sign_in_failed(actor=Actor.system(), reason=reason)

    @event("SignInFailed")
    def _sign_in_failed(self, *, actor: Actor, reason: str | None) -> None:
        pass
