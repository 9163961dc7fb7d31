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
import json
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

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

    def _witness(self, checkpoints: list[Checkpoint]) -> None:
        if not checkpoints:
            return
        self.witness_file.parent.mkdir(parents=True, exist_ok=True)
        with self.witness_file.open("a", encoding="utf-8") as witness:
            witness.write("".join(json.dumps(cp.as_json()) + "\n" for cp in checkpoints))

    def catch_up_witness(self) -> int:
        """Append to the witness file the checkpoints the database holds after the witness's
        last one: those a signer stored and was stopped (killed, its machine lost) before it
        could copy them. Called as the projection process starts, before anything else signs
        (threads signing while it ran could copy a checkpoint twice). Only checkpoints this
        deployment's key signed, following the witness's own last line, are copied: a witness
        whose last checkpoint the database no longer holds is left as it is, for ``portal
        audit verify`` to report. Returns how many were appended."""
        behind = self._missing_from_witness()
        if behind:
            with self.witness_file.open("a", encoding="utf-8") as witness:
                witness.write("".join(json.dumps(cp.as_json()) + "\n" for cp in behind))
        return len(behind)

    def _missing_from_witness(self) -> list[Checkpoint]:
        last = _last_line(self.witness_file)
        if last is None:
            return []  # no witness yet (or an empty one): nothing it could have dropped
        try:
            witnessed = Checkpoint.from_json(json.loads(last))
        except (ValueError, KeyError, TypeError):
            return []  # a damaged witness is for ``portal audit verify`` to report
        with self.engine.connect() as c:
            found = c.execute(sa.select(audit_checkpoints.c.id).where(
                audit_checkpoints.c.tree_size == witnessed.tree_size,
                audit_checkpoints.c.signature == witnessed.signature)).scalar()
            if found is None:
                return []
            rows = c.execute(sa.select(audit_checkpoints).where(audit_checkpoints.c.id > found)
                             .order_by(audit_checkpoints.c.id)).mappings().all()
        following = [Checkpoint.from_row(row) for row in rows]
        return [cp for cp in following if cp.deployment == self.deployment
                and cp.key_id == self.key.key_id and verify_signature(
                    self.key.public_key, cp.signature, checkpoint_message(
                        cp.deployment, cp.tree_size, cp.root, cp.position, cp.signed_at))]

    def create(self, only_if_grown: bool = False) -> Checkpoint | None:
        """Sign the tree as the verifiable-log projection has built it so far (with
        ``only_if_grown``, only when no checkpoint covers that size yet)."""
        with self.engine.begin() as c:
            size, position, root = tree_state(c)
            if size == 0:
                return None
            if only_if_grown and size <= _latest_size(c):
                return None
            _, checkpoint = self._sign(c, size, position, root)
        self._witness([checkpoint])
        return checkpoint

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
        self._witness([cp for row_id, cp in signed if row_id in stored])

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


def _last_line(path: Path, tail: int = 8192) -> str | None:
    """The last non-empty line of a text file (read from its end), or None."""
    try:
        with path.open("rb") as file:
            file.seek(0, 2)
            size = file.tell()
            file.seek(max(0, size - tail))
            lines = [line for line in file.read().splitlines() if line.strip()]
    except FileNotFoundError:
        return None
    return lines[-1].decode("utf-8", "replace") if lines else None
