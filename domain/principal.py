"""The principal: the signed-in user, their organisation and their roles.

Every way of signing in (a local password today; an organisation's OpenID Connect provider, a
second factor) ends by building the same Principal, so views, commands and queries never care
how someone signed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

from domain.actor import Actor


@dataclass(frozen=True)
class Principal:
    user_id: UUID
    email: str
    display_name: str
    organisation_id: UUID
    organisation_kind: str  # authority | provider | platform
    organisation_name: str
    roles: frozenset[str] = field(default_factory=frozenset)
    # How the user proved who they are, e.g. ("password",) or ("oidc",) or ("password", "totp").
    authenticated_by: tuple[str, ...] = ("password",)
    # The partnerships the organisation belongs to (an authority's; none for others): what an
    # ``own_partnership`` grant in domain/permissions.py reaches beyond the organisation itself.
    partnerships: frozenset[str] = field(default_factory=frozenset)
    # An organisation's API client acting through the integration API (its ``user_id`` is the
    # client's id); None for a person signed in to the web pages.
    client_id: UUID | None = None

    @property
    def actor(self) -> Actor:
        return Actor(user_id=self.user_id, organisation_id=self.organisation_id,
                     client_id=self.client_id)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))
