"""Who did it: every event carries its actor, taken from the signed-in principal."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class Actor:
    """The user and organisation on whose behalf a command runs.

    ``user_id`` is ``None`` only for the system itself (for example the demo loader
    or a scheduled expiry), which is recorded as such.
    """

    user_id: UUID | None
    organisation_id: UUID | None

    @classmethod
    def system(cls) -> Actor:
        return cls(user_id=None, organisation_id=None)

    def as_dict(self) -> dict[str, str | None]:
        return {
            "user_id": self.user_id.hex if self.user_id else None,
            "organisation_id": self.organisation_id.hex if self.organisation_id else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, str | None]) -> Actor:
        return cls(
            user_id=UUID(data["user_id"]) if data.get("user_id") else None,
            organisation_id=(
                UUID(data["organisation_id"]) if data.get("organisation_id") else None
            ),
        )
