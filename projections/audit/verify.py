"""Recompute the verifiable log from the raw stored events and check it against the stored
leaves and every signed checkpoint. The first problem found is named by its position."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from domain.timezone import uk_moment
from projections.audit.checkpoints import Checkpoint
from projections.audit.log import audit_leaves, event_bytes, stored_event_leaf
from projections.audit.merkle import Frontier, leaf_hash
from projections.audit.signing import key_id, verify_signature

PAGE = 5000
LOOK_AHEAD = 1000  # how far either way to look for an event moved to another position


@dataclass(frozen=True)
class Problem:
    # altered | removed | inserted | reordered | truncated | checkpoint | signature | witness
    kind: str
    position: int | None
    message: str


@dataclass
class Report:
    events: int = 0
    leaves_checked: int = 0
    checkpoints_checked: int = 0
    pending: int = 0  # events stored but not yet in the verifiable log (projection behind)
    unsigned: int = 0  # events after the latest signed checkpoint (signing follows at once)
    root: bytes = b""
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> Problem | None:
        return self.problems[0] if self.problems else None


def _events(recorder) -> Iterator:
    start = 0
    while True:
        page = recorder.select_notifications(start=start, limit=PAGE, inclusive_of_start=False)
        yield from page
        if len(page) < PAGE:
            return
        start = page[-1].id


def _leaves(connection: sa.Connection) -> Iterator:
    last = -1
    while True:
        page = connection.execute(
            sa.select(audit_leaves).where(audit_leaves.c.leaf_index > last)
            .order_by(audit_leaves.c.leaf_index).limit(PAGE)).all()
        yield from page
        if len(page) < PAGE:
            return
        last = page[-1].leaf_index


def _digest_at(notification, position: int) -> bytes:
    """The digest the event's content would have if it were recorded at ``position``."""
    return leaf_hash(event_bytes(position, notification.originator_id,
                                 notification.originator_version, notification.topic,
                                 notification.state))


def _event_at(recorder, position: int):
    found = recorder.select_notifications(start=position, limit=1, stop=position)
    return found[0] if found else None


def _diagnose(recorder, connection: sa.Connection, event, recorded: bytes) -> Problem:
    """The event at ``event.id`` does not match its digest: say what most likely happened."""
    p = event.id
    nearby = connection.execute(
        sa.select(audit_leaves.c.position, audit_leaves.c.leaf_hash)
        .where(audit_leaves.c.position != p,
               audit_leaves.c.position.between(p - LOOK_AHEAD, p + LOOK_AHEAD))
        .order_by(audit_leaves.c.position)).all()
    later = [q for q, _ in nearby if q > p]
    for q, digest in nearby:
        if _digest_at(event, q) != bytes(digest):
            continue
        # The content now at p was recorded at q.
        other = _event_at(recorder, q)
        if other is not None and _digest_at(other, p) == recorded:
            return Problem("reordered", p, f"The events at positions {min(p, q):,} and "
                                           f"{max(p, q):,} were swapped: events were reordered")
        if later and q == later[0]:
            return Problem("removed", p, f"The event at position {p:,} was removed and the "
                                         "events after it renumbered")
        return Problem("reordered", p, f"The event at position {p:,} was recorded at position "
                                       f"{q:,}: events were reordered")
    following = recorder.select_notifications(start=p, limit=1, inclusive_of_start=False)
    if following and _digest_at(following[0], p) == recorded:
        return Problem("inserted", p, f"An event was inserted at position {p:,} and the events "
                                      "after it renumbered")
    return Problem("altered", p, f"The event at position {p:,} does not match its recorded "
                                 "digest: it was altered after it was recorded")


def check_checkpoint(checkpoint: Checkpoint, public_key: Ed25519PublicKey) -> Problem | None:
    if checkpoint.key_id != key_id(public_key) or not verify_signature(
            public_key, checkpoint.signature, checkpoint.message()):
        return Problem("signature", checkpoint.position,
                       f"The checkpoint of {checkpoint.tree_size:,} events signed at "
                       f"{uk_moment(checkpoint.signed_at)} does not carry a valid signature "
                       "from this deployment's key: it was forged or altered")
    return None


def verify_log(recorder, connection: sa.Connection, checkpoints: list[Checkpoint],
               public_key: Ed25519PublicKey) -> Report:
    report = Report()
    by_size: dict[int, list[Checkpoint]] = {}
    for checkpoint in checkpoints:
        problem = check_checkpoint(checkpoint, public_key)
        if problem:
            report.problems.append(problem)
            return report
        by_size.setdefault(checkpoint.tree_size, []).append(checkpoint)

    frontier = Frontier()
    events, leaves = _events(recorder), _leaves(connection)
    event, leaf = next(events, None), next(leaves, None)
    last_good = 0

    def fail(kind: str, position: int | None, message: str) -> Report:
        report.problems.append(Problem(kind, position, message))
        return report

    while leaf is not None:
        if event is None:
            return fail("truncated", leaf.position,
                        f"The event log ends after position {last_good:,}, but the "
                        f"verifiable log recorded an event at position {leaf.position:,}: "
                        "events from there on were removed")
        if event.id < leaf.position:
            return fail("inserted", event.id,
                        f"An event at position {event.id:,} was inserted: the verifiable log "
                        "has no event there")
        if event.id > leaf.position:
            return fail("removed", leaf.position,
                        f"The event at position {leaf.position:,} was removed")
        computed = stored_event_leaf(event)
        if computed != bytes(leaf.leaf_hash):
            report.problems.append(_diagnose(recorder, connection, event,
                                             bytes(leaf.leaf_hash)))
            return report
        frontier.append(computed)
        report.events += 1
        report.leaves_checked += 1
        last_good = event.id
        for checkpoint in by_size.pop(frontier.size, []):
            report.checkpoints_checked += 1
            if checkpoint.root != frontier.root() or checkpoint.position != event.id:
                return fail("checkpoint", event.id,
                            f"The first {frontier.size:,} events no longer match the checkpoint "
                            f"signed at {uk_moment(checkpoint.signed_at)}: history up to "
                            f"position {event.id:,} was rewritten")
        event, leaf = next(events, None), next(leaves, None)

    if by_size:
        size = min(by_size)
        return fail("truncated", None,
                    f"A signed checkpoint covers {size:,} events but the verifiable log holds "
                    f"only {frontier.size:,}: recorded history was removed")
    report.root = frontier.root()
    while event is not None:
        report.pending += 1
        report.events += 1
        event = next(events, None)
    report.unsigned = report.events - max((cp.tree_size for cp in checkpoints), default=0)
    return report
