"""A provider's answers to a tender's market engagement questionnaire.

One response per provider organisation (``domain.tender.response_id``), its own aggregate so
providers never contend; amendable until market engagement closes (checked by the command
against the tender and the server's clock). Answers are checked against the questionnaire by
``domain.tender_terms.check_answers`` before they reach here.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.actor import Actor
from domain.base import PortalAggregate


class EngagementResponse(PortalAggregate):
    id: UUID

    @event("Submitted")
    def __init__(self, *, tender_id: UUID, provider_id: UUID, answers: dict, actor: Actor,
                 reason: str | None) -> None:
        self.tender_id = tender_id
        self.provider_id = provider_id
        self.answers = dict(answers)

    def amend(self, *, answers: dict, actor: Actor, reason: str | None) -> bool:
        if answers == self.answers:
            return False
        self._amended(answers=answers, actor=actor, reason=reason)
        return True

    @event("Amended")
    def _amended(self, *, answers: dict, actor: Actor, reason: str | None) -> None:
        self.answers = dict(answers)
