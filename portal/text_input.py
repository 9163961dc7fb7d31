"""Text as the portal stores it: Unicode NFC, lines ending in a newline, and nothing that cannot
be stored or shown.

Every string a person submits (a form, an import, a command-line option) passes through here
before it can reach an event: an event is kept for ever, so one value that a read model cannot
store (PostgreSQL refuses a NUL byte in text, and no database can encode a lone surrogate)
would stop that read model, and every page behind it, for good. So a value is refused, with a
message for the person who typed it, when it holds:

- a control character (Unicode category Cc: C0 controls U+0000 to U+001F, DELETE and the C1
  controls U+0080 to U+009F) other than a newline or a tab;
- a lone surrogate (category Cs: half of a UTF-16 pair, which is no character at all).

Carriage returns are not refused: a browser sends a textarea's lines ending in CR LF, so CR LF
(and a lone CR) become a newline. Invisible format characters (category Cf, such as the
zero-width joiner in an emoji) are allowed in free text; identifiers that must not hold them
(a child's id) refuse them where they are checked.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from markupsafe import Markup

# Cc minus newline and tab, and every surrogate code point (only ever alone in a Python str).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# What a page never shows: the same, and a CR that is not part of a line ending.
_UNSHOWABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

CONTROL_MESSAGE = ("{label} must not contain control characters (such as a NUL byte): type or "
                   "paste it again as plain text")
SURROGATE_MESSAGE = ("{label} contains a character that is not valid text: type or paste it "
                     "again as plain text")
TOO_LONG_MESSAGE = "{label} must be {limit:,} characters or fewer"
DEFAULT_LABEL = "This answer"
# The longest value any one field takes when its form sets no limit of its own: longer than
# any free text the portal keeps (5,000 characters), short of anything that could hurt.
MAX_ANY_TEXT = 10_000


class TextProblem(ValueError):
    """A value that cannot be stored; ``message`` says why, for the person who typed it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def normalise(value: str) -> str:
    """NFC, with CR LF and lone CR as a newline. Never fails; see :func:`problem`."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if value.isascii():  # the common case: ASCII is already NFC
        return value
    if _SURROGATE.search(value):  # NFC of text with a lone surrogate is not defined
        return value
    return unicodedata.normalize("NFC", value)


def problem(value: str, label: str = DEFAULT_LABEL, limit: int | None = None) -> str | None:
    """Why ``value`` (already normalised) cannot be stored, or None when it can."""
    if _CONTROL.search(value):
        return CONTROL_MESSAGE.format(label=label)
    if _SURROGATE.search(value):
        return SURROGATE_MESSAGE.format(label=label)
    if limit is not None and len(value) > limit:
        return TOO_LONG_MESSAGE.format(label=label, limit=limit)
    return None


def clean(value: str, label: str = DEFAULT_LABEL, limit: int | None = None) -> str:
    """``value`` normalised, or :class:`TextProblem` saying why it cannot be stored."""
    value = normalise(value)
    message = problem(value, label, limit)
    if message is not None:
        raise TextProblem(message)
    return value


def has_problem(value: str) -> bool:
    """Whether ``value`` holds a character no event may carry (for importers' checks)."""
    return bool(_CONTROL.search(value) or _SURROGATE.search(value))


def shown(value: Any) -> Any:
    """A value as a page may show it (Jinja's ``finalize``, so it applies to every value a
    template writes): a refused form is shown again with what was typed, and a character no
    page can hold becomes U+FFFD, as a browser would show a NUL."""
    if isinstance(value, str) and _UNSHOWABLE.search(value):
        cleaned = _UNSHOWABLE.sub("\ufffd", value)
        # Taking characters out of markup already judged safe leaves it safe.
        return Markup(cleaned) if isinstance(value, Markup) else cleaned  # noqa: S704
    return value
