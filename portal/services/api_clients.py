"""API clients: an organisation's administrator creates and revokes the keys its own systems
use to call the integration API.

A mixin of :class:`~portal.services.application.Portal`. A client acts for the administrator's
own organisation only, with roles of that organisation's kind (never an administrator's); its
key is returned once and stored only as a hash (:mod:`auth.api_clients`). The auditor's role,
which reads every event, is given to a client only by a platform administrator, as it is to a
person (an auditor's system reading the event feed).
"""

from __future__ import annotations

from uuid import UUID, uuid4

from auth.api_clients import MAX_NAME, ApiClients
from domain.account import check_role
from domain.actor import Actor
from domain.api_client import ApiClient
from domain.errors import DomainError, NotFound, PermissionDenied
from domain.permissions import PLATFORM_ROLES, REGION, scope_for

# Roles a client may be given: what people of the organisation do, never who manages access.
CLIENT_ROLES = ("council_officer", "provider_user", "auditor")
NOT_FOR_CLIENTS = frozenset({"platform_admin", "organisation_admin"})
GONE = "There is no such API client, or it is already revoked"


class ApiClientCommands:
    """Needs ``api_clients`` (set by the composition root), ``get_account``,
    ``organisation_kind``, ``_get``, ``_create``, ``_save`` and ``last_position`` (Portal)."""

    api_clients: ApiClients

    def _administrator(self, actor: Actor) -> UUID:
        """The organisation ``actor`` manages API clients for (PermissionDenied otherwise)."""
        return self._acting_administrator(actor).organisation_id

    def _acting_administrator(self, actor: Actor):
        if actor.user_id is None or actor.organisation_id is None or actor.client_id:
            raise PermissionDenied("Only a person may manage API clients")
        acting = self.get_account(actor.user_id)
        if acting.suspended or scope_for(acting, "api_clients.manage") is None \
                or acting.organisation_id != actor.organisation_id:
            raise PermissionDenied("You do not have permission to manage API clients")
        return acting

    def create_api_client(self, actor: Actor, *, name: str, roles: list[str]
                          ) -> tuple[UUID, str]:
        """A new client of the administrator's organisation and its key, shown only now."""
        acting = self._acting_administrator(actor)
        organisation_id = acting.organisation_id
        name = " ".join(name.split())
        if not name:
            raise DomainError("Enter a name for the client", field="name")
        if len(name) > MAX_NAME:
            raise DomainError(f"Name must be {MAX_NAME} characters or fewer", field="name")
        if not roles:
            raise DomainError("Choose what the client may do", field="roles")
        kind = self.organisation_kind(organisation_id)
        for role in roles:
            if role in NOT_FOR_CLIENTS or role not in CLIENT_ROLES:
                raise DomainError("Choose what the client may do from the list", field="roles")
            if role in PLATFORM_ROLES and scope_for(acting, "accounts.manage") != REGION:
                raise DomainError("Only a platform administrator can give a client the "
                                  "auditor's role", field="roles")
            try:
                check_role(role, kind)
            except DomainError as error:
                raise DomainError(error.message, field="roles") from None
        roles = sorted(set(roles))
        expires_at = self.api_clients.expiry_of_new_key()
        # The audit log records the client first (never its key); then its key is stored.
        client = ApiClient(id=uuid4(), organisation_id=organisation_id, name=name, roles=roles,
                           key_expires_at=expires_at, actor=actor, reason=None)
        self._create(client, "This API client already exists")
        return self.api_clients.create(organisation_id=organisation_id, name=name, roles=roles,
                                       created_by=actor.user_id, client_id=client.id,
                                       expires_at=expires_at)

    def revoke_api_client(self, actor: Actor, client_id: UUID,
                          reason: str | None = None) -> int:
        """Revoke one of the organisation's clients at once; another's is "no such client".
        The audit log records it first, then the key stops working; a retry after a failure
        between the two finishes the revocation."""
        organisation_id = self._administrator(actor)
        position = self.last_position()
        try:
            client = self._get(client_id, ApiClient, "API client")
        except NotFound:
            client = None  # a client created before clients were recorded as events
        if client is not None and client.organisation_id != organisation_id:
            raise NotFound(GONE)
        if client is not None and not client.revoked:
            client.revoke(actor=actor, reason=reason)
            position = self._save(client)
            self.api_clients.revoke(client_id, organisation_id=organisation_id,
                                    revoked_by=actor.user_id)
        elif not self.api_clients.revoke(client_id, organisation_id=organisation_id,
                                         revoked_by=actor.user_id):
            raise NotFound(GONE)
        return position

    def api_clients_of(self, actor: Actor) -> list[dict]:
        """The administrator's organisation's clients, newest first."""
        return self.api_clients.of_organisation(self._administrator(actor))
