"""Each dashboard built once and reused until the read models move on.

A dashboard page shows its own date and, in the headline, the same dashboard a year and two
years before; its tables' CSV downloads, the htmx refreshes of its filters and the next reader
of the same view ask for the same builds again. A build depends only on the read models, the
scope, the filters and the authority of the reader (disclosure control never hides a reader's
own authority's figures), never on the clock, so its tables are kept for those and the read
models' positions (the ``projection_tracking`` rows): every event any projection applies
moves a position on, and with it every kept build is dropped.

The builds are kept per database engine (an auditor's "as at" database is its own) and only
for the newest positions seen, at most ``LIMIT`` of them. Each caller gets its own copy, so
nothing a page does to its tables reaches the next reader.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from weakref import WeakKeyDictionary

import sqlalchemy as sa

from projections.base import tracking
from projections.sufficiency.tables import Table

LIMIT = 64  # dashboards kept per engine: each is a few hundred rows

_lock = threading.Lock()
_kept: WeakKeyDictionary[sa.Engine, tuple[tuple, OrderedDict]] = WeakKeyDictionary()


def positions(connection: sa.Connection) -> tuple:
    """Every projection's position: what the read models hold is fixed by these."""
    return tuple(sorted((name, position) for name, position in connection.execute(
        sa.select(tracking.c.name, tracking.c.position))))


def kept_or_built(connection: sa.Connection, key: Hashable,
                  build: Callable[[], list[Table]]) -> list[Table]:
    """The tables ``build()`` gives for ``key``, built at most once for the read models'
    present positions."""
    engine, now = connection.engine, positions(connection)
    with _lock:
        at, builds = _kept.get(engine, ((), OrderedDict()))
        tables = builds.get(key) if at == now else None
        if tables is not None:
            builds.move_to_end(key)
    if tables is None:
        tables = build()
        with _lock:
            at, builds = _kept.get(engine, ((), OrderedDict()))
            if at != now:
                at, builds = now, OrderedDict()
                _kept[engine] = (at, builds)
            builds[key] = tables
            while len(builds) > LIMIT:
                builds.popitem(last=False)
    return copy.deepcopy(tables)


def forget(engine: sa.Engine) -> None:
    """Drop every build kept for ``engine`` (a benchmark timing the build itself)."""
    with _lock:
        _kept.pop(engine, None)
