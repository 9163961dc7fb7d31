"""Signed checkpoints of the verifiable log: (deployment, tree size, root, position, time).

Each checkpoint is stored in the database *and* appended to a witness file outside it, and each
partner's auditor can download the whole list, so history cannot be rewritten without the
partners being able to tell.

A checkpoint is signed as soon as the verifiable log grows (after every catch-up of the
projections that adds leaves, so after every command that changes data: see
``portal/bootstrap.py``), leaving no unsigned tail of events that could be edited or removed
together with their leaves. The log is re-signed every 15 minutes even when it has not grown,
to show it was not quietly rolled back since.
"""

from __future__ import annotations

import base64
import fcntl
import json
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa

from projections.audit.log import tree_state
from projections.audit.signing import SigningKey, verify_signature
from projections.database import metadata

FORMAT = "sufficiency-portal-checkpoint/1"
CHECKPOINT_EVERY = timedelta(minutes=15)

audit_checkpoints = sa.Table(
    "audit_checkpoints",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("deployment", sa.String(100), nullable=False),
    sa.Column("tree_size", sa.BigInteger, nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("root", sa.LargeBinary(32), nullable=False),
    sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("key_id", sa.String(16), nullable=False),
    sa.Column("signature", sa.LargeBinary(64), nullable=False),
)


@dataclass(frozen=True)
class Checkpoint:
    deployment: str
    tree_size: int
    position: int
    root: bytes
    signed_at: datetime
    key_id: str
    signature: bytes

    def message(self) -> bytes:
        return checkpoint_message(self.deployment, self.tree_size, self.root, self.position,
                                  self.signed_at)

    def as_json(self) -> dict:
        return {
            "type": "checkpoint", "format": FORMAT, "deployment": self.deployment,
            "tree_size": self.tree_size, "position": self.position,
            "root": self.root.hex(), "signed_at": self.signed_at.isoformat(),
            "key_id": self.key_id, "signature": base64.b64encode(self.signature).decode(),
        }

    @classmethod
    def from_json(cls, data: dict) -> Checkpoint:
        return cls(
            deployment=str(data["deployment"]), tree_size=int(data["tree_size"]),
            position=int(data["position"]), root=bytes.fromhex(data["root"]),
            signed_at=datetime.fromisoformat(data["signed_at"]), key_id=str(data["key_id"]),
            signature=base64.b64decode(data["signature"], validate=True),
        )

    @classmethod
    def from_row(cls, row) -> Checkpoint:
        signed_at = row["signed_at"]
        if signed_at.tzinfo is None:  # SQLite keeps no zone; every time here is UTC
            signed_at = signed_at.replace(tzinfo=UTC)
        return cls(deployment=row["deployment"], tree_size=row["tree_size"],
                   position=row["position"], root=bytes(row["root"]), signed_at=signed_at,
                   key_id=row["key_id"], signature=bytes(row["signature"]))


def checkpoint_message(deployment: str, tree_size: int, root: bytes, position: int,
                       signed_at: datetime) -> bytes:
    """The exact text that is signed: one field a line, like a transparency-log checkpoint."""
    return (f"{FORMAT}\n{deployment}\n{tree_size}\n{base64.b64encode(root).decode()}\n"
            f"{position}\n{signed_at.astimezone(UTC).isoformat()}\n").encode()


def _latest_size(connection: sa.Connection) -> int:
    """The size the latest checkpoint signed (by its id: no scan of every checkpoint)."""
    return connection.execute(sa.select(audit_checkpoints.c.tree_size)
                              .order_by(audit_checkpoints.c.id.desc()).limit(1)).scalar() or 0


def stored_checkpoints(connection: sa.Connection) -> list[Checkpoint]:
    rows = connection.execute(sa.select(audit_checkpoints).order_by(audit_checkpoints.c.id)
                              ).mappings().all()
    return [Checkpoint.from_row(row) for row in rows]


class Checkpointer:
    def __init__(self, engine: sa.Engine, key: SigningKey, deployment: str,
                 witness_file: Path) -> None:
        self.engine = engine
        self.key = key
        self.deployment = deployment
        self.witness_file = Path(witness_file)
        self._next_look = 0.0
        # Checkpoints signed inside a transaction not yet known to be committed, per thread:
        # they reach the witness file only once it is (``witness_signed``).
        self._unwitnessed = threading.local()
        self._signed_size: int | None = None  # the largest tree this process knows is signed
        # What this checkpointer left the witness file ending with, as it let go of its lock:
        # (the file's length, its last line, the row id of the checkpoint on that line). While
        # the file is still exactly so, the next copy starts after that row without looking
        # the line up in the database again.
        self._witness_tail: tuple[int, str | None, int] | None = None

    def _sign(self, c: sa.Connection, size: int, position: int, root: bytes
              ) -> tuple[int, Checkpoint]:
        """Sign and store a checkpoint; returns its row id with it."""
        signed_at = datetime.now(UTC).replace(microsecond=0)
        message = checkpoint_message(self.deployment, size, root, position, signed_at)
        checkpoint = Checkpoint(self.deployment, size, position, root, signed_at,
                                self.key.key_id, self.key.sign(message))
        inserted = c.execute(audit_checkpoints.insert(), {
            "deployment": checkpoint.deployment, "tree_size": size, "position": position,
            "root": root, "signed_at": signed_at, "key_id": checkpoint.key_id,
            "signature": checkpoint.signature})
        return inserted.inserted_primary_key[0], checkpoint

    def _witness(self, signed: list[tuple[int, Checkpoint]]) -> int:
        """Bring the witness file up to the database under an exclusive lock on the file:
        every checkpoint stored after the witness's last line is appended, not only the
        ``signed`` ones this caller has just committed (row id, checkpoint). So a signer
        killed between its commit and its copy leaves no gap: the next copy by any thread or
        process carries its checkpoint too, and the lock keeps two copiers from appending the
        same one twice (which ``portal audit verify`` would report as checkpoints deleted from
        the database). Returns how many were appended.

        Checkpoints are stored in the order they commit (see ``create``), so the rows
        after the witness's last one are exactly those it lacks. Only checkpoints this
        deployment's key signed are copied from the database. A witness whose last line is
        damaged, or names a checkpoint the database no longer holds, gets only ``signed``:
        that disagreement is for ``portal audit verify`` to report, never to be papered
        over. A missing or empty witness starts from ``signed`` and what followed them (a
        deleted witness is not rebuilt from the database, which is what it checks)."""
        self.witness_file.parent.mkdir(parents=True, exist_ok=True)
        with self.witness_file.open("a+b", buffering=0) as witness:
            fcntl.flock(witness.fileno(), fcntl.LOCK_EX)
            try:
                behind, last_id = self._missing_from_witness(witness, signed)
                if behind:
                    # One write of whole lines: a copier killed mid-way leaves no torn line.
                    witness.write("".join(json.dumps(cp.as_json()) + "\n"
                                          for cp in behind).encode("utf-8"))
                self._witness_tail = None if last_id is None else (
                    witness.seek(0, 2), _last_line(witness), last_id)
            finally:
                fcntl.flock(witness.fileno(), fcntl.LOCK_UN)
        return len(behind)

    def catch_up_witness(self) -> int:
        """Append to the witness file the checkpoints the database holds after the witness's
        last one: those a signer stored and was stopped (killed, its machine lost) before it
        could copy them. Every copy does the same under the witness's lock; the projection
        process calls this as it starts, so a signer killed last is copied without waiting
        for the next signature. Returns how many were appended."""
        return self._witness([])

    def _missing_from_witness(self, witness: BinaryIO, signed: list[tuple[int, Checkpoint]]
                              ) -> tuple[list[Checkpoint], int | None]:
        """The checkpoints to append to ``witness`` (open, locked), in the database's order,
        and the row id of the one that will end the witness (None when that is not known)."""
        own = sorted(signed, key=lambda pair: pair[0])
        last = _last_line(witness)
        witnessed = None
        if last is not None:
            try:
                witnessed = Checkpoint.from_json(json.loads(last))
            except (ValueError, KeyError, TypeError):
                return [cp for _, cp in own], None  # a damaged witness is for verify to report
        with self.engine.connect() as c:
            if witnessed is None:  # no witness yet, or an empty one
                if not own:
                    return [], None
                after = own[0][0] - 1
            elif (left := self._witness_tail) is not None and left[:2] == (
                    witness.seek(0, 2), last):
                after = left[2]  # the file is as this checkpointer left it: nobody copied since
            else:
                # Two checkpoints of one size signed in one second are the same line: if the
                # witness ends with n of them, it has copied the first n the database holds.
                after = _copied_last(c, witnessed, _repeats_at_end(witness, last))
                if after is None:
                    # Deleted from the database: verify reports.
                    return [cp for _, cp in own], None
            rows = c.execute(sa.select(audit_checkpoints).where(audit_checkpoints.c.id > after)
                             .order_by(audit_checkpoints.c.id)).mappings().all()
        # Checkpoints this checkpointer has just signed need no check of their signature.
        ours = dict(own)
        following = [(row["id"], Checkpoint.from_row(row)) for row in rows]
        copied = [(row_id, cp) for row_id, cp in following if cp.deployment == self.deployment
                  and cp.key_id == self.key.key_id and (ours.get(row_id) == cp or verify_signature(
                      self.key.public_key, cp.signature, checkpoint_message(
                          cp.deployment, cp.tree_size, cp.root, cp.position, cp.signed_at)))]
        last_id = copied[-1][0] if copied else after
        # Checkpoints of ours stored at or before the witness's last one: already copied by
        # another signer, unless two signers started an empty witness together. The witness
        # follows the database's order, so if ours is there it is among the last lines, one
        # a row id from ours to the last witnessed.
        earlier = [(row_id, cp) for row_id, cp in own if row_id <= after]
        if earlier:
            tail_lines = set(_last_lines(witness, after - earlier[0][0] + 1))
            missed = [cp for _, cp in earlier if json.dumps(cp.as_json()) not in tail_lines]
            if missed:
                # Appended out of the database's order: which row ends the witness is not
                # known from the order alone.
                return missed + [cp for _, cp in copied], None
        return [cp for _, cp in copied], last_id

    def create(self, only_if_grown: bool = False) -> Checkpoint | None:
        """Sign the tree as the verifiable-log projection has built it so far (with
        ``only_if_grown``, only when no checkpoint covers that size yet)."""
        with self.engine.begin() as c:
            # Holding the tree's row, as a batch that grows it does until it commits, keeps
            # checkpoints committing in the order of their row ids (``_witness`` relies on it).
            size, position, root = tree_state(c, lock=True)
            if size == 0:
                return None
            if only_if_grown and size <= _latest_size(c):
                return None
            signed = self._sign(c, size, position, root)
        self._witness([signed])
        return signed[1]

    def sign_within(self, c: sa.Connection, size: int, position: int, root: bytes) -> None:
        """Sign the tree the verifiable log has just grown to, in the same transaction as its
        new leaves (no second commit), when no checkpoint covers that size yet. The witness
        copy follows once the caller knows the transaction committed: ``witness_signed``."""
        if self._signed_size is None:  # once per process; then kept as this process signs
            self._signed_size = _latest_size(c)
        if size == 0 or size <= self._signed_size:
            return  # a rebuild re-growing a tree already signed
        self._pending().append(self._sign(c, size, position, root))
        self._signed_size = size

    def _pending(self) -> list[tuple[int, Checkpoint]]:
        if not hasattr(self._unwitnessed, "checkpoints"):
            self._unwitnessed.checkpoints = []
        return self._unwitnessed.checkpoints

    def witness_signed(self) -> None:
        """Append this thread's checkpoints signed by ``sign_within`` to the witness file:
        those the database holds (a batch that failed took its checkpoint with it)."""
        pending = self._pending()
        signed, pending[:] = list(pending), []
        if not signed:
            return
        with self.engine.connect() as c:
            stored = set(c.execute(sa.select(audit_checkpoints.c.id).where(
                audit_checkpoints.c.id.in_([row_id for row_id, _ in signed]))).scalars())
        if len(stored) < len(signed):
            self._signed_size = None  # rolled back: ask the database again next time
        self._witness([(row_id, cp) for row_id, cp in signed if row_id in stored])

    def latest(self) -> Checkpoint | None:
        with self.engine.connect() as c:
            row = c.execute(sa.select(audit_checkpoints).order_by(audit_checkpoints.c.id.desc())
                            .limit(1)).mappings().first()
        return None if row is None else Checkpoint.from_row(row)

    def create_if_grown(self) -> Checkpoint | None:
        """Sign a checkpoint when the verifiable log holds leaves no checkpoint covers yet."""
        return self.create(only_if_grown=True)

    def due(self, now: datetime | None = None) -> bool:
        """True when the log holds events and its last checkpoint (if any) is 15 minutes old.

        A checkpoint is re-signed every 15 minutes even when the log has not grown: a fresh
        signature over the same size shows the log was not quietly rolled back since."""
        now = now or datetime.now(UTC)
        with self.engine.connect() as c:
            size, _, _ = tree_state(c)
            last = c.execute(sa.select(audit_checkpoints.c.tree_size,
                                       audit_checkpoints.c.signed_at)
                             .order_by(audit_checkpoints.c.id.desc()).limit(1)).first()
        if size == 0:
            return False
        if last is None:
            return True
        signed_at = last.signed_at if last.signed_at.tzinfo else last.signed_at.replace(
            tzinfo=UTC)
        return now - signed_at >= CHECKPOINT_EVERY

    def create_if_due(self) -> Checkpoint | None:
        """Sign a checkpoint when one is due; looks at the database at most once a minute."""
        now = time.monotonic()
        if now < self._next_look:
            return None
        self._next_look = now + 60
        return self.create() if self.due() else None


def _last_lines(file: BinaryIO, count: int, block: int = 8192) -> list[str]:
    """The last ``count`` non-empty lines of an open file (read from its end, a block at a
    time), oldest first."""
    file.seek(0, 2)
    end = file.tell()
    data = b""
    while end > 0 and data.count(b"\n") <= count:
        start = max(0, end - block)
        file.seek(start)
        data = file.read(end - start) + data
        end = start
    lines = [line for line in data.splitlines() if line.strip()]
    if end > 0:
        lines = lines[1:]  # the first may be the end of a longer line
    return [line.decode("utf-8", "replace") for line in lines[-count:]]


def _copied_last(c: sa.Connection, witnessed: Checkpoint, repeats: int,
                 recent: int = 1024) -> int | None:
    """The row id of the checkpoint the witness copied last (the ``repeats``-th stored equal
    to ``witnessed``), or None when the database holds fewer. It is nearly always among the
    newest, so they are searched first, through the primary key: there is no index on the
    signature, and this runs at every command."""
    newest = c.execute(sa.select(sa.func.max(audit_checkpoints.c.id))).scalar() or 0
    matching = sa.select(audit_checkpoints.c.id).where(
        audit_checkpoints.c.tree_size == witnessed.tree_size,
        audit_checkpoints.c.signature == witnessed.signature).order_by(audit_checkpoints.c.id)
    floor = newest - recent
    same = c.execute(matching.where(audit_checkpoints.c.id > floor).limit(repeats)
                     ).scalars().all()
    if len(same) < repeats or same[0] == floor + 1:  # not all there, or more may lie below
        same = c.execute(matching.limit(repeats)).scalars().all()
    return same[-1] if len(same) == repeats else None


def _repeats_at_end(file: BinaryIO, line: str) -> int:
    """How many times ``line`` (the file's last) is repeated at the end of the file."""
    count = 8
    while True:
        lines = _last_lines(file, count)
        repeats = 0
        for found in reversed(lines):
            if found != line:
                return repeats
            repeats += 1
        if len(lines) < count:
            return repeats
        count *= 4


def _last_line(file: BinaryIO) -> str | None:
    """The last non-empty line of an open file, or None when it has none."""
    lines = _last_lines(file, 1)
    return lines[-1] if lines else None
