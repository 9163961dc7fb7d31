"""Feeds the notification log to the projections, tracked and in order.

Each batch of events and the projection's new position are written in one transaction that
first claims the projection's tracking row, so several processes may run the same projections
(every gunicorn worker catching up, plus the projection process) and an event is still applied
exactly once: a second runner waits for the first, then re-reads the position.

SQLite cannot drive eventsourcing subscriptions, so there the runner polls the log; on
PostgreSQL :meth:`ProjectionRunner.follow` wakes on the recorder's LISTEN/NOTIFY subscription.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from eventsourcing.application import Application

from projections.base import Projection, tracking
from projections.database import metadata, schema_lock

log = logging.getLogger(__name__)

BATCH_SIZE = 1000


@dataclass(frozen=True)
class Lag:
    name: str
    position: int
    head: int

    @property
    def behind(self) -> int:
        return max(self.head - self.position, 0)


class ProjectionRunner:
    def __init__(self, application: Application, engine: sa.Engine,
                 projections: Sequence[Projection], *, inline: bool = True) -> None:
        self.application = application
        self.engine = engine
        self.projections = {p.name: p for p in projections}
        # inline: the web process applies pending events itself before it reads (SQLite, tests,
        # a single process). Otherwise a separate projection process does, and readers wait.
        self.inline = inline
        self._lock = threading.Lock()

    # --- set-up and positions -------------------------------------------------------------

    def setup(self) -> None:
        with schema_lock(self.engine):  # processes starting together create the tables once
            metadata.create_all(self.engine)
        with self.engine.begin() as c:
            known = set(c.execute(sa.select(tracking.c.name)).scalars())
            missing = [{"name": n, "position": 0} for n in self.projections if n not in known]
            if missing:
                c.execute(tracking.insert(), missing)
        with self.engine.begin() as c:
            # Claim the tracking rows first (as a batch does), so two processes starting at
            # once seed reference rows one after the other, never both.
            c.execute(tracking.update().where(tracking.c.name.in_(list(self.projections)))
                      .values(position=tracking.c.position))
            for projection in self.projections.values():
                projection.seed(c)

    def positions(self) -> dict[str, int]:
        with self.engine.connect() as c:
            rows = c.execute(sa.select(tracking.c.name, tracking.c.position)).all()
        found = dict(rows)
        return {name: found.get(name, 0) for name in self.projections}

    def head(self) -> int:
        return self.application.recorder.max_notification_id() or 0

    def lags(self) -> list[Lag]:
        head = self.head()
        return [Lag(name, position, head) for name, position in self.positions().items()]

    # --- processing -----------------------------------------------------------------------

    def catch_up(self, until: int | None = None,
                 progress: Callable[[str, int, int], None] | None = None) -> int:
        """Apply every pending event up to ``until`` (default: the head).

        Projections at the same position are fed together, so each batch of the log is read
        and each event decoded once however many projections want it. Returns the number of
        (projection, event) applications."""
        with self._lock:
            head = self.head() if until is None else min(until, self.head())
            return self._feed(list(self.projections.values()), head, progress)

    def _feed(self, projections: list[Projection], head: int,
              progress: Callable[[str, int, int], None] | None) -> int:
        """Bring ``projections`` up to ``head``, a group at a time: those at the lowest
        position go together, then the runner regroups (another runner may have moved some)."""
        applied = 0
        while True:
            # Reading positions first keeps the common case (nothing pending) write-free.
            positions = self.positions()
            behind = [p for p in projections if positions[p.name] < head]
            if not behind:
                return applied
            lowest = min(positions[p.name] for p in behind)
            applied += self._catch_up_group(
                [p for p in behind if positions[p.name] == lowest], head, progress)

    def _catch_up_group(self, group: list[Projection], head: int,
                        progress: Callable[[str, int, int], None] | None) -> int:
        """Feed ``group`` (all at one position) up to ``head``; returns early if another
        runner moved some of them on, so the caller can regroup."""
        applied = 0
        recorder = self.application.recorder
        mapper = self.application.mapper
        names = [p.name for p in group]
        wants_all = any(not p.topics for p in group)
        topics = [] if wants_all else sorted({t for p in group for t in p.topics})
        while True:
            with self.engine.begin() as c:
                # Claim the projections first: a no-op write that takes their tracking rows'
                # locks (PostgreSQL) or the database's write lock (SQLite) until this
                # transaction ends, so a second runner waits here instead of applying the same
                # events.
                c.execute(tracking.update().where(tracking.c.name.in_(names))
                          .values(position=tracking.c.position))
                positions = dict(c.execute(sa.select(tracking.c.name, tracking.c.position)
                                           .where(tracking.c.name.in_(names))).all())
                old = min(positions.values())
                if old >= head or len(set(positions.values())) > 1:
                    return applied  # done, or another runner moved some on: regroup
                notifications = recorder.select_notifications(
                    start=old, limit=BATCH_SIZE, stop=head, topics=topics,
                    inclusive_of_start=False,
                )
                for projection in group:
                    projection.prepare(c, [n for n in notifications
                                           if projection.wants(n.topic)])
                    projection.begin_batch(c)
                for notification in notifications:
                    event = None
                    for projection in group:
                        if not projection.wants(notification.topic):
                            continue
                        if projection.raw:
                            projection.process(c, notification, notification.topic,
                                               notification.id)
                        else:
                            if event is None:
                                event = mapper.to_domain_event(notification)
                            projection.process(c, event, notification.topic, notification.id)
                        applied += 1
                for projection in group:
                    projection.end_batch(c)
                # A short batch means nothing else for these projections up to head.
                new = notifications[-1].id if len(notifications) == BATCH_SIZE else head
                c.execute(tracking.update().where(tracking.c.name.in_(names))
                          .values(position=new))
            if progress:
                for name in names:
                    progress(name, new, head)

    def wait_for(self, position: int, timeout: float = 5.0) -> bool:
        """Read your own writes: return once every projection has processed ``position``."""
        if self.inline:
            self.catch_up(until=position)
            return True
        deadline = time.monotonic() + timeout
        while True:
            if min(self.positions().values(), default=position) >= position:
                return True
            if time.monotonic() >= deadline:
                log.warning("projections did not reach position %s within %ss", position,
                            timeout)
                return False
            time.sleep(0.02)

    def rebuild(self, names: Iterable[str] | None = None,
                progress: Callable[[str, int, int], None] | None = None) -> int:
        """Clear the named projections (default: all) and apply the whole log again."""
        chosen = list(names) if names is not None else list(self.projections)
        unknown = [n for n in chosen if n not in self.projections]
        if unknown:
            raise KeyError(f"Unknown projection: {', '.join(unknown)}")
        with self._lock:
            head = self.head()
            with self.engine.begin() as c:
                for name in chosen:
                    self.projections[name].clear(c)
                    self.projections[name].seed(c)
                    c.execute(tracking.update().where(tracking.c.name == name)
                              .values(position=0))
            return self._feed([self.projections[name] for name in chosen], head, progress)

    def follow(self, stop: threading.Event, poll_interval: float = 0.5) -> None:
        """Keep the projections up to date until ``stop`` is set (the projection process)."""
        recorder = self.application.recorder
        subscribe = getattr(recorder, "subscribe", None)
        use_subscription = "postgres" in type(recorder).__module__ and subscribe is not None
        if not use_subscription:
            while not stop.is_set():
                try:
                    self.catch_up()
                except Exception:
                    log.exception("projection runner failed; retrying")
                    stop.wait(poll_interval * 4)
                else:
                    stop.wait(poll_interval)
            return
        # Iterating a subscription blocks until the next event arrives, so ``stop`` is not
        # seen while the log is quiet. A watcher thread stops the current subscription as soon
        # as ``stop`` is set, which ends the iteration at once.
        current: list = []
        guard = threading.Lock()
        finished = threading.Event()

        def stop_subscription_when_asked() -> None:
            while not stop.wait(poll_interval):
                if finished.is_set():
                    return
            with guard:
                for subscription in current:
                    subscription.stop()

        watcher = threading.Thread(target=stop_subscription_when_asked, daemon=True,
                                   name="projections-follow-stop")
        watcher.start()
        try:
            while not stop.is_set():
                try:
                    # Subscribe from the head this catch-up reached, not from a later head:
                    # an event stored in between is then delivered by the subscription
                    # instead of waiting for the next event to wake the runner.
                    head = self.head()
                    self.catch_up(until=head)
                    with recorder.subscribe(gt=head) as subscription:
                        with guard:
                            current[:] = [subscription]
                        if stop.is_set():  # set before the watcher could see this one
                            break
                        for notification in subscription:
                            if stop.is_set():
                                break
                            # One catch-up applies everything stored so far, so skip the
                            # notifications it has already covered rather than catching up
                            # once per event of a burst.
                            if notification.id > head:
                                head = self.head()
                                self.catch_up(until=head)
                except Exception:
                    log.exception("projection runner failed; retrying")
                    stop.wait(poll_interval * 4)
                finally:
                    with guard:
                        current.clear()
        finally:
            finished.set()
