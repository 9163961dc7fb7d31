"""Each dashboard built once, kept in the database and reused until the read models move on.

A dashboard page shows its own date and, in the headline, the same dashboard a year and two
years before; its tables' CSV downloads, the htmx refreshes of its filters and the next reader
of the same view ask for the same builds again, in whichever web process answers them. A build
depends only on the read models, the scope, the filters and the authority of the reader
(disclosure control never hides a reader's own authority's figures), never on the clock. So
the built tables, after disclosure control, are kept in ``dashboard_builds`` under a digest of
those and of where the projections a dashboard reads (``READS``) stand: the position of the
last event that changed a table a dashboard reads (``positions``), as the runner records it
with the rows. Such an event moves the key, so a kept build is never read after it (the old
one is left to be evicted); the events that change none of those tables (a sign-in, a
tender's timetable, a webhook subscription) leave every kept build as it was, since they
cannot have changed what it was built from. An
auditor's "as at" dashboard is read from a database rebuilt up to a past position: its key
holds that position (and the date counted on is in its filters), so it is kept beside the live
ones without ever being mistaken for one.

The table is shared by every web process (SQLite or PostgreSQL) and bounded: at most
``LIMIT`` builds, the oldest stored dropped first. A reader gets a fresh copy each time (the
tables are read back from their stored form), so nothing a page does to its tables reaches
the next reader.

A rendered page kept as bytes (which no reader can change) is also remembered in the web
process that read or built it, by the same stored key, up to ``RECENT_BYTES``: the next reader
of the same page costs neither the row's read nor its decompression (a region's page is
megabytes). The stored key holds the positions, so an event moves past a remembered page
exactly as it moves past the row.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import logging
import pkgutil
import sys
import threading
import uuid
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from projections import changes  # its table by module: no table of the measures
from projections.base import tracking
from projections.database import metadata
from projections.directory import Directory
from projections.fostering import Fostering
from projections.gazetteer import Gazetteer
from projections.home_searches import HomeSearches
from projections.placements import Placements
from projections.quality import Quality
from projections.referrals import Referrals
from projections.sufficiency import stored
from projections.supply import Supply
from projections.unmet_need import UnmetNeed
from projections.vacancies import ProviderVacancies, VacancyBoard

log = logging.getLogger(__name__)

LIMIT = 500  # builds kept: a region's is a few hundred kB compressed, an authority's far less

# The projections whose tables a dashboard may read: those of every table named by the modules
# of the measures or of the functions they import (tests/projections/test_dashboard_builds.py
# checks it), however few of those a measure reads today.
READS: tuple[str, ...] = tuple(sorted(p.name for p in (
    Directory, Placements, Gazetteer, UnmetNeed, Quality, Fostering, Supply, HomeSearches,
    Referrals, VacancyBoard, ProviderVacancies)))


def _code() -> str:
    """A digest of the read models' and the measures' code (every module of ``projections``):
    a new release, or a rebuild by changed code, may give other figures at the same positions,
    so it never reads a build kept by the code before it."""
    root = Path(__file__).resolve().parents[1]
    found = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        found.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return found.hexdigest()


CODE = _code()

dashboard_builds = sa.Table(
    "dashboard_builds",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),  # SHA-256 of the key and positions
    sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("payload", sa.LargeBinary, nullable=False),  # projections.sufficiency.stored
)


RECENT_BYTES = 64 * 1024 * 1024  # rendered pages remembered by each process, at most

# Remembered pages by (their database's token, stored key), the least recently read first. A
# token per engine object, not its address: tests open many in-memory databases at one URL.
_recent: OrderedDict[tuple[str, str], bytes] = OrderedDict()
_recent_size = 0
_recent_lock = threading.Lock()
_tokens: weakref.WeakKeyDictionary[sa.Engine, str] = weakref.WeakKeyDictionary()


def database_token(engine: sa.Engine) -> str:
    """A token of its own for each engine object (what a process remembers from a database
    is kept by it)."""
    with _recent_lock:
        return _tokens.setdefault(engine, uuid.uuid4().hex)


def _recalled(key: tuple[str, str]) -> bytes | None:
    with _recent_lock:
        found = _recent.get(key)
        if found is not None:
            _recent.move_to_end(key)
        return found


def _remember(key: tuple[str, str], page: bytes) -> None:
    global _recent_size
    if len(page) > RECENT_BYTES:
        return
    with _recent_lock:
        if key in _recent:
            return
        _recent[key] = page
        _recent_size += len(page)
        while _recent_size > RECENT_BYTES:
            _, dropped = _recent.popitem(last=False)
            _recent_size -= len(dropped)


def _forget_recent() -> None:
    global _recent_size
    with _recent_lock:
        _recent.clear()
        _recent_size = 0


# Where the build under way keeps what it builds: the parts it keeps on its own (the forecast)
# go where the whole dashboard goes.
_store: ContextVar[sa.Engine | None] = ContextVar("dashboard_builds_store", default=None)


def positions(connection: sa.Connection) -> tuple:
    """Where the projections a dashboard reads stand: what it shows is fixed by this. When they
    stand together (as they do unless one stopped or a rebuild is under way), the position of
    the last event that changed a table a dashboard reads (``read_tables``, as the runner
    records it with the rows: projections/changes.py); otherwise, or when one of those tables
    has no recorded change (a database rebuilt "as at"), each projection's position."""
    reads, tables = _read_names()
    found: list[tuple[str, int]] = []
    changed: dict[str, int] = {}
    for changes_row, name, position in connection.execute(_position_query()):
        if changes_row and name in tables:
            changed[name] = position
        elif not changes_row and name in reads:
            found.append((name, position))
    at = tuple(sorted(found))
    standing = {position for _, position in at}
    if len(at) != len(READS) or len(standing) != 1:
        return at
    if len(changed) != len(read_tables()):
        return at
    return (("changed", max(changed.values())),)


