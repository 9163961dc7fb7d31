"""A record of each data import (an SSDA903 return, say): what file, who ran it, what it did.

The rows themselves become placement events; this record lets an auditor see which import
changed what, and lets an officer see that importing the same file again changed nothing.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.actor import Actor
from domain.base import PortalAggregate


class DataImport(PortalAggregate):
    id: UUID

    @event("Completed")
    def __init__(self, *, authority_id: UUID, kind: str, file_name: str, file_sha256: str,
                 header_sha256: str | None, rows: int, accepted: int, rejected: int,
                 children_changed: int, actor: Actor, reason: str | None) -> None:
        self.authority_id = authority_id
        self.kind = kind
        self.file_name = file_name
        self.file_sha256 = file_sha256
        self.header_sha256 = header_sha256
        self.rows = rows
        self.accepted = accepted
        self.rejected = rejected
        self.children_changed = children_changed
