"""The identity-provider commands of the portal application (a mixin of
:class:`~portal.services.application.Portal`
): a platform administrator registers, changes, turns off and
on an organisation's OpenID Connect provider; a first sign-in through it links or creates an
account."""

from __future__ import annotations

from uuid import UUID

from domain.account import Account, account_id
from domain.actor import Actor
from domain.errors import DomainError, IllegalTransition, NotFound, check_version
from domain.identity_provider import IdentityProvider, IdentityProviderOff, identity_provider_id
from portal.services.clashes import retried_on_clash


class IdentityProviderCommands:
    """Needs ``_get``, ``_save``, ``_create`` and ``organisation_kind`` (Portal)."""

    def _check_platform_admin(self, actor: Actor) -> None:
        from domain.errors import PermissionDenied

        if actor.organisation_id is None or actor.user_id is None \
                or self.organisation_kind(actor.organisation_id) != "platform":
            raise PermissionDenied("Only a platform administrator can set up identity providers")

    def register_identity_provider(self, actor: Actor, *, organisation_id: UUID,
                                   reason: str | None = None, **settings) -> tuple[UUID, int]:
        self._check_platform_admin(actor)
        try:
            self.organisation_kind(organisation_id)
        except NotFound:
            raise DomainError("Choose an organisation", field="organisation_id") from None
        provider = IdentityProvider.register(organisation_id=organisation_id, actor=actor,
                                             reason=reason, **settings)
        return provider.id, self._create(
            provider, "This organisation already has an identity provider: change it instead")

    def get_identity_provider(self, provider_ref: UUID) -> IdentityProvider:
        return self._get(provider_ref, IdentityProvider, "identity provider")

    @retried_on_clash
    def change_identity_provider(self, actor: Actor, provider_ref: UUID,
                                 reason: str | None = None,
                                 expected_version: int | None = None, **settings) -> int:
        self._check_platform_admin(actor)
        provider = self.get_identity_provider(provider_ref)
        check_version(provider, expected_version)
        provider.change(actor=actor, reason=reason, **settings)
        return self._save(provider)

    @retried_on_clash
    def disable_identity_provider(self, actor: Actor, provider_ref: UUID,
                                  reason: str | None = None,
                                  expected_version: int | None = None) -> int:
        self._check_platform_admin(actor)
        provider = self.get_identity_provider(provider_ref)
        check_version(provider, expected_version)
        provider.disable(actor=actor, reason=reason)
        return self._save(provider)

    @retried_on_clash
    def enable_identity_provider(self, actor: Actor, provider_ref: UUID,
                                 reason: str | None = None,
                                 expected_version: int | None = None) -> int:
        self._check_platform_admin(actor)
        provider = self.get_identity_provider(provider_ref)
        check_version(provider, expected_version)
        provider.enable(actor=actor, reason=reason)
        return self._save(provider)

    @retried_on_clash
    def sign_in_linking_identity(self, account_ref: UUID, *, provider_ref: UUID,
                                 subject: str) -> int:
        """First sign-in through the organisation's identity provider by an existing account:
        link the provider's subject to it and record the sign-in, together."""
        provider = self.get_identity_provider(provider_ref)
        account = self._get(account_ref, Account, "account")
        _check_may_use(account, provider)
        actor = Actor(account.id, account.organisation_id)
        reason = f"First sign-in through {provider.display_name}"
        account.link_identity(issuer=provider.issuer, subject=subject, actor=actor,
                              reason=reason)
        account.accept_invitation_through_identity_provider(reason=reason, now=self.clock())
        account.record_sign_in(method="oidc")
        return self._save(account)

    def sign_in_creating_account(self, *, provider_ref: UUID, subject: str, email: str,
                                 display_name: str) -> tuple[UUID, int]:
        """First sign-in by someone the organisation's identity provider vouches for and who
        has no account yet: an account with no roles (an administrator grants them), linked to
        the provider's subject, and the sign-in, stored together."""
        provider = self.get_identity_provider(provider_ref)
        if provider.disabled:
            raise IdentityProviderOff("This identity provider is turned off")
        new_id = account_id(email)
        actor = Actor(new_id, provider.organisation_id)
        reason = f"First sign-in through {provider.display_name}"
        account = Account.create(email=email, display_name=display_name,
                                 organisation_id=provider.organisation_id,
                                 organisation_kind=self.organisation_kind(
                                     provider.organisation_id),
                                 roles=[], actor=actor)
        account.link_identity(issuer=provider.issuer, subject=subject, actor=actor,
                              reason=reason)
        account.record_sign_in(method="oidc")
        return account.id, self._create(account, f"An account for {account.email} already exists")


def _check_may_use(account: Account, provider: IdentityProvider) -> None:
    if provider.disabled:
        raise IdentityProviderOff("This identity provider is turned off")
    if account.organisation_id != provider.organisation_id:
        raise IllegalTransition("This account belongs to another organisation")


__all__ = ["IdentityProviderCommands", "IdentityProviderOff", "identity_provider_id"]
