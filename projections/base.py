"""A projection turns events into rows. This module holds what every projection shares.

A projection declares the tables it owns and one handler per event class it cares about
(``@handles(Vacancy.Published)``). The :mod:`projections.runner` feeds it events in
notification order and writes its rows and its tracking position in one transaction, so a
projection resumes after a crash exactly where it stopped and never applies an event twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import sqlalchemy as sa
from eventsourcing.utils import get_topic

from projections.database import metadata

tracking = sa.Table(
    "projection_tracking",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
)

Handler = Callable[[Any, sa.Connection, Any], None]


def handles(*event_classes: type) -> Callable[[Handler], Handler]:
    def mark(function: Handler) -> Handler:
        function.__handles__ = event_classes  # type: ignore[attr-defined]
        return function

    return mark


class Projection:
    name: ClassVar[str]
    tables: ClassVar[tuple[sa.Table, ...]]
    _handlers: ClassVar[dict[str, str]]
    # A projection of *every* event (e.g. the audit index) sets ``every_event``; one that needs
    # the exact stored bytes rather than the decoded event (the verifiable log) sets ``raw``.
    # Either one overrides :meth:`process`.
    every_event: ClassVar[bool] = False
    raw: ClassVar[bool] = False
    # Whether periodic snapshots are taken for "as at" views (not worth it for append-only
    # logs such as the verifiable log, which are never shown "as at").
    snapshots: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        handlers: dict[str, str] = {}
        for klass in reversed(cls.__mro__):
            for attribute, value in vars(klass).items():
                for event_class in getattr(value, "__handles__", ()):
                    handlers[get_topic(event_class)] = attribute
        cls._handlers = handlers

    @property
    def topics(self) -> list[str]:
        """Topics to read from the log; empty means every event."""
        if self.every_event or self.raw:
            return []
        return sorted(self._handlers)

    def process(self, connection: sa.Connection, event: Any, topic: str, position: int) -> None:
        """Apply one event; ``position`` is its notification id (its place in the audit log)."""
        getattr(self, self._handlers[topic])(connection, event)

    def begin_batch(self, connection: sa.Connection) -> None:
        """Called before each batch, inside its transaction (e.g. to load running state)."""

    def end_batch(self, connection: sa.Connection) -> None:
        """Called after each batch, inside its transaction (e.g. to flush buffered rows)."""

    def clear(self, connection: sa.Connection) -> None:
        # Children before parents, so foreign keys (if any) never block the clear.
        for table in reversed(self.tables):
            connection.execute(table.delete())
