"""What every aggregate of the portal shares: an actor and a reason on every event."""

from __future__ import annotations

from eventsourcing.domain import Aggregate


class PortalAggregate(Aggregate):
    """Base aggregate. Every event method takes ``actor`` and ``reason`` (which may be None).

    They are recorded in the event itself (the notification log is the audit log), so an
    auditor can always tell who did what and why. ``tests/domain/test_actor_on_every_event``
    checks every event class of every aggregate carries both.
    """
