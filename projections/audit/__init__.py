"""A verifiable, append-only audit log over the event store (RFC 6962/9162 Merkle tree)."""
