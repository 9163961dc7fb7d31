"""A provider's sealed bid for one lot of a tender: a weekly price per place and answers to the
tender's quality questions.

The bid is its own aggregate (one per provider per lot, ``domain.tender.bid_id``) so bidders
never contend. Its content is sealed: the application refuses to show it to anyone but the
provider until the tender's bids are opened (an audited event, recorded here too as
``Opened``), and the read models keep it out of every council-readable table until then.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.actor import Actor
from domain.base import PortalAggregate
from domain.errors import IllegalTransition
from domain.tender_terms import MAX_WEEKLY_PRICE, clean_text, require


def check_bid(quality_questions: list[dict], weekly_price: Any,
              answers: Any) -> tuple[int, dict[str, str]]:
    require(isinstance(weekly_price, int) and not isinstance(weekly_price, bool)
            and 1 <= weekly_price <= MAX_WEEKLY_PRICE,
            f"Enter the weekly price per place in whole pounds, from £1 to "
            f"£{MAX_WEEKLY_PRICE:,}", "weekly_price")
    require(isinstance(answers, dict), "Answer the quality questions", "answers")
    known = {q["question_id"]: q for q in quality_questions}
    unknown = sorted(set(answers) - set(known))
    require(not unknown, f"There is no quality question {', '.join(unknown)}", "answers")
    checked = {qid: clean_text(answers.get(qid), f"Answer: {q['text']}", qid)
               for qid, q in known.items()}
    return weekly_price, checked


class Bid(PortalAggregate):
    id: UUID

    @event("Submitted")
    def __init__(self, *, tender_id: UUID, lot_id: str, provider_id: UUID, weekly_price: int,
                 answers: dict, actor: Actor, reason: str | None) -> None:
        self.tender_id = tender_id
        self.lot_id = lot_id
        self.provider_id = provider_id
        self.weekly_price = weekly_price
        self.answers = dict(answers)
        self.withdrawn = False
        self.opened = False

    def replace(self, *, weekly_price: int, answers: dict, actor: Actor,
                reason: str | None) -> None:
        """A new price and answers in place of the old (or a bid again after withdrawing)."""
        self._check_sealed()
        self._replaced(weekly_price=weekly_price, answers=answers, actor=actor, reason=reason)

    @event("Replaced")
    def _replaced(self, *, weekly_price: int, answers: dict, actor: Actor,
                  reason: str | None) -> None:
        self.weekly_price = weekly_price
        self.answers = dict(answers)
        self.withdrawn = False

    def withdraw(self, *, actor: Actor, reason: str | None) -> None:
        self._check_sealed()
        if self.withdrawn:
            raise IllegalTransition("This bid has already been withdrawn")
        self._withdrawn(actor=actor, reason=reason)

    @event("Withdrawn")
    def _withdrawn(self, *, actor: Actor, reason: str | None) -> None:
        self.withdrawn = True

    def open(self, *, actor: Actor, reason: str | None) -> None:
        self._check_sealed()
        self._opened(actor=actor, reason=reason)

    @event("Opened")
    def _opened(self, *, actor: Actor, reason: str | None) -> None:
        self.opened = True

    def _check_sealed(self) -> None:
        if self.opened:
            raise IllegalTransition("The bids have been opened: this bid can no longer change")
