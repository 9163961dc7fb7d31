"""User accounts as event-sourced aggregates: who may act, for which organisation, in which role.

Credentials (password hashes, second-factor secrets) are deliberately *not* in these events:
the event log is read by auditors and exported, so it must never hold a secret.
"""

from __future__ import annotations

import re
from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.actor import Actor
from domain.base import PortalAggregate
from domain.errors import AlreadyExists, DomainError, IllegalTransition
from domain.organisation import NAMESPACE
from domain.vocabulary import ROLE_ORGANISATION_KINDS, ROLES, SECOND_FACTOR_REQUIRED

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InvitationExpired(IllegalTransition):
    """An invitation accepted after it expired."""


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
        # "active" for an account created outright; "invited" from an invitation until the
        # person accepts it (sets a password and, where required, a second factor).
        self.status = "active"
        self.second_factor = False

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

    # --- single sign-on: the organisation's identity provider vouches for this account -------

    def link_identity(self, *, issuer: str, subject: str, actor: Actor,
                      reason: str | None = None) -> None:
        """Link the account to a user of an OpenID Connect provider (its ``iss`` and ``sub``);
        later sign-ins through that provider find the account by this pair, whatever the
        email claim then says. No token is recorded."""
        if self.suspended:
            raise IllegalTransition("This account is suspended")
        if (issuer, subject) in self.identities:
            raise IllegalTransition("This account is already linked to that identity")
        self._identity_linked(issuer=issuer, subject=subject, actor=actor, reason=reason)

    @property
    def identities(self) -> list[tuple[str, str]]:
        return getattr(self, "_identities", [])

    @event("IdentityLinked")
    def _identity_linked(self, *, issuer: str, subject: str, actor: Actor,
                         reason: str | None) -> None:
        self._identities = [*self.identities, (issuer, subject)]

    def accept_invitation_through_identity_provider(self, *, reason: str,
                                                    now: datetime) -> bool:
        """An invited person who signs in through their organisation's identity provider has
        proved who they are there, so the invitation is accepted without a portal password or
        second factor (the identity provider enforces its own), while it lasts: an expired
        invitation grants nothing, whichever way it is accepted. False when not invited."""
        if getattr(self, "status", "active") != "invited":
            return False
        if self.suspended:
            raise IllegalTransition("This account is suspended")
        if now >= self.invitation_expires_at:
            raise InvitationExpired("This invitation has expired: ask your organisation's "
                                    "administrator to invite you again")
        self._activated(actor=Actor(self.id, self.organisation_id), reason=reason)
        return True

    # --- invitations, second factor, password reset (no secret in any of these events) --------

    @property
    def needs_second_factor(self) -> bool:
        return not SECOND_FACTOR_REQUIRED.isdisjoint(self.roles)

    def _itself(self) -> Actor:
        return Actor(self.id, self.organisation_id)

    @classmethod
    def invite(cls, *, email: str, display_name: str, organisation_id: UUID,
               organisation_kind: str, roles: list[str], expires_at: datetime, actor: Actor,
               reason: str | None = None) -> Account:
        """A new account, "invited" until the person accepts the invitation's link."""
        if not roles:
            raise DomainError("Choose at least one role", field="roles")
        account = cls.create(email=email, display_name=display_name,
                             organisation_id=organisation_id,
                             organisation_kind=organisation_kind, roles=roles, actor=actor)
        account._invited(email=account.email, organisation_id=organisation_id,
                         roles=account.roles, expires_at=expires_at, actor=actor, reason=reason)
        return account

    def invite_again(self, *, organisation_id: UUID, organisation_kind: str, roles: list[str],
                     expires_at: datetime, actor: Actor, reason: str | None = None) -> None:
        """A fresh invitation (the earlier link no longer works) to someone who has not yet
        accepted one."""
        if self.status != "invited":
            raise AlreadyExists(f"An account for {self.email} already exists", field="email")
        if organisation_id != self.organisation_id:
            raise DomainError(f"{self.email} has already been invited to another organisation",
                              field="email")
        if not roles:
            raise DomainError("Choose at least one role", field="roles")
        for role in roles:
            check_role(role, organisation_kind)
        self._invited(email=self.email, organisation_id=organisation_id,
                      roles=sorted(set(roles)), expires_at=expires_at, actor=actor,
                      reason=reason)

    @event("Invited")
    def _invited(self, *, email: str, organisation_id: UUID, roles: list[str],
                 expires_at: datetime, actor: Actor, reason: str | None) -> None:
        self.status = "invited"
        self.roles = list(roles)
        self.invitation_expires_at = expires_at

    def activate(self) -> None:
        """The person accepted the invitation: a password set and, where their roles require
        one, a second factor enrolled."""
        if self.status != "invited":
            raise IllegalTransition("This account is already active")
        if self.suspended:
            raise IllegalTransition("This account is suspended")
        if self.needs_second_factor and not self.second_factor:
            raise IllegalTransition("Set up a second factor before the account can be used")
        self._activated(actor=self._itself(), reason=None)

    @event("Activated")
    def _activated(self, *, actor: Actor, reason: str | None) -> None:
        self.status = "active"

    def enrol_second_factor(self, *, method: str = "totp", actor: Actor | None = None) -> None:
        """An authenticator app was set up (its secret is kept by auth.second_factor, never
        here). The person does it themselves; the demo loader does it as the system."""
        if self.second_factor:
            raise IllegalTransition("A second factor is already set up for this account")
        self._second_factor_enrolled(method=method, actor=actor or self._itself(), reason=None)

    @event("SecondFactorEnrolled")
    def _second_factor_enrolled(self, *, method: str, actor: Actor, reason: str | None) -> None:
        self.second_factor = True

    def reset_second_factor(self, *, actor: Actor, reason: str | None = None) -> None:
        """An administrator removed the second factor (a lost phone): the person sets up a new
        one at their next sign-in."""
        if not self.second_factor:
            raise IllegalTransition("This account has no second factor to reset")
        self._second_factor_reset(actor=actor, reason=reason)

    @event("SecondFactorReset")
    def _second_factor_reset(self, *, actor: Actor, reason: str | None) -> None:
        self.second_factor = False

    def record_recovery_codes_regenerated(self) -> None:
        if not self.second_factor:
            raise IllegalTransition("Set up a second factor first")
        self._recovery_codes_regenerated(actor=self._itself(), reason=None)

    @event("RecoveryCodesRegenerated")
    def _recovery_codes_regenerated(self, *, actor: Actor, reason: str | None) -> None:
        pass

    def record_recovery_code_used(self, *, remaining: int) -> None:
        self._recovery_code_used(remaining=remaining, actor=self._itself(), reason=None)

    @event("RecoveryCodeUsed")
    def _recovery_code_used(self, *, remaining: int, actor: Actor, reason: str | None) -> None:
        pass

    def record_password_reset(self) -> None:
        """The person set a new password through an e-mailed link (the hash is kept apart)."""
        if self.status != "active":
            raise IllegalTransition("This account has not been activated")
        if self.suspended:
            raise IllegalTransition("This account is suspended")
        self._password_reset(actor=self._itself(), reason=None)

    @event("PasswordReset")
    def _password_reset(self, *, actor: Actor, reason: str | None) -> None:
        pass
