"""Feeds the notification log to the projections, tracked and in order.

Each batch of events and the projection's new position are written in one transaction that
first claims the projection's tracking row, so several processes may run the same projections
(every gunicorn worker catching up, plus the projection process) and an event is still applied
exactly once: a second runner waits for the first, then re-reads the position.

SQLite cannot drive eventsourcing subscriptions, so there the runner polls the log; on
PostgreSQL :meth:`ProjectionRunner.follow` wakes on the recorder's LISTEN/NOTIFY subscription.

One event a projection cannot apply stops that projection only (see :mod:`projections.failures`):
its batch is rolled back, the events before the bad one are applied, and it waits there, recorded
as stopped, until :meth:`ProjectionRunner.retry`; the other projections carry on past the event.
"""

from __future__ import annotations

import contextvars
import fcntl
import gc
import logging
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from eventsourcing.application import Application

from projections import changes, failures, outage, versions
from projections.base import Projection, tracking
from projections.database import metadata, schema_lock
from projections.failures import Failure, projection_failures
from projections.shadow import SCHEMA as SHADOW_SCHEMA
from projections.shadow import Shadow, shadow_tables
from projections.snapshots import projection_snapshots
from projections.versions import UNKNOWN, Built, projection_versions

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
# A rebuild replays the whole log into shadow tables nobody reads: bigger batches, fewer
# commits and row look-ups.
REBUILD_BATCH_SIZE = 5000
# The PostgreSQL advisory lock held while a process checks versions and rebuilds the
# projections whose tables another version built ("SUFFVERS"): one process rebuilds them.
UPGRADE_LOCK_KEY = 0x5355_4646_5645_5253

# Set while a runner applies events or rebuilds in this thread: its statements are the
# projections' own work, which the web's guard on tables being rebuilt leaves alone.
_feeding: contextvars.ContextVar[bool] = contextvars.ContextVar("projections_feeding",
                                                                 default=False)


# The statements every batch runs, built once (building one costs more than SQLite's work
# for it): the tracking rows of the projections named ``names``.
_NAMED = tracking.c.name.in_(sa.bindparam("names", expanding=True))
_CLAIM = tracking.update().where(_NAMED).values(position=tracking.c.position)
_MOVE = tracking.update().where(_NAMED).values(position=sa.bindparam("position"))
_POSITIONS = sa.select(tracking.c.name, tracking.c.position).where(_NAMED)
_POSITIONS_AND_VERSIONS = sa.select(
    tracking.c.name, tracking.c.position, projection_versions.c.version,
    projection_versions.c.digest).select_from(tracking.outerjoin(
        projection_versions, projection_versions.c.name == tracking.c.name)).where(_NAMED)
_STOPPED = tracking.outerjoin(projection_failures,
                              projection_failures.c.name == tracking.c.name)
_EVERY_POSITION = sa.select(tracking.c.name, tracking.c.position,
                            projection_failures.c.name.label("stopped")).select_from(_STOPPED)
_EVERY_POSITION_AND_VERSION = sa.select(
    tracking.c.name, tracking.c.position, projection_failures.c.name.label("stopped"),
    projection_versions.c.version, projection_versions.c.digest).select_from(
        _STOPPED.outerjoin(projection_versions, projection_versions.c.name == tracking.c.name))
# Which projections are being rebuilt: built once.
_VERSIONS = sa.select(projection_versions.c.name, projection_versions.c.version,
                      projection_versions.c.digest)
# Every request asks which are being rebuilt and which have stopped: the versions, then a
# row naming each stopped projection.
_VERSIONS_AND_STOPPED = sa.union_all(
    sa.select(sa.literal_column("0").label("stopped"), *_VERSIONS.selected_columns),
    sa.select(sa.literal_column("1"), projection_failures.c.name, sa.null(), sa.null()))


def feeding() -> bool:
    """Whether the current thread is applying events (a runner's batch or rebuild)."""
    return _feeding.get()


