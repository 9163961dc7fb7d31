"""Which version of each projection its live tables were built with.

A projection's tables hold what its code made of the log. When the code changes what it
writes (a column added, a key changed, or the same columns meaning something else), the rows
already there were made by the old code: serving them to the new code, or feeding new events
into them, mixes two shapes. So each projection declares a ``version``, an integer its
developer bumps when its tables or their meaning change, and the portal records here the
version and a digest of the tables' schema that its live tables were built with.

The digest is the safety net for a forgotten bump: it covers every table's columns (name,
type, nullability, key), foreign keys, unique constraints and indexes, so a change to any of
them is noticed even when the version stayed the same. A change of meaning alone (the same
columns, filled differently) is only noticed through the version.

When the portal starts its projection work, a projection whose recorded version or digest is
not its code's is rebuilt from the log into shadow tables and swapped in
(:meth:`projections.runner.ProjectionRunner.upgrade`); until then no runner feeds it and no
page reads it (:mod:`portal.behind`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from projections.database import metadata

# Recorded for a projection whose tables were there before versions were recorded and do
# not match its code's schema: built by some older code, so rebuilt.
UNKNOWN = 0

projection_versions = sa.Table(
    "projection_versions",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class Built:
    """What a projection's live tables were built with, beside what its code is now."""

    name: str
    version: int  # recorded (UNKNOWN: tables from before versions were recorded)
    digest: str
    code_version: int
    code_digest: str

    @property
    def current(self) -> bool:
        return self.version == self.code_version and self.digest == self.code_digest

    @property
    def unbumped(self) -> bool:
        """The schema changed but the version did not: someone forgot to bump it."""
        return self.version == self.code_version and self.digest != self.code_digest

    def describe(self) -> str:
        """For a log line or the status command: which version was built, which is wanted."""
        built = "unknown" if self.version == UNKNOWN else str(self.version)
        if self.current:
            return f"version {built}"
        if self.unbumped:
            return (f"version {built}, but its schema changed (digest {self.digest} to "
                    f"{self.code_digest}) without a version bump")
        return f"version {built} built, code has version {self.code_version}"


def schema_digest(tables: Iterable[sa.Table]) -> str:
    """A short digest of ``tables``' schema: columns (name, type, nullable, key), foreign
    keys, unique constraints and indexes. The same code gives the same digest in every
    process and on every database (types are taken as declared, not as a dialect names
    them)."""
    shapes = []
    for table in sorted(tables, key=lambda t: t.name):
        columns = [[column.name, _declared(column.type), column.nullable, column.primary_key]
                   for column in table.columns]
        foreign_keys = sorted([key.parent.name, key.target_fullname]
                              for key in table.foreign_keys)
        uniques = sorted(sorted(column.name for column in constraint.columns)
                         for constraint in table.constraints
                         if isinstance(constraint, sa.UniqueConstraint))
        indexes = sorted([index.name or "", [str(e) for e in index.expressions], index.unique]
                         for index in table.indexes)
        shapes.append([table.name, columns, foreign_keys, uniques, indexes])
    encoded = json.dumps(shapes, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(encoded).hexdigest()[:16]


def _declared(column_type: sa.types.TypeEngine) -> str:
    """A column's type as declared, with the types it takes on particular databases
    (``with_variant``), which its repr leaves out; a type without any reads as before."""
    variants = getattr(column_type, "_variant_mapping", None) or {}
    return repr(column_type) + "".join(f" on {dialect} {variants[dialect]!r}"
                                       for dialect in sorted(variants))


def recorded(connection: sa.Connection) -> dict[str, tuple[int, str]]:
    """Every recorded projection's (version, digest), by name."""
    rows = connection.execute(sa.select(projection_versions.c.name, projection_versions.c.version,
                                        projection_versions.c.digest))
    return {row.name: (row.version, row.digest) for row in rows}


def record(connection: sa.Connection, entries: Iterable[tuple[str, int, str]]) -> None:
    """Record that the named projections' live tables are now built with (version, digest)."""
    rows = [{"name": name, "version": version, "digest": digest,
             "built_at": datetime.now(UTC)} for name, version, digest in entries]
    if not rows:
        return
    connection.execute(projection_versions.delete().where(
        projection_versions.c.name.in_([row["name"] for row in rows])))
    connection.execute(projection_versions.insert(), rows)
