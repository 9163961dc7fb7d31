"""The last guard before the event store: no event may carry text a read model cannot store.

Forms, importers and the command line refuse such text where it is typed, with a message beside
the field (``portal/text_input.py``). This guard is for any path that forgets: an event holding
a NUL byte (which PostgreSQL's text columns refuse) or a lone surrogate (which no database can
encode) would stop the read models for good, and an event is kept for ever. So the command is
refused, nothing is saved, and the message names the event's fact (``field``), which is usually
the form field it came from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from uuid import UUID

from domain.actor import Actor
from domain.errors import DomainError

_SURROGATE = re.compile(r"[\ud800-\udfff]")
MAX_DEPTH = 8  # events hold flat facts, lists of rows and small dicts of answers
# Most of an event's facts (its id, version, timestamp, the ids and dates it names, numbers, the
# actor, which is ids only) hold no text at all: their exact types are passed over unlooked at.
_NO_TEXT = frozenset({type(None), bool, int, float, UUID, datetime, date, Actor})


class Unstorable(DomainError):
    """An event would carry text that cannot be stored."""


def holds_unstorable(value: Any, depth: int = 0) -> bool:
    """Whether ``value`` (a fact of an event, or anything inside one) holds a NUL byte or a
    lone surrogate."""
    if isinstance(value, str):  # most are short and ASCII: two quick scans, no regex
        return "\x00" in value or (not value.isascii() and bool(_SURROGATE.search(value)))
    if depth >= MAX_DEPTH or value is None or isinstance(value, int | float):
        return False
    if isinstance(value, dict):
        for key, item in value.items():
            if holds_unstorable(key, depth + 1) or holds_unstorable(item, depth + 1):
                return True
        return False
    if isinstance(value, list | tuple | set | frozenset):
        for item in value:
            if holds_unstorable(item, depth + 1):
                return True
    return False


def check_storable(events: Iterable[Any]) -> None:
    """Raise :class:`Unstorable` when any fact of any of ``events`` cannot be stored."""
    for event in events:
        for name, value in vars(event).items():
            kind = type(value)
            if kind in _NO_TEXT:
                continue
            if kind is str:  # the commonest fact with text, looked at here (as holds_unstorable)
                if "\x00" not in value and (value.isascii() or not _SURROGATE.search(value)):
                    continue
            elif not holds_unstorable(value):
                continue
            raise Unstorable("This cannot be saved: it holds a NUL byte or a character that "
                             "is not valid text. Type it again as plain text", field=name)


class StorableEvents:
    """Application mixin: every set of events is checked before it is recorded."""

    def _record(self, processing_event: Any) -> Any:
        check_storable(processing_event.events)
        return super()._record(processing_event)
