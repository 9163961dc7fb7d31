"""Sealing a bid's content (its weekly price and quality answers) until the bids are opened.

Until opening, a bid's events carry its content only as a Fernet token (AES-128-CBC with an
HMAC-SHA256, so a token altered in the store is refused, never read as something else), under
a key kept outside the database (``bid_seal.key`` in the instance folder, or
BID_SEAL_KEY_FILE). A copy of the database, event store and read models alike, therefore
holds no readable price or answer of an unopened bid; a bid withdrawn or replaced before the
deadline never enters the history in clear at all. Opening unseals each standing bid and
records its content in ``Bid.Opened``, from where the evaluation reads it.

Losing the key before the deadline means the bids standing then cannot be opened (providers
would bid again); keep it with the other instance keys.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from domain.errors import DomainError


class SealBroken(DomainError):
    """A sealed bid that the key cannot open: altered, or sealed under another key."""


class BidSeal:
    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def with_new_key(cls) -> BidSeal:
        """A seal whose key lives only as long as this object: for an application kept in
        memory (tests). A deployment passes the key from its key file."""
        return cls(Fernet.generate_key())

    def seal(self, content: dict[str, Any]) -> str:
        return self._fernet.encrypt(json.dumps(content, sort_keys=True).encode()).decode()

    def unseal(self, token: str) -> dict[str, Any]:
        try:
            return json.loads(self._fernet.decrypt(token.encode()))
        except (InvalidToken, ValueError):
            raise SealBroken("A sealed bid cannot be opened with this portal's key: it was "
                             "altered, or sealed under another key") from None
