"""A home search (a referral): a council's request to find a home for one of its children,
described with the Placements Data Standard (v2) referral fields, and its life.

draft -> sent -> offers open -> closed to offers -> accepted -> placed
  or, before it is accepted: cancelled (no longer needed) | closed unfilled (unmet need)

Sending starts the referral: the search goes to chosen providers with an offers deadline and
is open to offers at once (the "sent" step and "offers open" are one event). Each provider it
was sent to answers with offers (one of its own open vacancies, or a place at one of its
settings where no vacancy is published; a weekly price, a start date) or a decline with a
reason from :data:`DECLINE_REASONS`. Offers are events on the search, not
aggregates of their own, so accepting one is one change to the search saved together with the
vacancy it fills and the child's placement: nothing is ever half done. Once the deadline has
passed no offer is taken, whether or not the search has been closed to offers yet.

Accepting an offer whose place is free today places the child at once (accepted, then placed,
in one save). An offer starting later is accepted and its placement *scheduled*: the search
stays accepted, keeping what the placement will need (the child's month of birth when new to
the portal, how the place is bought), and is placed on the start day by
:meth:`HomeSearch.start_placement` (the notices runner calls it), since a placement record
never starts in the future.

An officer may also ask for one vacancy's place from the board
(:meth:`HomeSearch.ask_for_place`): a draft is sent to that vacancy's provider, a search open
to offers reaches it too with the deadline it has, and the vacancy is named (``PlaceAsked``)
so the provider knows which place is asked for.

The child is only ever known by the portal's pseudonymous reference (see
:mod:`domain.child_ref`), as placements are.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain import ssda903
from domain.actor import Actor
from domain.base import PortalAggregate
from domain.errors import (
    AlreadyExists,
    DomainError,
    IllegalTransition,
    NotFound,
    PermissionDenied,
)
from domain.organisation import Setting
from domain.placement import CHILD_REF
from domain.postcode import DISTRICT
from domain.timezone import LONDON
from domain.vacancy import MAX_PLACES, MAX_WEEKLY_FEE, Vacancy
from domain.vacancy import STATUS_LABELS as VACANCY_LABELS
from domain.vocabulary import MAX_AGE, NEEDS, SETTING_TYPES, SUPPORTED_ACCOMMODATION_MIN_AGE

DRAFT = "draft"
SENT = "sent"
OFFERS_OPEN = "offers_open"
CLOSED_TO_OFFERS = "closed_to_offers"
ACCEPTED = "accepted"
PLACED = "placed"
CANCELLED = "cancelled"
CLOSED_UNFILLED = "closed_unfilled"
STATUS_LABELS = {
    DRAFT: "Draft",
    SENT: "Sent to providers",
    OFFERS_OPEN: "Offers open",
    CLOSED_TO_OFFERS: "Closed to offers",
    ACCEPTED: "Offer accepted",
    PLACED: "Placed",
    CANCELLED: "Cancelled",
    CLOSED_UNFILLED: "Closed unfilled",
}
# Every step a search may take from each state. Cancelling (the child no longer needs the
# home) and closing unfilled (nothing suitable was found: unmet need) are possible until an
# offer is accepted; from a draft too, since matching runs against the board before anything
# is sent.
TRANSITIONS: dict[str, frozenset[str]] = {
    DRAFT: frozenset({SENT, CANCELLED, CLOSED_UNFILLED}),
    SENT: frozenset({OFFERS_OPEN, CANCELLED, CLOSED_UNFILLED}),
    OFFERS_OPEN: frozenset({CLOSED_TO_OFFERS, CANCELLED, CLOSED_UNFILLED}),
    CLOSED_TO_OFFERS: frozenset({ACCEPTED, CANCELLED, CLOSED_UNFILLED}),
    ACCEPTED: frozenset({PLACED}),
    PLACED: frozenset(),
    CANCELLED: frozenset(),
    CLOSED_UNFILLED: frozenset(),
}
OPEN_STATES = frozenset({DRAFT, SENT, OFFERS_OPEN, CLOSED_TO_OFFERS, ACCEPTED})
# A provider may hold a place for a search sent to it until the council decides.
HOLDABLE = frozenset({SENT, OFFERS_OPEN, CLOSED_TO_OFFERS})
NO_SEARCH_TO_HOLD = "Choose one of the home searches sent to you"

URGENCIES = {"planned": "Planned", "emergency": "Emergency"}
# Why a search closed without a home: the unmet-need measure counts them by these reasons.
UNFILLED_REASONS = {
    "no_match": "No vacancy or setting could meet the child's needs",
    "too_far": "Nothing close enough to the child's home or school",
    "no_offers": "No provider offered a place",
    "offers_unsuitable": "The offers made were not suitable",
    "unaffordable": "The only places offered cost more than the council could pay",
    "needed_by_passed": "The date the home was needed by passed without a home",
}

# Why a provider declines a search it was sent.
DECLINE_REASONS = {
    "no_place": "No place available by the latest start date",
    "needs": "We cannot meet the child's needs",
    "matching": "The child would not match the young people already living there",
    "location": "The setting is not suitable for where the child needs to live",
    "registration": "Our registration does not cover the child's age or sex",
    "staffing": "Not enough staff to take the child safely",
    "other": "Another reason",
}
# An offer's life: made (open), then accepted or released when another is accepted.
OFFER_OPEN = "open"
OFFER_ACCEPTED = "accepted"
OFFER_RELEASED = "released"
MAX_NOTES = 1000
# What a scheduled placement keeps until its start day (see :meth:`HomeSearch.accept`): the
# child's facts, how it is bought and (out of area) the approval the regulations require before
# the start, as a plain dict.
PLACEMENT_DETAILS = ("birth_month", "uasc", "contract_route", "contract_id", "approval")

# The referral's terms, in the order the form asks for them. ``child_ref`` and the authority
# are fixed when the search is drafted.
TERMS = ("urgency", "needed_by", "latest_start", "placement_types", "age", "sex", "siblings",
         "needs", "family_district", "school_district", "stay_near_school", "areas_to_avoid",
         "legal_status")
REQUIRED = ("urgency", "needed_by", "latest_start", "placement_types", "age", "sex",
            "siblings", "legal_status")
MAX_SIBLINGS = MAX_PLACES - 1  # a vacancy offers at most MAX_PLACES places
MAX_AREAS_TO_AVOID = 20
MAX_REASON = 500

_MISSING = {
    "urgency": "Say whether the search is planned or an emergency",
    "needed_by": "Enter the date the home is needed by",
    "latest_start": "Enter the latest date the placement can start",
    "placement_types": "Choose at least one kind of placement recommended",
    "age": "Enter the child's age",
    "sex": "Choose the child's sex",
    "siblings": "Enter how many brothers or sisters are to be placed with the child (0 if none)",
    "legal_status": "Choose the child's legal status",
}


class SearchRefused(DomainError):
    """Terms that break one or more rules: every problem at once, by field."""

    def __init__(self, errors: dict[str, str]):
        field, message = next(iter(errors.items()))
        super().__init__(message, field=field)
        self.errors = dict(errors)


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def problems(terms: dict[str, Any], *, today: date | None = None,
             largest_group: int | None = None, complete: bool = True) -> dict[str, str]:
    """Every rule ``terms`` break, by field, all at once.

    ``today``: when given, the date needed by may not be before it (a new or changed date).
    ``largest_group``: the most children any setting can take (the directory's largest
    registered places), when the caller knows it. ``complete``: whether a missing required
    term is itself a problem (False when checking what a half-filled form parsed).
    """
    terms = clean_terms(terms)
    found: dict[str, str] = {}

    def given(name: str) -> bool:
        return terms.get(name) is not None

    if complete:
        for name in REQUIRED:
            if not given(name) or (name == "placement_types" and not terms[name]):
                found[name] = _MISSING[name]
    if given("urgency") and terms["urgency"] not in URGENCIES:
        found["urgency"] = "Say whether the search is planned or an emergency"
    if given("needed_by"):
        if not isinstance(terms["needed_by"], date):
            found["needed_by"] = "Enter the date the home is needed by"
        elif today is not None and terms["needed_by"] < today:
            found["needed_by"] = "The date the home is needed by cannot be in the past"
    if given("latest_start") and given("needed_by") and "needed_by" not in found \
            and terms["latest_start"] < terms["needed_by"]:
        found["latest_start"] = ("The latest start must not be before the date the home is "
                                 f"needed by ({_long(terms['needed_by'])})")
    if given("placement_types"):
        unknown = [t for t in terms["placement_types"] if t not in SETTING_TYPES]
        if unknown:
            found["placement_types"] = f"Unknown kinds of placement: {', '.join(unknown)}"
    if given("age") and (not isinstance(terms["age"], int) or not 0 <= terms["age"] <= MAX_AGE):
        found["age"] = f"The child's age must be between 0 and {MAX_AGE}"
    elif given("age") and "supported_accommodation" in (terms.get("placement_types") or ()) \
            and terms["age"] < SUPPORTED_ACCOMMODATION_MIN_AGE:
        # Placing a child under 16 in supported accommodation is unlawful (since 2021).
        found.setdefault("placement_types", "Supported accommodation is only for young people "
                         f"aged {SUPPORTED_ACCOMMODATION_MIN_AGE} or over")
    if given("sex") and terms["sex"] not in ssda903.SEXES:
        found["sex"] = "Choose the child's sex as recorded in SSDA903 (1 male, 2 female)"
    if given("siblings"):
        siblings = terms["siblings"]
        if not isinstance(siblings, int) or not 0 <= siblings <= MAX_SIBLINGS:
            found["siblings"] = (f"Brothers and sisters to place together must be between 0 and "
                                 f"{MAX_SIBLINGS} (a vacancy offers at most {MAX_PLACES} "
                                 "places)")
        elif largest_group is not None and siblings + 1 > largest_group:
            found["siblings"] = (f"No setting in the directory has {siblings + 1} registered "
                                 f"places: the largest has {largest_group}")
    if given("needs"):
        unknown = [n for n in terms["needs"] if n not in NEEDS]
        if unknown:
            found["needs"] = f"Unknown needs: {', '.join(unknown)}"
    for name, what in (("family_district", "family's"), ("school_district", "school's")):
        if given(name) and not DISTRICT.match(terms[name]):
            found[name] = f"Enter the {what} postcode district, like ME14"
    if terms.get("stay_near_school") and not given("school_district") \
            and "school_district" not in found:
        found["school_district"] = ("Enter the school's postcode district: the child must stay "
                                    "near their school")
    if given("areas_to_avoid"):
        areas = terms["areas_to_avoid"]
        bad = [a for a in areas if not DISTRICT.match(a)]
        if bad:
            found["areas_to_avoid"] = (f"These are not postcode districts: {', '.join(bad)} "
                                       "(enter districts like ME14, separated by commas)")
        elif len(areas) > MAX_AREAS_TO_AVOID:
            found["areas_to_avoid"] = (f"Name at most {MAX_AREAS_TO_AVOID} postcode districts "
                                       "to avoid")
    if given("legal_status") and terms["legal_status"] not in ssda903.LEGAL_STATUSES:
        found["legal_status"] = "Choose the child's legal status from the list"
    return found


def clean_terms(terms: dict[str, Any]) -> dict[str, Any]:
    """Lists sorted and deduplicated, districts in capitals, so equal terms compare equal."""
    cleaned = dict(terms)
    for name in ("placement_types", "needs", "areas_to_avoid"):
        if cleaned.get(name) is not None:
            cleaned[name] = sorted({str(v).strip().upper() if name == "areas_to_avoid"
                                    else str(v) for v in cleaned[name]})
    for name in ("family_district", "school_district"):
        value = cleaned.get(name)
        if value is not None:
            cleaned[name] = value.strip().upper() or None
    cleaned["stay_near_school"] = bool(cleaned.get("stay_near_school"))
    return cleaned


def _check(terms: dict[str, Any], **context: Any) -> None:
    found = problems(terms, **context)
    if found:
        raise SearchRefused(found)


def _reason(reason: str | None, what: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise DomainError(what, field="reason")
    if len(text) > MAX_REASON:
        raise DomainError(f"The reason must be {MAX_REASON} characters or fewer",
                          field="reason")
    return text


class HomeSearch(PortalAggregate):
    """One child's search for a home, by the placing authority."""

    id: UUID  # given by the caller: random, or derived from a natural key (demo loader)

    @event("Drafted")
    def __init__(self, *, authority_id: UUID, child_ref: str, urgency: str, needed_by: date,
                 latest_start: date, placement_types: list[str], age: int, sex: str,
                 siblings: int, needs: list[str], family_district: str | None,
                 school_district: str | None, stay_near_school: bool,
                 areas_to_avoid: list[str], legal_status: str, actor: Actor,
                 reason: str | None) -> None:
        self.authority_id = authority_id
        self.child_ref = child_ref
        self.urgency = urgency
        self.needed_by = needed_by
        self.latest_start = latest_start
        self.placement_types = list(placement_types)
        self.age = age
        self.sex = sex
        self.siblings = siblings
        self.needs = list(needs)
        self.family_district = family_district
        self.school_district = school_district
        self.stay_near_school = stay_near_school
        self.areas_to_avoid = list(areas_to_avoid)
        self.legal_status = legal_status
        self.status = DRAFT
        self.unfilled_reason: str | None = None
        self.sent_to: list[UUID] = []
        self.offers_close_at: datetime | None = None
        self.offers: dict[UUID, dict[str, Any]] = {}
        self.declines: dict[UUID, str] = {}
        self.accepted_offer: UUID | None = None
        self.placement_ref: str | None = None
        # Vacancies the officer asked their providers for from the board: vacancy -> provider.
        self.asked_places: dict[UUID, UUID] = {}
        self.starts_on: date | None = None  # the accepted offer's start, once scheduled
        self.pending_placement: dict[str, Any] | None = None

    @classmethod
    def draft(cls, *, authority_id: UUID, child_ref: str, terms: dict[str, Any], today: date,
              actor: Actor, largest_group: int | None = None, id: UUID | None = None,
              reason: str | None = None) -> HomeSearch:
        unknown = set(terms) - set(TERMS)
        if unknown:
            raise DomainError(f"Unknown home search details: {', '.join(sorted(unknown))}")
        terms = clean_terms({"needs": [], "family_district": None, "school_district": None,
                             "stay_near_school": False, "areas_to_avoid": [], **terms})
        found = problems(terms, today=today, largest_group=largest_group)
        if not isinstance(child_ref, str) or not CHILD_REF.match(child_ref):
            found = {"child_ref": "The child reference is not a portal reference", **found}
        if found:
            raise SearchRefused(found)
        return cls(id=id or uuid4(), authority_id=authority_id, child_ref=child_ref,
                   actor=actor, reason=reason, **terms)

    # --- reading ------------------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    @property
    def places_needed(self) -> int:
        return 1 + self.siblings

    def terms(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in TERMS}

    def _check_may_become(self, status: str, doing: str) -> None:
        if status not in TRANSITIONS[self.status]:
            raise IllegalTransition(
                f"This home search is {STATUS_LABELS[self.status].lower()}, so it cannot be "
                f"{doing}")

    # --- commands -----------------------------------------------------------------------------

    def edit(self, *, changes: dict[str, Any], today: date, actor: Actor,
             largest_group: int | None = None, reason: str | None = None) -> bool:
        """Change a draft's terms. Returns False when nothing actually changed."""
        if self.status != DRAFT:
            raise IllegalTransition(
                f"This home search is {STATUS_LABELS[self.status].lower()}: only a draft can be "
                "changed")
        unknown = set(changes) - set(TERMS)
        if unknown:
            raise DomainError(f"These cannot be changed: {', '.join(sorted(unknown))}")
        merged = clean_terms({**self.terms(), **changes})
        changed = {k: merged[k] for k in changes if merged[k] != getattr(self, k)}
        # A date needed by that is changed may not be in the past; one kept as it was may now
        # be, and the draft can still be corrected otherwise.
        _check(merged, today=today if "needed_by" in changed else None,
               largest_group=largest_group if "siblings" in changed else None)
        if not changed:
            return False
        self._edited(changes=changed, actor=actor, reason=reason)
        return True

    @event("Edited")
    def _edited(self, *, changes: dict[str, Any], actor: Actor, reason: str | None) -> None:
        for key, value in changes.items():
            setattr(self, key, value)

    def cancel(self, *, actor: Actor, reason: str | None) -> None:
        """The child no longer needs this home (not unmet need: use close_unfilled for that)."""
        self._check_may_become(CANCELLED, "cancelled")
        self._cancelled(actor=actor, reason=_reason(reason, "Say why the search is cancelled"))

    @event("Cancelled")
    def _cancelled(self, *, actor: Actor, reason: str | None) -> None:
        self.status = CANCELLED

    def close_unfilled(self, *, unfilled_reason: str, actor: Actor,
                       reason: str | None = None) -> None:
        """No home was found: the search is closed as unmet need, with a reason from
        :data:`UNFILLED_REASONS` and, optionally, the officer's own words."""
        self._check_may_become(CLOSED_UNFILLED, "closed")
        if unfilled_reason not in UNFILLED_REASONS:
            raise DomainError("Choose why no home was found", field="unfilled_reason")
        note = (reason or "").strip() or None
        if note is not None and len(note) > MAX_REASON:
            raise DomainError(f"The reason must be {MAX_REASON} characters or fewer",
                              field="reason")
        self._closed_unfilled(unfilled_reason=unfilled_reason, actor=actor, reason=note)

    @event("ClosedUnfilled")
    def _closed_unfilled(self, *, unfilled_reason: str, actor: Actor,
                         reason: str | None) -> None:
        self.status = CLOSED_UNFILLED
        self.unfilled_reason = unfilled_reason


    # --- the referral: sending, offers, declines ---------------------------------------------

    def was_sent_to(self, provider_id: UUID | None) -> bool:
        return provider_id in self.sent_to

    def taking_offers(self, now: datetime) -> bool:
        """Open to offers: sent, and its deadline still to come (the clock closes it, whether
        or not :meth:`close_to_offers` has been called)."""
        return (self.status == OFFERS_OPEN and self.offers_close_at is not None
                and now < self.offers_close_at)

    def _deadline(self) -> str:
        return f"{self.offers_close_at.astimezone(LONDON):%H:%M on %d %B %Y}"

    def send(self, *, provider_ids: list[UUID], offers_close_at: datetime, now: datetime,
             actor: Actor, reason: str | None = None) -> None:
        """Send the draft to providers, open to offers until ``offers_close_at``."""
        self._check_may_become(SENT, "sent")
        providers = sorted(set(provider_ids), key=str)
        if not providers:
            raise DomainError("Choose at least one provider to send the search to",
                              field="provider_ids")
        if not isinstance(offers_close_at, datetime) or offers_close_at <= now:
            raise DomainError("The offers deadline must be in the future",
                              field="offers_close_at")
        self._sent(provider_ids=providers, offers_close_at=offers_close_at, actor=actor,
                   reason=reason)

    @event("Sent")
    def _sent(self, *, provider_ids: list[UUID], offers_close_at: datetime, actor: Actor,
              reason: str | None) -> None:
        self.sent_to = list(provider_ids)
        self.offers_close_at = offers_close_at
        self.status = OFFERS_OPEN

    def ask_for_place(self, *, vacancy: Vacancy, now: datetime, actor: Actor,
                      offers_close_at: datetime | None = None, reason: str | None = None
                      ) -> None:
        """Ask the provider of a vacancy on the board for its place: a draft is sent to that
        provider (open to offers until ``offers_close_at``); a search open to offers reaches
        that provider too, with the deadline it has. Either way the vacancy is named, so the
        provider knows which place is asked for."""
        if vacancy.id in self.asked_places:
            raise DomainError("You have already asked for this place for this home search",
                              field="search_id")
        if not vacancy.is_open:
            raise DomainError(f"This vacancy is {VACANCY_LABELS[vacancy.status].lower()}, so "
                              "its place cannot be asked for", field="search_id")
        if vacancy.setting_type not in self.placement_types:
            raise DomainError("This vacancy is not a kind of placement the search asks for",
                              field="search_id")
        if vacancy.places < self.places_needed:
            raise DomainError(f"The search needs {self.places_needed} places together: this "
                              f"vacancy offers {vacancy.places}", field="search_id")
        provider_id = vacancy.provider_id
        if self.status == DRAFT:
            if offers_close_at is None:
                raise DomainError("Enter the date offers close", field="offers_close_on")
            self.send(provider_ids=[provider_id], offers_close_at=offers_close_at, now=now,
                      actor=actor, reason=reason)
        elif not self.taking_offers(now):
            raise IllegalTransition(
                "This home search takes no more offers, so no place can be asked for it"
                if self.status == OFFERS_OPEN else
                f"This home search is {STATUS_LABELS[self.status].lower()}, so no place can "
                "be asked for it")
        elif provider_id in self.declines:
            raise IllegalTransition("This provider has declined this home search",
                                    field="search_id")
        self._place_asked(vacancy_id=vacancy.id, provider_id=provider_id,
                          setting_id=vacancy.setting_id, actor=actor, reason=reason)

    @event("PlaceAsked")
    def _place_asked(self, *, vacancy_id: UUID, provider_id: UUID, setting_id: UUID,
                     actor: Actor, reason: str | None) -> None:
        self.asked_places[vacancy_id] = provider_id
        if provider_id not in self.sent_to:
            self.sent_to = sorted([*self.sent_to, provider_id], key=str)

    def _check_answering(self, provider_id: UUID, now: datetime) -> None:
        if not self.was_sent_to(provider_id):
            raise PermissionDenied("This home search was not sent to your organisation")
        if self.status == OFFERS_OPEN and not self.taking_offers(now):
            raise IllegalTransition(f"Offers for this home search closed at {self._deadline()}")
        if self.status != OFFERS_OPEN:
            raise IllegalTransition(f"This home search is {STATUS_LABELS[self.status].lower()}"
                                    ", so it takes no offers")
        if provider_id in self.declines:
            raise IllegalTransition("Your organisation has declined this home search")

    def make_offer(self, *, offer_id: UUID, vacancy: Vacancy, weekly_price: int,
                   start_on: date, notes: str, now: datetime, actor: Actor) -> None:
        """A provider offers one of its own open vacancies."""
        self._check_new_offer(offer_id)
        provider_id = vacancy.provider_id
        if actor.user_id is not None and actor.organisation_id != provider_id:
            raise PermissionDenied("You can only offer your own organisation's vacancies")
        self._check_answering(provider_id, now)
        if not vacancy.is_open:
            raise DomainError(f"This vacancy is {VACANCY_LABELS[vacancy.status].lower()}, so "
                              "it cannot be offered", field="vacancy_id")
        self._check_place(vacancy.setting_type, vacancy.places, "vacancy", "vacancy_id")
        if any(o["vacancy_id"] == vacancy.id for o in self.offers.values()):
            raise DomainError("This vacancy has already been offered for this search",
                              field="vacancy_id")
        notes = self._check_offer_terms(weekly_price, start_on, notes, now)
        self._offer_made(offer=dict(
            id=offer_id, provider_id=provider_id, vacancy_id=vacancy.id,
            setting_id=vacancy.setting_id, setting_type=vacancy.setting_type,
            weekly_price=weekly_price, start_on=start_on, notes=notes,
            made_at=now), actor=actor, reason=None)

    def offer_setting(self, *, offer_id: UUID, provider_id: UUID, setting: Setting,
                      weekly_price: int, start_on: date, notes: str, now: datetime,
                      actor: Actor) -> None:
        """A provider offers a place at one of its settings where no vacancy is published
        (``setting`` must be the provider's own: the caller reads it from the provider). No
        vacancy is filled when it is accepted."""
        self._check_new_offer(offer_id)
        if actor.user_id is not None and actor.organisation_id != provider_id:
            raise PermissionDenied("You can only offer your own organisation's settings")
        self._check_answering(provider_id, now)
        self._check_place(setting.setting_type, setting.registered_places, "setting",
                          "setting_id")
        if any(o["vacancy_id"] is None and o["setting_id"] == setting.id
               for o in self.offers.values()):
            raise DomainError("This setting has already been offered for this search",
                              field="setting_id")
        notes = self._check_offer_terms(weekly_price, start_on, notes, now)
        self._offer_made(offer=dict(
            id=offer_id, provider_id=provider_id, vacancy_id=None, setting_id=setting.id,
            setting_type=setting.setting_type, weekly_price=weekly_price, start_on=start_on,
            notes=notes, made_at=now), actor=actor, reason=None)

    def _check_new_offer(self, offer_id: UUID) -> None:
        """An offer's id is new on the search: a request that sends the id of one already made
        (a retried request, whose id comes from its idempotency key) makes no second offer."""
        if offer_id in self.offers:
            raise AlreadyExists("This offer has already been made")

    def _check_place(self, setting_type: str, places: int, what: str, field: str) -> None:
        if setting_type not in self.placement_types:
            raise DomainError(f"This {what} is not a kind of placement the search asks for",
                              field=field)
        if places < self.places_needed:
            raise DomainError(f"The search needs {self.places_needed} places together: this "
                              f"{what} offers {places}", field=field)

    def _check_offer_terms(self, weekly_price: int, start_on: date, notes: str,
                           now: datetime) -> str:
        """The price, start date and notes of an offer, all problems at once; the notes
        trimmed."""
        found = {}
        if not isinstance(weekly_price, int) or not 0 < weekly_price <= MAX_WEEKLY_FEE:
            found["weekly_price"] = f"The weekly price must be between £1 and £{MAX_WEEKLY_FEE:,}"
        if not isinstance(start_on, date) or start_on < now.astimezone(LONDON).date():
            found["start_on"] = "The start date cannot be in the past"
        elif start_on > self.latest_start:
            found["start_on"] = ("The start date must be no later than the latest start "
                                 f"({_long(self.latest_start)})")
        notes = (notes or "").strip()
        if len(notes) > MAX_NOTES:
            found["notes"] = f"Notes must be {MAX_NOTES} characters or fewer"
        if found:
            raise SearchRefused(found)
        return notes

    @event("OfferMade")
    def _offer_made(self, *, offer: dict[str, Any], actor: Actor, reason: str | None) -> None:
        self.offers[offer["id"]] = {**offer, "status": OFFER_OPEN}

    def decline(self, *, provider_id: UUID, decline_reason: str, now: datetime,
                actor: Actor, reason: str | None = None) -> None:
        """A provider says it will not offer, with a reason from :data:`DECLINE_REASONS`."""
        if actor.user_id is not None and actor.organisation_id != provider_id:
            raise PermissionDenied("You can only answer for your own organisation")
        self._check_answering(provider_id, now)
        if any(o["provider_id"] == provider_id for o in self.offers.values()):
            raise IllegalTransition("Your organisation has already offered a place")
        if decline_reason not in DECLINE_REASONS:
            raise DomainError("Choose why you cannot offer a place", field="decline_reason")
        note = (reason or "").strip() or None
        if note is not None and len(note) > MAX_REASON:
            raise DomainError(f"The reason must be {MAX_REASON} characters or fewer",
                              field="reason")
        self._declined(provider_id=provider_id, decline_reason=decline_reason, actor=actor,
                       reason=note)

    @event("Declined")
    def _declined(self, *, provider_id: UUID, decline_reason: str, actor: Actor,
                  reason: str | None) -> None:
        self.declines[provider_id] = decline_reason

    def close_to_offers(self, *, now: datetime, actor: Actor, reason: str | None = None
                        ) -> bool:
        """Close the offers window: the system once the deadline has passed, or the officer
        early. Returns False when it is already closed (nothing to do)."""
        if self.status != OFFERS_OPEN:
            if self.status == CLOSED_TO_OFFERS:
                return False
            self._check_may_become(CLOSED_TO_OFFERS, "closed to offers")
        if actor.user_id is None and self.taking_offers(now):
            return False  # the system closes only when the deadline has passed
        self._closed_to_offers(actor=actor, reason=reason)
        return True

    @event("ClosedToOffers")
    def _closed_to_offers(self, *, actor: Actor, reason: str | None) -> None:
        self.status = CLOSED_TO_OFFERS

    # --- the decision -------------------------------------------------------------------------

    def accept(self, *, offer_id: UUID, placement_ref: str, now: datetime, actor: Actor,
               reason: str | None = None, placement: dict[str, Any] | None = None) -> bool:
        """Accept one offer, releasing the others. When its place is free today the search is
        placed at once; when it starts later the placement is scheduled for its start day,
        keeping ``placement`` (:data:`PLACEMENT_DETAILS`) until then, and the search stays
        accepted. Returns False when this very offer was accepted already (a retry)."""
        if self.accepted_offer == offer_id:
            return False
        if self.accepted_offer is not None:
            raise IllegalTransition("Another offer has already been accepted for this search")
        offer = self.offers.get(offer_id)
        if offer is None:
            raise NotFound("There is no such offer")
        if self.taking_offers(now):
            raise IllegalTransition(f"Offers are open until {self._deadline()}: close the "
                                    "search to offers before accepting one")
        if self.status == OFFERS_OPEN:
            self._closed_to_offers(actor=Actor.system(), reason="The offers deadline passed")
        self._check_may_become(ACCEPTED, "accepted")
        details = {name: (placement or {}).get(name) for name in PLACEMENT_DETAILS}
        released = [i for i, o in self.offers.items() if i != offer_id
                    and o["status"] == OFFER_OPEN]
        self._accepted(offer_id=offer_id, released=released, actor=actor, reason=reason)
        if offer["start_on"] > now.astimezone(LONDON).date():
            self._placement_scheduled(starts_on=offer["start_on"], placement_ref=placement_ref,
                                      placement=details, actor=actor, reason=None)
        else:
            self._placed(placement_ref=placement_ref, actor=actor, reason=None)
        return True

    def start_placement(self, *, today: date, actor: Actor) -> bool:
        """The start day of a scheduled placement has come: the search is placed. Returns
        False when it is placed already (nothing to do)."""
        if self.status == PLACED:
            return False
        if self.status != ACCEPTED or self.starts_on is None:
            raise IllegalTransition(f"This home search is {STATUS_LABELS[self.status].lower()}"
                                    ": it has no placement waiting to start")
        if today < self.starts_on:
            raise IllegalTransition(f"The placement starts on {_long(self.starts_on)}")
        self._placed(placement_ref=self.placement_ref, actor=actor, reason=None)
        return True

    @event("OfferAccepted")
    def _accepted(self, *, offer_id: UUID, released: list[UUID], actor: Actor,
                  reason: str | None) -> None:
        self.status = ACCEPTED
        self.accepted_offer = offer_id
        self.offers[offer_id] = {**self.offers[offer_id], "status": OFFER_ACCEPTED}
        for other in released:
            self.offers[other] = {**self.offers[other], "status": OFFER_RELEASED}

    @event("PlacementScheduled")
    def _placement_scheduled(self, *, starts_on: date, placement_ref: str,
                             placement: dict[str, Any], actor: Actor,
                             reason: str | None) -> None:
        self.starts_on = starts_on
        self.placement_ref = placement_ref
        self.pending_placement = dict(placement)

    @event("Placed")
    def _placed(self, *, placement_ref: str, actor: Actor, reason: str | None) -> None:
        self.status = PLACED
        self.placement_ref = placement_ref
