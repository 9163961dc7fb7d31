"""An organisation's API client, as the audit log records it: created by the organisation's
administrator with a name and roles, acting for that organisation until its key expires or it
is revoked. The key itself (and its hash) is never in an event: it lives only in the key store
(auth/api_clients.py), where authenticating reads it.

created -> revoked
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from domain.actor import Actor
from domain.base import PortalAggregate
from domain.errors import IllegalTransition


class ApiClient(PortalAggregate):
    id: UUID

    @event("Created")
    def __init__(self, *, organisation_id: UUID, name: str, roles: list[str],
                 key_expires_at: datetime, actor: Actor, reason: str | None) -> None:
        self.organisation_id = organisation_id
        self.name = name
        self.roles = sorted(roles)
        self.key_expires_at = key_expires_at
        self.revoked = False

    def revoke(self, *, actor: Actor, reason: str | None = None) -> None:
        if self.revoked:
            raise IllegalTransition("This API client is already revoked")
        self._revoked(actor=actor, reason=reason)

    @event("Revoked")
    def _revoked(self, *, actor: Actor, reason: str | None) -> None:
        self.revoked = True
