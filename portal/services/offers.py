"""The referral commands of the portal application: send a home search to providers, their
offers (a vacancy, or a place at a setting) and declines, closing the offers window, and
accepting an offer.

A mixin of :class:`~portal.services.application.Portal`. Offers are events on the search (see
:mod:`domain.home_search`), so accepting one saves up to three aggregates in one ``save``: the
search (accepted and placed, the other offers released), the vacancy of a vacancy offer
(filled, linked to the child's placement) and the child's placement (started, or changed to the
new home). The event store appends them atomically: when another acceptance filled the vacancy
first, the version clash refuses the whole save, the command runs once more, finds the vacancy
filled and answers with a :class:`~domain.errors.Conflict` that says so. Accepting the same
offer again answers with the placement it started and stores nothing. An offer of a setting
fills no vacancy: the search's own version makes a second acceptance clash.

An offer starting later is accepted in the same way (the vacancy is filled at once, so no one
else takes it), but the placement is only scheduled: a placement record never starts in the
future. On the start day ``start_accepted_placements`` (run by the notices runner) starts it
and places the search, in one save.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime
from uuid import UUID, uuid4

from domain import ssda903
from domain.actor import Actor
from domain.errors import Conflict, DomainError, NotFound, check_version
from domain.home_search import ACCEPTED, HomeSearch
from domain.organisation import Provider
from domain.out_of_area import Approval
from domain.placement import Placement, check_child, placement_id
from domain.timezone import LONDON
from domain.vacancy import Vacancy
from portal.services.clashes import retried_on_clash

VACANCY_TAKEN = ("The vacancy of this offer was taken meanwhile (it is no longer open), so the "
                 "offer cannot be accepted. Nothing was changed: the search is as it was. "
                 "Choose another offer, or close the search unfilled.")


log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


def _today(now: datetime) -> date:
    return now.astimezone(LONDON).date()


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
                         now: datetime | None = None, reason: str | None = None,
                         expected_version: int | None = None) -> int:
        """Send a draft to providers, open to offers until the deadline."""
        search = self.get_home_search(actor, search_ref)
        check_version(search, expected_version)
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
    def offer_setting(self, actor: Actor, search_ref: UUID, *, provider_id: UUID,
                      setting_id: UUID, weekly_price: int, start_on: date, notes: str = "",
                      now: datetime | None = None, offer_id: UUID | None = None
                      ) -> tuple[UUID, int]:
        """A provider offers a place at one of its own settings (no vacancy published)."""
        search = self.get_referral(actor, search_ref)
        if actor.user_id is not None and provider_id != actor.organisation_id:
            raise NotFound("There is no such setting")
        provider = self._get(provider_id, Provider, "provider")
        setting = provider.setting(setting_id)  # NotFound for another provider's setting
        offer_id = offer_id or uuid4()
        search.offer_setting(offer_id=offer_id, provider_id=provider_id, setting=setting,
                             weekly_price=weekly_price, start_on=start_on, notes=notes,
                             now=now or _now(), actor=actor)
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
                                    reason: str | None = None,
                                    expected_version: int | None = None) -> int:
        """The officer closes the offers window early (the system, once it has passed)."""
        search = self.get_home_search(actor, search_ref)
        check_version(search, expected_version)
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
                     approval: Approval | None = None,
                     expected_version: int | None = None) -> tuple[UUID, int]:
        """Accept an offer: the vacancy (if it was a vacancy offer) is filled and linked to the
        child's placement, the other offers released, and the placement starts in the offered
        setting, or is scheduled for the offer's start day when that is later, all in one save.
        Out of area, the move's record (``approval``: the one the regulations require; the
        search says whether it is planned) is saved with the start; a later start keeps the
        approval until its day. Returns the placement's id and the last notification id."""
        now = now or _now()
        search = self.get_home_search(actor, search_ref)
        ref = placement_id(search.authority_id, search.child_ref)
        if search.accepted_offer == offer_id:
            return ref, self.last_position()  # accepted already: a retried acceptance
        check_version(search, expected_version)
        offer = search.offers.get(offer_id)
        if offer is None:
            raise NotFound("There is no such offer")
        vacancy = self._offered_vacancy(offer)
        details = dict(birth_month=birth_month, uasc=uasc, contract_route=contract_route,
                       contract_id=contract_id,
                       approval=None if approval is None else approval.as_dict())
        changed: list = []
        if offer["start_on"] > _today(now):
            self._check_scheduled_placement(search, offer, details)
        else:
            placement = self._placement_for(
                search, offer, birth_month=birth_month, uasc=uasc, route=contract_route,
                contract_id=contract_id, today=_today(now), actor=actor)
            changed += [placement, *self._out_of_area_moves(
                placement, urgency=search.urgency, approval=approval, now=now,
                today=_today(now), actor=actor)]
        search.accept(offer_id=offer_id, placement_ref=str(ref), now=now, actor=actor,
                      reason=reason, placement=details)
        if vacancy is not None:
            vacancy.fill(placement_ref=str(ref), home_search_id=search.id,
                         authority_id=search.authority_id, actor=actor,
                         reason=f"Offer accepted for home search {search.id}")
            changed.append(vacancy)
        return ref, self._save(search, *changed)

    def _offered_vacancy(self, offer: dict) -> Vacancy | None:
        """The offer's vacancy, still open (a Conflict when it was taken); None for an offer
        of a setting."""
        if offer["vacancy_id"] is None:
            return None
        vacancy = self._get(offer["vacancy_id"], Vacancy, "vacancy")
        if not vacancy.is_open:
            raise Conflict(VACANCY_TAKEN)
        return vacancy

    def _check_scheduled_placement(self, search: HomeSearch, offer: dict,
                                   details: dict) -> None:
        """What can be checked of a placement starting later, now: the child's details when
        new to the portal, and the provider, setting and contract it will link to."""
        if not self.exists(placement_id(search.authority_id, search.child_ref)):
            if details["birth_month"] is None:
                raise DomainError("This child is new to the portal: enter the month and year "
                                  "of birth", field="birth_month")
            check_child(details["birth_month"], search.sex, details["uasc"])
        terms = self._check_placement_links(search.authority_id, dict(
            provider_id=offer["provider_id"], setting_id=offer["setting_id"],
            contract_id=details["contract_id"]))
        host = terms.get("placement_authority_id")
        if search.urgency == "planned" and details["approval"] is None \
                and host not in (None, search.authority_id):
            # The move's record opens on the start day (start_accepted_placement); a planned
            # one cannot open then without the approval the regulations require first.
            raise DomainError("This placement is outside your area: a planned placement needs "
                              "approval before it starts (regulation 11). Record who approved "
                              "it, when and why", field="approver_name")

    def start_accepted_placements(self, search_refs: Iterable[UUID], *,
                                  now: datetime | None = None) -> tuple[list[UUID], list[UUID]]:
        """For the notices runner: start each of these searches' scheduled placements whose
        start day has come. Returns (started now, refused): a placement the child's record no
        longer allows (say, a later episode recorded meanwhile) is left for the officer."""
        started, refused = [], []
        for ref in search_refs:
            try:
                if self.start_accepted_placement(ref, now=now or _now()):
                    started.append(ref)
            except DomainError as error:
                log.warning("scheduled placement not started",
                            extra={"search_id": str(ref), "error": type(error).__name__})
                refused.append(ref)
        return started, refused

    @retried_on_clash
    def start_accepted_placement(self, search_ref: UUID, *, now: datetime | None = None
                                 ) -> bool:
        """The start day of an accepted offer has come: the child's placement starts in the
        offered setting and the search is placed, in one save. False when there is nothing to
        do (not yet its day, or placed already)."""
        today = _today(now or _now())
        search = self._get(search_ref, HomeSearch, "home search")
        if search.status != ACCEPTED or search.starts_on is None or search.starts_on > today:
            return False
        system = Actor.system()
        offer = search.offers[search.accepted_offer]
        kept = search.pending_placement
        placement = self._placement_for(
            search, offer, birth_month=kept["birth_month"], uasc=kept["uasc"],
            route=kept["contract_route"], contract_id=kept["contract_id"], today=today,
            actor=system)
        kept_approval = kept.get("approval")
        moves = self._out_of_area_moves(
            placement, urgency=search.urgency,
            approval=None if kept_approval is None else Approval(**kept_approval),
            now=now or _now(), today=today, actor=system)
        search.start_placement(today=today, actor=system)
        self._save(search, placement, *moves)
        return True

    def _placement_for(self, search: HomeSearch, offer: dict, *, birth_month: str | None,
                       uasc: bool, route: str, contract_id: UUID | None, today: date,
                       actor: Actor) -> Placement:
        """The child's placement with the new episode pending: started (a child new to the
        portal, or a new period of care) or changed to the offered home, on the offer's start
        day (today or before)."""
        on = offer["start_on"]
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
