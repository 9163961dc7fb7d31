"""A webhook subscription: an API client's address where the portal posts the events its
organisation may see, as the audit log records it. The secret that signs each delivery is never
in an event: it lives encrypted in the secret store (auth/webhook_secrets.py).

created -> (replay requested)* -> removed
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit
from uuid import UUID

from eventsourcing.domain import event

from domain.actor import Actor
from domain.base import PortalAggregate
from domain.errors import DomainError, IllegalTransition

MAX_URL = 500
# What a subscription may ask for, by the kind of organisation that may see it: a provider
# the searches sent to it, its offers taken or not and its vacancies held or filled; a council
# the offers and refusals on its own searches and the vacancies held or filled for it.
EVENT_TYPES: dict[str, tuple[str, frozenset[str]]] = {
    "home_search.sent": ("A home search was sent to the provider", frozenset({"provider"})),
    "home_search.declined": ("A provider declined the council's home search",
                             frozenset({"authority"})),
    "offer.made": ("A provider made an offer on the council's home search",
                   frozenset({"authority"})),
    "offer.accepted": ("An offer was accepted", frozenset({"authority", "provider"})),
    "offer.declined": ("The provider's offer was not taken (another was accepted)",
                       frozenset({"provider"})),
    "vacancy.held": ("A vacancy was held for a council's home search",
                     frozenset({"authority", "provider"})),
    "vacancy.filled": ("A vacancy was filled", frozenset({"authority", "provider"})),
}
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1"})


def event_types_for(kind: str) -> list[str]:
    """The event types an organisation of ``kind`` may subscribe to."""
    return [name for name, (_label, kinds) in EVENT_TYPES.items() if kind in kinds]


def check_url(url: str, *, local_http: bool) -> str:
    """The address deliveries go to: https only, with a host and no credentials; plain
    http only to localhost or 127.0.0.1 and only when ``local_http`` (development and
    tests)."""
    url = url.strip()
    if not url:
        raise DomainError("Enter the address to deliver events to", field="url")
    if len(url) > MAX_URL:
        raise DomainError(f"Address must be {MAX_URL} characters or fewer", field="url")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a port that is not a number raises here)
    except ValueError:
        raise DomainError("Enter an address like https://example.org/hooks", field="url") \
            from None
    if parts.username or parts.password:
        raise DomainError("The address must not carry a user name or password", field="url")
    if parts.fragment or not parts.hostname or any(ch.isspace() for ch in url):
        raise DomainError("Enter an address like https://example.org/hooks", field="url")
    if parts.scheme == "http" and local_http and parts.hostname in LOCAL_HOSTS:
        return url
    if parts.scheme != "https":
        raise DomainError("The address must start with https://", field="url")
    if not reachable_host(parts.hostname, local_http=local_http):
        raise DomainError(PRIVATE, field="url")
    return url


PRIVATE = "The address must be on the internet, not on a private network"


def reachable_host(host: str, *, local_http: bool) -> bool:
    """Whether deliveries may go to ``host`` (a name, or an address as written or as a name
    resolved to): never to this machine or a private, link-local or reserved network, which
    a subscription could otherwise use to reach the portal's own neighbours; localhost and
    127.0.0.1 only in development (``local_http``)."""
    if host.lower() in LOCAL_HOSTS or host.lower().endswith(".localhost"):
        return local_http
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True  # a name: its addresses are checked when it is resolved, before sending
    return address.is_global or (local_http and address.is_loopback)


def check_event_types(event_types: list[str], kind: str) -> list[str]:
    allowed = event_types_for(kind)
    if not event_types:
        raise DomainError("Choose the events to deliver", field="event_types")
    if any(name not in allowed for name in event_types):
        raise DomainError("Choose events your organisation may see from the list",
                          field="event_types")
    return sorted(set(event_types))


class WebhookSubscription(PortalAggregate):
    id: UUID

    @event("Created")
    def __init__(self, *, organisation_id: UUID, client_id: UUID, url: str,
                 event_types: list[str], actor: Actor, reason: str | None) -> None:
        self.organisation_id = organisation_id
        self.client_id = client_id
        self.url = url
        self.event_types = sorted(event_types)
        self.removed = False

    def request_replay(self, *, from_position: int, actor: Actor, reason: str | None) -> None:
        self._check_live()
        if from_position < 1:
            raise DomainError("Enter a position of 1 or more", field="from_position")
        self._replay_requested(from_position=from_position, actor=actor, reason=reason)

    @event("ReplayRequested")
    def _replay_requested(self, *, from_position: int, actor: Actor,
                          reason: str | None) -> None:
        pass

    def remove(self, *, actor: Actor, reason: str | None) -> None:
        self._check_live()
        self._removed(actor=actor, reason=reason)

    @event("Removed")
    def _removed(self, *, actor: Actor, reason: str | None) -> None:
        self.removed = True

    def _check_live(self) -> None:
        if self.removed:
            raise IllegalTransition("This webhook subscription has been removed")
