"""The terms an update leaves as they are: a command that changes some of a record's terms
names every term it can change, each defaulting to :data:`KEEP` (``None`` cannot mean "leave
it": no expiry date, say, is itself a value)."""

from __future__ import annotations

from enum import Enum
from typing import Any


class Keep(Enum):
    """A term an update leaves as it is."""

    KEEP = "keep"


KEEP = Keep.KEEP


def kept(**terms: Any) -> dict[str, Any]:
    """The terms given a value, leaving out those to keep."""
    return {name: value for name, value in terms.items() if value is not KEEP}
