"""The referral commands of the portal application: send a home search to providers, their
offers and declines, closing the offers window, and accepting an offer.

A mixin of :class:`~portal.services.application.Portal`. Offers are events on the search (see
:mod:`domain.home_search`), so accepting one saves three aggregates in one ``save``: the search
(accepted and placed, the other offers released), the vacancy (filled, linked to the child's
placement) and the child's placement (started, or changed to the new home). The event store
appends them atomically: when another acceptance filled the vacancy first, the version clash
refuses the whole save, the command runs once more, finds the vacancy filled and answers with
a :class:`~domain.errors.Conflict` that says so. Accepting the same offer again answers with
the placement it started and stores nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

from domain import ssda903
from domain.actor import Actor
from domain.errors import Conflict, DomainError, NotFound
from domain.home_search import HomeSearch
from domain.organisation import Provider
from domain.out_of_area import Approval
from domain.placement import Placement, placement_id
from domain.timezone import LONDON
from domain.vacancy import Vacancy
from portal.services.clashes import retried_on_clash

VACANCY_TAKEN = ("The vacancy of this offer was taken meanwhile (it is no longer open), so the "
                 "offer cannot be accepted. Nothing was changed: the search is as it was. "
                 "Choose another offer, or close the search unfilled.")


def _now() -> datetime:
    return datetime.now(UTC)


class ReferralCommands:
    """Needs ``_get``, ``_save``, ``exists``, ``last_position``, ``get_home_search`` and
    ``_check_placement_links`` (Portal)."""

    def get_referral(self, actor: Actor, search_ref: UUID) -> HomeSearch:
        """A search as a provider it was sent to may see it; any other provider is told there
        is no such search (it is never told one exists). The placing authority sees its own."""
        search = self._get(search_ref, HomeSearch, "home search")
        if actor.user_id is None or actor.organisation_id == search.authority_id \
                or search.was_sent_to(actor.organisation_id):
            return search
        raise NotFound("There is no such home search")

    def child_known_to_portal(self, authority_id: UUID, child_ref: str) -> bool:
        """Whether the child has a placement record (otherwise acceptance asks for the month
        and year of birth)."""
        return self.exists(placement_id(authority_id, child_ref))

    @retried_on_clash
    def send_home_search(self, actor: Actor, search_ref: UUID, *,
                         provider_ids: Iterable[UUID], offers_close_at: datetime,
                         now: datetime | None = None, reason: str | None = None) -> int:
        """Send a draft to providers, open to offers until the deadline."""
        search = self.get_home_search(actor, search_ref)
        providers = list(provider_ids)
        for provider_id in providers:
            self._get(provider_id, Provider, "provider")
        search.send(provider_ids=providers, offers_close_at=offers_close_at,
                    now=now or _now(), actor=actor, reason=reason)
        return self._save(search)

    @retried_on_clash
    def offer_place(self, actor: Actor, search_ref: UUID, *, vacancy_id: UUID,
                    weekly_price: int, start_on: date, notes: str = "",
                    now: datetime | None = None, offer_id: UUID | None = None
                    ) -> tuple[UUID, int]:
        """A provider offers one of its own open vacancies for a search sent to it."""
        search = self.get_referral(actor, search_ref)
        vacancy = self._get(vacancy_id, Vacancy, "vacancy")
        if actor.user_id is not None and vacancy.provider_id != actor.organisation_id:
            raise NotFound("There is no such vacancy")
        offer_id = offer_id or uuid4()
        search.make_offer(offer_id=offer_id, vacancy=vacancy, weekly_price=weekly_price,
                          start_on=start_on, notes=notes, now=now or _now(), actor=actor)
        return offer_id, self._save(search)

    @retried_on_clash
    def decline_home_search(self, actor: Actor, search_ref: UUID, *, decline_reason: str,
                            reason: str | None = None, now: datetime | None = None) -> int:
        search = self.get_referral(actor, search_ref)
        search.decline(provider_id=actor.organisation_id, decline_reason=decline_reason,
                       now=now or _now(), actor=actor, reason=reason)
        return self._save(search)

    @retried_on_clash
    def close_home_search_to_offers(self, actor: Actor, search_ref: UUID, *,
                                    now: datetime | None = None,
                                    reason: str | None = None) -> int:
        """The officer closes the offers window early (the system, once it has passed)."""
        search = self.get_home_search(actor, search_ref)
        search.close_to_offers(now=now or _now(), actor=actor, reason=reason)
        return self._save(search)

    def close_home_searches_past_deadline(self, search_refs: Iterable[UUID], *,
                                          now: datetime | None = None) -> list[UUID]:
        """For the notices runner: close each of these searches whose deadline has passed.
        Returns those closed now."""
        closed = []
        for ref in search_refs:
            if self._close_if_past_deadline(ref, now or _now()):
                closed.append(ref)
        return closed

    @retried_on_clash
    def _close_if_past_deadline(self, search_ref: UUID, now: datetime) -> bool:
        search = self._get(search_ref, HomeSearch, "home search")
        if search.close_to_offers(now=now, actor=Actor.system(),
                                  reason="The offers deadline passed"):
            self._save(search)
            return True
        return False

    # --- the decision -------------------------------------------------------------------------

    @retried_on_clash
    def accept_offer(self, actor: Actor, search_ref: UUID, offer_id: UUID, *,
                     birth_month: str | None = None, uasc: bool = False,
                     contract_route: str = "spot", contract_id: UUID | None = None,
                     now: datetime | None = None, reason: str | None = None,
                     approval: Approval | None = None) -> tuple[UUID, int]:
        """Accept an offer: the child's placement starts in the offered setting, the vacancy is
        filled and linked to it, the search is placed and the other offers released, all in
        one save. Out of area, the move's record (``approval``: the one the regulations
        require; the search says whether it is planned) is saved with them. Returns the
        placement's id and the last notification id."""
        now = now or _now()
        search = self.get_home_search(actor, search_ref)
        ref = placement_id(search.authority_id, search.child_ref)
        if search.accepted_offer == offer_id:
            return ref, self.last_position()  # accepted already: a retried acceptance
        offer = search.offers.get(offer_id)
        if offer is None:
            raise NotFound("There is no such offer")
        vacancy = self._get(offer["vacancy_id"], Vacancy, "vacancy")
        if not vacancy.is_open:
            raise Conflict(VACANCY_TAKEN)
        placement = self._placement_for(
            search, offer, birth_month=birth_month, uasc=uasc, route=contract_route,
            contract_id=contract_id, today=now.astimezone(LONDON).date(), actor=actor)
        moves = self._out_of_area_moves(placement, urgency=search.urgency, approval=approval,
                                        now=now, today=now.astimezone(LONDON).date(),
                                        actor=actor)
        search.accept(offer_id=offer_id, placement_ref=str(ref), now=now, actor=actor,
                      reason=reason)
        vacancy.fill(placement_ref=str(ref), actor=actor,
                     reason=f"Offer accepted for home search {search.id}")
        return ref, self._save(search, vacancy, placement, *moves)

    def _placement_for(self, search: HomeSearch, offer: dict, *, birth_month: str | None,
                       uasc: bool, route: str, contract_id: UUID | None, today: date,
                       actor: Actor) -> Placement:
        """The child's placement with the new episode pending: started (a child new to the
        portal, or a new period of care) or changed to the offered home."""
        on = offer["start_on"]
        if on > today:
            raise DomainError(f"This offer's place starts on {on.day} {on:%B %Y}: accept it "
                              "on that day, when the child moves in", field="offer_id")
        place, place_provider = ssda903.setting_placement(offer["setting_type"], on)
        terms = self._check_placement_links(search.authority_id, dict(
            legal_status=search.legal_status, place=place, place_provider=place_provider,
            provider_id=offer["provider_id"], setting_id=offer["setting_id"],
            weekly_cost=offer["weekly_price"], contract_route=route, contract_id=contract_id,
            home_postcode=search.family_district))
        ref = placement_id(search.authority_id, search.child_ref)
        kw = dict(on=on, today=today, actor=actor, reason="An offer for a home search was "
                  "accepted")
        if not self.exists(ref):
            if birth_month is None:
                raise DomainError("This child is new to the portal: enter the month and year "
                                  "of birth", field="birth_month")
            return Placement.start(authority_id=search.authority_id,
                                   child_ref=search.child_ref, birth_month=birth_month,
                                   sex=search.sex, uasc=uasc, terms=terms, **kw)
        placement = self._get(ref, Placement, "child")
        if placement.is_open:
            placement.change(terms={**terms, "rne": "P"}, **kw)
        else:
            placement.restart(terms=terms, **kw)
        return placement
