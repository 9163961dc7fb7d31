"""The joint tender commands of the portal application.

A mixin of :class:`~portal.services.application.Portal`. Who may do what is decided by the acting
organisation: the lead authority runs the tender; a partner authority records its own key
decision; a provider answers, asks and bids only for itself and only where it is eligible;
evaluators and the moderator are the named users. The system actor (the demo loader) may act
for anyone. Deadlines are judged by ``self.clock()`` (UTC now unless a test or the demo loader
sets another), never by the browser.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.persistence import IntegrityError

from domain.account import Account
from domain.actor import Actor
from domain.bid import Bid, check_bid
from domain.contract import Contract
from domain.engagement import EngagementResponse
from domain.errors import AlreadyExists, DomainError, NotFound, check_version
from domain.organisation import Authority, Provider, provider_setting_types
from domain.sealing import BidSeal
from domain.tender import Tender, bid_id, response_id
from domain.tender_terms import (
    Problems,
    add_months,
    check_answers,
    check_details,
    check_lots,
    check_partners,
    check_timetable,
    require,
)
from domain.timezone import uk_date
from domain.words import counted
from portal.services.clashes import retried_on_clash


def utc_now() -> datetime:
    return datetime.now(UTC)


class TenderCommands:
    """Needs ``_get``, ``_save``, ``_create``, ``exists`` and ``last_position`` (Portal)."""

    # The server's clock. Tests and the demo loader replace it on the instance.
    clock: Callable[[], datetime] = staticmethod(utc_now)
    # Seals bids until opening. The composition root sets one keyed from the instance's key
    # file; an application without one (kept in memory, in tests) makes its own.
    _bid_seal: BidSeal | None = None

    @property
    def bid_seal(self) -> BidSeal:
        if self._bid_seal is None:
            self._bid_seal = BidSeal.with_new_key()
        return self._bid_seal

    @bid_seal.setter
    def bid_seal(self, seal: BidSeal) -> None:
        self._bid_seal = seal

    # --- plumbing -----------------------------------------------------------------------------

    def get_tender(self, tender_ref: UUID) -> Tender:
        return self._get(tender_ref, Tender, "tender")

    def _now(self) -> datetime:
        now = self.clock()
        if now.tzinfo is None:
            raise ValueError("The portal's clock must give timezone-aware moments")
        return now

    def _lead_tender(self, actor: Actor, tender_ref: UUID) -> Tender:
        from domain.errors import PermissionDenied

        tender = self.get_tender(tender_ref)
        if actor.user_id is not None and actor.organisation_id != tender.lead_authority_id:
            if actor.organisation_id in tender.partner_ids:
                raise PermissionDenied("Only the lead authority can do that")
            raise NotFound("There is no such tender")
        return tender

    def _check_acting_for_provider(self, actor: Actor, provider_id: UUID) -> Provider:
        from domain.errors import PermissionDenied

        if actor.user_id is not None and actor.organisation_id != provider_id:
            raise PermissionDenied("You can only act for your own organisation")
        return self._get(provider_id, Provider, "provider")

    def check_eligible(self, tender: Tender, provider: Provider,
                       lot_id: str | None = None) -> None:
        """A provider may answer a tender if it is named (when the tender names providers) and
        it offers the setting type of the lot (or of any lot)."""
        named = tender.eligible_providers
        lots = [tender.lot(lot_id)] if lot_id is not None else tender.lots
        types = provider_setting_types(provider)
        offers = types is None or any(lot["setting_type"] in types for lot in lots)
        if (named is not None and provider.id not in named) or not offers:
            what = "this lot" if lot_id is not None else "this tender"
            raise DomainError(f"{provider.name} is not eligible to answer {what}",
                              field="lot_id" if lot_id is not None else None)

    def _retrying(self, attempt: Callable[[], Any], tries: int = 5) -> Any:
        """Providers write to a tender at once (questions, bid registers): on a clash with
        another's write, load the tender again and retry."""
        for _ in range(tries):
            try:
                return attempt()
            except IntegrityError:
                continue
        raise DomainError("Others were writing to this tender at the same moment: nothing of "
                          "yours was saved. Please try again")

    def _partners(self, partners: Any, lead_authority_id: UUID) -> list[dict]:
        checked = check_partners(partners, lead_authority_id)
        for partner in checked:
            authority = self._get(partner["authority_id"], Authority, "partner authority")
            partner["name"] = authority.name
            partner["key_decision_threshold"] = authority.key_decision_threshold
        return checked

    def _eligible_providers(self, providers: Any) -> list[UUID] | None:
        if providers is None:
            return None
        require(isinstance(providers, list) and providers,
                "Name at least one provider, or open the tender to every provider",
                "eligible_providers")
        for provider in providers:
            self._get(provider, Provider, "provider")
        return list(dict.fromkeys(providers))

    # --- drafting -----------------------------------------------------------------------------

    def _partnership(self, partnership: Any, lead_authority_id: UUID) -> str:
        lead = self._get(lead_authority_id, Authority, "authority")
        name = (partnership or "").strip() if isinstance(partnership, str) else ""
        require(bool(name), "Choose the partnership the tender is run for", "partnership")
        require(name in lead.partnerships,
                f"{lead.name} is not a member of the partnership {name}", "partnership")
        return name

    def draft_tender(self, actor: Actor, *, lead_authority_id: UUID, partnership: str,
                     title: str,
                     description: str, route: str, estimated_annual_value: int,
                     estimated_total_value: int, term_months: int, lots: list[dict],
                     partners: list[dict], timetable: dict | None = None,
                     eligible_providers: list[UUID] | None = None,
                     tender_id: UUID | None = None,
                     reason: str | None = None) -> tuple[UUID, int]:
        from domain.errors import PermissionDenied

        if actor.user_id is not None and actor.organisation_id != lead_authority_id:
            raise PermissionDenied("You can only lead a tender for your own authority")
        # Every part checked, every problem reported at once.
        problems = Problems()
        partnership = problems.check(lambda: self._partnership(partnership, lead_authority_id))
        details = problems.check(lambda: check_details(
            title=title, description=description, route=route,
            estimated_annual_value=estimated_annual_value,
            estimated_total_value=estimated_total_value, term_months=term_months))
        checked_lots = problems.check(lambda: check_lots(lots))
        checked_partners = problems.check(lambda: self._partners(partners, lead_authority_id))
        checked_timetable = problems.check(lambda: check_timetable(timetable or {}))
        eligible = problems.check(lambda: self._eligible_providers(eligible_providers))
        problems.raise_any()
        tender = Tender(
            id=tender_id or uuid4(), lead_authority_id=lead_authority_id,
            partnership=partnership, **details, lots=checked_lots, partners=checked_partners,
            timetable=checked_timetable, eligible_providers=eligible, actor=actor,
            reason=reason)
        return tender.id, self._create(tender, "This tender has already been drafted")

    @retried_on_clash
    def revise_tender(self, actor: Actor, tender_ref: UUID, *, reason: str | None = None,
                      expected_version: int | None = None, **changes: Any) -> int:
        """Change a draft's details (title, description, route, values, term), lots,
        partners or eligible providers; give only what changes. ``expected_version``: only
        if the tender is still at that version."""
        tender = self._lead_tender(actor, tender_ref)
        check_version(tender, expected_version)
        detail_fields = ("title", "description", "route", "estimated_annual_value",
                         "estimated_total_value", "term_months")
        unknown = set(changes) - set(detail_fields) - {"partnership", "lots", "partners",
                                                        "eligible_providers"}
        require(not unknown, f"These cannot be changed: {', '.join(sorted(unknown))}")
        checked: dict[str, Any] = {}
        problems = Problems()  # every part checked, every problem reported at once
        if set(changes) & set(detail_fields):
            merged = {f: changes.get(f, getattr(tender, f)) for f in detail_fields}
            checked.update(problems.check(lambda: check_details(**merged)) or {})
        if "partnership" in changes:
            checked["partnership"] = problems.check(lambda: self._partnership(
                changes["partnership"], tender.lead_authority_id))
        if "lots" in changes:
            checked["lots"] = problems.check(lambda: check_lots(changes["lots"]))
        if "partners" in changes:
            checked["partners"] = problems.check(lambda: self._partners(
                changes["partners"], tender.lead_authority_id))
        if "eligible_providers" in changes:
            checked["eligible_providers"] = problems.check(lambda: self._eligible_providers(
                changes["eligible_providers"]))
        problems.raise_any()
        tender.revise(changes=checked, actor=actor, reason=reason)
        return self._save(tender)

    @retried_on_clash
    def set_tender_timetable(self, actor: Actor, tender_ref: UUID, *, timetable: dict,
                             reason: str | None = None,
                             expected_version: int | None = None) -> int:
        tender = self._lead_tender(actor, tender_ref)
        check_version(tender, expected_version)
        tender.set_timetable(timetable=timetable, now=self._now(), actor=actor, reason=reason)
        return self._save(tender)

    @retried_on_clash
    def set_questionnaire(self, actor: Actor, tender_ref: UUID, *, questions: list[dict],
                          reason: str | None = None,
                          expected_version: int | None = None) -> int:
        tender = self._lead_tender(actor, tender_ref)
        check_version(tender, expected_version)
        tender.set_questionnaire(questions=questions, actor=actor, reason=reason)
        return self._save(tender)

    @retried_on_clash
    def set_evaluation(self, actor: Actor, tender_ref: UUID, *, quality_questions: list[dict],
                       quality_weight: int, price_weight: int,
                       reason: str | None = None, expected_version: int | None = None) -> int:
        tender = self._lead_tender(actor, tender_ref)
        check_version(tender, expected_version)
        tender.set_evaluation(quality_questions=quality_questions,
                              quality_weight=quality_weight, price_weight=price_weight,
                              actor=actor, reason=reason)
        return self._save(tender)

    @retried_on_clash
    def record_key_decision(self, actor: Actor, tender_ref: UUID, *, authority_id: UUID,
                            reference: str, taken_on: date, reason: str | None = None) -> int:
        """Recorded by the partner authority itself or by the lead."""
        from domain.errors import PermissionDenied

        tender = self.get_tender(tender_ref)
        if actor.user_id is not None and actor.organisation_id != tender.lead_authority_id:
            if actor.organisation_id not in tender.partner_ids:
                raise NotFound("There is no such tender")
            if actor.organisation_id != authority_id:
                raise PermissionDenied("Only the lead or that authority can record its key "
                                       "decision")
        tender.record_key_decision(authority_id=authority_id, reference=reference,
                                   taken_on=taken_on, now=self._now(), actor=actor,
                                   reason=reason)
        return self._save(tender)

    @retried_on_clash
    def cancel_tender(self, actor: Actor, tender_ref: UUID, *, reason: str) -> int:
        tender = self._lead_tender(actor, tender_ref)
        tender.cancel(actor=actor, reason=reason)
        return self._save(tender)

    # --- market engagement --------------------------------------------------------------------

    @retried_on_clash
    def open_market_engagement(self, actor: Actor, tender_ref: UUID,
                               reason: str | None = None,
                               expected_version: int | None = None) -> int:
        tender = self._lead_tender(actor, tender_ref)
        check_version(tender, expected_version)
        tender.open_market_engagement(now=self._now(), actor=actor, reason=reason)
        return self._save(tender)

    @retried_on_clash
    def conclude_market_engagement(self, actor: Actor, tender_ref: UUID,
                                   reason: str | None = None,
                                   expected_version: int | None = None) -> int:
        tender = self._lead_tender(actor, tender_ref)
        check_version(tender, expected_version)
        tender.conclude_market_engagement(now=self._now(), actor=actor, reason=reason)
        return self._save(tender)

    def _open_engagement(self, actor: Actor, tender_ref: UUID, provider_id: UUID) -> Tender:
        provider = self._check_acting_for_provider(actor, provider_id)
        tender = self.get_tender(tender_ref)
        if tender.stage == "draft":
            raise NotFound("There is no such tender")
        self.check_eligible(tender, provider)
        if tender.stage == "market_engagement" and not tender.accepting_responses(
                self._now()):
            raise DomainError("Market engagement has closed: answers can no longer be given "
                              "or changed", field="answers")
        require(tender.stage == "market_engagement",
                "This tender is not taking market engagement answers", "answers")
        return tender

    def respond_to_engagement(self, actor: Actor, tender_ref: UUID, *, provider_id: UUID,
                              answers: dict, reason: str | None = None) -> tuple[UUID, int]:
        tender = self._open_engagement(actor, tender_ref, provider_id)
        ref = response_id(tender.id, provider_id)
        if self.exists(ref):
            raise AlreadyExists("Your organisation has already answered this questionnaire: "
                                "change its answers instead")
        response = EngagementResponse(
            id=ref, tender_id=tender.id, provider_id=provider_id,
            answers=check_answers(tender.questionnaire, answers), actor=actor, reason=reason)
        return ref, self._create(response, "Your organisation has already answered this "
                                           "questionnaire: change its answers instead")

    @retried_on_clash
    def amend_engagement_response(self, actor: Actor, tender_ref: UUID, *, provider_id: UUID,
                                  answers: dict, reason: str | None = None) -> int:
        tender = self._open_engagement(actor, tender_ref, provider_id)
        response = self._get(response_id(tender.id, provider_id), EngagementResponse,
                             "market engagement response")
        response.amend(answers=check_answers(tender.questionnaire, answers), actor=actor,
                       reason=reason)
        return self._save(response)

    def get_engagement_response(self, actor: Actor, tender_ref: UUID,
                                provider_id: UUID) -> EngagementResponse:
        """The provider's own response, or any response for the lead and partners."""
        tender = self.get_tender(tender_ref)
        if actor.user_id is not None and actor.organisation_id != provider_id \
                and actor.organisation_id not in tender.partner_ids:
            raise NotFound("There is no such market engagement response")
        return self._get(response_id(tender.id, provider_id), EngagementResponse,
                         "market engagement response")

    # --- clarifications -----------------------------------------------------------------------

    def ask_clarification(self, actor: Actor, tender_ref: UUID, *, provider_id: UUID,
                          question: str, lot_id: str | None = None) -> tuple[UUID, int]:
        provider = self._check_acting_for_provider(actor, provider_id)

        def attempt() -> tuple[UUID, int]:
            tender = self.get_tender(tender_ref)
            if tender.stage == "draft":
                raise NotFound("There is no such tender")
            self.check_eligible(tender, provider, lot_id)
            ref = tender.ask_clarification(provider_id=provider_id, question=question,
                                           lot_id=lot_id, now=self._now(), actor=actor)
            return ref, self._save(tender)

        return self._retrying(attempt)

    @retried_on_clash
    def answer_clarification(self, actor: Actor, tender_ref: UUID, clarification_id: UUID, *,
                             answer: str, publish: bool, question: str | None = None,
                             reason: str | None = None) -> int:
        tender = self._lead_tender(actor, tender_ref)
        tender.answer_clarification(clarification_id=clarification_id, answer=answer,
                                    publish=publish, question=question, now=self._now(),
                                    actor=actor, reason=reason)
        return self._save(tender)

    # --- bids ---------------------------------------------------------------------------------

    @retried_on_clash
    def publish_invitation(self, actor: Actor, tender_ref: UUID,
                           reason: str | None = None,
                           expected_version: int | None = None) -> int:
        tender = self._lead_tender(actor, tender_ref)
        check_version(tender, expected_version)
        tender.publish_invitation(now=self._now(), actor=actor, reason=reason)
        return self._save(tender)

    def submit_bid(self, actor: Actor, tender_ref: UUID, *, provider_id: UUID, lot_id: str,
                   weekly_price: int, answers: dict,
                   reason: str | None = None) -> tuple[UUID, int]:
        """Lodge a sealed bid for a lot, or replace the one already lodged; the same bid again
        stores nothing."""
        provider = self._check_acting_for_provider(actor, provider_id)

        def attempt() -> tuple[UUID, int]:
            tender = self.get_tender(tender_ref)
            if tender.stage == "draft":
                raise NotFound("There is no such tender")
            now = self._now()
            tender.check_accepting_bids(now)
            self.check_eligible(tender, provider, lot_id)
            price, checked = check_bid(tender.quality_questions, weekly_price, answers)
            content = {"weekly_price": price, "answers": checked}
            ref = bid_id(tender.id, lot_id, provider_id)
            if self.exists(ref):
                bid = self._get(ref, Bid, "bid")
                if not bid.withdrawn and self.bid_seal.unseal(bid.sealed) == content:
                    # The bid standing already says this (a retried submission whose reply was
                    # lost): nothing is stored again.
                    return ref, self._save(bid)
                bid.replace(sealed=self.bid_seal.seal(content), actor=actor, reason=reason)
                return ref, self._save(bid)
            bid = Bid(id=ref, tender_id=tender.id, lot_id=lot_id, provider_id=provider_id,
                      sealed=self.bid_seal.seal(content), actor=actor, reason=reason)
            tender.register_bid(bid=ref, lot_id=lot_id, provider_id=provider_id, now=now,
                                actor=actor)
            return ref, self._save(bid, tender)

        return self._retrying(attempt)

    @retried_on_clash
    def withdraw_bid(self, actor: Actor, tender_ref: UUID, *, provider_id: UUID, lot_id: str,
                     reason: str | None = None) -> int:
        self._check_acting_for_provider(actor, provider_id)
        tender = self.get_tender(tender_ref)
        tender.check_accepting_bids(self._now())
        bid = self._get(bid_id(tender.id, lot_id, provider_id), Bid, "bid")
        bid.withdraw(actor=actor, reason=reason)
        return self._save(bid)

    def read_bid(self, actor: Actor, bid_ref: UUID) -> Bid:
        """A bid's content: the provider's own at any time; the lead's and partners' only once
        the bids are opened. Anyone else is told there is no such bid."""
        bid = self._get(bid_ref, Bid, "bid")
        if actor.user_id is None or actor.organisation_id == bid.provider_id:
            if not bid.opened:
                bid.reveal(self.bid_seal.unseal(bid.sealed))
            return bid
        tender = self.get_tender(bid.tender_id)
        if actor.organisation_id not in tender.partner_ids:
            raise NotFound("There is no such bid")
        if not bid.opened:
            raise DomainError("Bids are sealed until they are opened after the bid deadline")
        return bid

    @retried_on_clash
    def open_bids(self, actor: Actor, tender_ref: UUID, reason: str | None = None) -> int:
        """Open every bid still standing after the deadline, together, as one audited step."""
        tender = self._lead_tender(actor, tender_ref)
        standing = [b for b in (self._get(ref, Bid, "bid") for ref in tender.bids)
                    if not b.withdrawn]
        contents = {b.id: self.bid_seal.unseal(b.sealed) for b in standing}
        tender.open_bids(bids=[{"bid_id": b.id, "lot_id": b.lot_id,
                                "provider_id": b.provider_id,
                                "weekly_price": contents[b.id]["weekly_price"]}
                               for b in standing], now=self._now(), actor=actor, reason=reason)
        for bid in standing:
            bid.open(content=contents[bid.id], actor=actor, reason=reason)
        return self._save(tender, *standing)

    # --- evaluation and award -----------------------------------------------------------------

    @retried_on_clash
    def appoint_evaluation_panel(self, actor: Actor, tender_ref: UUID, *,
                                 evaluators: list[UUID], moderator: UUID,
                                 reason: str | None = None,
                                 expected_version: int | None = None) -> int:
        tender = self._lead_tender(actor, tender_ref)
        check_version(tender, expected_version)
        for user in [*evaluators, moderator]:
            account = self._get(user, Account, "account")
            require(account.organisation_id in tender.partner_ids,
                    f"{account.display_name} is not in the lead or a partner authority",
                    "evaluators" if user != moderator else "moderator")
        tender.appoint_panel(evaluators=evaluators, moderator=moderator, actor=actor,
                             reason=reason)
        return self._save(tender)

    def _panel_tender(self, actor: Actor, tender_ref: UUID) -> Tender:
        tender = self.get_tender(tender_ref)
        if actor.organisation_id not in tender.partner_ids:
            raise NotFound("There is no such tender")
        return tender

    @retried_on_clash
    def record_scores(self, actor: Actor, tender_ref: UUID, bid_ref: UUID, *, scores: dict,
                      reason: str | None = None) -> int:
        tender = self._panel_tender(actor, tender_ref)
        tender.record_scores(bid=bid_ref, scores=scores, actor=actor, reason=reason)
        return self._save(tender)

    @retried_on_clash
    def moderate_scores(self, actor: Actor, tender_ref: UUID, bid_ref: UUID, *, scores: dict,
                        reason: str | None = None) -> int:
        tender = self._panel_tender(actor, tender_ref)
        tender.moderate_scores(bid=bid_ref, scores=scores, actor=actor, reason=reason)
        return self._save(tender)

    @retried_on_clash
    def award_tender(self, actor: Actor, tender_ref: UUID, *, awards: dict[str, list[UUID]],
                     standstill_ends: date, reason: str | None = None) -> int:
        tender = self._lead_tender(actor, tender_ref)
        tender.award(awards=awards, standstill_ends=standstill_ends, now=self._now(),
                     actor=actor, reason=reason)
        return self._save(tender)

    def enter_tender_contract(self, actor: Actor, tender_ref: UUID, *, bid_id: UUID,
                              authority_id: UUID, places: int | None, start: date, end: date,
                              contract_id: UUID | None = None,
                              reason: str | None = None) -> tuple[UUID, int]:
        """A contract under the award, between one partner authority and the winning provider,
        at the bid's weekly price. It is an ordinary :class:`Contract` (with ``tender_id``), so
        the sufficiency views count its places, voids and spend by route."""
        tender = self._lead_tender(actor, tender_ref)
        terms = tender.check_contract(bid=bid_id, authority_id=authority_id, places=places,
                                      start=start, now=self._now())
        if isinstance(end, date) and isinstance(start, date):
            latest = add_months(start, tender.term_months)
            require(end <= latest, f"The contract cannot run past the tender's term of "
                    f"{counted(tender.term_months, 'month')} (to {uk_date(latest)})", "end")
        provider_id = terms.pop("provider_id")
        contract = Contract.record(actor=actor, id=contract_id or uuid4(), tender_id=tender.id,
                                   authority_id=authority_id, provider_id=provider_id,
                                   places=places, start=start, end=end, reason=reason, **terms)
        tender.enter_contract(contract_id=contract.id, bid=bid_id, authority_id=authority_id,
                              places=places, actor=actor, reason=reason)
        return contract.id, self._create_all(contract, tender)

    def _create_all(self, *aggregates: Any) -> int:
        try:
            return self._save(*aggregates)
        except IntegrityError:
            raise AlreadyExists("This record has already been stored") from None
