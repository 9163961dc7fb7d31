"""Deadline reminders: the record that providers were reminded a tender's deadline is near.

A scheduled job (``portal tenders remind``, also run by the web or projection process's
housekeeping) looks at the server's clock and issues a reminder for each open tender whose
market engagement or bid deadline falls within the next ``REMINDER_DAYS`` days. A reminder's id
comes from its tender, the deadline's name and the deadline itself, so the event store refuses
a second one: however often the job runs, on however many processes, each deadline is
reminded once (and once more only if the lead moves it). Notices and their e-mails are derived
from the ``Issued`` event (``projections/notices.py``), like those for tenders opening.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.actor import Actor
from domain.base import PortalAggregate

REMINDER_DAYS = 3
# Which deadline matters in which stage: engagement responses close in market engagement,
# bids in the invitation to tender.
REMINDED_DEADLINES = {"market_engagement": "engagement_closes",
                      "invitation_to_tender": "bid_deadline"}


def reminder_id(tender_id: UUID, deadline_name: str, deadline: datetime) -> UUID:
    return uuid5(tender_id, f"reminder:{deadline_name}:{deadline.isoformat()}")


def reminder_due(stage: str, timetable: dict, now: datetime) -> tuple[str, datetime] | None:
    """The deadline to remind providers of now, if any: the stage's deadline, still ahead and
    no more than REMINDER_DAYS away."""
    name = REMINDED_DEADLINES.get(stage)
    deadline = timetable.get(name) if name else None
    if deadline is None or not now < deadline <= now + timedelta(days=REMINDER_DAYS):
        return None
    return name, deadline


class DeadlineReminder(PortalAggregate):
    id: UUID

    @event("Issued")
    def __init__(self, *, tender_id: UUID, authority_id: UUID, deadline_name: str,
                 deadline: datetime, actor: Actor, reason: str | None) -> None:
        self.tender_id = tender_id
        self.authority_id = authority_id
        self.deadline_name = deadline_name
        self.deadline = deadline
