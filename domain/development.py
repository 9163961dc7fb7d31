"""Places in development: an authority's capital and commissioning pipeline of new places.

Councils plan supply as well as demand. Dorset's sufficiency report counts its own children's
home places rising from 16 to 30 as homes are built and registered; Kent's new block home takes
up to 18 months to open; Devon and Dorset commission new supported accommodation. Each such
scheme is one :class:`Development`: what kind of scheme it is, the kind of setting it will be,
how many places, when it is expected to open, how sure the authority is of that date, and the
tender or contract it is linked to. The forecast's capacity counts its places from the expected
opening date (:mod:`projections.sufficiency.planning`). Every change is an event with a reason;
the scheme leaves the pipeline when it opens (its home then joins the directory) or is dropped.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain.actor import Actor
from domain.base import PortalAggregate
from domain.errors import DomainError, IllegalTransition, Refused

DEVELOPMENT_TYPES: dict[str, str] = {
    "council_home": "A council children's home",
    "block_new_build": "A block contract's new build",
    "supported_accommodation_scheme": "A supported accommodation scheme",
}
# The kinds of setting each type of scheme may provide. A block contract's new build is
# whatever the block buys; fostering is not built.
SCHEME_SETTING_TYPES: dict[str, tuple[str, ...]] = {
    "council_home": ("childrens_home", "short_breaks"),
    "block_new_build": ("childrens_home", "supported_accommodation", "short_breaks",
                        "parent_and_child"),
    "supported_accommodation_scheme": ("supported_accommodation",),
}
CONFIDENCE: dict[str, str] = {
    "high": "High: funded, with a site and a date",
    "medium": "Medium: approved, site or date not yet certain",
    "low": "Low: proposed, not yet approved",
}
STATUSES: dict[str, str] = {
    "in_development": "In development",
    "opened": "Opened",
    "dropped": "Dropped",
}
MAX_PLACES = 200
MAX_NAME = 200
# What a change may alter (the authority it belongs to never changes).
CHANGEABLE = ("name", "development_type", "setting_type", "places", "expected_opening",
              "confidence", "tender_id", "contract_id")


def problems(terms: dict, *, today: date) -> dict[str, str]:
    """Every rule a scheme's terms break, by field, all at once. An expected opening date
    must be after ``today``: a scheme still in development has not opened yet."""
    found: dict[str, str] = {}
    name = (terms.get("name") or "").strip()
    if not name:
        found["name"] = "Enter the scheme's name"
    elif len(name) > MAX_NAME:
        found["name"] = f"The name must be {MAX_NAME} characters or fewer"
    kind = terms.get("development_type")
    if kind not in DEVELOPMENT_TYPES:
        found["development_type"] = "Choose the kind of scheme"
    setting_type = terms.get("setting_type")
    if kind in SCHEME_SETTING_TYPES and setting_type not in SCHEME_SETTING_TYPES[kind]:
        found["setting_type"] = (
            f"{DEVELOPMENT_TYPES[kind]} provides "
            + " or ".join(_SETTING_WORDS[t] for t in SCHEME_SETTING_TYPES[kind]))
    places = terms.get("places")
    if not isinstance(places, int) or not 1 <= places <= MAX_PLACES:
        found["places"] = f"Places must be a whole number between 1 and {MAX_PLACES}"
    opening = terms.get("expected_opening")
    if not isinstance(opening, date):
        found["expected_opening"] = "Enter the expected opening date"
    elif opening <= today:
        found["expected_opening"] = (
            "The expected opening date must be in the future: record a scheme that has "
            "opened as opened")
    if terms.get("confidence") not in CONFIDENCE:
        found["confidence"] = "Choose how confident the authority is of the date: " + ", ".join(
            k for k in CONFIDENCE)
    return found


_SETTING_WORDS = {
    "childrens_home": "children's home places",
    "short_breaks": "short break places",
    "supported_accommodation": "supported accommodation places",
    "parent_and_child": "parent and child places",
}


def _reason(reason: str | None, message: str) -> str:
    if not (reason or "").strip():
        raise DomainError(message, field="reason")
    return reason.strip()


class Development(PortalAggregate):
    """One scheme of new places an authority is developing or commissioning."""

    id: UUID

    @event("Recorded")
    def __init__(self, *, authority_id: UUID, name: str, development_type: str,
                 setting_type: str, places: int, expected_opening: date, confidence: str,
                 tender_id: UUID | None, contract_id: UUID | None, actor: Actor,
                 reason: str | None, recorded_on: date | None = None) -> None:
        # ``recorded_on``: the day it joined the pipeline, so a view of a past date counts
        # the schemes as they stood then (None in events stored before it was kept).
        self.authority_id = authority_id
        self.name = name
        self.development_type = development_type
        self.setting_type = setting_type
        self.places = places
        self.expected_opening = expected_opening
        self.confidence = confidence
        self.tender_id = tender_id
        self.contract_id = contract_id
        self.status = "in_development"
        self.status_on: date | None = None

    @classmethod
    def record(cls, *, authority_id: UUID, today: date, actor: Actor,
               reason: str | None = None, id: UUID | None = None, **terms) -> Development:
        terms = {k: terms.get(k) for k in CHANGEABLE}
        terms["name"] = " ".join((terms["name"] or "").split())
        found = problems(terms, today=today)
        if found:
            raise Refused(found)
        return cls(id=id or uuid4(), authority_id=authority_id, actor=actor, reason=reason,
                   recorded_on=today, **terms)

    def _check_in_development(self) -> None:
        if self.status != "in_development":
            raise IllegalTransition(
                f"This scheme has {STATUSES[self.status].lower()}: it can no longer change")

    def change(self, *, today: date, actor: Actor, reason: str | None, **changes) -> bool:
        """Change the scheme's terms (a new date, more places, a firmer confidence). Returns
        False when nothing changed. Every rule is checked against the terms as they would be."""
        self._check_in_development()
        unknown = set(changes) - set(CHANGEABLE)
        if unknown:
            raise DomainError(f"These cannot be changed: {', '.join(sorted(unknown))}")
        if "name" in changes:
            changes["name"] = " ".join((changes["name"] or "").split())
        merged = {k: getattr(self, k) for k in CHANGEABLE} | changes
        found = problems(merged, today=today)
        if not (reason or "").strip():
            found["reason"] = "Say why the scheme is changing"
        changed = {k: v for k, v in changes.items() if getattr(self, k) != v}
        if not changed:
            return False
        if found:
            raise Refused(found)
        self._changed(changes=changed, actor=actor, reason=reason.strip(), on=today)
        return True

    @event("Changed")
    def _changed(self, *, changes: dict, actor: Actor, reason: str | None,
                 on: date | None = None) -> None:
        for key, value in changes.items():
            setattr(self, key, value)

    def open(self, *, on: date, today: date, actor: Actor, reason: str | None) -> None:
        """The scheme's places have opened: it leaves the pipeline."""
        self._check_in_development()
        if on > today:
            raise DomainError("The opening date cannot be in the future", field="on")
        self._opened(on=on, actor=actor, reason=_reason(reason, "Say how the scheme opened"))

    @event("Opened")
    def _opened(self, *, on: date, actor: Actor, reason: str | None) -> None:
        self.status, self.status_on = "opened", on

    def drop(self, *, on: date, actor: Actor, reason: str | None) -> None:
        """The scheme will not go ahead: it leaves the pipeline."""
        self._check_in_development()
        self._dropped(on=on, actor=actor, reason=_reason(reason, "Say why the scheme is dropped"))

    @event("Dropped")
    def _dropped(self, *, on: date, actor: Actor, reason: str | None) -> None:
        self.status, self.status_on = "dropped", on
