"""The vacancy board's commands of the portal application: a provider's named contact for its
vacancies, an officer asking a provider for a vacancy's place for one of their home searches,
and an officer's saved searches of the board.

A mixin of :class:`~portal.services.application.Portal`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from uuid import UUID

from domain.actor import Actor
from domain.board_search import BoardSearch
from domain.errors import NotFound, PermissionDenied, check_version
from domain.organisation import Authority, Provider
from domain.vacancy import Vacancy
from portal.services.clashes import retried_on_clash


class BoardCommands:
    """Needs ``_get``, ``_save``, ``_create`` and ``get_home_search`` (Portal)."""

    @retried_on_clash
    def set_provider_contact(self, actor: Actor, provider_ref: UUID, *, name: str,
                             phone: str, email: str, reason: str | None = None,
                             expected_version: int | None = None) -> int:
        """Name the person councils contact about the provider's vacancies (the provider's own
        users only). Nothing is stored when the contact is as it was. ``expected_version``:
        only if the provider's record is still at that version."""
        if actor.user_id is not None and actor.organisation_id != provider_ref:
            raise PermissionDenied("You can only name your own organisation's contact")
        provider = self._get(provider_ref, Provider, "provider")
        check_version(provider, expected_version)
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

    # --- saved searches of the board: each officer's own -------------------------------------

    def save_board_search(self, actor: Actor, *, name: str, setting_type: str | None = None,
                          host_authority_id: UUID | None = None,
                          partnership: str | None = None, age: int | None = None,
                          needs: Iterable[str] = (), max_weekly_fee: int | None = None,
                          available_by: date | None = None, quality: str | None = None,
                          search_id: UUID | None = None) -> tuple[UUID, int]:
        """Save the board's filters under a name, for the acting officer's own account; a new
        vacancy that matches them is then a notice (and an e-mail) to that officer."""
        if actor.user_id is None:
            raise PermissionDenied("A saved search belongs to an officer's own account")
        if host_authority_id is not None:
            try:
                self._get(host_authority_id, Authority, "authority")
            except NotFound:
                raise NotFound("Choose an area from the list", field="area") from None
        search = BoardSearch.save(
            account_id=actor.user_id, authority_id=actor.organisation_id, name=name,
            actor=actor, id=search_id, filters=dict(
                setting_type=setting_type, host_authority_id=host_authority_id,
                partnership=partnership, age=age, needs=list(needs),
                max_weekly_fee=max_weekly_fee, available_by=available_by, quality=quality))
        return search.id, self._create(search, "This search has already been saved")

    def get_board_search(self, actor: Actor, search_ref: UUID) -> BoardSearch:
        """One of the acting officer's own saved searches; anyone else's, or a deleted one,
        is "no such saved search", exactly like a missing one."""
        search = self._get(search_ref, BoardSearch, "saved search")
        if search.deleted or (actor.user_id is not None and search.account_id != actor.user_id):
            raise NotFound("There is no such saved search")
        return search

    @retried_on_clash
    def delete_board_search(self, actor: Actor, search_ref: UUID, *,
                            reason: str | None = None) -> int:
        search = self.get_board_search(actor, search_ref)
        search.delete(actor=actor, reason=reason)
        return self._save(search)
