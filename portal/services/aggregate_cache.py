"""The aggregate cache: a command on an existing record does not replay it from its first event.

Each process keeps, for the records it loaded or saved most recently, the record as its stored
events made it (``AGGREGATE_CACHE_MAXSIZE`` records, least recently used dropped
first; ``0`` turns the cache off). Loading a cached record still asks the event store for its
events after the cached version, so a change another process (a second gunicorn worker, the
command line) saved is always applied before the command sees the record; only the events this
process already decoded are not read again. Every load returns a new object, so a command's
changes never reach the cache unless they are stored: a record is put in the cache after the
event store committed its events, as the command left it, and a save the store refuses (a
version clash, an integrity error, unstorable text) leaves the cache as it was. Optimistic
concurrency is the event store's as before: a command that loaded a record at version n saves
event n + 1, which the store refuses if another request saved it first.

Why not eventsourcing's own cache (``Repository(cache_maxsize=...)``, 9.5)? With fast-forwarding,
which the second worker makes necessary, it caches a record when it is loaded but never when it
is saved, so every event this process writes is read back and decoded at the record's next
command (a vacancy's first update replays it from scratch, exactly as without a cache); and it
deep-copies the cached record after releasing its fast-forward lock, so one thread can copy it
while another applies newer events to it (a copy whose version is ahead of its state, whose
next save would be accepted). Without fast-forwarding it caches the very object the command
saved, still in the command's hands, and never sees another process's events. Keeping a copy
no command ever holds avoids both: a cached entry is never changed in place, only replaced by a
newer version. The copy shares a record's facts that cannot change (ids, text, numbers, dates),
keeps its lists of such facts (a vacancy's needs) as tuples, each load making a new list of one,
and pickles the rest (dicts, the actor...); every load unpickles that part afresh. A vacancy is
all such facts and lists, so this is several times cheaper than pickling, or deep-copying
(which costs nearly as much as replaying a one-event record), the whole of it.

On SQLite, whether a cached record has newer events is asked in one statement on a pooled
connection (:func:`sqlite_newer_events_probe`): eventsourcing's own read wraps its SELECT in
BEGIN and ROLLBACK, which cost a command on a cached record more than the SELECT itself, and a
lone statement reads one consistent state of the database just as well. Only when there are
newer events are they read, through eventsourcing, as before. Other databases are asked
through eventsourcing, as before.

After restoring the database from a backup (which takes events away), restart the portal's
processes: a cache never expects the store to go back in time.
"""

from __future__ import annotations

import logging
import pickle
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository, project_aggregate
from eventsourcing.persistence import Recorder
from eventsourcing.sqlite import SQLiteAggregateRecorder

from projections.database import ConfigurationError

log = logging.getLogger(__name__)

DEFAULT_MAXSIZE = 5_000
# Values no command can change in place: a cached record shares them with every copy loaded.
IMMUTABLE = frozenset({type(None), bool, int, float, str, bytes, UUID, date, datetime, time,
                       timedelta, Decimal})

# A cached record: its version, class, unchangeable facts, its lists of unchangeable facts (as
# tuples) and the rest of its state pickled (None: nothing else).
Entry = tuple[int, type, dict[str, Any], dict[str, tuple[Any, ...]], bytes | None]
# Whether the event store holds events of a record after a version.
NewerProbe = Callable[[UUID, int], bool]


def frozen(aggregate: Any) -> Entry:
    shared: dict[str, Any] = {}
    lists: dict[str, tuple[Any, ...]] = {}
    rest: dict[str, Any] = {}
    for name, value in vars(aggregate).items():
        kind = type(value)
        if kind in IMMUTABLE:
            shared[name] = value
        elif kind is list and IMMUTABLE.issuperset(map(type, value)):
            lists[name] = tuple(value)
        else:
            rest[name] = value
    return (aggregate.version, type(aggregate), shared, lists,
            pickle.dumps(rest, pickle.HIGHEST_PROTOCOL) if rest else None)


def thawed(entry: Entry) -> Any:
    """A new copy of the cached record (built as eventsourcing builds one, without __init__)."""
    _version, cls, shared, lists, rest = entry
    aggregate = cls.__new__(cls)
    state = vars(aggregate)
    state.update(shared)
    for name, items in lists.items():
        state[name] = list(items)
    if rest is not None:
        state.update(pickle.loads(rest))  # noqa: S301 - bytes this process pickled
    return aggregate


def sqlite_newer_events_probe(recorder: Recorder) -> NewerProbe | None:
    """On eventsourcing's SQLite recorder, a probe asking whether a record has events after a
    version in one SELECT, without the BEGIN and ROLLBACK around eventsourcing's own reads (a
    lone statement is its own read transaction); None on any other recorder."""
    if not isinstance(recorder, SQLiteAggregateRecorder):
        return None
    datastore = recorder.datastore
    table = recorder.events_table_name  # eventsourcing's own name for it, never user input
    statement = (f"SELECT 1 FROM {table} "  # noqa: S608
                 "WHERE originator_id=? AND originator_version>? LIMIT 1")

    def has_newer(aggregate_id: UUID, version: int) -> bool:
        key = aggregate_id.hex if isinstance(aggregate_id, UUID) else aggregate_id
        try:
            with datastore.get_connection(commit=False) as connection, \
                    connection.cursor() as cursor:
                cursor.execute(statement, (key, version))
                return cursor.fetchone() is not None
        except sqlite3.Error:
            return True  # eventsourcing's own read, next, reports the problem its own way

    return has_newer


