"""A vacancy: a place a provider offers at one of its settings, and its life.

published -> (updated)* -> held -> released -> ... -> filled | withdrawn | expired
"""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain.actor import Actor
from domain.base import PortalAggregate
from domain.errors import DomainError, IllegalTransition, Refused
from domain.organisation import Setting
from domain.timezone import uk_date
from domain.vocabulary import MAX_AGE, NEEDS, SUPPORTED_ACCOMMODATION_MIN_AGE
from domain.words import counted

AVAILABLE = "available"
HELD = "held"
FILLED = "filled"
WITHDRAWN = "withdrawn"
EXPIRED = "expired"
OPEN_STATES = frozenset({AVAILABLE, HELD})
STATUS_LABELS = {
    AVAILABLE: "Available",
    HELD: "On hold",
    FILLED: "Filled",
    WITHDRAWN: "Withdrawn",
    EXPIRED: "Expired",
}

# The terms a provider may change after publishing.
TERMS = ("age_from", "age_to", "needs_met", "weekly_fee", "available_from", "expires_on",
         "description", "places")
MAX_WEEKLY_FEE = 50_000
MAX_PLACES = 10


# A place may be published a little after it became free (a provider catching up after a
# weekend), never weeks after: an older date cannot be right, and would sort such a place
# first on the board.
AVAILABLE_FROM_GRACE = timedelta(days=7)


class VacancyRefused(Refused):
    """Terms that break one or more rules: every problem at once, by field."""


def problems(setting: Setting, terms: dict, *, today: date | None = None) -> dict[str, str]:
    """Every rule ``terms`` break, by field, all at once. A term left out is not checked (a
    form checks what it could read, beside its own errors). ``today``: when given, the date
    the place is available from may not be more than a week before it (a new or changed
    date)."""
    found: dict[str, str] = {}
    age_from, age_to = terms.get("age_from"), terms.get("age_to")
    if age_from is not None and not 0 <= age_from <= MAX_AGE:
        found["age_from"] = f"Youngest age must be between 0 and {MAX_AGE}"
    elif (age_from is not None and setting.setting_type == "supported_accommodation"
            and age_from < SUPPORTED_ACCOMMODATION_MIN_AGE):
        found["age_from"] = "Supported accommodation is only for young people aged 16 or over"
    if age_to is not None and not 0 <= age_to <= MAX_AGE:
        found["age_to"] = f"Oldest age must be between 0 and {MAX_AGE}"
    elif age_from is not None and age_to is not None and "age_from" not in found \
            and age_from > age_to:
        found["age_from"] = "Youngest age must not be more than the oldest age"
    unknown = [n for n in terms.get("needs_met") or () if n not in NEEDS]
    if unknown:
        found["needs_met"] = f"Unknown needs: {', '.join(unknown)}"
    fee = terms.get("weekly_fee")
    if fee is not None and not 0 < fee <= MAX_WEEKLY_FEE:
        found["weekly_fee"] = f"Weekly fee must be between £1 and £{MAX_WEEKLY_FEE:,}"
    places = terms.get("places")
    if places is not None and not 1 <= places <= MAX_PLACES:
        found["places"] = f"Places must be between 1 and {MAX_PLACES}"
    elif places is not None and places > setting.registered_places:
        found["places"] = (f"{setting.name} is registered for "
                           f"{counted(setting.registered_places, 'place')}, so a vacancy "
                           f"there cannot offer {places}")
    available_from = terms.get("available_from")
    if today is not None and available_from is not None \
            and available_from < today - AVAILABLE_FROM_GRACE:
        found["available_from"] = (
            "The date the place is available from cannot be more than a week ago: enter "
            f"{uk_date(today - AVAILABLE_FROM_GRACE)} or later")
    expires_on = terms.get("expires_on")
    if expires_on is not None and available_from is not None and expires_on < available_from:
        found["expires_on"] = "The vacancy cannot expire before it is available"
    return found


def check_terms(setting: Setting, terms: dict, *, today: date | None = None) -> None:
    """The rules every vacancy's terms obey, whether new or changed: every problem at once."""
    found = problems(setting, terms, today=today)
    if found:
        raise VacancyRefused(found)


