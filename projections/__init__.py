"""Read models built from the event log: tracked, idempotent, resumable and rebuildable."""
