"""The portal's transcoder: eventsourcing's JSON transcoder, encoding the same bytes faster.

eventsourcing's ``JSONTranscoder.encode`` goes through ``json.JSONEncoder.encode`` for every
event: a new C encoder each time, a circular-reference check on every dict and list, and, for
each value JSON has no form of (the event's timestamp, its ids, dates, the actor), a generic
hook that looks the value's transcoding up and wraps what it returns. Here one C encoder is
made once, with the same separators and options, and each registered type has its own small
hook made at registration. The text is the same, byte for byte (``tests/application/
test_transcoder.py`` compares the two on every kind of event the demo stores), so events stored
before and after read alike; decoding is eventsourcing's own.

The circular-reference check is left out: an event's state is a tree of facts (ids, text,
numbers, dates, lists and small dicts of them), never a cycle; one that did hold a cycle would
fail to encode with RecursionError instead of ValueError, and be stored no more than before.
"""

from __future__ import annotations

import json.encoder
from collections.abc import Callable
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

Hook = Callable[[Any], dict[str, Any]]

# CPython's C encoder; None on an interpreter without it (then eventsourcing's encode is used).
_make_encoder = getattr(json.encoder, "c_make_encoder", None)


def _hook(transcoding: Transcoding) -> Hook:
    """The JSON form of a value of ``transcoding.type``, as eventsourcing writes it."""
    name, encode = transcoding.name, transcoding.encode
    return lambda value: {"_type_": name, "_data_": encode(value)}


class PortalTranscoder(JSONTranscoder):
    """``JSONTranscoder`` with a faster :meth:`encode` of identical output."""

    def __init__(self) -> None:
        super().__init__()
        self._hooks: dict[type, Hook] = {}
        self._encode_text = None
        if _make_encoder is not None:
            # The arguments json.JSONEncoder.iterencode gives it for eventsourcing's encoder
            # (separators "," and ":", ensure_ascii off), but no circular-reference markers.
            encoder = self.encoder
            self._encode_text = _make_encoder(
                None, self._default, json.encoder.encode_basestring, encoder.indent,
                encoder.key_separator, encoder.item_separator, encoder.sort_keys,
                encoder.skipkeys, encoder.allow_nan)

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        self._hooks[transcoding.type] = _hook(transcoding)

    def _default(self, value: Any) -> dict[str, Any]:
        try:
            hook = self._hooks[type(value)]
        except KeyError:
            return self._encode_obj(value)  # eventsourcing's own error for an unknown type
        return hook(value)

    def encode(self, obj: Any) -> bytes:
        if self._encode_text is None or isinstance(obj, str):
            return super().encode(obj)
        return "".join(self._encode_text(obj, 0)).encode("utf8")
