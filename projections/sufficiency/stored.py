"""Sufficiency tables as JSON, to keep built dashboards in the database.

A built table holds more than JSON has words for: UUIDs (a row's authority), tuples and
frozensets (a partnership's members, a fact's name), dates, dictionaries keyed by tuples (the
facts) and the table's own dataclasses. Each is written as a one-key object naming its kind
and read back as exactly that kind, so a table read back equals the table written. Only the
classes listed in ``CLASSES`` are ever made when reading: the stored text can name nothing
else (unlike a pickle, which could make anything).
"""

from __future__ import annotations

import dataclasses
import json
import zlib
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from projections.sufficiency.tables import Chart, Column, Filters, Table

CLASSES = {cls.__name__: cls for cls in (Table, Column, Chart, Filters)}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple):
        return {"tuple": [_plain(v) for v in value]}
    if isinstance(value, frozenset):
        return {"frozenset": [_plain(v) for v in value]}
    if isinstance(value, dict):
        if all(type(k) is str for k in value):  # a row: read back without a pair a value
            return {"row": {k: _plain(v) for k, v in value.items()}}
        return {"dict": [[_plain(k), _plain(v)] for k, v in value.items()]}
    if isinstance(value, UUID):
        return {"uuid": value.hex}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    name = type(value).__name__
    if dataclasses.is_dataclass(value) and CLASSES.get(name) is type(value):
        return {"class": name, "fields": {f.name: _plain(getattr(value, f.name))
                                          for f in dataclasses.fields(value)}}
    raise TypeError(f"A sufficiency table cannot be stored with a {name} in it")


def _typed(value: Any) -> Any:
    if isinstance(value, list):
        return [_typed(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "class" in value and value["class"] in CLASSES:
        fields = {k: _typed(v) for k, v in value["fields"].items()}
        return CLASSES[value["class"]](**fields)
    if len(value) != 1:
        raise ValueError(f"A stored sufficiency table holds an unknown object: {sorted(value)}")
    (kind, inner), = value.items()
    if kind == "tuple":
        return tuple(_typed(v) for v in inner)
    if kind == "frozenset":
        return frozenset(_typed(v) for v in inner)
    if kind == "row":
        return {k: _typed(v) if isinstance(v, list | dict) else v for k, v in inner.items()}
    if kind == "dict":
        return {_typed(k): _typed(v) for k, v in inner}
    if kind == "uuid":
        return UUID(hex=inner)
    if kind == "datetime":
        return datetime.fromisoformat(inner)
    if kind == "date":
        return date.fromisoformat(inner)
    if kind == "decimal":
        return Decimal(inner)
    raise ValueError(f"A stored sufficiency table holds an unknown kind of value: {kind}")


# The first byte of what is compressed: a page's text, its encoded bytes, or tables.
TEXT, BYTES, JSON = b"T", b"B", b"J"


def dumps(value: Any) -> bytes:
    """``value`` (tables, or anything made of what they hold) as compressed JSON; a text (a
    rendered page's sections) or bytes (a rendered page, encoded) as itself, compressed."""
    if isinstance(value, str):
        return zlib.compress(TEXT + value.encode(), 1)
    if isinstance(value, bytes):
        return zlib.compress(BYTES + value, 1)
    return zlib.compress(JSON + json.dumps(_plain(value), separators=(",", ":")).encode(), 1)


def loads(payload: bytes) -> Any:
    """The value :func:`dumps` wrote."""
    data = zlib.decompress(payload)
    if data[:1] == TEXT:
        return data[1:].decode()
    if data[:1] == BYTES:
        return data[1:]
    if data[:1] == JSON:
        return _typed(json.loads(data[1:]))
    raise ValueError("A stored sufficiency build is neither tables nor a page")
