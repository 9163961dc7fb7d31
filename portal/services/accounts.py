"""The account commands of the portal application: invitations, activation, the second factor
and password resets.

A mixin of :class:`~portal.services.application.Portal`
. Secrets (password hashes, authenticator secrets,
recovery codes, link tokens) never reach these commands: ``auth/`` keeps them, and the events
only say that something happened, who did it and when.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain.account import Account, account_id
from domain.actor import Actor
from domain.errors import NotFound
from portal.services.clashes import retried_on_clash


class AccountCommands:
    """Needs ``get_account``, ``organisation_kind``, ``_save``, ``_create`` (Portal)."""

    @retried_on_clash
    def invite_account(self, actor: Actor, *, email: str, display_name: str,
                       organisation_id: UUID, roles: list[str], expires_at: datetime,
                       reason: str | None = None) -> tuple[UUID, int]:
        """Invite a person (a new account, or a fresh invitation to one not yet accepted)."""
        kind = self.organisation_kind(organisation_id)
        try:
            existing = self.get_account(account_id(email))
        except NotFound:
            account = Account.invite(email=email, display_name=display_name,
                                     organisation_id=organisation_id, organisation_kind=kind,
                                     roles=roles, expires_at=expires_at, actor=actor,
                                     reason=reason)
            return account.id, self._create(
                account, f"An account for {account.email} already exists")
        existing.invite_again(organisation_id=organisation_id, organisation_kind=kind,
                              roles=roles, expires_at=expires_at, actor=actor, reason=reason)
        return existing.id, self._save(existing)

    @retried_on_clash
    def activate_account(self, account_ref: UUID) -> int:
        account = self.get_account(account_ref)
        account.activate()
        return self._save(account)

    @retried_on_clash
    def enrol_second_factor(self, account_ref: UUID, *, actor: Actor | None = None) -> int:
        account = self.get_account(account_ref)
        account.enrol_second_factor(actor=actor)
        return self._save(account)

    @retried_on_clash
    def reset_second_factor(self, actor: Actor, account_ref: UUID,
                            reason: str | None = None) -> int:
        account = self.get_account(account_ref)
        account.reset_second_factor(actor=actor, reason=reason)
        return self._save(account)

    @retried_on_clash
    def record_recovery_codes_regenerated(self, account_ref: UUID) -> int:
        account = self.get_account(account_ref)
        account.record_recovery_codes_regenerated()
        return self._save(account)

    @retried_on_clash
    def record_recovery_code_used(self, account_ref: UUID, *, remaining: int) -> int:
        account = self.get_account(account_ref)
        account.record_recovery_code_used(remaining=remaining)
        return self._save(account)

    @retried_on_clash
    def record_password_reset(self, account_ref: UUID) -> int:
        account = self.get_account(account_ref)
        account.record_password_reset()
        return self._save(account)
