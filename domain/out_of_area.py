"""Out-of-area placements: the approval and the host authority's notifications the regulations
require (the Care Planning, Placement and Case Review (England) Regulations 2010, as amended by
SI 2013/3239; see ``shared/REFERENCE.md``).

When an authority places a child in a setting in another authority's area (the host, or
"area", authority), the portal opens one :class:`OutOfAreaPlacement` beside the child's
placement, in the same save:

- **Approval** (regulation 11): a nominated officer's, or the director of children's services'
  when the placement is also *at a distance* (outside the area and not in an adjoining
  authority; see :mod:`domain.adjacency`). A planned placement is refused unless its approval,
  given on or before the day it starts, comes with it; an emergency start records the approval
  as soon as it is given, and until then the placing authority sees it as missing.
- **Notifying the host** (regulation 13(4)): before the placement starts or, in an emergency,
  within five working days of its start; for a placement at a distance the host is consulted.
  A planned placement's host is notified in the save that records the start; an emergency
  start's when the placing authority sends it.
- **The end** (regulation 14): the host is told when the placement ends, within ten working
  days where it could not be told beforehand; recording the end tells it.

Working days leave out weekends and every UK bank holiday (:func:`domain.tender_terms.
add_working_days`). The record keeps the child's age at the start, never the birth month; what
the host sees is the age band, the setting, the start date and the placing authority's contact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.actor import Actor
from domain.base import PortalAggregate
from domain.errors import DomainError, IllegalTransition
from domain.tender_terms import add_working_days

URGENCIES = {"planned": "Planned", "emergency": "Emergency"}
NOMINATED_OFFICER, DIRECTOR = "nominated_officer", "director"
APPROVER_ROLES = {NOMINATED_OFFICER: "Nominated officer",
                  DIRECTOR: "Director of children's services"}
EMERGENCY_NOTICE_WORKING_DAYS = 5   # regulation 13(4)
END_NOTICE_WORKING_DAYS = 10        # regulation 14
MAX_NAME = 120
MAX_REASON = 1000


def record_id(placement_ref: UUID, start: date) -> UUID:
    """One record per move into a setting out of area: the child's placement and the day."""
    return uuid5(placement_ref, f"out-of-area:{start.isoformat()}")


def required_role(at_distance: bool) -> str:
    return DIRECTOR if at_distance else NOMINATED_OFFICER


def age_at(birth_month: str, on: date) -> int:
    """Whole years at ``on`` of a child born in ``birth_month`` (YYYY-MM), counting the
    birthday as the first of that month."""
    year, month = (int(part) for part in birth_month.split("-"))
    return on.year - year - (1 if on.month < month else 0)


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class Approval:
    """Who approved an out-of-area placement, in which role, on which day, and why."""

    approver_name: str
    approver_role: str
    approved_on: date
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"approver_name": self.approver_name, "approver_role": self.approver_role,
                "approved_on": self.approved_on, "reason": self.reason}


def check_approval(approval: Approval, *, at_distance: bool, today: date) -> Approval:
    """The approval, cleaned; refused when it is not one the regulations accept."""
    name = " ".join(str(approval.approver_name or "").split())
    if not name:
        raise DomainError("Enter the name of the person who approved the placement",
                          field="approver_name")
    if len(name) > MAX_NAME:
        raise DomainError(f"The approver's name must be {MAX_NAME} characters or fewer",
                          field="approver_name")
    if approval.approver_role not in APPROVER_ROLES:
        raise DomainError("Choose the approver's role: nominated officer or director of "
                          "children's services", field="approver_role")
    if at_distance and approval.approver_role != DIRECTOR:
        raise DomainError("This placement is at a distance (not in your area nor in an "
                          "adjoining authority): only the director of children's services can "
                          "approve it (regulation 11)", field="approver_role")
    if not isinstance(approval.approved_on, date):
        raise DomainError("Enter the date the placement was approved", field="approved_on")
    if approval.approved_on > today:
        raise DomainError("The approval date cannot be in the future", field="approved_on")
    reason = str(approval.reason or "").strip()
    if not reason:
        raise DomainError("Give the reason for the approval (why this placement is the most "
                          "suitable)", field="approval_reason")
    if len(reason) > MAX_REASON:
        raise DomainError(f"The reason must be {MAX_REASON} characters or fewer",
                          field="approval_reason")
    return Approval(approver_name=name, approver_role=approval.approver_role,
                    approved_on=approval.approved_on, reason=reason)


