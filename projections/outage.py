"""What is wrong with the database, when it is the database and not the request: it cannot be
reached, it is read-only, or its disk is full.

The same answer serves the health endpoint, the error page (503: nothing the person sent was
saved) and the projection process (which waits and tries the same batch again, saying at which
event). Errors are recognised by the driver's own codes: PostgreSQL's SQLSTATE (25006
read-only transaction, 53100 disk full, class 08 connection exceptions, 57P01-57P03 the server
shutting down or starting) and SQLite's messages (its error codes are not on the exception in
every Python version).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlalchemy as sa

UNAVAILABLE, READ_ONLY, FULL = "unavailable", "read_only", "full"
# Below this much free space beside a SQLite file, the health check says the disk is full
# (SQLite needs room for its write-ahead log and journal before a write can succeed).
LOW_DISK_BYTES = 16 * 1024 * 1024

SAYS = {
    UNAVAILABLE: "The portal's database cannot be reached.",
    READ_ONLY: "The portal's database is read-only at the moment.",
    FULL: "The disk holding the portal's database is full.",
}

_SQLSTATES = {"25006": READ_ONLY, "53100": FULL, "57P01": UNAVAILABLE, "57P02": UNAVAILABLE,
              "57P03": UNAVAILABLE}
_SQLITE = (("readonly database", READ_ONLY), ("read-only", READ_ONLY),
           ("disk is full", FULL), ("disk i/o error", UNAVAILABLE),
           ("unable to open database", UNAVAILABLE))


def _causes(error: BaseException):
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = getattr(error, "orig", None) or error.__cause__ or error.__context__


def problem(error: BaseException) -> str | None:
    """"unavailable", "read_only" or "full" when ``error`` (or what it wraps) is the database
    being down, read-only or out of disk; None otherwise (a fault of the request or the code).
    """
    for cause in _causes(error):
        state = getattr(cause, "sqlstate", None)
        if state:
            if state in _SQLSTATES:
                return _SQLSTATES[state]
            if state.startswith("08"):
                return UNAVAILABLE
        module = type(cause).__module__
        text = str(cause).lower()
        if module.startswith("sqlite3"):
            for words, kind in _SQLITE:
                if words in text:
                    return kind
        if module.startswith("psycopg") and type(cause).__name__ in (
                "OperationalError", "InterfaceError") and not state:
            return UNAVAILABLE  # no connection at all: no SQLSTATE to read
    return None


def check(engine: sa.Engine) -> str | None:
    """The database's state as the health endpoint reports it: None when it can be written,
    else the problem (``unavailable`` when not even a read succeeds)."""
    try:
        with engine.connect() as c:
            if engine.dialect.name == "postgresql":
                read_only = c.execute(sa.text(
                    "SELECT current_setting('transaction_read_only') = 'on' "
                    "OR pg_is_in_recovery()")).scalar()
                return READ_ONLY if read_only else None
            c.execute(sa.text("SELECT 1"))
    except Exception as error:
        return problem(error) or UNAVAILABLE
    return _sqlite_file(Path(engine.url.database))


def _sqlite_file(path: Path) -> str | None:
    import os

    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        return READ_ONLY
    if shutil.disk_usage(path.parent).free < LOW_DISK_BYTES:
        return FULL
    return None
