"""The verifiable log: every stored event, as its exact stored bytes and in notification order,
becomes a leaf of an RFC 6962 Merkle tree. Signed checkpoints of the tree's size and root let
partners and auditors tell, offline, that history was not rewritten.

A leaf commits to the event's position, aggregate id, version, topic and stored state, so an
event altered, removed, inserted or moved to another position changes the tree.
"""

from __future__ import annotations

import hashlib
import struct
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from projections.audit.merkle import LEAF_PREFIX, Frontier
from projections.base import Projection
from projections.bulk import TableWriter
from projections.database import metadata, row_id

audit_leaves = sa.Table(
    "audit_leaves",
    metadata,
    # SQLite's row id there (projections.database.row_id): one B-tree fewer per leaf.
    sa.Column("leaf_index", row_id(), primary_key=True, autoincrement=False),
    sa.Column("position", sa.BigInteger, nullable=False, unique=True),
    sa.Column("leaf_hash", sa.LargeBinary(32), nullable=False),
)

# The tree's running state after the last leaf: its size and compact range (frontier).
audit_tree = sa.Table(
    "audit_tree",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("frontier", sa.LargeBinary, nullable=False),
)


# Read and written by every batch: built once.
_TREE = sa.select(audit_tree).where(audit_tree.c.id == 1)
_GROW = audit_tree.update().where(audit_tree.c.id == 1).values(
    size=sa.bindparam("size"), position=sa.bindparam("position"),
    frontier=sa.bindparam("frontier"))

_sha256 = hashlib.sha256
_NUMBER_AND_LENGTH = struct.Struct(">QI").pack
_LENGTH = struct.Struct(">I").pack


def _event_parts(position: int, originator_id: UUID | str, originator_version: int,
                 topic: str, state: bytes) -> list[bytes]:
    originator = originator_id.bytes if isinstance(originator_id, UUID) else \
        str(originator_id).encode()
    topic_bytes = topic.encode()
    # A tampered row may come back as text rather than bytes: hash what is there.
    state = state if isinstance(state, bytes) else bytes(state) if isinstance(
        state, (bytearray, memoryview)) else str(state).encode()
    return [_NUMBER_AND_LENGTH(position, len(originator)), originator,
            _NUMBER_AND_LENGTH(originator_version, len(topic_bytes)), topic_bytes,
            _LENGTH(len(state)), state]


def event_bytes(position: int, originator_id: UUID | str, originator_version: int, topic: str,
                state: bytes) -> bytes:
    """The canonical bytes of one stored event: fixed-width numbers, length-prefixed text
    (position ``>Q``, originator length ``>I``, originator, version ``>Q``, topic length
    ``>I``, topic, state length ``>I``, state)."""
    return b"".join(_event_parts(position, originator_id, originator_version, topic, state))


def stored_event_leaf(notification: Any) -> bytes:
    """``leaf_hash(event_bytes(...))`` of a stored event, without copying its bytes twice
    (this runs for every event the verifiable log appends)."""
    return _sha256(b"".join([LEAF_PREFIX, *_event_parts(
        notification.id, notification.originator_id, notification.originator_version,
        notification.topic, notification.state)])).digest()


def frontier_to_bytes(frontier: Frontier) -> bytes:
    return b"".join(frontier.to_list())


def frontier_from_bytes(size: int, data: bytes) -> Frontier:
    data = bytes(data)
    return Frontier.from_list(size, [data[i:i + 32] for i in range(0, len(data), 32)])


class VerifiableLog(Projection):
    name = "verifiable_log"
    # 2: audit_leaves keyed by SQLite's row id (the same rows; the key's type on SQLite only)
    version = 2
    tables = (audit_leaves, audit_tree)
    raw = True
    snapshots = False

    def __init__(self) -> None:
        # The deployment's checkpointer (set by the composition root): each batch that grows
        # the tree signs a checkpoint of it in the same transaction, so no event is left in an
        # unsigned tail (projections/audit/checkpoints.py).
        self.signer = None
        self._frontier: Frontier | None = None
        self._rows: list[dict] = []
        self._position = 0
        self._writer = TableWriter(audit_leaves)

    def begin_batch(self, c: sa.Connection) -> None:
        row = c.execute(_TREE).mappings().first()
        if row is None:
            self._frontier, self._position = Frontier(), 0
        else:
            self._frontier = frontier_from_bytes(row["size"], row["frontier"])
            self._position = row["position"]
        self._rows = []

    def process(self, c: sa.Connection, notification: Any, topic: str, position: int) -> None:
        leaf = stored_event_leaf(notification)
        self._rows.append({"leaf_index": self._frontier.size, "position": position,
                           "leaf_hash": leaf})
        self._frontier.append(leaf)
        self._position = position

    def end_batch(self, c: sa.Connection) -> None:
        if not self._rows:
            return
        self._writer.insert(c, self._rows)
        values = {"size": self._frontier.size, "position": self._position,
                  "frontier": frontier_to_bytes(self._frontier)}
        updated = c.execute(_GROW, values)
        if not updated.rowcount:
            c.execute(audit_tree.insert().values(id=1, **values))
        self._rows = []
        if self.signer is not None:
            self.signer.sign_within(c, self._frontier.size, self._position,
                                    self._frontier.root())


def tree_state(connection: sa.Connection, lock: bool = False) -> tuple[int, int, bytes]:
    """(size, last position, root) of the verifiable log as processed so far; with ``lock``,
    holding the tree's row until the transaction ends.

    On SQLite a SELECT takes no lock (and the driver begins the transaction only at the first
    write), so two signers could both read, sign with their clock, and commit in the other
    order: checkpoints stored out of the order they were signed in, which the witness copy
    relies on. A write that changes nothing takes SQLite's one write lock first, so the read,
    the signature's time and the insert all happen under it."""
    query = sa.select(audit_tree).where(audit_tree.c.id == 1)
    if lock and connection.dialect.name == "sqlite":
        connection.execute(sa.update(audit_tree).where(audit_tree.c.id == 1)
                           .values(size=audit_tree.c.size))
    row = connection.execute(query.with_for_update() if lock else query).mappings().first()
    if row is None:
        return 0, 0, Frontier().root()
    return row["size"], row["position"], frontier_from_bytes(row["size"], row["frontier"]).root()