class OutOfAreaPlacement(PortalAggregate):
    """One move of a child into a setting in another authority's area."""

    @staticmethod
    def create_id(placement_ref: UUID, start: date, **_: Any) -> UUID:
        return record_id(placement_ref, start)

    @event("Opened")
    def __init__(self, *, placement_ref: UUID, placing_authority_id: UUID, child_ref: str,
                 host_authority_id: UUID, at_distance: bool, urgency: str, start: date,
                 age: int, place: str, setting_id: UUID | None, provider_id: UUID | None,
                 approval: dict[str, Any] | None, host_notified_at: datetime | None,
                 actor: Actor, reason: str | None) -> None:
        self.placement_ref = placement_ref
        self.placing_authority_id = placing_authority_id
        self.child_ref = child_ref
        self.host_authority_id = host_authority_id
        self.at_distance = at_distance
        self.urgency = urgency
        self.start = start
        self.age = age
        self.place = place
        self.setting_id = setting_id
        self.provider_id = provider_id
        self.approval = approval
        self.host_notified_at = host_notified_at
        self.end: date | None = None

    @classmethod
    def open(cls, *, placement_ref: UUID, placing_authority_id: UUID, child_ref: str,
             host_authority_id: UUID, at_distance: bool, urgency: str, start: date,
             birth_month: str, place: str, setting_id: UUID | None, provider_id: UUID | None,
             approval: Approval | None, now: datetime, today: date,
             actor: Actor) -> OutOfAreaPlacement:
        """A planned placement comes with its approval and notifies the host at once; an
        emergency one may come without either."""
        if urgency not in URGENCIES:
            raise DomainError("Say whether the placement is planned or an emergency",
                              field="urgency")
        if host_authority_id == placing_authority_id:
            raise DomainError("A placement in your own area is not out of area")
        if approval is not None:
            approval = check_approval(approval, at_distance=at_distance, today=today)
        if urgency == "planned":
            who = APPROVER_ROLES[required_role(at_distance)].lower()
            if approval is None:
                raise DomainError(
                    f"This placement is outside your area: a planned placement needs approval "
                    f"by the {who} before it starts (regulation 11). Record who approved it, "
                    "when and why, or say it is an emergency", field="approver_name")
            if approval.approved_on > start:
                raise DomainError(
                    f"A planned placement must be approved before it starts: it starts on "
                    f"{_long(start)}, but was approved on {_long(approval.approved_on)}",
                    field="approved_on")
        return cls(placement_ref=placement_ref, placing_authority_id=placing_authority_id,
                   child_ref=child_ref, host_authority_id=host_authority_id,
                   at_distance=at_distance, urgency=urgency, start=start,
                   age=age_at(birth_month, start), place=place, setting_id=setting_id,
                   provider_id=provider_id,
                   approval=None if approval is None else approval.as_dict(),
                   host_notified_at=now if urgency == "planned" else None,
                   actor=actor, reason="Placed outside the authority's area")

    # --- reading ------------------------------------------------------------------------------

    @property
    def notice_kind(self) -> str:
        """A placement at a distance consults the host; any other notifies it."""
        return "consultation" if self.at_distance else "notification"

    @property
    def notice_due(self) -> date:
        return notice_due(self.urgency, self.start)

    # --- commands -----------------------------------------------------------------------------

    def approve(self, *, approval: Approval, today: date, actor: Actor) -> None:
        """Record the approval an emergency start went ahead without."""
        if self.approval is not None:
            raise IllegalTransition("This placement's approval is already recorded")
        approval = check_approval(approval, at_distance=self.at_distance, today=today)
        self._approved(approval=approval.as_dict(), actor=actor, reason=approval.reason)

    @event("Approved")
    def _approved(self, *, approval: dict[str, Any], actor: Actor, reason: str | None) -> None:
        self.approval = approval

    def notify_host(self, *, now: datetime, actor: Actor) -> None:
        """Send the host its notification (or consultation) of an emergency start."""
        if self.host_notified_at is not None:
            raise IllegalTransition("The host authority has already been notified of this "
                                    "placement")
        self._host_notified(notified_at=now, actor=actor, reason=None)

    @event("HostNotified")
    def _host_notified(self, *, notified_at: datetime, actor: Actor,
                       reason: str | None) -> None:
        self.host_notified_at = notified_at

    def close(self, *, on: date, now: datetime, actor: Actor) -> bool:
        """The child left this setting: the host is told, in the same save. False when the
        record was closed already."""
        if self.end is not None:
            return False
        if on < self.start:
            raise DomainError("The placement cannot end before it started", field="end")
        self._closed(end=on, notified_at=now, actor=actor,
                     reason="The placement in the host authority's area ended")
        return True

    @event("Closed")
    def _closed(self, *, end: date, notified_at: datetime, actor: Actor,
                reason: str | None) -> None:
        self.end = end


def notice_due(urgency: str, start: date) -> date:
    """When the host must have been told of the start: by the start of a planned placement,
    within five working days of an emergency one."""
    if urgency == "emergency":
        return add_working_days(start, EMERGENCY_NOTICE_WORKING_DAYS)
    return start


def end_notice_due(end: date) -> date:
    """The latest day the host may be told of an end it could not be told of beforehand."""
    return add_working_days(end, END_NOTICE_WORKING_DAYS)