class CommittedAggregates:
    """A bounded, least-recently-used map from a record's id to its cached entry; safe to
    share between threads."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[UUID, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, aggregate_id: UUID) -> Entry | None:
        with self._lock:
            entry = self._entries.get(aggregate_id)
            if entry is not None:
                self._entries.move_to_end(aggregate_id)
            return entry

    def offer(self, aggregate: Any) -> None:
        """Keep ``aggregate`` (whose every event is stored) unless a newer version is kept."""
        try:
            entry = frozen(aggregate)
        except (pickle.PicklingError, TypeError, AttributeError, RecursionError) as error:
            # The record is simply replayed next time; its class name says nothing personal.
            log.warning("cannot cache a record", extra={"record_type": type(aggregate).__name__,
                                                        "error": type(error).__name__})
            self.forget(aggregate.id)
            return
        with self._lock:
            kept = self._entries.get(aggregate.id)
            if kept is not None and kept[0] >= entry[0]:
                return
            self._entries[aggregate.id] = entry
            self._entries.move_to_end(aggregate.id)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)

    def forget(self, aggregate_id: UUID) -> None:
        with self._lock:
            self._entries.pop(aggregate_id, None)


class CachingRepository(Repository):
    """eventsourcing's repository, with records loaded from :class:`CommittedAggregates` and
    brought up to date from the event store (the library's own cache stays off)."""

    def __init__(self, *args: Any, committed: CommittedAggregates,
                 has_newer: NewerProbe | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.committed = committed
        self.has_newer = has_newer

    def get(self, aggregate_id: UUID, *, version: int | None = None,
            projector_func: Any = project_aggregate, **kwargs: Any) -> Any:
        if version is not None or projector_func is not project_aggregate:
            return super().get(aggregate_id, version=version, projector_func=projector_func,
                               **kwargs)
        entry = self.committed.get(aggregate_id)
        if entry is None:
            aggregate = self._reconstruct_aggregate(aggregate_id, None, projector_func)
            self.committed.offer(aggregate)
            return aggregate
        newer = self._events_after(aggregate_id, entry[0])
        aggregate = thawed(entry)
        if newer:
            aggregate = projector_func(aggregate, newer)
            if aggregate is None:  # as eventsourcing's own fast-forward: a discarded record
                self.committed.forget(aggregate_id)
                raise AggregateNotFoundError(aggregate_id)
            self.committed.offer(aggregate)
        return aggregate

    def _events_after(self, aggregate_id: UUID, version: int) -> list[Any]:
        if self.has_newer is not None and not self.has_newer(aggregate_id, version):
            return []
        return list(self.event_store.get(originator_id=aggregate_id, gt=version))

    def remember_saved(self, aggregates: Iterable[Any], events: Iterable[Any]) -> None:
        """After the event store committed ``events``: keep the records they changed."""
        changed = {event.originator_id for event in events}
        for aggregate in aggregates:
            if aggregate.id in changed:
                self.committed.offer(aggregate)


class CachedAggregates:
    """Application mixin: a :class:`CachingRepository` sized by ``AGGREGATE_CACHE_MAXSIZE``
    (eventsourcing's own setting's name; unset: :data:`DEFAULT_MAXSIZE`, ``0``: no cache)."""

    repository: Any

    def construct_repository(self) -> Repository:
        setting = self.env.get(self.AGGREGATE_CACHE_MAXSIZE)  # type: ignore[attr-defined]
        try:
            maxsize = DEFAULT_MAXSIZE if setting in (None, "") else int(setting)
        except ValueError:
            raise ConfigurationError(
                f"AGGREGATE_CACHE_MAXSIZE must be a whole number, not {setting!r}") from None
        if maxsize <= 0:
            return Repository(event_store=self.events,  # type: ignore[attr-defined]
                              snapshot_store=self.snapshots)  # type: ignore[attr-defined]
        return CachingRepository(event_store=self.events,  # type: ignore[attr-defined]
                                 snapshot_store=self.snapshots,  # type: ignore[attr-defined]
                                 committed=CommittedAggregates(maxsize),
                                 has_newer=sqlite_newer_events_probe(
                                     self.recorder))  # type: ignore[attr-defined]

    def _record(self, processing_event: Any) -> Any:
        recordings = super()._record(processing_event)  # type: ignore[misc]
        if isinstance(self.repository, CachingRepository):
            self.repository.remember_saved(processing_event.aggregates.values(),
                                           processing_event.events)
        return recordings
