"""Why a sign-in through an identity provider was refused: raised by the protocol
(``auth/oidc.py``) and by the sign-in use case (``portal/services/single_sign_on.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID


class Refused(Exception):
    """A sign-in through an identity provider was refused; ``kind`` names why (see
    ``portal/views/oidc.py`` REFUSALS for what the user is told)."""

    def __init__(self, kind: str, detail: str | None = None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.detail = detail  # for the log: an error code or exception name, never a secret


@dataclass(frozen=True)
class Signed:
    account_id: UUID
    position: int
    created: bool
