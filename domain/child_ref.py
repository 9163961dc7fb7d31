"""Pseudonymous child references: a keyed hash of a council's own child id.

Each authority's references are keyed separately (a key derived from the deployment's secret
and the authority's LA code), so the same child id gives unrelated references in two
authorities and nobody without the secret can test a guessed id. The raw id is hashed at the
edge (a form, an import) and never stored, logged or put in an event.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

from domain.errors import DomainError

KEY_BYTES = 32
MAX_CHILD_ID = 64


class ChildReferences:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < KEY_BYTES:
            raise ValueError("The child reference secret must be at least 32 bytes")
        self._secret = secret

    def _authority_key(self, la_code: str) -> bytes:
        return hmac.new(self._secret, f"authority:{la_code}".encode(), hashlib.sha256).digest()

    def reference(self, la_code: str, child_id: str) -> str:
        """``C`` and 12 base-32 characters (60 bits): collisions are negligible at the size of
        any authority's care population."""
        cleaned = (child_id or "").strip()
        if not cleaned:
            raise DomainError("Enter your council's id for the child", field="child_id")
        if len(cleaned) > MAX_CHILD_ID or any(ch.isspace() for ch in cleaned):
            raise DomainError(
                f"The child id must be at most {MAX_CHILD_ID} characters, with no spaces",
                field="child_id")
        digest = hmac.new(self._authority_key(la_code), cleaned.encode(), hashlib.sha256)
        return "C" + base64.b32encode(digest.digest()).decode()[:12]

    @classmethod
    def load_or_create(cls, path: Path) -> ChildReferences:
        """The secret lives outside the database (like the audit signing key): losing it
        means references can no longer be matched to the council's ids."""
        if path.exists():
            return cls(path.read_bytes())
        path.parent.mkdir(parents=True, exist_ok=True)
        secret = os.urandom(KEY_BYTES)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first
            return cls(path.read_bytes())
        with os.fdopen(descriptor, "wb") as file:
            file.write(secret)
        return cls(secret)
