"""A saved search of the vacancy board: a council officer's own named set of the board's
filters. When a new vacancy is published that matches it, the officer is told (a notice in the
portal and an e-mail). Owned by the officer's account, like the account's own records: only its
owner lists or deletes it.

saved -> deleted
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain.actor import Actor
from domain.base import PortalAggregate
from domain.errors import DomainError, IllegalTransition
from domain.ofsted import GOOD_OR_BETTER
from domain.vacancy import MAX_WEEKLY_FEE
from domain.vocabulary import MAX_AGE, NEEDS, SETTING_TYPES

MAX_NAME = 100
MAX_PARTNERSHIP = 100
# The board's filters a search keeps, in the board's order.
FILTERS = ("setting_type", "host_authority_id", "partnership", "age", "needs",
           "max_weekly_fee", "available_by", "quality")
# The board's quality filter: the setting's latest Ofsted judgement.
QUALITIES = ("good_or_better",)


class BoardSearchRefused(DomainError):
    """A saved search that breaks one or more rules: every problem at once, by field."""

    def __init__(self, errors: dict[str, str]):
        field, message = next(iter(errors.items()))
        super().__init__(message, field=field)
        self.errors = dict(errors)


def problems(*, name: str, filters: dict[str, Any]) -> dict[str, str]:
    """Every rule a saved search breaks, by field, all at once."""
    found = {}
    name = " ".join((name or "").split())
    if not name:
        found["name"] = "Enter a name for the saved search"
    elif len(name) > MAX_NAME:
        found["name"] = f"The name must be {MAX_NAME} characters or fewer"
    if filters.get("setting_type") is not None and filters["setting_type"] not in SETTING_TYPES:
        found["setting_type"] = "Choose a setting type from the list"
    if filters.get("host_authority_id") is not None and filters.get("partnership") is not None:
        found["area"] = "Choose one area: an authority or a partnership"
    partnership = filters.get("partnership")
    if partnership is not None and not 0 < len(partnership.strip()) <= MAX_PARTNERSHIP:
        found["area"] = "Choose an area from the list"
    age = filters.get("age")
    if age is not None and (not isinstance(age, int) or not 0 <= age <= MAX_AGE):
        found["age"] = f"Age must be between 0 and {MAX_AGE}"
    unknown = [n for n in filters.get("needs") or () if n not in NEEDS]
    if unknown:
        found["needs"] = "Choose needs from the list"
    fee = filters.get("max_weekly_fee")
    if fee is not None and (not isinstance(fee, int) or not 1 <= fee <= MAX_WEEKLY_FEE):
        found["max_weekly_fee"] = f"Maximum weekly fee must be between £1 and £{MAX_WEEKLY_FEE:,}"
    by = filters.get("available_by")
    if by is not None and not isinstance(by, date):
        found["available_by"] = "Available by must be a real date"
    if filters.get("quality") is not None and filters["quality"] not in QUALITIES:
        found["quality"] = "Choose an Ofsted judgement from the list"
    return found


def matches(filters: dict[str, Any], *, setting_type: str, host_authority_id: UUID,
            host_partnerships: set[str], age_from: int, age_to: int, needs_met: list[str],
            weekly_fee: int, available_from: date, judgement: str | None = None) -> bool:
    """Whether a vacancy meets every filter of a saved search: the board's own rules (a
    setting type, the host authority or one of the partnerships it belongs to, a child of the
    age within the vacancy's ages, every need named, the fee at most the maximum, available by
    the date, the setting's latest Ofsted ``judgement`` good or better)."""
    if filters.get("quality") == "good_or_better" and judgement not in GOOD_OR_BETTER:
        return False
    if filters.get("setting_type") is not None and setting_type != filters["setting_type"]:
        return False
    if filters.get("host_authority_id") is not None \
            and host_authority_id != filters["host_authority_id"]:
        return False
    if filters.get("partnership") is not None and filters["partnership"] not in host_partnerships:
        return False
    age = filters.get("age")
    if age is not None and not age_from <= age <= age_to:
        return False
    if not set(filters.get("needs") or ()) <= set(needs_met):
        return False
    fee = filters.get("max_weekly_fee")
    if fee is not None and weekly_fee > fee:
        return False
    by = filters.get("available_by")
    return by is None or available_from <= by


class BoardSearch(PortalAggregate):
    """One officer's saved search of the vacancy board."""

    id: UUID

    @event("Saved")
    def __init__(self, *, account_id: UUID, authority_id: UUID, name: str,
                 setting_type: str | None, host_authority_id: UUID | None,
                 partnership: str | None, age: int | None, needs: list[str],
                 max_weekly_fee: int | None, available_by: date | None, actor: Actor,
                 reason: str | None, quality: str | None = None) -> None:
        self.account_id = account_id
        self.authority_id = authority_id
        self.name = name
        self.setting_type = setting_type
        self.host_authority_id = host_authority_id
        self.partnership = partnership
        self.age = age
        self.needs = list(needs)
        self.max_weekly_fee = max_weekly_fee
        self.available_by = available_by
        self.quality = quality  # None in searches saved before the board had the filter
        self.deleted = False

    @classmethod
    def save(cls, *, account_id: UUID, authority_id: UUID, name: str, filters: dict[str, Any],
             actor: Actor, id: UUID | None = None) -> BoardSearch:
        unknown = set(filters) - set(FILTERS)
        if unknown:
            raise DomainError(f"Unknown filters: {', '.join(sorted(unknown))}")
        filters = {**dict.fromkeys(FILTERS), **filters}
        found = problems(name=name, filters=filters)
        if found:
            raise BoardSearchRefused(found)
        filters["needs"] = sorted(set(filters["needs"] or ()))
        if filters["partnership"] is not None:
            filters["partnership"] = filters["partnership"].strip()
        return cls(id=id or uuid4(), account_id=account_id, authority_id=authority_id,
                   name=" ".join(name.split()), actor=actor, reason=None, **filters)

    def filters(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FILTERS}

    def delete(self, *, actor: Actor, reason: str | None = None) -> None:
        if self.deleted:
            raise IllegalTransition("This saved search has already been deleted")
        self._deleted(actor=actor, reason=reason)

    @event("Deleted")
    def _deleted(self, *, actor: Actor, reason: str | None) -> None:
        self.deleted = True
