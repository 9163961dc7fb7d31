"""A provider's sealed bid for one lot of a tender: a weekly price per place and answers to the
tender's quality questions.

The bid is its own aggregate (one per provider per lot, ``domain.tender.bid_id``) so bidders
never contend. Its content is sealed: until the tender's bids are opened its events carry it
only encrypted (``domain.sealing``), the application shows it to nobody but the provider, and
the read models keep it out of every council-readable table. Opening (an audited event,
recorded here too as ``Opened``) records the content in clear.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.actor import Actor
from domain.base import PortalAggregate
from domain.errors import IllegalTransition
from domain.tender_terms import MAX_WEEKLY_PRICE, Problems, clean_text, require


def check_bid(quality_questions: list[dict], weekly_price: Any,
              answers: Any) -> tuple[int, dict[str, str]]:
    """The weekly price and an answer to every quality question: every problem at once."""
    require(isinstance(answers, dict), "Answer the quality questions", "answers")
    known = {q["question_id"]: q for q in quality_questions}
    unknown = sorted(set(answers) - set(known))
    require(not unknown, f"There is no quality question {', '.join(unknown)}", "answers")
    problems = Problems()
    problems.require(isinstance(weekly_price, int) and not isinstance(weekly_price, bool)
                     and 1 <= weekly_price <= MAX_WEEKLY_PRICE,
                     f"Enter the weekly price per place in whole pounds, from £1 to "
                     f"£{MAX_WEEKLY_PRICE:,}", "weekly_price")
    checked = {qid: clean_text(answers.get(qid), f"Answer: {q['text']}", qid,
                               problems=problems)
               for qid, q in known.items()}
    problems.raise_any()
    return weekly_price, checked


class Bid(PortalAggregate):
    id: UUID

    @event("Submitted")
    def __init__(self, *, tender_id: UUID, lot_id: str, provider_id: UUID, sealed: str,
                 actor: Actor, reason: str | None) -> None:
        self.tender_id = tender_id
        self.lot_id = lot_id
        self.provider_id = provider_id
        self.sealed = sealed
        # The content, known only once opened (or revealed to its bidder: ``reveal``).
        self.weekly_price: int | None = None
        self.answers: dict | None = None
        self.withdrawn = False
        self.opened = False

    def replace(self, *, sealed: str, actor: Actor, reason: str | None) -> None:
        """A new sealed price and answers in place of the old (or a bid again after
        withdrawing)."""
        self._check_sealed()
        self._replaced(sealed=sealed, actor=actor, reason=reason)

    @event("Replaced")
    def _replaced(self, *, sealed: str, actor: Actor, reason: str | None) -> None:
        self.sealed = sealed
        self.withdrawn = False

    def withdraw(self, *, actor: Actor, reason: str | None) -> None:
        self._check_sealed()
        if self.withdrawn:
            raise IllegalTransition("This bid has already been withdrawn")
        self._withdrawn(actor=actor, reason=reason)

    @event("Withdrawn")
    def _withdrawn(self, *, actor: Actor, reason: str | None) -> None:
        self.withdrawn = True

    def open(self, *, content: dict, actor: Actor, reason: str | None) -> None:
        """Open the bid with its unsealed content, which the event records for the
        evaluation (and the history) from now on."""
        self._check_sealed()
        self._opened(weekly_price=content["weekly_price"], answers=content["answers"],
                     actor=actor, reason=reason)

    @event("Opened")
    def _opened(self, *, weekly_price: int, answers: dict, actor: Actor,
                reason: str | None) -> None:
        self.opened = True
        self.weekly_price = weekly_price
        self.answers = dict(answers)

    def reveal(self, content: dict) -> None:
        """Fill in this in-memory copy's content for its bidder to read before opening;
        records nothing."""
        self.weekly_price = content["weekly_price"]
        self.answers = dict(content["answers"])

    def _check_sealed(self) -> None:
        if self.opened:
            raise IllegalTransition("The bids have been opened: this bid can no longer change")