@functools.cache
def _position_query() -> sa.CompoundSelect:
    """The query of :func:`positions`, made once: every page asks it, and building it cost
    far more than the database's answer. It reads both small tables whole (a row per
    projection, then a row per read-model table: a few dozen), each row marked with which
    it came from, and the rows wanted are picked from those here: a list of names in the SQL
    was written into it afresh at every execution, which cost more than the rows it left
    out, and one statement costs less than two."""
    recorded = changes.table_changes
    return sa.union_all(
        sa.select(sa.literal_column("0").label("changes_row"), tracking.c.name,
                  tracking.c.position),
        sa.select(sa.literal_column("1"), recorded.c.name, recorded.c.position))


@functools.cache
def _read_names() -> tuple[frozenset[str], frozenset[str]]:
    """The projections (``READS``) and tables (:func:`read_tables`) :func:`positions` reads."""
    return frozenset(READS), frozenset(read_tables())


@functools.cache
def read_tables() -> tuple[str, ...]:
    """The names of the tables a dashboard may read: every read-model table named by the
    modules of the measures or of the functions they import (as ``READS`` is made), but
    none of the other tables of those projections (the directory's accounts, which every
    sign-in changes)."""
    from projections import sufficiency  # the package holds this module: imported by now
    from projections.registry import all_projections

    owned = {table for p in all_projections() if p.name in READS for table in p.tables}
    named: set[sa.Table] = set()
    for info in pkgutil.iter_modules(sufficiency.__path__):
        module = importlib.import_module(f"{sufficiency.__name__}.{info.name}")
        if module is not sys.modules[__name__]:  # this one names the projections in READS
            named |= tables_named_by(module)
    return tuple(sorted(table.name for table in named & owned))


def tables_named_by(module) -> set[sa.Table]:
    """The read-model tables a module names, itself or through the functions it imports
    from other modules of the projections (whose tables it may read through them)."""
    found = set()
    for value in vars(module).values():
        if isinstance(value, sa.Table):
            found.add(value)
        elif callable(value) and getattr(value, "__module__", "").startswith("projections."):
            found.update(v for v in vars(sys.modules[value.__module__]).values()
                         if isinstance(v, sa.Table))
    return found


def digest(key: Hashable, at: tuple) -> str:
    """The stored key of ``key`` at positions ``at`` (its parts are dates, UUIDs, strings,
    numbers and tuples of them, whose ``repr`` is fixed)."""
    return hashlib.sha256(repr((CODE, key, at)).encode()).hexdigest()


def kept_or_built(connection: sa.Connection, key: Hashable, build: Callable[[], Any], *,
                  store: sa.Engine | None = None) -> Any:
    """What ``build()`` gives for ``key`` at the read models' present positions (read through
    ``connection``), built at most once and kept in ``store``'s database (``connection``'s own
    unless given: an "as at" database is thrown away, the live one is not). Within a build,
    what it keeps of its own goes to the same database as the build. What is built as bytes
    (a rendered page) is also remembered by this process."""
    store = store if store is not None else _store.get()
    engine = store if store is not None else connection.engine
    stored_key = digest(key, positions(connection))
    recent = (database_token(engine), stored_key)
    page = _recalled(recent)
    if page is not None:
        return page
    reader = connection if store is None else None
    payload = _read(reader, engine, stored_key)
    if payload is not None:
        value = stored.loads(payload)
        if isinstance(value, bytes):
            _remember(recent, value)
        return value
    token = _store.set(engine)
    try:
        built = build()
    finally:
        _store.reset(token)
    if isinstance(built, bytes):
        _remember(recent, built)
    try:
        _keep(engine, stored_key, stored.dumps(built))
    except sa.exc.OperationalError as error:  # busy (SQLite's lock): shown now, kept next time
        log.warning("a dashboard build was not kept: the database was busy (%s)",
                    type(error.orig).__name__)
    return built


def _read(connection: sa.Connection | None, engine: sa.Engine, key: str) -> bytes | None:
    query = sa.select(dashboard_builds.c.payload).where(dashboard_builds.c.key == key)
    if connection is not None:
        return connection.execute(query).scalar()
    with engine.connect() as c:
        return c.execute(query).scalar()


def _keep(engine: sa.Engine, key: str, payload: bytes) -> None:
    """Store a build, then drop the oldest beyond ``LIMIT``. Another process may have stored
    the same build meanwhile: theirs is the same, so it stays."""
    with engine.begin() as c:
        if c.execute(sa.select(dashboard_builds.c.key)
                     .where(dashboard_builds.c.key == key)).first() is None:
            try:
                with c.begin_nested():
                    c.execute(dashboard_builds.insert().values(
                        key=key, stored_at=datetime.now(UTC), payload=payload))
            except sa.exc.IntegrityError:
                return
        oldest_kept = (sa.select(dashboard_builds.c.stored_at)
                       .order_by(dashboard_builds.c.stored_at.desc())
                       .offset(LIMIT - 1).limit(1).scalar_subquery())
        c.execute(dashboard_builds.delete().where(dashboard_builds.c.stored_at < oldest_kept))


def forget(engine: sa.Engine) -> None:
    """Drop every kept build (a benchmark timing the build itself), and the pages this process
    remembers."""
    _forget_recent()
    with engine.begin() as c:
        c.execute(dashboard_builds.delete())
