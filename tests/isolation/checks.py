"""What the isolation tests look for in a response: another organisation's markers (body and
headers), and whether two responses are the same page once per-request values are set aside."""

from __future__ import annotations

import re

from domain.principal import Principal
from tests.isolation.world import Marker, World, may_see

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PER_REQUEST = [
    (re.compile(r'nonce="[^"]+"'), 'nonce="…"'),
    (re.compile(r"'nonce-[^']+'"), "'nonce-…'"),
    # CSRF tokens (itsdangerous: payload, timestamp, signature) in forms and hx-headers.
    (re.compile(r"[\w-]{20,}\.[\w-]{6}\.[\w-]{27}"), "…"),
    (re.compile(r"Quote reference [0-9a-f]{12}"), "Quote reference …"),
    # A form's idempotency key, new at each rendering (portal/form_keys.py).
    (re.compile(r'name="idempotency_key" value="[^"]+"'), 'name="idempotency_key" value="…"'),
]


def response_text(response) -> str:
    """Everything a response tells its reader: its headers and its body."""
    headers = "\n".join(f"{name}: {value}" for name, value in response.headers.items())
    return headers + "\n\n" + response.get_data(as_text=True)


def leaked(world: World, principal: Principal, organisation: str, text: str) -> list[Marker]:
    """The markers in ``text`` that this principal may not see."""
    return [marker for marker in world.markers
            if marker.text in text and not may_see(principal, organisation, marker)]


def page(response, *values: str) -> str:
    """The response's body with per-request values (nonces, CSRF tokens, error references)
    and the identifiers asked for replaced by placeholders."""
    text = response.get_data(as_text=True)
    for value in values:
        text = text.replace(value, "{id}")
    for pattern, replacement in PER_REQUEST:
        text = pattern.sub(replacement, text)
    return text


def first_difference(one: str, two: str) -> str:
    for index, (a, b) in enumerate(zip(one, two, strict=False)):
        if a != b:
            return f"at character {index}: {one[max(0, index - 60):index + 60]!r} vs " \
                   f"{two[max(0, index - 60):index + 60]!r}"
    return f"lengths {len(one)} and {len(two)}"