@dataclass(frozen=True)
class Lag:
    name: str
    position: int
    head: int
    failure: Failure | None = None  # set when the projection stopped at an event

    @property
    def stopped(self) -> bool:
        return self.failure is not None

    @property
    def behind(self) -> int:
        return max(self.head - self.position, 0)


class ProjectionRunner:
    def __init__(self, application: Application, engine: sa.Engine,
                 projections: Sequence[Projection], *, inline: bool = True,
                 versioned: bool = True) -> None:
        self.application = application
        self.engine = engine
        self.projections = {p.name: p for p in projections}
        # versioned: the live tables of a deployment, whose versions are recorded; a projection
        # built with another version is not fed until it is rebuilt. Rebuilds' shadow tables
        # and "as at" databases are built by this very code, and have no versions to check.
        self.versioned = versioned
        self.code_versions = {p.name: (p.version, p.digest) for p in projections}
        # inline: the web process applies pending events itself before it reads (SQLite, tests,
        # a single process). Otherwise a separate projection process does, and readers wait.
        self.inline = inline
        self.batch_size = BATCH_SIZE
        self._lock = threading.Lock()
        # Whether each batch records which tables it changed (projections/changes.py): not
        # into a rebuild's shadow tables, nor a database rebuilt "as at" (whose tables come
        # from snapshots, so whose earlier changes are unknown).
        self.record_changes = True

    # --- set-up and positions -------------------------------------------------------------

    def setup(self) -> None:
        with schema_lock(self.engine):  # processes starting together create the tables once
            known, built, shaped = self._before_setup()
            metadata.create_all(self.engine)
            with self.engine.begin() as c:
                missing = [{"name": n, "position": 0} for n in self.projections
                           if n not in known]
                if missing:
                    c.execute(tracking.insert(), missing)
                self._record_unrecorded(c, known, built, shaped)
        stale = self.rebuilding()
        with self.engine.begin() as c:
            # Claim the tracking rows first (as a batch does), so two processes starting at
            # once seed reference rows one after the other, never both. A projection built
            # with another version is seeded into its shadow tables when it is rebuilt.
            c.execute(tracking.update().where(tracking.c.name.in_(list(self.projections)))
                      .values(position=tracking.c.position))
            for projection in self.projections.values():
                if projection.name not in stale:
                    projection.seed(c)
            if self.record_changes:
                at = dict(c.execute(sa.select(tracking.c.name, tracking.c.position)
                                    .where(tracking.c.name.in_(list(self.projections)))).all())
                changes.seed(c, {table.name: at[p.name] for p in self.projections.values()
                                 for table in p.tables})

    def _before_setup(self) -> tuple[set[str], dict[str, tuple[int, str]], set[str]]:
        """Before any table is created: the projections with a tracking row, the recorded
        versions, and which unrecorded projections' live tables have their code's shape
        (every table there, with the code's columns and indexes)."""
        if not self.versioned:
            return set(), {}, set()
        inspector = sa.inspect(self.engine)
        present = set(inspector.get_table_names())
        known: set[str] = set()
        built: dict[str, tuple[int, str]] = {}
        with self.engine.connect() as c:
            if tracking.name in present:
                known = set(c.execute(sa.select(tracking.c.name)).scalars())
            if projection_versions.name in present:
                built = versions.recorded(c)
        shaped = {p.name for p in self.projections.values()
                  if p.name in known and p.name not in built
                  and all(_shaped_as(inspector, present, table) for table in p.tables)}
        return known, built, shaped

    def _record_unrecorded(self, c: sa.Connection, known: set[str],
                           built: dict[str, tuple[int, str]], shaped: set[str]) -> None:
        """Record a version for each projection that has none: its code's when its tables
        are new and the log is empty (nothing to build), or when they were there before
        versions were recorded and have its code's shape; otherwise UNKNOWN, so it is built
        from the log (in shadow tables) before it is fed or read."""
        if not self.versioned:
            return
        unrecorded = [p for p in self.projections.values() if p.name not in built]
        if not unrecorded:
            return
        empty_log = self.head() == 0
        entries = []
        for projection in unrecorded:
            name = projection.name
            code = (name, *self.code_versions[name])
            if name in shaped:
                log.info("projection %s: tables from before versions were recorded have its "
                         "schema; recorded as version %s", name, projection.version)
                entries.append(code)
            elif name not in known and empty_log:
                entries.append(code)
            else:
                log.warning("projection %s: %s; it will be built from the log", name,
                            "new, and the log is not empty" if name not in known else
                            "tables from before versions were recorded differ from its schema")
                entries.append((name, UNKNOWN, ""))
        versions.record(c, entries)

    def versions(self) -> list[Built]:
        """Each projection's recorded version and digest beside its code's (a projection
        with none recorded yet counts as built by its code: :meth:`setup` records one)."""
        with self.engine.connect() as c:
            found = versions.recorded(c)
        return [Built(name, *found.get(name, code), *code)
                for name, code in self.code_versions.items()]

    def upgrade(self, progress: Callable[[str, int, int], None] | None = None) -> list[Built]:
        """Rebuild, together, the projections whose live tables were built with another
        version or schema than their code's (and the new ones, built from the log); each is
        logged with the version it had and the one it gets. Returns them (empty: none).

        One process does it: the others wait (PostgreSQL advisory lock, or a lock file
        beside the SQLite database), then find them current."""
        with _upgrade_lock(self.engine):
            stale = [built for built in self.versions() if not built.current]
            if not stale:
                return []
            for built in stale:
                log.warning("projection %s: %s; rebuilding it from the log as version %s",
                            built.name, built.describe(), built.code_version)
            self.rebuild([built.name for built in stale], progress)
            return stale

    def positions(self) -> dict[str, int]:
        with self.engine.connect() as c:
            rows = c.execute(sa.select(tracking.c.name, tracking.c.position)).all()
        found = dict(rows)
        return {name: found.get(name, 0) for name in self.projections}

    def _positions_and_stopped(self) -> tuple[dict[str, int], set[str], set[str]]:
        """Every projection's position, which have stopped, and which have tables another
        version built (not fed until rebuilt), in one read."""
        with self.engine.connect() as c:
            rows = c.execute(_EVERY_POSITION_AND_VERSION if self.versioned
                             else _EVERY_POSITION).all()
        found = {row.name: row.position for row in rows}
        stopped = {row.name for row in rows if row.stopped is not None}
        stale = self._stale_rows(rows) if self.versioned else set()
        return {name: found.get(name, 0) for name in self.projections}, stopped, stale

    def _stale_rows(self, rows) -> set[str]:
        return {row.name for row in rows if row.name in self.code_versions
                and row.version is not None
                and (row.version, row.digest) != self.code_versions[row.name]}

    def rebuilding(self) -> set[str]:
        """The projections whose live tables another version built: no runner feeds them,
        and no page reads them, until they are rebuilt."""
        with self.engine.connect() as c:
            return self._rebuilding(c)

    def _rebuilding(self, c: sa.Connection) -> set[str]:
        if not self.versioned:
            return set()
        rows = c.execute(_VERSIONS).all()
        return self._stale_rows(rows)

    def unavailable(self) -> tuple[dict[str, Failure], set[str]]:
        """The stopped projections (as :meth:`failures`) and those being rebuilt (as
        :meth:`rebuilding`), on one connection: what a page must not read as current."""
        with self.engine.connect() as c:
            if not self.versioned:
                return self._stopped(c), set()
            # Every request asks: one statement, and the failures read whole only when some
            # projection has stopped.
            rows = c.execute(_VERSIONS_AND_STOPPED).all()
            versions = [row for row in rows if not row.stopped]
            stopped = self._stopped(c) if len(versions) < len(rows) else {}
            return stopped, self._stale_rows(versions)

    def _stopped(self, c: sa.Connection) -> dict[str, Failure]:
        return {name: failure for name, failure in failures.stopped(c).items()
                if name in self.projections}

    def failures(self) -> dict[str, Failure]:
        """The stopped projections, by name: where each stopped and why."""
        with self.engine.connect() as c:
            return self._stopped(c)

    def head(self) -> int:
        return self.application.recorder.max_notification_id() or 0

    def lags(self) -> list[Lag]:
        head = self.head()
        stopped = self.failures()
        return [Lag(name, position, head, stopped.get(name))
                for name, position in self.positions().items()]

    # --- processing -----------------------------------------------------------------------

    def catch_up(self, until: int | None = None,
                 progress: Callable[[str, int, int], None] | None = None) -> int:
        """Apply every pending event up to ``until`` (default: the head).

        Projections at the same position are fed together, so each batch of the log is read
        and each event decoded once however many projections want it. A stopped projection is
        left where it stopped. Returns the number of (projection, event) applications."""
        with self._lock:
            head = self.head() if until is None else min(until, self.head())
            return self._feed(list(self.projections.values()), head, progress, [])

    def retry(self, name: str) -> Failure | None:
        """Try a stopped projection again from where it stopped, now, in this process.

        Returns None once it has caught up with the log (its failure is cleared, and every
        runner feeds it again), or its failure, counted again, if it still cannot apply the
        event (or stops at a later one)."""
        projection = self.projections[name]
        with self._lock:
            stopped_again: list[Failure] = []
            self._feed([projection], self.head(), None, stopped_again, retrying=name)
            if stopped_again:
                return stopped_again[-1]
            with self.engine.begin() as c:
                failures.clear(c, name)
            log.info("projection %s retried: it has caught up", name)
            return None

    def _feed(self, projections: list[Projection], head: int,
              progress: Callable[[str, int, int], None] | None,
              stopped_now: list[Failure], retrying: str | None = None) -> int:
        """Bring ``projections`` up to ``head``, a group at a time: those at the lowest
        position go together, then the runner regroups (another runner may have moved some).
        Stopped projections are left alone, except the one being retried (until it stops
        again); each failure met here is appended to ``stopped_now``."""
        token = _feeding.set(True)
        try:
            return self._feed_groups(projections, head, progress, stopped_now, retrying)
        finally:
            _feeding.reset(token)

    def _feed_groups(self, projections: list[Projection], head: int,
                     progress: Callable[[str, int, int], None] | None,
                     stopped_now: list[Failure], retrying: str | None) -> int:
        applied = 0
        positions: dict[str, int] | None = None
        while True:
            if positions is None:
                # Reading positions first keeps the common case (nothing pending) write-free.
                positions, stopped, stale = self._positions_and_stopped()
                stopped.discard(retrying)
                stopped.update(stale)
            stopped.update(f.name for f in stopped_now)
            behind = [p for p in projections
                      if positions[p.name] < head and p.name not in stopped]
            if not behind:
                return applied
            lowest = min(positions[p.name] for p in behind)
            group = [p for p in behind if positions[p.name] == lowest]
            count, reached = self._catch_up_group(group, head, progress, stopped_now)
            applied += count
            if reached:
                # This runner moved the group to the head itself: no need to read that back.
                # The others' positions, as read, are at most where they stand (a runner
                # only moves them on); a group formed from an old one is claimed, and found
                # moved, before it is fed.
                positions.update((p.name, head) for p in group)
            else:
                positions = None  # regroup from what is stored

    def _catch_up_group(self, group: list[Projection], head: int,
                        progress: Callable[[str, int, int], None] | None,
                        stopped_now: list[Failure]) -> tuple[int, bool]:
        """Feed ``group`` (all at one position) up to ``head``; returns early if another
        runner moved some of them on, so the caller can regroup, or when one of them cannot
        apply an event: then each goes on alone, and the one that fails stops there.
        Returns the number of applications, and whether this runner moved the whole group
        to ``head`` (otherwise the caller reads the positions again)."""
        applied = 0
        recorder = self.application.recorder
        names = [p.name for p in group]
        wants_all = any(not p.topics for p in group)
        topics = [] if wants_all else sorted({t for p in group for t in p.topics})
        while True:
            notifications: Sequence = ()
            old = None
            try:
                with self.engine.begin() as c:
                    positions, stale = self._claim_group(c, names)
                    old = min(positions.values())
                    if old >= head or len(set(positions.values())) > 1:
                        return applied, False  # done, or another runner moved some on
                    if stale:
                        # Another version's tables were swapped in since the group was
                        # formed (read after the claim, so after that swap committed).
                        return applied, False
                    notifications = recorder.select_notifications(
                        start=old, limit=self.batch_size, stop=head, topics=topics,
                        inclusive_of_start=False,
                    )
                    # A short batch means nothing else for these projections up to head.
                    new = notifications[-1].id if len(notifications) == self.batch_size else head
                    count = self._apply(c, group, notifications)
                    c.execute(_MOVE, {"names": names, "position": new})
            except Exception as error:
                for projection in group:
                    projection.discard_batch()
                if not notifications or _transient(error):
                    # Not this batch's events: the database, the log itself. Say where the
                    # projections wait; the batch is tried again from there, none skipped.
                    log.warning(
                        "projections %s wait after notification %s (the next batch runs to "
                        "%s): database %s (%s); the batch will be tried again",
                        ", ".join(names), "unknown" if old is None else old,
                        notifications[-1].id if notifications else head,
                        outage.problem(error) or "error", type(error).__name__)
                    raise
                # One of them cannot apply this batch: apply it to each alone, so the others
                # carry on past the bad event (and regroup) and the one that fails stops there.
                for projection in group:
                    applied += self._contain(
                        projection, old, [n for n in notifications if projection.wants(n.topic)],
                        new, stopped_now)
                return applied, False
            applied += count
            for projection in group:
                projection.batch_committed()
            if progress:
                for name in names:
                    progress(name, new, head)
            if new >= head:
                return applied, True  # caught up: no need to claim the rows again to see it

    @staticmethod
    def _claim(c: sa.Connection, names: list[str]) -> dict[str, int]:
        """Claim the projections' tracking rows and read their positions. The claim is a
        no-op write that takes the rows' locks (PostgreSQL) or the database's write lock
        (SQLite) until the transaction ends, so a second runner waits here instead of
        applying the same events."""
        c.execute(_CLAIM, {"names": names})
        return dict(c.execute(_POSITIONS, {"names": names}).all())

    def _claim_group(self, c: sa.Connection, names: list[str]) -> tuple[dict[str, int], bool]:
        """:meth:`_claim` for a batch: the positions, and whether any of ``names`` has tables
        another version built (read with the positions, in one query, after the claim)."""
        if not self.versioned:
            return self._claim(c, names), False
        c.execute(_CLAIM, {"names": names})
        rows = c.execute(_POSITIONS_AND_VERSIONS, {"names": names}).all()
        return {row.name: row.position for row in rows}, bool(self._stale_rows(rows))

    def _apply(self, c: sa.Connection, group: list[Projection], notifications: Sequence) -> int:
        """Apply a batch to every projection of ``group`` in the open transaction ``c``, and
        record there the position of the last event that changed each of their tables."""
        if not self.record_changes:
            with _cyclic_gc_paused():
                return self._apply_batch(c, group, notifications, changes.Changes(()))
        with _cyclic_gc_paused(), changes.recording(
                table.name for p in group for table in p.tables) as changed:
            applied = self._apply_batch(c, group, notifications, changed)
        changes.store(c, changed.changed)
        return applied

    def _apply_batch(self, c: sa.Connection, group: list[Projection],
                     notifications: Sequence, changed: changes.Changes) -> int:
        applied = 0
        to_domain_event = self.application.mapper.to_domain_event
        # The batch's topics, each with the last event of it: one pass over the batch. A
        # projection takes no event of a topic it does not want, so one that wants none of
        # these is left out of the batch altogether (no prepare, begin or end): it has
        # nothing to load, hold or write, and its position moves on with the group's.
        last_of: dict[str, int] = {}
        for notification in notifications:
            last_of[notification.topic] = notification.id
        taking = []
        # The last event each projection takes in the batch: what it writes as the batch
        # starts or ends (rows buffered over several events) changed no later than that.
        last: dict[str, int] = {}
        for projection in group:
            wanted_last = [at for topic, at in last_of.items() if projection.wants(topic)]
            if wanted_last:
                taking.append(projection)
                last[projection.name] = max(wanted_last)
        # Who wants each topic of the batch, worked out once per topic rather than once per
        # event and projection: the raw projections, those whose ``process`` needs the topic
        # and position, and the bound handlers called with just the decoded event.
        preparing = [p for p in taking if type(p).prepare is not Projection.prepare]
        wanted: list[list] = [[] for _ in preparing]
        routes: dict[str, tuple[list, list, list, list[list], int]] = {}
        for topic in last_of:
            wanting = [p for p in taking if p.wants(topic)]
            raw = [p.process for p in wanting if p.raw]
            handlers = [(p, p.handler(topic)) for p in wanting if not p.raw]
            routes[topic] = (raw, [p.process for p, h in handlers if h is None],
                             [h for _, h in handlers if h is not None],
                             [wanted[i] for i, p in enumerate(preparing) if p.wants(topic)],
                             len(wanting))
        if preparing:
            for notification in notifications:
                for notifications_wanted in routes[notification.topic][3]:
                    notifications_wanted.append(notification)
        for projection, notifications_wanted in zip(preparing, wanted, strict=True):
            changed.position = last[projection.name]
            projection.prepare(c, notifications_wanted)
        for projection in taking:
            changed.position = last[projection.name]
            projection.begin_batch(c)
        for notification in notifications:
            topic = notification.topic
            raw, processes, handlers, _, count = routes[topic]
            position = changed.position = notification.id
            for process in raw:
                process(c, notification, topic, position)
            if processes or handlers:
                event = to_domain_event(notification)
                for process in processes:
                    process(c, event, topic, position)
                for handle in handlers:
                    handle(c, event)
            applied += count
        for projection in taking:
            changed.position = last[projection.name]
            projection.end_batch(c)
        return applied

    # --- a projection that cannot apply an event ------------------------------------------

    def _contain(self, projection: Projection, start: int, notifications: list, end: int,
                 stopped_now: list[Failure]) -> int:
        """A batch from ``start`` to ``end`` failed with ``projection`` in it. Apply its
        ``notifications`` to ``projection`` alone, in halves, up to the first event it cannot
        apply, and record that it stopped there; or, if it can apply them all, move it to
        ``end``. Returns the number of events applied."""
        applied = [0]
        found = self._first_failing(projection, start, notifications, end, applied)
        if found is None:
            return applied[0]  # applied them all (or another runner moved it: it regroups)
        notification, error, at = found
        with self.engine.begin() as c:
            # One process records at a time. Nothing between where it is and the bad event
            # is for this projection, so it stops just before that event.
            if self._claim(c, [projection.name])[projection.name] == at:
                c.execute(tracking.update().where(tracking.c.name == projection.name)
                          .values(position=notification.id - 1))
            failure = failures.record(c, projection.name, notification.id,
                                      notification.topic, error)
        # Never the message or the event: either may quote what a user typed about a child.
        log.error("projection %s stopped at notification %s (%s): %s; the other projections "
                  "carry on, and it waits there until an administrator retries it",
                  projection.name, notification.id, notification.topic, failure.error)
        log.debug("projection %s failed in:\n%s", projection.name,
                  "".join(traceback.format_tb(error.__traceback__)))
        stopped_now.append(failure)
        return applied[0]

    def _first_failing(self, projection: Projection, start: int, notifications: list,
                       end: int, applied: list[int]) -> tuple[object, Exception, int] | None:
        """Apply ``notifications`` (its events from ``start`` to ``end``) to ``projection``
        alone, committing each part that applies, down to the first single event that does
        not: returned with its error and the position the projection is at, just before it."""
        try:
            with self.engine.begin() as c:
                if self._claim(c, [projection.name])[projection.name] != start:
                    return None  # another runner moved it on: it will regroup
                count = self._apply(c, [projection], notifications) if notifications else 0
                c.execute(tracking.update().where(tracking.c.name == projection.name)
                          .values(position=end))
        except Exception as error:
            projection.discard_batch()
            if _transient(error) or not notifications:
                raise
            if len(notifications) == 1:
                return notifications[0], error, start
        else:
            projection.batch_committed()
            applied[0] += count
            return None
        middle = len(notifications) // 2
        left, right = notifications[:middle], notifications[middle:]
        found = self._first_failing(projection, start, left, left[-1].id, applied)
        if found is not None:
            return found
        return self._first_failing(projection, left[-1].id, right, end, applied)

    def wait_for(self, position: int, timeout: float = 5.0) -> bool:
        """Read your own writes: return once every projection has processed ``position``."""
        if self.inline:
            self.catch_up(until=position)
            return True
        deadline = time.monotonic() + timeout
        while True:
            # A stopped projection will not move until it is retried, nor one built with
            # another version until it is rebuilt: do not wait for them.
            positions, stopped, stale = self._positions_and_stopped()
            stopped.update(stale)
            if min((p for name, p in positions.items() if name not in stopped),
                   default=position) >= position:
                return True
            if time.monotonic() >= deadline:
                log.warning("projections did not reach position %s within %ss", position,
                            timeout)
                return False
            time.sleep(0.02)

    def rebuild(self, names: Iterable[str] | None = None,
                progress: Callable[[str, int, int], None] | None = None) -> int:
        """Rebuild the named projections (default: all) from the whole log.

        The log is replayed into shadow tables (:mod:`projections.shadow`) while the live
        ones keep serving readers and following the log; then one transaction, holding the
        live tracking rows so no other runner moves them, brings the shadow up to the head
        and puts it in place with its position (and any event it stopped at). Readers see the
        old tables until that commits, then the new ones: never a half-built table."""
        chosen = list(names) if names is not None else list(self.projections)
        unknown = [n for n in chosen if n not in self.projections]
        if unknown:
            raise KeyError(f"Unknown projection: {', '.join(unknown)}")
        group = [self.projections[name] for name in chosen]
        tables = [t for p in group for t in p.tables]
        deferred = {index for p in group for index in p.deferred_indexes}
        token = _feeding.set(True)
        try:
            return self._rebuild(chosen, group, tables, deferred, progress)
        finally:
            _feeding.reset(token)

    def _rebuild(self, chosen: list[str], group: list[Projection], tables: list[sa.Table],
                 deferred: set[str], progress: Callable[[str, int, int], None] | None) -> int:
        with self._lock, shadow_tables(self.engine, [tracking, projection_failures, *tables],
                                       deferred) as shadow:
            rebuilder = ProjectionRunner(self.application, shadow.feed, group, versioned=False)
            rebuilder.batch_size = REBUILD_BATCH_SIZE
            rebuilder.record_changes = False  # its tables count as changed when installed
            # The live tables' signer signs the live log; the shadow's tree is re-grown from
            # events already signed, and whatever is new is signed once it is live.
            signers = {p.name: p.signer for p in group if getattr(p, "signer", None)}
            for projection in signers:
                self.projections[projection].signer = None
            try:
                with shadow.feed.begin() as c:
                    c.execute(tracking.insert(), [{"name": n, "position": 0} for n in chosen])
                    for projection in group:
                        projection.clear(c)  # empty already: resets what it holds in memory
                        projection.seed(c)
                for projection in group:
                    projection.begin_rebuild()
                applied = rebuilder._feed(group, self.head(), progress, [])
                with shadow.live.begin() as c:
                    self._claim(c, chosen)  # no other runner moves them until this commits
                    applied += rebuilder._feed(group, self.head(), progress, [])
                    with shadow.feed.begin() as held:
                        for projection in group:
                            projection.end_rebuild(held)  # what each held back, written once
                    self._install(c, shadow, group)
                    if self.versioned:
                        self._record_built(c, group)
            finally:
                for name, signer in signers.items():
                    self.projections[name].signer = signer
                for projection in group:
                    projection.discard_batch()
                    projection.end_rebuild(None)
            return applied

    @staticmethod
    def _install(c: sa.Connection, shadow: Shadow, group: list[Projection]) -> None:
        """Put the shadow tables of ``group`` in place of the live ones, with the shadow's
        positions and failures, in ``c``'s transaction. Each of their tables counts as
        changed at its projection's new position (a rebuild may have put other rows there)."""
        names = [p.name for p in group]
        translated = {"schema_translate_map": {None: SHADOW_SCHEMA}}
        positions = dict(c.execute(
            sa.select(tracking.c.name, tracking.c.position).where(tracking.c.name.in_(names)),
            execution_options=translated).all())
        stopped = [dict(row) for row in c.execute(
            sa.select(projection_failures).where(projection_failures.c.name.in_(names)),
            execution_options=translated).mappings()]
        shadow.swap(c, [t for p in group for t in p.tables])
        for name in names:
            c.execute(tracking.update().where(tracking.c.name == name)
                      .values(position=positions[name]))
            failures.clear(c, name)
        if stopped:
            c.execute(projection_failures.insert(), stopped)
        changes.store(c, {table.name: positions[p.name] for p in group for table in p.tables})

    def _record_built(self, c: sa.Connection, group: list[Projection]) -> None:
        """In the swap's transaction: the rebuilt projections' tables are now built with
        their code's version. Snapshots taken by another version are deleted with the tables
        they copied, so an "as at" view never restores rows of the old shape."""
        before = versions.recorded(c)
        changed = [p.name for p in group
                   if before.get(p.name, self.code_versions[p.name]) != self.code_versions[p.name]]
        if changed:
            c.execute(projection_snapshots.delete().where(
                projection_snapshots.c.name.in_(changed)))
        versions.record(c, [(p.name, *self.code_versions[p.name]) for p in group])

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


