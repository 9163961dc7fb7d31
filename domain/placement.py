"""Placements: one child's periods of care with one authority, episode by episode.

An aggregate holds every episode of one child with one placing authority, so the store itself
guarantees a child has at most one open placement in an authority (the aggregate's id is
derived from the authority and the child's pseudonymous reference). Episodes follow SSDA903:
a change of placement or legal status closes the open episode (reason X1) and opens another on
the same day; an end closes the period of care with a reason; a later start opens a new period.

The child is only ever known by a pseudonymous reference (see :mod:`domain.child_ref`).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain import ssda903
from domain.actor import Actor
from domain.base import PortalAggregate
from domain.errors import DomainError, IllegalTransition, Refused
from domain.postcode import SECTOR_OR_DISTRICT
from domain.vocabulary import CONTRACT_ROUTES

MAX_WEEKLY_COST = 50_000
CHILD_REF = re.compile(r"^C[0-9A-Z]{12}$")
BIRTH_MONTH = re.compile(r"^(19|20)\d\d-(0[1-9]|1[0-2])$")
# A postcode sector ("DT1 1") or district ("DT1"): the portal never keeps a full postcode.

# The facts of one episode. Dates are ``date``; everything else is a code, a number or None.
EPISODE_FIELDS = (
    "start", "end", "rne", "legal_status", "cin", "place", "place_provider", "provider_id",
    "setting_id", "urn", "home_postcode", "placement_postcode", "placement_authority_id",
    "reason_place_change", "rec", "weekly_cost", "contract_route", "contract_id",
)
# What a correction may change about the child (the reference itself never changes).
CHILD_FIELDS = ("birth_month", "sex", "uasc")
# Fields whose values are chosen by the officer for a new episode (start, end and rec come from
# the command that opens or closes it).
TERMS = tuple(f for f in EPISODE_FIELDS if f not in {"start", "end", "rec"})


def placement_id(authority_id: UUID, child_ref: str) -> UUID:
    return uuid5(authority_id, "child:" + child_ref)


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _fail(message: str, field: str) -> None:
    raise DomainError(message, field=field)


def episode(**facts: Any) -> dict[str, Any]:
    """A complete episode dict, with unknown facts as None."""
    unknown = set(facts) - set(EPISODE_FIELDS)
    if unknown:
        raise DomainError(f"Unknown placement details: {', '.join(sorted(unknown))}")
    return {name: facts.get(name) for name in EPISODE_FIELDS}


def child_problems(birth_month: str, sex: str, uasc: bool) -> dict[str, str]:
    found = {}
    if not isinstance(birth_month, str) or not BIRTH_MONTH.match(birth_month):
        found["birth_month"] = "Enter the month and year of birth, like 2012-05"
    if sex not in ssda903.SEXES:
        found["sex"] = "Choose the child's sex as recorded in SSDA903 (1 male, 2 female)"
    if not isinstance(uasc, bool):
        found["uasc"] = "Say whether the child is an unaccompanied asylum-seeking child"
    return found


def check_child(birth_month: str, sex: str, uasc: bool) -> None:
    found = child_problems(birth_month, sex, uasc)
    if found:
        raise Refused(found)


def _dates_problems(e: dict[str, Any], birth_month: str | None, today: date,
                    found: dict[str, str]) -> None:
    start, end = e.get("start"), e.get("end")
    if not isinstance(start, date):
        found["start"] = "Enter the date the placement started"
    elif start > today:
        found["start"] = "The start date cannot be in the future"
    elif start.year < ssda903.FIRST_YEAR - 25:
        found["start"] = "The start date is too long ago"
    elif birth_month is not None and f"{start.year:04d}-{start.month:02d}" < birth_month:
        found["start"] = "The placement cannot start before the child was born"
    if end is not None:
        if isinstance(start, date) and end < start:
            found["end"] = "The end date must not be before the start date"
        elif end > today:
            found["end"] = "The end date cannot be in the future"
        if e.get("rec") is None:
            found["rec"] = "Choose the reason the episode ended"
    if e.get("rec") is not None and end is None:
        found["end"] = "An episode with a reason for ending needs an end date"


_CODES = (
    ("rne", ssda903.NEW_EPISODE_REASONS, "reason for new episode", True),
    ("legal_status", ssda903.LEGAL_STATUSES, "legal status", True),
    ("cin", ssda903.CATEGORIES_OF_NEED, "category of need", False),
    ("place", ssda903.PLACEMENT_TYPES, "placement type", True),
    ("place_provider", ssda903.PLACEMENT_PROVIDERS, "placement provider", False),
    ("reason_place_change", ssda903.PLACEMENT_CHANGE_REASONS,
     "reason for placement change", False),
    ("rec", ssda903.EPISODE_END_REASONS, "reason the episode ended", False),
)


def episode_problems(e: dict[str, Any], birth_month: str | None, today: date, *,
                     complete: bool = True) -> dict[str, str]:
    """Every rule the episode ``e`` breaks, by field, all at once. ``complete``: whether a
    missing required fact is itself a problem (False when checking what a half-filled form
    could read, beside the form's own errors); ``birth_month`` None when not known."""
    found: dict[str, str] = {}
    if complete or e.get("start") is not None or e.get("end") is not None:
        _dates_problems(e, birth_month, today, found)
    start = e.get("start") if isinstance(e.get("start"), date) else None
    for field, codes_, what, required in _CODES:
        value = e.get(field)
        if value is None:
            if required and complete:
                found.setdefault(field, f"Choose the {what}")
            continue
        if start is not None and not ssda903.check_code(codes_, value, start):
            year = ssda903.year_label(ssda903.collection_year(start))
            found.setdefault(field, f"{value} is not a valid {what} code for {year}")
    for field, what in (("home_postcode", "home"), ("placement_postcode", "placement")):
        value = e.get(field)
        if value is not None and not SECTOR_OR_DISTRICT.match(value):
            found[field] = f"Enter the {what} postcode district or sector, like DT1 or DT1 1"
    cost = e.get("weekly_cost")
    if cost is not None and (not isinstance(cost, int) or not 0 <= cost <= MAX_WEEKLY_COST):
        found["weekly_cost"] = (f"Weekly cost must be whole pounds between £0 and "
                                f"£{MAX_WEEKLY_COST:,}")
    route = e.get("contract_route")
    if route is not None and route not in CONTRACT_ROUTES:
        found["contract_route"] = "Choose how the placement was bought"
    if e.get("contract_id") is not None and route not in {"block", "framework"}:
        found["contract_id"] = "Only a block or framework placement can be under a contract"
    if e.get("setting_id") is not None and e.get("provider_id") is None:
        found["provider_id"] = "Choose the provider of the setting"
    return found


def check_episode(e: dict[str, Any], birth_month: str, today: date) -> None:
    """The rules every episode obeys, whether new, changed or corrected: every problem at
    once."""
    found = episode_problems(e, birth_month, today)
    if found:
        raise Refused(found)


def check_episodes(episodes: list[dict[str, Any]], birth_month: str, today: date) -> None:
    """Episodes follow one another: each starts no earlier than the one before ended, and only
    the last may be open."""
    for number, e in enumerate(episodes):
        check_episode(e, birth_month, today)
        if number == 0:
            continue
        before = episodes[number - 1]
        if before["end"] is None:
            _fail("An earlier episode is still open: end it before starting another", "start")
        if e["start"] < before["end"]:
            _fail(f"This episode would overlap the one ending {_long(before['end'])}",
                  "start")
        if before["rec"] == ssda903.CONTINUING and e["start"] != before["end"]:
            _fail("An episode ended with X1 must be followed by one starting the same day",
                  "start")
        if before["rec"] != ssda903.CONTINUING and e["rne"] != "S":
            _fail("A new period of care starts with reason for new episode S", "rne")


class Placement(PortalAggregate):
    """One child's placements with one authority."""

    @staticmethod
    def create_id(authority_id: UUID, child_ref: str, **_: Any) -> UUID:
        return placement_id(authority_id, child_ref)

    @event("Started")
    def __init__(self, *, authority_id: UUID, child_ref: str, birth_month: str, sex: str,
                 uasc: bool, episode: dict[str, Any], actor: Actor, reason: str | None) -> None:
        self.authority_id = authority_id
        self.child_ref = child_ref
        self.birth_month = birth_month
        self.sex = sex
        self.uasc = uasc
        self.episodes: list[dict[str, Any]] = [dict(episode)]

    @classmethod
    def start(cls, *, authority_id: UUID, child_ref: str, birth_month: str, sex: str,
              uasc: bool, terms: dict[str, Any], on: date, today: date, actor: Actor,
              reason: str | None = None) -> Placement:
        if not CHILD_REF.match(child_ref):
            _fail("The child reference is not a portal reference", "child_ref")
        first = episode(**{"rne": "S", **terms, "start": on})
        found = {**child_problems(birth_month, sex, uasc),
                 **episode_problems(first, birth_month if isinstance(birth_month, str) and
                                    BIRTH_MONTH.match(birth_month) else None, today)}
        if found:  # the child's and the placement's problems together
            raise Refused(found)
        return cls(authority_id=authority_id, child_ref=child_ref, birth_month=birth_month,
                   sex=sex, uasc=uasc, episode=first, actor=actor, reason=reason)

    # --- reading ------------------------------------------------------------------------------

    @property
    def current(self) -> dict[str, Any] | None:
        last = self.episodes[-1]
        return last if last["end"] is None else None

    @property
    def is_open(self) -> bool:
        return self.current is not None

    # --- commands -----------------------------------------------------------------------------

    def change(self, *, on: date, terms: dict[str, Any], today: date, actor: Actor,
               reason: str | None = None) -> None:
        """A new episode: a change of placement, carer or legal status from ``on``."""
        if not self.is_open:
            raise IllegalTransition("This child's placement has ended: start a new one instead")
        if terms.get("rne") not in {"L", "P", "T", "B", "U"}:
            _fail("Choose what changed (the reason for the new episode)", "rne")
        if on < self.current["start"]:
            _fail("The date of the change must not be before the current episode started "
                  f"({_long(self.current['start'])})", "start")
        carried = {k: self.current[k] for k in TERMS}
        new = episode(**{**carried, "reason_place_change": None, **terms, "start": on})
        closed = {**self.current, "end": on, "rec": ssda903.CONTINUING}
        check_episodes([*self.episodes[:-1], closed, new], self.birth_month, today)
        self._changed(on=on, episode=new, actor=actor, reason=reason)

    @event("Changed")
    def _changed(self, *, on: date, episode: dict[str, Any], actor: Actor,
                 reason: str | None) -> None:
        self.episodes[-1] = {**self.episodes[-1], "end": on, "rec": ssda903.CONTINUING}
        self.episodes.append(dict(episode))

    def end(self, *, on: date, rec: str, today: date, actor: Actor,
            reason: str | None = None) -> None:
        if not self.is_open:
            raise IllegalTransition("This child's placement has already ended")
        if on < self.current["start"]:
            _fail("The end date must not be before the current episode started "
                  f"({_long(self.current['start'])})", "end")
        if rec == ssda903.CONTINUING:
            _fail("X1 means a new episode begins: record a change of placement instead", "rec")
        closed = {**self.current, "end": on, "rec": rec}
        check_episodes([*self.episodes[:-1], closed], self.birth_month, today)
        self._ended(on=on, rec=rec, actor=actor, reason=reason)

    @event("Ended")
    def _ended(self, *, on: date, rec: str, actor: Actor, reason: str | None) -> None:
        self.episodes[-1] = {**self.episodes[-1], "end": on, "rec": rec}

    def restart(self, *, on: date, terms: dict[str, Any], today: date, actor: Actor,
                reason: str | None = None) -> None:
        """The child starts to be looked after again, after an earlier period ended."""
        if self.is_open:
            raise IllegalTransition("This child already has an open placement with your "
                                    "authority: record a change instead")
        new = episode(**{**terms, "rne": "S", "start": on})
        check_episodes([*self.episodes, new], self.birth_month, today)
        self._restarted(episode=new, actor=actor, reason=reason)

    @event("Restarted")
    def _restarted(self, *, episode: dict[str, Any], actor: Actor, reason: str | None) -> None:
        self.episodes.append(dict(episode))

    def correct(self, *, episode_number: int | None, changes: dict[str, Any], today: date,
                actor: Actor, reason: str) -> bool:
        """Correct a recorded fact of the child (``episode_number`` None) or of one episode
        (numbered from 1). Returns False when nothing actually changed."""
        if not (reason or "").strip():
            _fail("Say why the record is being corrected", "reason")
        if episode_number is None:
            unknown = set(changes) - set(CHILD_FIELDS)
            if unknown:
                _fail(f"These cannot be corrected: {', '.join(sorted(unknown))}", "changes")
            merged = {f: changes.get(f, getattr(self, f)) for f in CHILD_FIELDS}
            check_child(**merged)
            check_episodes(self.episodes, merged["birth_month"], today)
            changed = {k: v for k, v in changes.items() if getattr(self, k) != v}
        else:
            if not 1 <= episode_number <= len(self.episodes):
                _fail("There is no such episode", "episode_number")
            unknown = set(changes) - set(EPISODE_FIELDS)
            if unknown:
                _fail(f"These cannot be corrected: {', '.join(sorted(unknown))}", "changes")
            before = self.episodes[episode_number - 1]
            episodes = list(self.episodes)
            episodes[episode_number - 1] = {**before, **changes}
            check_episodes(episodes, self.birth_month, today)
            changed = {k: v for k, v in changes.items() if before[k] != v}
        if not changed:
            return False
        self._corrected(episode_number=episode_number, changes=changed, actor=actor,
                        reason=reason.strip())
        return True

    @event("Corrected")
    def _corrected(self, *, episode_number: int | None, changes: dict[str, Any], actor: Actor,
                   reason: str | None) -> None:
        if episode_number is None:
            for key, value in changes.items():
                setattr(self, key, value)
        else:
            self.episodes[episode_number - 1] = {**self.episodes[episode_number - 1],
                                                 **changes}

    def reconcile(self, *, episodes: list[dict[str, Any]], today: date, actor: Actor,
                  reason: str) -> bool:
        """Make the episodes from the first of ``episodes`` onwards what a return (an SSDA903
        file) says they are, keeping earlier ones. Returns False when nothing changed, so
        importing the same file twice stores nothing the second time."""
        if not episodes:
            return False
        incoming = [episode(**e) for e in sorted(episodes, key=lambda e: e["start"])]
        first = incoming[0]["start"]
        kept = [e for e in self.episodes if e["start"] < first]
        if kept and kept[-1]["end"] is None:
            kept[-1] = {**kept[-1], "end": first, "rec": ssda903.CONTINUING}
        merged = kept + incoming
        if merged == self.episodes:
            return False
        check_episodes(merged, self.birth_month, today)
        self._reconciled(episodes=merged, actor=actor, reason=reason)
        return True

    @event("Reconciled")
    def _reconciled(self, *, episodes: list[dict[str, Any]], actor: Actor,
                    reason: str | None) -> None:
        self.episodes = [dict(e) for e in episodes]
