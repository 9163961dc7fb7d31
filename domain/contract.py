"""Contracts: what an authority has bought from a provider, and on what terms.

A contract is recorded by the authority that holds it (an existing block contract, say) or, once
joint tenders run in the portal, created by an award. Block places are paid for whether or not
a child lives in them, so the sufficiency views compare a block's contracted places with the
placements made under it (occupancy) and price the empty ones (voids).
"""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain.actor import Actor
from domain.base import PortalAggregate
from domain.errors import DomainError, IllegalTransition, Refused
from domain.vocabulary import CONTRACT_ROUTES, SETTING_TYPES

MAX_PLACES = 500
MAX_WEEKLY_PRICE = 50_000
TERMS = ("title", "places", "weekly_price", "end")


def problems(terms: dict, *, complete: bool = True) -> dict[str, str]:
    """Every rule a contract's terms break, by field, all at once. ``complete``: whether a
    missing term is itself a problem (False for what a half-filled form could read)."""
    found: dict[str, str] = {}
    route, places, price = terms.get("route"), terms.get("places"), terms.get("weekly_price")
    if complete and not (terms.get("title") or "").strip():
        found["title"] = "Enter the contract's title"
    if (complete or route is not None) and (route not in CONTRACT_ROUTES or route == "in_house"):
        found["route"] = "Choose the contract route: block, framework or spot"
    if (complete or terms.get("setting_type") is not None) \
            and terms.get("setting_type") not in SETTING_TYPES:
        found["setting_type"] = "Choose the kind of provision the contract buys"
    if route == "block" and not 1 <= (places or 0) <= MAX_PLACES:
        found["places"] = f"A block contract buys between 1 and {MAX_PLACES} places"
    elif places is not None and not 0 <= places <= MAX_PLACES:
        found["places"] = f"Places must be between 0 and {MAX_PLACES}"
    if (complete or price is not None) and not 0 < (price or 0) <= MAX_WEEKLY_PRICE:
        found["weekly_price"] = (f"Weekly price per place must be between £1 and "
                                 f"£{MAX_WEEKLY_PRICE:,}")
    start, end = terms.get("start"), terms.get("end")
    if start is not None and end is not None and end <= start:
        found["end"] = "The contract must end after it starts"
    return found


def check_terms(terms: dict) -> None:
    found = problems(terms)
    if found:
        raise Refused(found)


class Contract(PortalAggregate):
    id: UUID

    @event("Recorded")
    def __init__(self, *, authority_id: UUID, provider_id: UUID, route: str, title: str,
                 setting_type: str, places: int | None, weekly_price: int, start: date,
                 end: date, tender_id: UUID | None, actor: Actor, reason: str | None) -> None:
        self.authority_id = authority_id
        self.provider_id = provider_id
        self.route = route
        self.title = title
        self.setting_type = setting_type
        self.places = places
        self.weekly_price = weekly_price
        self.start = start
        self.end = end
        self.tender_id = tender_id
        self.terminated_on: date | None = None

    @classmethod
    def record(cls, *, actor: Actor, id: UUID | None = None, tender_id: UUID | None = None,
               reason: str | None = None, **terms) -> Contract:
        terms["title"] = (terms.get("title") or "").strip()
        check_terms(terms)
        return cls(id=id or uuid4(), tender_id=tender_id, actor=actor, reason=reason, **terms)

    def vary(self, *, actor: Actor, reason: str, **changes) -> bool:
        """A variation: more or fewer places, a new price or a new end date."""
        if self.terminated_on is not None:
            raise IllegalTransition("This contract has been terminated")
        if not (reason or "").strip():
            raise DomainError("Say why the contract is being varied", field="reason")
        unknown = set(changes) - set(TERMS)
        if unknown:
            raise DomainError(f"These cannot be varied: {', '.join(sorted(unknown))}")
        merged = {k: getattr(self, k) for k in ("route", "setting_type", "start", *TERMS)}
        merged.update(changes)
        check_terms(merged)
        changed = {k: v for k, v in changes.items() if getattr(self, k) != v}
        if not changed:
            return False
        self._varied(changes=changed, actor=actor, reason=reason.strip())
        return True

    @event("Varied")
    def _varied(self, *, changes: dict, actor: Actor, reason: str | None) -> None:
        for key, value in changes.items():
            setattr(self, key, value)

    def terminate(self, *, on: date, actor: Actor, reason: str) -> None:
        if self.terminated_on is not None:
            raise IllegalTransition("This contract has already been terminated")
        if not (reason or "").strip():
            raise DomainError("Say why the contract is being terminated", field="reason")
        if not self.start <= on <= self.end:
            raise DomainError("The termination date must fall within the contract's term",
                              field="on")
        self._terminated(on=on, actor=actor, reason=reason.strip())

    @event("Terminated")
    def _terminated(self, *, on: date, actor: Actor, reason: str | None) -> None:
        self.terminated_on = on