_gc_guard = threading.Lock()
_gc_pausers = 0
_gc_was_enabled = False


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a batch is applied.

    A batch holds thousands of decoded events and row dicts at once; the collector, triggered
    by the allocations, walks them all again and again (a fifth of a rebuild's time), and
    finds nothing: they are freed by reference counting when the batch ends. Threads that
    pause together resume it when the last one is done."""
    global _gc_pausers, _gc_was_enabled
    with _gc_guard:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pausers += 1
    try:
        yield
    finally:
        with _gc_guard:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_was_enabled:
                gc.enable()


def _shaped_as(inspector, present: set[str], table: sa.Table) -> bool:
    """Whether the live ``table`` has the code's columns and (at least) its indexes."""
    if table.name not in present:
        return False
    columns = {column["name"] for column in inspector.get_columns(table.name)}
    indexes = {index["name"] for index in inspector.get_indexes(table.name)}
    return (columns == {column.name for column in table.columns}
            and {index.name for index in table.indexes} <= indexes)


@contextmanager
def _upgrade_lock(engine: sa.Engine) -> Iterator[None]:
    """Held while one process checks versions and rebuilds: PostgreSQL's advisory lock, or
    an exclusive lock on a file beside the SQLite database (released if the process dies)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as lock:
            lock.execute(sa.select(sa.func.pg_advisory_lock(UPGRADE_LOCK_KEY)))
            lock.commit()
            try:
                yield
            finally:
                lock.execute(sa.select(sa.func.pg_advisory_unlock(UPGRADE_LOCK_KEY)))
                lock.commit()
        return
    if engine.url.database in (None, "", ":memory:"):
        yield  # one connection, one process
        return
    path = Path(engine.url.database).resolve()
    with open(path.parent / f"{path.name}.upgrade-lock", "a") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)


def _transient(error: BaseException) -> bool:
    """Whether ``error`` says nothing about the events: the database went away, a lock
    timed out, SQLite was busy, the database is read-only or its disk full. Those are raised
    (and the batch tried again later), never recorded as a projection that cannot apply an
    event."""
    return isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError) or bool(
        getattr(error, "connection_invalidated", False)) or outage.problem(error) is not None
