"""Inclusion proofs: a partner receives proof that one of its own events is in the signed log,
as a path of hashes that reveals nothing about anyone else's events (RFC 9162, 2.1.3)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from domain.timezone import uk_moment
from projections.audit.checkpoints import Checkpoint
from projections.audit.export import _originator, _originator_text
from projections.audit.log import audit_leaves, event_bytes
from projections.audit.merkle import inclusion_proof, leaf_hash, verify_inclusion
from projections.audit.verify import check_checkpoint

FORMAT = "sufficiency-portal-inclusion-proof/1"


class ProofError(ValueError):
    """The proof cannot be made, or cannot be read."""


def make_proof(recorder, connection: sa.Connection, checkpoint: Checkpoint,
               position: int) -> dict:
    """Proof that the event at ``position`` is in the tree the checkpoint signed."""
    if position > checkpoint.position:
        raise ProofError(f"Position {position:,} is not yet covered by a signed checkpoint "
                         f"(the latest covers up to {checkpoint.position:,})")
    found = recorder.select_notifications(start=position, limit=1, stop=position)
    index = connection.execute(sa.select(audit_leaves.c.leaf_index)
                               .where(audit_leaves.c.position == position)).scalar()
    if not found or index is None:
        raise ProofError(f"There is no event at position {position:,}")
    leaves = [bytes(h) for h in connection.execute(
        sa.select(audit_leaves.c.leaf_hash).where(audit_leaves.c.leaf_index
                                                  < checkpoint.tree_size)
        .order_by(audit_leaves.c.leaf_index)).scalars()]
    event = found[0]
    return {
        "format": FORMAT,
        "event": {"position": event.id, "originator_id": _originator_text(event.originator_id),
                  "originator_version": event.originator_version, "topic": event.topic,
                  "state": base64.b64encode(event.state).decode()},
        "leaf_index": index,
        "proof": [h.hex() for h in inclusion_proof(leaves, index)],
        "checkpoint": checkpoint.as_json(),
    }


@dataclass(frozen=True)
class ProofResult:
    ok: bool
    message: str


def check_proof(text: str, public_key: Ed25519PublicKey) -> ProofResult:
    try:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise ProofError("not an inclusion proof")
        checkpoint = Checkpoint.from_json(data["checkpoint"])
        event = data["event"]
        leaf = leaf_hash(event_bytes(int(event["position"]), _originator(event["originator_id"]),
                                     int(event["originator_version"]), str(event["topic"]),
                                     base64.b64decode(event["state"], validate=True)))
        proof = [bytes.fromhex(h) for h in data["proof"]]
        index = int(data["leaf_index"])
    except (ValueError, KeyError, TypeError) as error:
        return ProofResult(False, f"The proof file is malformed ({error})")
    problem = check_checkpoint(checkpoint, public_key)
    if problem:
        return ProofResult(False, problem.message)
    if not verify_inclusion(leaf, index, checkpoint.tree_size, proof, checkpoint.root):
        return ProofResult(False, "The event is NOT proven to be in the signed log: the proof "
                                  "does not lead to the checkpoint's root")
    return ProofResult(True, f"The event at position {int(event['position']):,} is in the log "
                             f"of {checkpoint.tree_size:,} events signed at "
                             f"{uk_moment(checkpoint.signed_at)}")