class ForASearch(PortalAggregate.Event):
    """A vacancy's event that may be for a council's home search sent through the portal: the
    search and its authority (both None otherwise). Version 2 added them; a stored version-1
    event was for no search."""

    class_version = 2

    home_search_id: UUID | None
    authority_id: UUID | None
    actor: Actor
    reason: str | None

    @staticmethod
    def upcast_v1_v2(state: dict) -> None:
        state["home_search_id"] = None
        state["authority_id"] = None


class Vacancy(PortalAggregate):
    id: UUID  # given by the caller: random, or derived from a natural key (demo loader)

    class Published(PortalAggregate.Created):
        """Version 2 added ``places``: a vacancy may offer more than one place (for example a
        foster home for a sibling group). Stored version-1 events offered one place."""

        class_version = 2

        provider_id: UUID
        setting_id: UUID
        setting_type: str
        host_authority_id: UUID
        postcode_district: str
        age_from: int
        age_to: int
        needs_met: list[str]
        weekly_fee: int
        available_from: date
        expires_on: date | None
        description: str
        places: int
        actor: Actor
        reason: str | None

        @staticmethod
        def upcast_v1_v2(state: dict) -> None:
            state["places"] = 1

    @event(Published)
    def __init__(
        self,
        *,
        provider_id: UUID,
        setting_id: UUID,
        setting_type: str,
        host_authority_id: UUID,
        postcode_district: str,
        age_from: int,
        age_to: int,
        needs_met: list[str],
        weekly_fee: int,
        available_from: date,
        expires_on: date | None,
        description: str,
        places: int,
        actor: Actor,
        reason: str | None,
    ) -> None:
        self.provider_id = provider_id
        self.setting_id = setting_id
        self.setting_type = setting_type
        self.host_authority_id = host_authority_id
        self.postcode_district = postcode_district
        self.age_from = age_from
        self.age_to = age_to
        self.needs_met = list(needs_met)
        self.weekly_fee = weekly_fee
        self.available_from = available_from
        self.expires_on = expires_on
        self.description = description
        self.places = places
        self.status = AVAILABLE
        self.held_for: str | None = None
        # The home search a hold is for, when sent through the portal, and the council that
        # holds the place (or, once filled for one of its searches, that filled it).
        self.held_for_search: UUID | None = None
        self.holder_authority_id: UUID | None = None

    @classmethod
    def publish(cls, *, provider_id: UUID, setting: Setting, actor: Actor,
                id: UUID | None = None, today: date | None = None, **terms) -> Vacancy:
        """``today``: when given, the place may not be available from more than a week
        before it."""
        terms = {"expires_on": None, "description": "", "places": 1, **terms}
        check_terms(setting, terms, today=today)
        terms["needs_met"] = sorted(set(terms["needs_met"]))
        # The Published event, as calling the class makes it, less eventsourcing's generic
        # sorting of the call's arguments (every one is named here): a vacancy is the record
        # published most often.
        return cls._create(
            cls.Published,
            id=id or uuid4(),
            provider_id=provider_id,
            setting_id=setting.id,
            setting_type=setting.setting_type,
            host_authority_id=setting.host_authority_id,
            postcode_district=setting.postcode_district,
            actor=actor,
            reason=None,
            **terms,
        )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    def _check_open(self, doing: str) -> None:
        if not self.is_open:
            raise IllegalTransition(
                f"This vacancy is {STATUS_LABELS[self.status].lower()}, so it cannot be {doing}"
            )

    def update(self, setting: Setting, *, actor: Actor, reason: str | None = None,
               today: date | None = None, **changes) -> bool:
        """Change the terms. Returns False when nothing actually changed. ``today``: when
        given, a changed date the place is available from may not be more than a week before
        it (an unchanged one stands: the place has simply been free a while)."""
        self._check_open("changed")
        unknown = set(changes) - set(TERMS)
        if unknown:
            raise DomainError(f"These cannot be changed: {', '.join(sorted(unknown))}")
        if "needs_met" in changes:
            changes["needs_met"] = sorted(set(changes["needs_met"]))
        merged = {term: changes.get(term, getattr(self, term)) for term in TERMS}
        moved = changes.get("available_from", self.available_from) != self.available_from
        check_terms(setting, merged, today=today if moved else None)
        changed = {k: v for k, v in changes.items() if getattr(self, k) != v}
        if not changed:
            return False
        self._updated(changes=changed, actor=actor, reason=reason)
        return True

    @event("Updated")
    def _updated(self, *, changes: dict, actor: Actor, reason: str | None) -> None:
        for key, value in changes.items():
            setattr(self, key, value)

    def hold(self, *, home_search_ref: str, actor: Actor, reason: str | None = None,
             home_search_id: UUID | None = None, authority_id: UUID | None = None) -> None:
        """Hold the place for a home search: one sent through the portal (``home_search_id``
        and the council that owns it, ``authority_id``, which may then see the vacancy while
        it is held) or one the provider names by its reference only."""
        if self.status == HELD:
            raise IllegalTransition("This vacancy is already on hold for another home search")
        self._check_open("held")
        if not home_search_ref.strip():
            raise DomainError("Say which home search the vacancy is held for",
                              field="home_search_ref")
        if (home_search_id is None) != (authority_id is None):
            raise DomainError("A hold for a home search in the portal names the search and "
                              "its authority", field="home_search_ref")
        self._held(home_search_ref=home_search_ref.strip(), home_search_id=home_search_id,
                   authority_id=authority_id, actor=actor, reason=reason)

    class Held(ForASearch):
        """Version 2 added the home search and its authority, for a hold for a search sent
        through the portal (None for a search named by its reference only, as every stored
        version-1 hold was)."""

        home_search_ref: str

    @event(Held)
    def _held(self, *, home_search_ref: str, home_search_id: UUID | None,
              authority_id: UUID | None, actor: Actor, reason: str | None) -> None:
        self.status = HELD
        self.held_for = home_search_ref
        self.held_for_search = home_search_id
        self.holder_authority_id = authority_id

    def release(self, *, actor: Actor, reason: str | None = None) -> None:
        if self.status != HELD:
            raise IllegalTransition("Only a vacancy on hold can be released")
        self._released(actor=actor, reason=reason)

    @event("Released")
    def _released(self, *, actor: Actor, reason: str | None) -> None:
        self.status = AVAILABLE
        self._clear_hold()

    def fill(self, *, placement_ref: str | None, actor: Actor, reason: str | None = None,
             home_search_id: UUID | None = None, authority_id: UUID | None = None) -> None:
        """Fill the place: by a council's placement for one of its home searches
        (``home_search_id`` and ``authority_id``: that council may still see the vacancy), or
        as the provider records it (a placement reference at most)."""
        self._check_open("filled")
        if (home_search_id is None) != (authority_id is None):
            raise DomainError("A vacancy filled for a home search names the search and its "
                              "authority")
        self._filled(placement_ref=placement_ref, home_search_id=home_search_id,
                     authority_id=authority_id, actor=actor, reason=reason)

    class Filled(ForASearch):
        """Version 2 added the home search and its authority, for a vacancy filled by
        accepting an offer (None when the provider marked it filled, as in every stored
        version-1 event)."""

        placement_ref: str | None

    @event(Filled)
    def _filled(self, *, placement_ref: str | None, home_search_id: UUID | None,
                authority_id: UUID | None, actor: Actor, reason: str | None) -> None:
        self.status = FILLED
        self._clear_hold()
        self.holder_authority_id = authority_id

    def _clear_hold(self) -> None:
        self.held_for = None
        self.held_for_search = None
        self.holder_authority_id = None

    def withdraw(self, *, actor: Actor, reason: str | None = None) -> None:
        self._check_open("withdrawn")
        self._withdrawn(actor=actor, reason=reason)

    @event("Withdrawn")
    def _withdrawn(self, *, actor: Actor, reason: str | None) -> None:
        self.status = WITHDRAWN
        self._clear_hold()

    def expire(self, *, today: date, actor: Actor) -> bool:
        """Expire the vacancy when its expiry date has passed. A held vacancy is left alone."""
        if self.status != AVAILABLE or self.expires_on is None or self.expires_on >= today:
            return False
        self._expired(actor=actor, reason=f"Expiry date {uk_date(self.expires_on)} passed")
        return True

    @event("Expired")
    def _expired(self, *, actor: Actor, reason: str | None) -> None:
        self.status = EXPIRED
