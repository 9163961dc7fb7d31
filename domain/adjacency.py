"""Which authorities adjoin which: the "at a distance" test of regulation 11.

The Care Planning, Placement and Case Review (England) Regulations 2010, as amended in 2013: a
placement outside the placing authority's area needs a nominated officer's approval, or the
director of children's services' when it is also *at a distance*, "outside the area of the
responsible authority and not within the area of any adjoining local authority".

The portal ships the adjacency of the partner authorities and their neighbours as public
reference data (``projections/data/authority_adjacency.csv``). A platform administrator extends
it: the additions are the events of one :class:`AdjacencyRegister`, whose fixed id makes every
addition a change of the same record (two at once clash, and the second is tried again).
Adjacency is symmetric: a pair is kept as a sorted tuple of two ONS codes.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.actor import Actor
from domain.base import PortalAggregate
from domain.errors import DomainError
from domain.gazetteer import UPPER_TIER
from domain.organisation import NAMESPACE

REGISTER_ID: UUID = uuid5(NAMESPACE, "authority-adjacency")
MAX_PAIRS = 200
Pair = tuple[str, str]


def pair(first: str, second: str) -> Pair:
    """The pair of two authorities, in the same order whichever is named first."""
    a, b = sorted((first, second))
    return a, b


def check_pair(first: str, second: str) -> Pair:
    """Two upper-tier authorities' ONS codes (like E10000016), cleaned; refused otherwise."""
    codes = []
    for field, raw in (("ons_code", first), ("adjoining_ons_code", second)):
        code = str(raw or "").strip().upper()
        if not UPPER_TIER.match(code):
            raise DomainError(f"{code[:12] or 'Nothing'!r} is not an upper-tier authority's "
                              "ONS code (like E10000016 or E06000059)", field=field)
        codes.append(code)
    if codes[0] == codes[1]:
        raise DomainError("An authority does not adjoin itself: give two different "
                          "authorities", field="adjoining_ons_code")
    return pair(*codes)


def at_distance(placing_ons_code: str, host_ons_code: str,
                adjoining: Iterable[Pair] | set[Pair]) -> bool:
    """Whether a placement hosted by ``host_ons_code`` is at a distance for the placing
    authority: outside its area and not in an authority adjoining it."""
    if placing_ons_code == host_ons_code:
        return False
    known = adjoining if isinstance(adjoining, set) else set(adjoining)
    return pair(placing_ons_code, host_ons_code) not in known


class AdjacencyRegister(PortalAggregate):
    """The pairs of adjoining authorities administrators added to the shipped table."""

    @staticmethod
    def create_id(**_: object) -> UUID:
        return REGISTER_ID

    @event("Opened")
    def __init__(self, *, actor: Actor, reason: str | None) -> None:
        self.added: list[Pair] = []

    @classmethod
    def open(cls, *, actor: Actor) -> AdjacencyRegister:
        return cls(actor=actor, reason=None)

    def add(self, *, pairs: list[tuple[str, str]], shipped: set[Pair], actor: Actor,
            reason: str | None) -> list[Pair]:
        """Add pairs of adjoining authorities; refused whole when any is not new."""
        if not pairs:
            raise DomainError("Name two authorities that adjoin", field="adjoining_ons_code")
        if len(pairs) > MAX_PAIRS:
            raise DomainError(f"Add at most {MAX_PAIRS} pairs at a time", field="file")
        reason = (reason or "").strip()
        if not reason:
            raise DomainError("Say why these authorities are added (for example, where the "
                              "boundary was checked)", field="reason")
        cleaned: list[Pair] = []
        for first, second in pairs:
            checked = check_pair(first, second)
            if checked in shipped or checked in self.added or checked in cleaned:
                raise DomainError(f"{checked[0]} and {checked[1]} are already recorded as "
                                  "adjoining", field="adjoining_ons_code")
            cleaned.append(checked)
        self._added(pairs=[list(p) for p in cleaned], actor=actor, reason=reason)
        return cleaned

    @event("PairsAdded")
    def _added(self, *, pairs: list[list[str]], actor: Actor, reason: str | None) -> None:
        self.added.extend(pair(*p) for p in pairs)
