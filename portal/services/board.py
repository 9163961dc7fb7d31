"""The vacancy board's commands of the portal application: a provider's named contact for its
vacancies, an officer asking a provider for a vacancy's place for one of their home searches,
and an officer's saved searches of the board.

A mixin of :class:`~portal.services.application.Portal`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from domain.actor import Actor
from domain.errors import PermissionDenied
from domain.organisation import Provider
from domain.vacancy import Vacancy
from portal.services.clashes import retried_on_clash


class BoardCommands:
    """Needs ``_get``, ``_save`` and ``get_home_search`` (Portal)."""

    @retried_on_clash
    def set_provider_contact(self, actor: Actor, provider_ref: UUID, *, name: str,
                             phone: str, email: str, reason: str | None = None) -> int:
        """Name the person councils contact about the provider's vacancies (the provider's own
        users only). Nothing is stored when the contact is as it was."""
        if actor.user_id is not None and actor.organisation_id != provider_ref:
            raise PermissionDenied("You can only name your own organisation's contact")
        provider = self._get(provider_ref, Provider, "provider")
        provider.set_contact(name=name, phone=phone, email=email, actor=actor, reason=reason)
        return self._save(provider)

    @retried_on_clash
    def ask_for_place(self, actor: Actor, vacancy_ref: UUID, *, search_ref: UUID,
                      offers_close_at: datetime | None = None, now: datetime | None = None,
                      reason: str | None = None) -> int:
        """An officer asks the provider of a vacancy on the board for its place for one of
        their authority's home searches: the referral (a draft is sent to that provider with
        the deadline given; a search open to offers reaches it too), with the vacancy named."""
        search = self.get_home_search(actor, search_ref)
        vacancy = self._get(vacancy_ref, Vacancy, "vacancy")
        search.ask_for_place(vacancy=vacancy, now=now or datetime.now(UTC), actor=actor,
                             offers_close_at=offers_close_at, reason=reason)
        return self._save(search)
