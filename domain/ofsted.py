"""Quality: what Ofsted's register says about a registered provider or setting, kept as history.

Ofsted publishes, as official statistics, its register of children's social care providers and
their inspections: one row per provider or setting, keyed by its unique reference number (URN),
with its registration status, places and its latest inspection's judgements. The portal holds
one :class:`OfstedRegistration` per URN that a setting of the directory carries (a fostering
agency's offices carry the agency's URN). Each fact that changes between two imports is one
event: a registration status or date, the registered places, the descriptive details, and each
inspection. An inspection never replaces an earlier one: each is kept, and the latest by date
is the one that stands. Importing a register that says what the portal holds stores nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.actor import Actor
from domain.base import PortalAggregate
from domain.errors import DomainError
from domain.organisation import OFSTED_URN

NAMESPACE = uuid5(NAMESPACE_URL, "https://sufficiency-portal.example/ofsted")

# "Overall experiences and progress of children and young people", as Ofsted codes it. Code 5
# (and a blank) means the inspection made no such judgement.
JUDGEMENT_CODES: dict[str, str] = {
    "1": "outstanding", "2": "good", "3": "requires_improvement", "4": "inadequate",
}
NOT_JUDGED_CODES = frozenset({"", "5"})
JUDGEMENTS: dict[str, str] = {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires_improvement": "Requires improvement to be good",
    "inadequate": "Inadequate",
}
GOOD_OR_BETTER = frozenset({"outstanding", "good"})

# Registration status, as the register writes it. A provider that is suspended, resigned or
# cancelled may not look after children: the portal closes its open vacancies.
REGISTRATION_STATUSES: dict[str, str] = {
    "active": "Active",
    "suspended": "Suspended",
    "resigned": "Resigned",
    "cancelled": "Cancelled",
}
NOT_REGISTERED = frozenset({"suspended", "resigned", "cancelled"})

# Descriptive facts of a register row, kept as they are written (they only describe).
DETAILS = ("provider_type", "provider_subtype", "setting_name", "local_authority", "owner")
MAX_PLACES = 1000


def registration_id(urn: str) -> UUID:
    return uuid5(NAMESPACE, f"urn:{urn}")


@dataclass(frozen=True)
class Inspection:
    inspection_date: date
    publication_date: date | None
    judgement: str | None  # a key of JUDGEMENTS; None: not judged


@dataclass(frozen=True)
class RegisterEntry:
    """One checked row of the register: what Ofsted says about one URN."""

    urn: str
    registration_status: str
    registration_date: date | None
    places: int | None
    details: dict[str, str]
    inspection: Inspection | None

    def __post_init__(self) -> None:
        if not OFSTED_URN.match(self.urn):
            raise DomainError("URN must be an Ofsted URN, like SC123456", field="urn")
        if self.registration_status not in REGISTRATION_STATUSES:
            raise DomainError("Registration status must be one of "
                              f"{', '.join(REGISTRATION_STATUSES.values())}",
                              field="registration_status")
        if self.places is not None and not 0 <= self.places <= MAX_PLACES:
            raise DomainError(f"Places must be between 0 and {MAX_PLACES}", field="places")
        if set(self.details) != set(DETAILS):
            raise DomainError("The register's details are incomplete")
        inspection = self.inspection
        if inspection and inspection.judgement is not None \
                and inspection.judgement not in JUDGEMENTS:
            raise DomainError("Unknown judgement", field="judgement")
        if inspection and inspection.publication_date is not None \
                and inspection.publication_date < inspection.inspection_date:
            raise DomainError("The inspection cannot be published before it took place",
                              field="publication_date")


class OfstedRegistration(PortalAggregate):
    """One URN of Ofsted's register, as the portal's imports have found it over time."""

    id: UUID

    @event("Recorded")
    def __init__(self, *, urn: str, actor: Actor, reason: str | None) -> None:
        self.urn = urn
        self.registration_status: str | None = None
        self.registration_date: date | None = None
        self.places: int | None = None
        self.details: dict[str, str] = {}
        self.inspections: list[Inspection] = []

    @classmethod
    def start(cls, urn: str, *, actor: Actor, reason: str | None) -> OfstedRegistration:
        """The portal's record of a URN, before any fact of the register (see :meth:`update`)."""
        if not OFSTED_URN.match(urn):
            raise DomainError("URN must be an Ofsted URN, like SC123456", field="urn")
        return cls(id=registration_id(urn), urn=urn, actor=actor, reason=reason)

    @property
    def latest_inspection(self) -> Inspection | None:
        return self.inspections[-1] if self.inspections else None

    @property
    def is_registered(self) -> bool:
        return self.registration_status not in NOT_REGISTERED

    def update(self, entry: RegisterEntry, *, actor: Actor, reason: str | None) -> bool:
        """Bring the registration up to date with one register row: one event per fact that
        changed. Returns whether the registration status just became one under which the
        setting may not take children (suspended, resigned, cancelled): its vacancies close."""
        if entry.urn != self.urn:
            raise DomainError(f"This row is for URN {entry.urn}, not {self.urn}", field="urn")
        stopped = False
        if (entry.registration_status, entry.registration_date) != (
                self.registration_status, self.registration_date):
            self._registration_changed(status=entry.registration_status,
                                       registration_date=entry.registration_date,
                                       actor=actor, reason=reason)
            stopped = entry.registration_status in NOT_REGISTERED
        if entry.places != self.places:
            self._places_changed(places=entry.places, actor=actor, reason=reason)
        changes = {k: v for k, v in entry.details.items() if self.details.get(k) != v}
        if changes:
            self._details_changed(changes=changes, actor=actor, reason=reason)
        inspection = entry.inspection
        if inspection is not None and inspection not in self.inspections:
            self._inspected(inspection_date=inspection.inspection_date,
                            publication_date=inspection.publication_date,
                            judgement=inspection.judgement, actor=actor, reason=reason)
        return stopped

    @event("RegistrationChanged")
    def _registration_changed(self, *, status: str, registration_date: date | None,
                              actor: Actor, reason: str | None) -> None:
        self.registration_status = status
        self.registration_date = registration_date

    @event("PlacesChanged")
    def _places_changed(self, *, places: int | None, actor: Actor, reason: str | None) -> None:
        self.places = places

    @event("DetailsChanged")
    def _details_changed(self, *, changes: dict, actor: Actor, reason: str | None) -> None:
        self.details = {**self.details, **changes}

    @event("InspectionRecorded")
    def _inspected(self, *, inspection_date: date, publication_date: date | None,
                   judgement: str | None, actor: Actor, reason: str | None) -> None:
        """An inspection joins the history. One of the same date already held (Ofsted
        corrected or republished it) is superseded in the list; its event stays."""
        kept = [i for i in self.inspections if i.inspection_date != inspection_date]
        kept.append(Inspection(inspection_date, publication_date, judgement))
        self.inspections = sorted(kept, key=lambda i: i.inspection_date)


def closing_reason(status: str, urn: str) -> str:
    return (f"Ofsted's register shows the registration of URN {urn} as "
            f"{REGISTRATION_STATUSES[status].lower()}: the setting may not take children")
