"""In-house fostering: an authority's own fostering service, as its monthly returns say.

Each month a council officer records (or imports) the authority's fostering return: its
approved fostering households and their approved places at the month's end by type of
fostering (mainstream, kinship or connected persons, parent and child, short break), how many
of those places children live in, and the month's recruitment pipeline: enquiries,
applications, assessments completed, approvals, and households that resigned or were
deregistered, by reason (the headings of Ofsted's "Fostering in England" data collection).
A return already recorded is corrected with a reason; the correction replaces it and both
stay in the history.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.actor import Actor
from domain.base import PortalAggregate
from domain.errors import DomainError, Refused

NAMESPACE = uuid5(NAMESPACE_URL, "https://sufficiency-portal.example/fostering")

FOSTERING_TYPES: dict[str, str] = {
    "mainstream": "Mainstream",
    "kinship": "Kinship (connected persons)",
    "parent_and_child": "Parent and child",
    "short_break": "Short break",
}
RESIGNATION_REASONS: dict[str, str] = {
    "retired": "Retired",
    "circumstances": "Change in personal circumstances",
    "to_agency": "Moved to an independent fostering agency",
    "to_authority": "Moved to another authority's fostering service",
    "permanence": "Child's permanence (special guardianship, adoption or staying put)",
    "dissatisfied": "Dissatisfied with support, training or allowances",
    "deregistered": "Approval ended after a review, complaint or allegation",
    "other": "Other reasons",
}
PIPELINE: dict[str, str] = {
    "enquiries": "Enquiries",
    "applications": "Applications",
    "assessments": "Assessments completed",
    "approvals": "Households approved",
}

# Every figure of a return, by its field name (the form's, the CSV layout's and the event's).
FIELDS: dict[str, str] = {
    **{f"households_{t}": f"{label} households" for t, label in FOSTERING_TYPES.items()},
    **{f"places_{t}": f"{label} approved places" for t, label in FOSTERING_TYPES.items()},
    **{f"in_use_{t}": f"{label} places in use" for t, label in FOSTERING_TYPES.items()},
    **PIPELINE,
    **{f"resigned_{r}": f"Resignations: {label.lower()}"
       for r, label in RESIGNATION_REASONS.items()},
}
MAX_FIGURE = 100_000
EARLIEST_MONTH = date(2000, 1, 1)


def fostering_service_id(authority_id: UUID) -> UUID:
    return uuid5(NAMESPACE, f"authority:{authority_id}")


def month_label(month: date) -> str:
    return f"{month:%B %Y}"


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def check_return(month: date | None, figures: dict[str, Any], *, today: date) -> dict[str, int]:
    """The return's figures, checked: every problem at once, by field (:class:`Refused`).
    ``month`` is any day of the month the return is for (None: not given)."""
    errors: dict[str, str] = {}
    if month is None:
        errors["month"] = "Enter the month the return is for"
    elif first_of_month(month) > first_of_month(today):
        errors["month"] = "The month cannot be in the future"
    elif month < EARLIEST_MONTH:
        errors["month"] = f"The month must be {month_label(EARLIEST_MONTH)} or later"
    clean: dict[str, int] = {}
    for name, label in FIELDS.items():
        value = figures.get(name)
        if value is None:
            errors[name] = f"Enter {label[0].lower() + label[1:]} (0 if none)"
        elif isinstance(value, bool) or not isinstance(value, int):
            errors[name] = f"{label} must be a whole number"
        elif value < 0:
            errors[name] = f"{label} cannot be negative"
        elif value > MAX_FIGURE:
            errors[name] = f"{label} must be {MAX_FIGURE:,} or fewer"
        else:
            clean[name] = value
    unknown = sorted(set(figures) - set(FIELDS))
    if unknown:
        errors["figures"] = f"A fostering return has no figures called {', '.join(unknown)}"

    def both(*names: str) -> bool:
        return all(n in clean for n in names)

    for t, label in FOSTERING_TYPES.items():
        places, households, in_use = f"places_{t}", f"households_{t}", f"in_use_{t}"
        if both(places, households) and clean[places] < clean[households]:
            errors[places] = (f"{label} approved places cannot be fewer than its households: "
                              "each approved household has at least one place")
        if both(places, in_use) and clean[in_use] > clean[places]:
            errors[in_use] = f"{label} places in use cannot be more than its approved places"
    if both("approvals", "assessments") and clean["approvals"] > clean["assessments"]:
        errors["approvals"] = ("Households approved cannot be more than the assessments "
                               "completed in the month")
    if errors:
        raise Refused(errors)
    return clean


def total(figures: dict[str, int], prefix: str) -> int:
    return sum(v for k, v in figures.items() if k.startswith(prefix))


class FosteringService(PortalAggregate):
    """An authority's in-house fostering service: its monthly returns, by month."""

    id: UUID

    @event("Started")
    def __init__(self, *, authority_id: UUID, actor: Actor, reason: str | None) -> None:
        self.authority_id = authority_id
        self.returns: dict[str, dict[str, int]] = {}  # by month, 2026-03-01

    @classmethod
    def start(cls, authority_id: UUID, *, actor: Actor) -> FosteringService:
        return cls(id=fostering_service_id(authority_id), authority_id=authority_id,
                   actor=actor, reason=None)

    def record_return(self, month: date | None, figures: dict[str, Any], *, today: date,
                      actor: Actor, file_name: str | None = None) -> None:
        """A month's first return. A month already recorded is corrected, with a reason."""
        clean = check_return(month, figures, today=today)
        month = first_of_month(month)
        if month.isoformat() in self.returns:
            raise DomainError(f"The return for {month_label(month)} is already recorded: "
                              "correct it, giving the reason", field="month")
        self._recorded(authority_id=self.authority_id, month=month, figures=clean,
                       file_name=file_name, actor=actor, reason=None)

    def correct_return(self, month: date | None, figures: dict[str, Any], *, today: date,
                       actor: Actor, reason: str | None,
                       file_name: str | None = None) -> bool:
        """Replace a month's return; returns whether anything changed (nothing is stored
        when the figures are those held)."""
        errors: dict[str, str] = {}
        try:
            clean = check_return(month, figures, today=today)
        except Refused as refused:
            errors, clean = dict(refused.errors), {}
        if not (reason or "").strip():
            errors["reason"] = "Enter the reason for the correction"
        if errors:
            raise Refused(errors)
        month = first_of_month(month)
        if month.isoformat() not in self.returns:
            raise DomainError(f"There is no return for {month_label(month)} to correct",
                              field="month")
        if self.returns[month.isoformat()] == clean:
            return False
        self._corrected(authority_id=self.authority_id, month=month, figures=clean,
                        file_name=file_name, actor=actor, reason=reason.strip())
        return True

    @event("ReturnRecorded")
    def _recorded(self, *, authority_id: UUID, month: date, figures: dict,
                  file_name: str | None, actor: Actor, reason: str | None) -> None:
        self.returns[month.isoformat()] = dict(figures)

    @event("ReturnCorrected")
    def _corrected(self, *, authority_id: UUID, month: date, figures: dict,
                   file_name: str | None, actor: Actor, reason: str | None) -> None:
        self.returns[month.isoformat()] = dict(figures)
