"""Who did it: every event carries its actor, taken from the signed-in principal."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class Actor:
    """The user and organisation on whose behalf a command runs.

    ``user_id`` is ``None`` only for the system itself (for example the demo loader
    or a scheduled expiry), which is recorded as such.

    An organisation's API client acts as itself: ``client_id`` names it, and ``user_id`` is
    the client's id too, so every check that "the system" (no user) may do anything never
    applies to a client. Events without a client keep their two keys, exactly as before.
    """

    user_id: UUID | None
    organisation_id: UUID | None
    client_id: UUID | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls(user_id=None, organisation_id=None)

    @classmethod
    def api_client(cls, client_id: UUID, organisation_id: UUID) -> Actor:
        return cls(user_id=client_id, organisation_id=organisation_id, client_id=client_id)

    def as_dict(self) -> dict[str, str | None]:
        data = {
            "user_id": self.user_id.hex if self.user_id else None,
            "organisation_id": self.organisation_id.hex if self.organisation_id else None,
        }
        if self.client_id is not None:
            data["client_id"] = self.client_id.hex
        return data

    @classmethod
    def from_dict(cls, data: dict[str, str | None]) -> Actor:
        return cls(
            user_id=UUID(data["user_id"]) if data.get("user_id") else None,
            organisation_id=(
                UUID(data["organisation_id"]) if data.get("organisation_id") else None
            ),
            client_id=UUID(data["client_id"]) if data.get("client_id") else None,
        )
