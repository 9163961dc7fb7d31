"""Pseudonymous child references: a keyed hash of a council's own child id.

Each authority's references are keyed separately (a key derived from the deployment's secret
and the authority's LA code), so the same child id gives unrelated references in two
authorities and nobody without the secret can test a guessed id. The raw id is hashed at the
edge (a form, an import) and never stored, logged or put in an event.

One child must have one reference however the id reaches the portal, so the id is normalised
first (:func:`normalise_child_id`): Unicode NFKC (an id typed in full-width letters and digits
is the same id), spaces at either end dropped, and letters upper-cased. Ids are taken as
case-insensitive: the case-management systems English councils use (Liquidlogic LCS, Mosaic,
Eclipse, CareFirst and the like) issue numeric or upper-case ids, so ``lcs-000123`` is a
retyping of ``LCS-000123``, never another child; upper-casing (rather than lower-casing) keeps
the reference of every id already written that way. An id that could look like another
without being it is refused rather than guessed at: one holding an invisible or format
character (Unicode category Cf: a zero-width space, a right-to-left override or another
bidirectional control), a control character, a letter of another script than Latin (a
Cyrillic Es or a Greek Omicron, which look like C and O), or a non-ASCII sign or digit (an en
dash for a hyphen). An accented Latin letter is its own letter and stays.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata

from domain.errors import DomainError

KEY_BYTES = 32
MAX_CHILD_ID = 64


def normalise_child_id(child_id: str | None) -> str:
    """The one spelling of a council's child id that is hashed, or :class:`DomainError`
    (on ``child_id``) saying why the id cannot be one. The message never repeats the id."""
    cleaned = unicodedata.normalize("NFKC", child_id or "").strip()
    if not cleaned:
        raise DomainError("Enter your council's id for the child", field="child_id")
    if len(cleaned) > MAX_CHILD_ID:
        raise DomainError(f"The child id must be {MAX_CHILD_ID} characters or fewer",
                          field="child_id")
    categories = {unicodedata.category(ch) for ch in cleaned}
    if "Cf" in categories:
        raise DomainError("The child id contains an invisible character (such as a zero-width "
                          "space or a right-to-left mark): type it again", field="child_id")
    if categories & {"Cc", "Cs", "Co", "Cn"}:
        raise DomainError("The child id must not contain control characters (such as a NUL "
                          "byte): type it again", field="child_id")
    if any(ch.isspace() for ch in cleaned):
        raise DomainError("The child id must not contain spaces", field="child_id")
    if not all(ch.isascii() or _latin_letter(ch) for ch in cleaned):
        raise DomainError("The child id must be written with Latin letters, the digits 0 to 9 "
                          "and ordinary punctuation: it has a character from another alphabet "
                          "or a sign that can look like one of them", field="child_id")
    return cleaned.upper()


def _latin_letter(ch: str) -> bool:
    """A letter of the Latin script beyond ASCII (an É in an id is itself, not a lookalike);
    a Cyrillic or Greek letter, a dash or a digit of another script is not one."""
    return unicodedata.category(ch).startswith("L") and \
        unicodedata.name(ch, "").startswith("LATIN ")


class ChildReferences:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < KEY_BYTES:
            raise ValueError("The child reference secret must be at least 32 bytes")
        self._secret = secret

    def _authority_key(self, la_code: str) -> bytes:
        return hmac.new(self._secret, f"authority:{la_code}".encode(), hashlib.sha256).digest()

    def reference(self, la_code: str, child_id: str) -> str:
        """``C`` and 12 base-32 characters (60 bits) from the normalised id: collisions are
        negligible at the size of any authority's care population."""
        cleaned = normalise_child_id(child_id)
        digest = hmac.new(self._authority_key(la_code), cleaned.encode(), hashlib.sha256)
        return "C" + base64.b32encode(digest.digest()).decode()[:12]
