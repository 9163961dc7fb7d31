"""The audit index: one row per stored event, so an auditor can filter and page the whole
history by organisation, person, kind of record, kind of event and date.

Each row says who did what to which record, when and why, with a short plain-English summary.
The index is append-only and runs over millions of events: rows are collected per batch and
inserted together, and the organisation a record belongs to (named only by its first event) is
remembered, or looked up once per batch, for the events that follow.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date
from operator import attrgetter
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.domain import AggregateCreated

from domain import ssda903
from domain.development import DEVELOPMENT_TYPES
from domain.fostering import FIELDS as FOSTERING_FIELDS
from domain.fostering import month_label, total
from domain.home_search import DECLINE_REASONS, UNFILLED_REASONS, URGENCIES
from domain.in_house import STAGES
from domain.ofsted import JUDGEMENTS, REGISTRATION_STATUSES
from domain.organisation import TARGETS
from domain.out_of_area import APPROVER_ROLES
from domain.tender_terms import ROUTES
from domain.timezone import LONDON, uk_date, uk_moment
from domain.vocabulary import (
    CONTRACT_ROUTES,
    NEEDS,
    PROVIDER_KINDS,
    ROLES,
    SETTING_TYPES,
)
from domain.words import counted
from projections.base import Projection
from projections.bulk import TableWriter
from projections.database import metadata, row_id

audit_events = sa.Table(
    "audit_events",
    metadata,
    # SQLite's row id there (projections.database.row_id): one B-tree fewer per event.
    sa.Column("position", row_id(), primary_key=True, autoincrement=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("record_id", sa.Uuid, nullable=False),
    sa.Column("record_version", sa.Integer, nullable=False),
    sa.Column("record_type", sa.String(64), nullable=False),
    sa.Column("event_type", sa.String(64), nullable=False),
    sa.Column("actor_user_id", sa.Uuid),  # None: the system itself
    sa.Column("actor_organisation_id", sa.Uuid),
    sa.Column("reason", sa.Text),
    sa.Column("organisation_id", sa.Uuid),  # the organisation the record belongs to
    sa.Column("summary", sa.Text, nullable=False),
    # Each filter ends with the position, so a filtered page is read newest first off an index.
    sa.Index("ix_audit_events_record", "record_id", "record_version"),
    sa.Index("ix_audit_events_organisation", "organisation_id", "position"),
    sa.Index("ix_audit_events_actor", "actor_user_id", "position"),
    sa.Index("ix_audit_events_record_type", "record_type", "event_type", "position"),
    sa.Index("ix_audit_events_event_type", "event_type", "position"),
)


def _itself(event: Any) -> UUID:
    return event.originator_id


# The organisation each kind of record belongs to, read from the record's first event. A new
# aggregate adds its line here (and its sentences to SUMMARIES below).
OWNERS: dict[str, Callable[[Any], UUID | None]] = {
    "Authority": _itself,
    "Provider": _itself,
    "PlatformOrganisation": _itself,
    "Account": attrgetter("organisation_id"),
    "Vacancy": attrgetter("provider_id"),
    "Placement": attrgetter("authority_id"),
    "HomeSearch": attrgetter("authority_id"),
    "Contract": attrgetter("authority_id"),
    "DataImport": attrgetter("authority_id"),
    "Tender": attrgetter("lead_authority_id"),
    "Bid": attrgetter("provider_id"),
    "EngagementResponse": attrgetter("provider_id"),
    # Reference data belongs to the platform: the administrator's own (platform) organisation,
    # or nobody when the system loaded it from the command line.
    "DistrictUpload": attrgetter("actor.organisation_id"),
    "AdjacencyRegister": attrgetter("actor.organisation_id"),
    # A placement out of area belongs to the placing authority (the host reads only notices).
    "OutOfAreaPlacement": attrgetter("placing_authority_id"),
    # Ofsted's register is public reference data imported by the platform, like districts.
    "OfstedRegistration": attrgetter("actor.organisation_id"),
    # A tender's documents, their downloads and its deadline reminders belong to its lead.
    "TenderDocument": attrgetter("authority_id"),
    "DocumentDownload": attrgetter("authority_id"),
    "DeadlineReminder": attrgetter("authority_id"),
    "IdentityProvider": attrgetter("organisation_id"),
    # An officer's saved search of the vacancy board belongs to the officer's authority.
    "BoardSearch": attrgetter("authority_id"),
    # An authority's in-house fostering service and its monthly returns.
    "FosteringService": attrgetter("authority_id"),
    # A scheme of places in development belongs to the authority developing it.
    "Development": attrgetter("authority_id"),
    # An organisation's API client (its key's record, never the key) belongs to it.
    "ApiClient": attrgetter("organisation_id"),
    # An API client's webhook subscription belongs to the client's organisation.
    "WebhookSubscription": attrgetter("organisation_id"),
}


def humanise(name: str) -> str:
    """``RoleGranted`` -> ``Role granted``; ``PlatformOrganisation`` likewise."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).capitalize()


RECORD_TYPES: dict[str, str] = {name: humanise(name) for name in OWNERS} | {
    "ApiClient": "API client", "WebhookSubscription": "Webhook subscription"}

FIELD_LABELS: dict[str, str] = {
    "provider_id": "Provider", "setting_id": "Setting", "setting_type": "Setting type",
    "host_authority_id": "Host authority", "postcode_district": "Postcode district",
    "age_from": "Youngest age", "age_to": "Oldest age", "needs_met": "Needs it can meet",
    "weekly_fee": "Weekly fee", "available_from": "Available from", "expires_on": "Expiry date",
    "description": "Description", "places": "Places", "la_code": "DfE LA code",
    "ons_code": "ONS code", "name": "Name", "population_0_17": "Population aged 0 to 17",
    "partnerships": "Partnerships", "key_decision_threshold": "Key-decision threshold",
    "kind": "Kind of provider", "ofsted_urn": "Ofsted URN",
    "registered_places": "Registered places", "email": "Email address",
    "display_name": "Name", "organisation_id": "Organisation", "roles": "Roles", "role": "Role",
    "home_search_ref": "Home search", "placement_ref": "Placement",
    "home_search_id": "Home search",
    "start": "Start date", "end": "End date", "rne": "Reason for new episode",
    "legal_status": "Legal status", "cin": "Category of need", "place": "Placement type",
    "place_provider": "Placement provider", "urn": "Ofsted URN",
    "home_postcode": "Home postcode", "placement_postcode": "Placement postcode",
    "placement_authority_id": "Placement authority",
    "reason_place_change": "Reason for placement change", "rec": "Reason episode ended",
    "weekly_cost": "Weekly cost", "contract_route": "Contract route",
    "contract_id": "Contract", "birth_month": "Month of birth", "sex": "Sex",
    "uasc": "Unaccompanied asylum-seeking child", "weekly_price": "Weekly price",
    "title": "Title",
    "urgency": "Urgency", "needed_by": "Date needed by", "latest_start": "Latest start",
    "placement_types": "Placements recommended", "age": "Age", "siblings": "Siblings",
    "needs": "Needs and risks", "family_district": "Family's district",
    "school_district": "School's district", "stay_near_school": "Must stay near school",
    "areas_to_avoid": "Areas to avoid",
    "starts_on": "Placement starts on", "placement": "Placement to start (child's facts, "
    "how it is bought and its approval)",
    # Out-of-area placements and the authorities that adjoin.
    "approval": "Approval", "at_distance": "At a distance (not an adjoining authority)",
    "host_notified_at": "Host authority notified", "notified_at": "Host authority notified",
    "placing_authority_id": "Placing authority", "pairs": "Adjoining authorities",
    # Imports and reference data.
    "accepted": "Rows accepted", "rejected": "Rows rejected", "rows": "Rows",
    "children_changed": "Children whose records changed", "file_name": "File name",
    "file_sha256": "File fingerprint (SHA-256)", "header_sha256": "Header fingerprint (SHA-256)",
    "sha256": "Fingerprint (SHA-256)", "size": "Size in bytes",
    "document_id": "Document", "document_type": "Kind of document",
    # Accounts and single sign-on.
    "allowed_domains": "Email domains allowed", "client_id": "Client ID",
    "client_secret_ref": "Where the client secret is kept", "discovery_url": "Discovery URL",
    "issuer": "Identity provider", "subject": "Identity at the provider",
    "method": "Second factor", "remaining": "Recovery codes left",
    "expires_at": "Invitation expires", "key_expires_at": "Key expires",
    "url": "Delivery address", "event_types": "Events delivered",
    "from_position": "Delivered again from position",
    # Placements and contracts.
    "authority_id": "Authority", "child_ref": "Child reference", "episode": "Placement",
    "episode_number": "Episode", "episodes": "Episodes", "on": "Date",
    "recorded_on": "Recorded on",
    "route": "Route", "targets": "Targets", "changes": "Changes",
    # Home searches and offers.
    "decline_reason": "Why no place was offered", "unfilled_reason": "Why no home was found",
    "offer": "Offer", "offer_id": "Offer accepted", "released": "Offers released",
    "offers_close_at": "Offers close", "provider_ids": "Providers sent to",
    "vacancy_id": "Vacancy asked for",
    # The vacancy board: a provider's named contact and an officer's saved searches.
    "contact_name": "Contact's name", "contact_phone": "Contact's telephone",
    "contact_email": "Contact's email address", "account_id": "Saved by",
    "available_by": "Available by", "max_weekly_fee": "Highest weekly fee",
    "quality": "Ofsted judgement",
    # The council's own homes and its places in development.
    "owner_authority_id": "Run by the authority", "stage": "Stage",
    "development_type": "Kind of scheme", "expected_opening": "Expected opening date",
    "confidence": "Confidence in the date",
    # Tenders, bids and reminders.
    "tender_id": "Tender", "lead_authority_id": "Lead authority", "partnership": "Partnership",
    "partners": "Partner authorities", "eligible_providers": "Providers who may bid",
    "estimated_annual_value": "Estimated annual value",
    "estimated_total_value": "Estimated total value", "term_months": "Term in months",
    "lots": "Lots", "lot_id": "Lot", "timetable": "Timetable", "questions": "Questions",
    "quality_questions": "Quality questions", "quality_weight": "Quality weight",
    "price_weight": "Price weight", "evaluators": "Evaluators", "evaluator": "Evaluator",
    "moderator": "Moderator", "scores": "Scores", "bid_id": "Bid", "bids": "Bids",
    "answers": "Answers", "sealed": "Sealed bid", "awards": "Awards",
    "standstill_ends": "Standstill ends", "reference": "Key decision reference",
    "taken_on": "Key decision taken on", "clarification_id": "Clarification question",
    "question": "Question", "answer": "Answer", "published": "Published to every bidder",
    "published_question": "Question as published", "deadline": "Deadline",
    "deadline_name": "Which deadline",
    **{name: label for name, (label, _limits) in TARGETS.items()},
    "provider_type": "Provider type", "provider_subtype": "Provider subtype",
    "setting_name": "Setting name", "local_authority": "Local authority",
    "owner": "Organisation which owns the provider",
    "inspection_date": "Inspection date", "judgement": "Overall judgement",
    "publication_date": "Report published", "registration_date": "Registration date",
    "status": "Registration status",
    # In-house fostering returns.
    "month": "Month", "figures": "Figures of the return",
    **FOSTERING_FIELDS,
}
MONEY_FIELDS = frozenset({"weekly_fee", "key_decision_threshold", "weekly_cost",
                          "weekly_price", "estimated_annual_value", "estimated_total_value"})


def _coded(codes: dict[str, ssda903.Code]) -> dict[str, str]:
    """SSDA903 codes as an auditor reads them: the plain words, then the code the return
    uses ("Started to be looked after (S)")."""
    return {code: f"{entry.label} ({code})" for code, entry in codes.items()}


# Coded values by the field that holds them, in plain English.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "setting_type": SETTING_TYPES, "placement_types": SETTING_TYPES, "kind": PROVIDER_KINDS,
    "role": ROLES, "roles": ROLES, "needs_met": NEEDS, "needs": NEEDS,
    "contract_route": CONTRACT_ROUTES, "urgency": URGENCIES,
    "decline_reason": DECLINE_REASONS, "unfilled_reason": UNFILLED_REASONS,
    "rne": _coded(ssda903.NEW_EPISODE_REASONS), "legal_status": _coded(ssda903.LEGAL_STATUSES),
    "cin": _coded(ssda903.CATEGORIES_OF_NEED), "place": _coded(ssda903.PLACEMENT_TYPES),
    "place_provider": _coded(ssda903.PLACEMENT_PROVIDERS),
    "rec": _coded(ssda903.EPISODE_END_REASONS),
    "reason_place_change": _coded(ssda903.PLACEMENT_CHANGE_REASONS),
    "sex": {code: f"{label} ({code})" for code, label in ssda903.SEXES.items()},
}


def value_label(field: str, value: str) -> str:
    return VALUE_LABELS.get(field, {}).get(value, value)


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name) or humanise(name.replace("_", " "))


def _in_sentence(label: str) -> str:
    """A label inside a sentence: lower case, except acronyms and proper names."""
    first = label.split()[0]
    return label if first.isupper() or first == "Ofsted" else label[0].lower() + label[1:]


def _money(value: int) -> str:
    return f"£{value:,}"


def _short(field: str, value: Any) -> str | None:
    """A value short enough for a one-line summary, or None to name only the field."""
    if field in MONEY_FIELDS and isinstance(value, int):
        return _money(value)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str) and value in VALUE_LABELS.get(field, {}):
        return VALUE_LABELS[field][value]  # a code in plain English
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    if isinstance(value, str) and 0 < len(value) <= 40:
        return value
    return None


def _changes(subject: str, changes: dict) -> str:
    parts = []
    for field, value in changes.items():
        label = _in_sentence(field_label(field))
        short = _short(field, value)
        parts.append(f"{label} to {short}" if short else label)
    return f"Changed {subject}: {'; '.join(parts)}" if parts else f"Changed {subject}"


def _a(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def _published(e: Any) -> str:
    kind = _in_sentence(SETTING_TYPES.get(e.setting_type, "vacancy").split(" (")[0])
    places = getattr(e, "places", 1)
    where = f" for {counted(places, 'place')}" if places and places > 1 else ""
    return f"Published {_a(kind)} vacancy{where} at {_money(e.weekly_fee)} a week"


def _role(e: Any) -> str:
    return ROLES.get(e.role, e.role)


def _roles(e: Any) -> str:
    return ", ".join(ROLES.get(r, r) for r in e.roles)


def _episode(e: Any) -> str:
    """A new episode in a sentence: its placement type code, and cost when known."""
    episode = e.episode
    cost = episode.get("weekly_cost")
    place = ssda903.PLACEMENT_TYPES.get(episode["place"])
    kind = f"{_in_sentence(place.label)} ({episode['place']})" if place else episode["place"]
    return f"placement type {kind}" + (
        f" at {_money(cost)} a week" if cost is not None else "")


def _corrected(e: Any) -> str:
    subject = ("a child's details" if e.episode_number is None
               else f"episode {e.episode_number} of a child's placements")
    return "Corrected" + _changes(subject, e.changes)[len("Changed"):]


def _contract(e: Any) -> str:
    places = f", {counted(e.places, 'place')}" if e.places else ""
    return (f"Recorded the {e.route} contract {e.title}{places} at "
            f"{_money(e.weekly_price)} a week, {e.start.day} {e.start:%B %Y} to "
            f"{e.end.day} {e.end:%B %Y}")


def _development(e: Any) -> str:
    return (f"Recorded the scheme {e.name} ({DEVELOPMENT_TYPES[e.development_type].lower()}): "
            f"{counted(e.places, 'place')} expected to open on {uk_date(e.expected_opening)}, "
            f"{e.confidence} confidence")


def _drafted(e: Any) -> str:
    route = ROUTES.get(e.route, e.route).lower()
    return (f"Drafted the tender {e.title} ({route}, {counted(len(e.lots), 'lot')}, "
            f"estimated {_money(e.estimated_total_value)} over {counted(e.term_months, 'month')})")


def _awarded(e: Any) -> str:
    bids = sum(len(b) for b in e.awards.values())
    return (f"Awarded {counted(bids, 'bid')} in {counted(len(e.awards), 'lot')}; standstill "
            f"until {uk_date(e.standstill_ends)}")


# A bid's sentences never give its price or answers: they are sealed until opened.
TENDER_SUMMARIES: dict[tuple[str, str], Callable[[Any], str]] = {
    ("Tender", "Drafted"): _drafted,
    ("Tender", "Revised"): lambda e: _changes("a draft tender", e.changes),
    ("Tender", "TimetableSet"): lambda e: "Set the tender's timetable" + (
        f": bids due {uk_moment(e.timetable['bid_deadline'])}"
        if e.timetable.get("bid_deadline") else ""),
    ("Tender", "QuestionnaireSet"): lambda e: (
        f"Wrote the market engagement questionnaire ({counted(len(e.questions), 'question')})"),
    ("Tender", "EvaluationSet"): lambda e: (
        f"Set the evaluation: quality {e.quality_weight}%, price {e.price_weight}%, "
        f"{len(e.quality_questions)} quality questions"),
    ("Tender", "KeyDecisionRecorded"): lambda e: (
        f"Recorded a partner's key decision {e.reference} of {uk_date(e.taken_on)}"),
    ("Tender", "MarketEngagementOpened"): lambda e: "Opened market engagement to providers",
    ("Tender", "MarketEngagementConcluded"): lambda e: "Concluded market engagement",
    ("Tender", "InvitationPublished"): lambda e: "Published the invitation to tender",
    ("Tender", "ClarificationAsked"): lambda e: "Asked a clarification question" + (
        f" about lot {e.lot_id}" if e.lot_id else ""),
    ("Tender", "ClarificationAnswered"): lambda e: (
        "Published a clarification question and its answer to every bidder" if e.published
        else "Answered a clarification question privately"),
    ("Tender", "BidRegistered"): lambda e: f"Lodged a sealed bid for lot {e.lot_id}",
    ("Tender", "BidsOpened"): lambda e: (
        f"Opened {counted(len(e.bids), 'sealed bid')} after the bid deadline"),
    ("Tender", "PanelAppointed"): lambda e: (
        f"Appointed the evaluation panel: {counted(len(e.evaluators), 'evaluator')} and a "
        "moderator"),
    ("Tender", "ScoresRecorded"): lambda e: "Scored a bid as an evaluator",
    ("Tender", "ScoresModerated"): lambda e: "Agreed a bid's final scores as moderator",
    ("Tender", "Awarded"): _awarded,
    ("Tender", "ContractEntered"): lambda e: "Entered a contract under the award",
    ("Tender", "Cancelled"): lambda e: "Cancelled the tender",
    ("Bid", "Submitted"): lambda e: f"Submitted a sealed bid for lot {e.lot_id}",
    ("Bid", "Replaced"): lambda e: "Replaced a sealed bid with a new one",
    ("Bid", "Withdrawn"): lambda e: "Withdrew a bid",
    ("Bid", "Opened"): lambda e: "Opened a bid after the bid deadline",
    ("EngagementResponse", "Submitted"): lambda e: (
        f"Answered a market engagement questionnaire ({counted(len(e.answers), 'answer')})"),
    ("EngagementResponse", "Amended"): lambda e: "Changed a market engagement response",
}


def _inspection(e) -> str:
    judged = JUDGEMENTS[e.judgement].lower() if e.judgement else "no judgement"
    return f"Recorded an Ofsted inspection of {e.inspection_date:%d/%m/%Y}: {judged}"


OFSTED_SUMMARIES: dict[tuple[str, str], Callable[[Any], str]] = {
    ("OfstedRegistration", "Recorded"): lambda e: (
        f"Started the record of Ofsted URN {e.urn} from Ofsted's register"),
    ("OfstedRegistration", "RegistrationChanged"): lambda e: (
        f"Recorded the Ofsted registration as {REGISTRATION_STATUSES[e.status].lower()}"
        + (f", registered {e.registration_date:%d/%m/%Y}" if e.registration_date else "")),
    ("OfstedRegistration", "PlacesChanged"): lambda e: (
        f"Recorded {e.places} registered places" if e.places is not None
        else "Recorded that Ofsted's register gives no places"),
    ("OfstedRegistration", "DetailsChanged"): lambda e: _changes(
        "the details in Ofsted's register", e.changes),
    ("OfstedRegistration", "InspectionRecorded"): _inspection,
}


def _fostering_return(verb: str, e: Any) -> str:
    households, approvals = total(e.figures, "households_"), e.figures["approvals"]
    source = f" from {e.file_name}" if e.file_name else ""
    return (f"{verb} the fostering return for {month_label(e.month)}{source}: "
            f"{counted(households, 'approved household')}, "
            f"{counted(approvals, 'approval')} in the month")


FOSTERING_SUMMARIES: dict[tuple[str, str], Callable[[Any], str]] = {
    ("FosteringService", "Started"): lambda e: "Started the in-house fostering record",
    ("FosteringService", "ReturnRecorded"): lambda e: _fostering_return("Recorded", e),
    ("FosteringService", "ReturnCorrected"): lambda e: _fostering_return("Corrected", e),
}


SUMMARIES: dict[tuple[str, str], Callable[[Any], str]] = {
    **TENDER_SUMMARIES,
    **FOSTERING_SUMMARIES,
    **OFSTED_SUMMARIES,
    ("Vacancy", "Published"): _published,
    ("Vacancy", "Updated"): lambda e: _changes("a vacancy", e.changes),
    ("Vacancy", "Held"): lambda e: f"Held a vacancy for home search {e.home_search_ref}",
    ("Vacancy", "Released"): lambda e: "Released a vacancy from its hold",
    ("Vacancy", "Filled"): lambda e: "Marked a vacancy as filled" + (
        f" by placement {e.placement_ref}" if e.placement_ref else ""),
    ("Vacancy", "Withdrawn"): lambda e: "Withdrew a vacancy",
    ("Vacancy", "Expired"): lambda e: "Expired a vacancy",
    ("Authority", "Registered"): lambda e: (
        f"Registered the authority {e.name} (DfE LA code {e.la_code})"),
    ("Authority", "DetailsUpdated"): lambda e: _changes("an authority's details", e.changes),
    ("Provider", "Registered"): lambda e: f"Registered the provider {e.name}",
    ("Provider", "RunByAuthority"): lambda e: (
        "Recorded the provider as the authority's own (in-house) provision"),
    ("Provider", "SettingStageChanged"): lambda e: (
        f"Recorded a council setting as {STAGES[e.stage].lower()} from {uk_date(e.on)}"),
    ("Provider", "SettingPlacesChanged"): lambda e: (
        f"Changed a council setting's places to {e.registered_places}"),
    ("Development", "Recorded"): _development,
    ("Development", "Changed"): lambda e: _changes("a scheme of places in development",
                                                   e.changes),
    ("Development", "Opened"): lambda e: (
        f"Recorded a scheme of places in development as opened on {uk_date(e.on)}"),
    ("Development", "Dropped"): lambda e: "Dropped a scheme of places in development",
    ("Provider", "ContactSet"): lambda e: (
        f"Named {e.contact_name} as the provider's contact for vacancies"),
    ("Provider", "SettingAdded"): lambda e: (
        f"Added the setting {e.name} "
        f"({_in_sentence(SETTING_TYPES.get(e.setting_type, e.setting_type))}, "
        f"{e.postcode_district})"),
    ("PlatformOrganisation", "Registered"): lambda e: (
        f"Registered the platform organisation {e.name}"),
    ("Account", "Created"): lambda e: (
        f"Created an account for {e.email} ({_roles(e) or 'no roles'})"),
    ("Account", "RoleGranted"): lambda e: f"Granted an account the role {_role(e)}",
    ("Account", "RoleRevoked"): lambda e: f"Took the role {_role(e)} from an account",
    ("Account", "Suspended"): lambda e: "Suspended an account",
    ("Account", "Reinstated"): lambda e: "Reinstated an account",
    ("Account", "SignedIn"): lambda e: f"Signed in ({e.method.replace('+', ' and ')})",
    ("Account", "SignInFailed"): lambda e: "Refused a sign-in to an account",
    ("Account", "IdentityLinked"): lambda e: (
        f"Linked an account to its user at the identity provider {e.issuer}"),
    ("Account", "Invited"): lambda e: (
        f"Invited {e.email} ({_roles(e) or 'no roles'}), "
        f"the invitation valid until {uk_moment(e.expires_at)}"),
    ("Account", "Activated"): lambda e: "Accepted an invitation and activated the account",
    ("Account", "SecondFactorEnrolled"): lambda e: (
        f"Set up a second factor ({'authenticator app' if e.method == 'totp' else e.method})"),
    ("Account", "SecondFactorReset"): lambda e: (
        "Reset an account's second factor: a new one is set up at the next sign-in"),
    ("Account", "RecoveryCodesRegenerated"): lambda e: (
        "Replaced the account's recovery codes with new ones"),
    ("Account", "RecoveryCodeUsed"): lambda e: (
        f"Signed in with a recovery code ({e.remaining} left)"),
    ("Account", "PasswordReset"): lambda e: "Set a new password through a reset link",
    ("IdentityProvider", "Registered"): lambda e: (
        f"Registered the identity provider {e.display_name} for "
        f"{', '.join(e.allowed_domains)} ({e.discovery_url})"),
    ("IdentityProvider", "Changed"): lambda e: _changes("an identity provider", e.changes),
    ("IdentityProvider", "Disabled"): lambda e: "Turned off an identity provider",
    ("IdentityProvider", "Enabled"): lambda e: "Turned on an identity provider",
    ("Authority", "TargetsSet"): lambda e: "Set the authority's sufficiency targets: " + (
        "; ".join(f"{k.replace('_', ' ')} {v:g}" for k, v in e.targets.items()) or "none"),
    ("Placement", "Started"): lambda e: (
        f"Started a placement for child {e.child_ref}: {_episode(e)}"),
    ("Placement", "Changed"): lambda e: (
        f"Recorded a new episode from {uk_date(e.on)}: {_episode(e)}"),
    ("Placement", "Ended"): lambda e: (
        f"Ended a child's placement on {uk_date(e.on)} (reason {e.rec})"),
    ("Placement", "Restarted"): lambda e: (
        f"Started a new period of care: {_episode(e)}"),
    ("Placement", "Corrected"): _corrected,
    ("Placement", "Reconciled"): lambda e: (
        f"Brought a child's episodes into line with an import "
        f"({counted(len(e.episodes), 'episode')})"),
    ("HomeSearch", "Drafted"): lambda e: (
        f"Drafted {'an emergency' if e.urgency == 'emergency' else 'a planned'} home search "
        f"for child {e.child_ref}, needed by {uk_date(e.needed_by)}"),
    ("HomeSearch", "Edited"): lambda e: _changes("a draft home search", e.changes),
    ("HomeSearch", "Cancelled"): lambda e: "Cancelled a home search",
    ("HomeSearch", "ClosedUnfilled"): lambda e: (
        "Closed a home search unfilled: "
        + UNFILLED_REASONS.get(e.unfilled_reason, e.unfilled_reason)),
    ("HomeSearch", "Sent"): lambda e: (
        f"Sent a home search to {counted(len(e.provider_ids), 'provider')}, offers closing "
        f"{e.offers_close_at.astimezone(LONDON):%d/%m/%Y %H:%M}"),
    ("HomeSearch", "PlaceAsked"): lambda e: (
        f"Asked a provider for the place of vacancy {e.vacancy_id} for a home search"),
    ("HomeSearch", "OfferMade"): lambda e: (
        f"Offered a place for a home search: vacancy {e.offer['vacancy_id']}, "
        f"£{e.offer['weekly_price']:,} a week from {uk_date(e.offer['start_on'])}"),
    ("HomeSearch", "Declined"): lambda e: (
        "Declined a home search: " + DECLINE_REASONS.get(e.decline_reason, e.decline_reason)),
    ("HomeSearch", "ClosedToOffers"): lambda e: "Closed a home search to offers",
    ("HomeSearch", "OfferAccepted"): lambda e: (
        f"Accepted an offer for a home search ({counted(len(e.released), 'other offer')} "
        "released)"),
    ("HomeSearch", "PlacementScheduled"): lambda e: (
        f"Scheduled the placement of a home search to start on {uk_date(e.starts_on)} "
        f"(placement {e.placement_ref})"),
    ("HomeSearch", "Placed"): lambda e: (
        f"Placed the child of a home search (placement {e.placement_ref})"),
    ("BoardSearch", "Saved"): lambda e: f"Saved the vacancy board search {e.name}",
    ("BoardSearch", "Deleted"): lambda e: "Deleted a saved vacancy board search",
    ("ApiClient", "Created"): lambda e: (
        f"Created the API client {e.name} ({_roles(e)}), "
        f"its key valid until {uk_date(e.key_expires_at.date())}"),
    ("ApiClient", "Revoked"): lambda e: "Revoked an API client: its key no longer works",
    ("WebhookSubscription", "Created"): lambda e: (
        f"Subscribed an API client to {counted(len(e.event_types), 'kind')} of event at "
        f"{urlsplit(e.url).hostname}"),
    ("WebhookSubscription", "ReplayRequested"): lambda e: (
        f"Asked for a webhook subscription's events again from position {e.from_position:,}"),
    ("WebhookSubscription", "Removed"): lambda e: (
        "Removed a webhook subscription: nothing more is delivered to it"),
    ("Contract", "Recorded"): _contract,
    ("Contract", "Varied"): lambda e: _changes("a contract", e.changes),
    ("Contract", "Terminated"): lambda e: f"Terminated a contract from {uk_date(e.on)}",
    ("DataImport", "Completed"): lambda e: (
        f"Imported {e.kind.upper()} file {e.file_name}: {counted(e.rows, 'row')}, "
        f"{e.accepted:,} accepted, {e.rejected:,} rejected, "
        f"{counted(e.children_changed, 'child')} changed"),
    ("DistrictUpload", "DistrictsAdded"): lambda e: (
        f"Added {counted(len(e.rows), 'postcode district')} from "
        f"{e.file_name}: {', '.join(r['district'] for r in e.rows[:5])}"
        f"{', ...' if len(e.rows) > 5 else ''}"),
    ("AdjacencyRegister", "Opened"): lambda e: "Opened the register of adjoining authorities",
    ("AdjacencyRegister", "PairsAdded"): lambda e: (
        "Recorded adjoining authorities: " + "; ".join(f"{a} and {b}" for a, b in e.pairs)),
    ("OutOfAreaPlacement", "Opened"): lambda e: (
        f"Placed child {e.child_ref} outside the authority's area from {e.start:%d/%m/%Y} "
        f"({'an emergency' if e.urgency == 'emergency' else 'planned'}"
        f"{', at a distance' if e.at_distance else ''}; approval "
        f"{'recorded' if e.approval else 'to follow'})"),
    ("OutOfAreaPlacement", "Approved"): lambda e: (
        f"Recorded the approval of an out-of-area placement by "
        f"{APPROVER_ROLES.get(e.approval['approver_role'], 'the approver').lower()} "
        f"{e.approval['approver_name']} on {e.approval['approved_on']:%d/%m/%Y}"),
    ("OutOfAreaPlacement", "HostNotified"): lambda e: (
        "Notified the host authority of an out-of-area placement"),
    ("OutOfAreaPlacement", "Closed"): lambda e: (
        f"Told the host authority an out-of-area placement ended on {e.end:%d/%m/%Y}"),
    ("TenderDocument", "Attached"): lambda e: (
        f"Attached the document {e.name} to a tender ({e.document_type.upper()}, "
        f"{e.size:,} bytes, SHA-256 {e.sha256[:12]}…)"),
    ("TenderDocument", "Withdrawn"): lambda e: "Withdrew a tender document",
    ("TenderDocument", "AttachedAgain"): lambda e: (
        f"Attached the withdrawn document again as {e.name}"),
    ("DocumentDownload", "Recorded"): lambda e: f"Downloaded the tender document {e.name}",
    ("DeadlineReminder", "Issued"): lambda e: (
        "Reminded providers that a tender's " + (
            "market engagement closes" if e.deadline_name == "engagement_closes"
            else "bids are due") + f" at {e.deadline:%H:%M} on {uk_date(e.deadline)} UTC"),
}

EVENT_TYPES: dict[str, str] = {name: humanise(name)
                               for name in sorted({kind for _, kind in SUMMARIES})}


@functools.lru_cache(maxsize=1024)  # about two hundred topics, each met once an event
def split_topic(topic: str) -> tuple[str, str]:
    """``domain.vacancy:Vacancy.Published`` -> ``("Vacancy", "Published")``."""
    parts = topic.rpartition(":")[2].split(".")
    return (parts[-2] if len(parts) > 1 else parts[0]), parts[-1]


def summarise(record_type: str, event_type: str, event: Any) -> str:
    describe = SUMMARIES.get((record_type, event_type))
    if describe is not None:
        try:
            return describe(event)[:500]
        except (AttributeError, KeyError, TypeError, ValueError):
            pass  # an event shaped differently from today's (an old version): say less
    return f"{humanise(record_type)}: {humanise(event_type).lower()}"


def is_creation(event: Any) -> bool:
    return isinstance(event, AggregateCreated)


def owner_of(record_type: str, created: Any) -> UUID | None:
    find = OWNERS.get(record_type)
    try:
        return find(created) if find else None
    except AttributeError:
        return None


_UNKNOWN = object()


class AuditIndex(Projection):
    name = "audit_index"
    # 2: audit_events keyed by SQLite's row id (the same rows; the key's type on SQLite only)
    version = 2
    tables = (audit_events,)
    every_event = True
    snapshots = False  # an append-only log, never shown "as at"
    # The auditor's filters; the projection reads only by record (a record's first event).
    deferred_indexes = ("ix_audit_events_organisation", "ix_audit_events_actor",
                        "ix_audit_events_record_type", "ix_audit_events_event_type")

    OWNER_CACHE_SIZE = 100_000
    LOOKUP_CHUNK = 500

    def __init__(self) -> None:
        self._rows: list[dict] = []
        self._writer = TableWriter(audit_events)
        # A record's organisation never changes, so remembering it is always safe.
        self._owners: dict[UUID, UUID | None] = {}

    def begin_batch(self, connection: sa.Connection) -> None:
        self._rows = []
        # Forget between batches, never within one: a batch's own rows are not stored yet.
        if len(self._owners) >= self.OWNER_CACHE_SIZE:
            self._owners.clear()

    def process(self, connection: sa.Connection, event: Any, topic: str, position: int) -> None:
        record_type, event_type = split_topic(topic)
        record_id = event.originator_id
        if is_creation(event):
            owner = owner_of(record_type, event)
            self._owners[record_id] = owner
        else:
            owner = self._owners.get(record_id, _UNKNOWN)
        actor = getattr(event, "actor", None)
        self._rows.append({
            "position": position,
            "recorded_at": event.timestamp,
            "record_id": record_id,
            "record_version": event.originator_version,
            "record_type": record_type,
            "event_type": event_type,
            "actor_user_id": getattr(actor, "user_id", None),
            "actor_organisation_id": getattr(actor, "organisation_id", None),
            "reason": getattr(event, "reason", None),
            "organisation_id": owner,
            "summary": summarise(record_type, event_type, event),
        })

    def end_batch(self, connection: sa.Connection) -> None:
        if not self._rows:
            return
        unknown = {row["record_id"] for row in self._rows if row["organisation_id"] is _UNKNOWN}
        if unknown:
            found = self._look_up_owners(connection, list(unknown))
            for row in self._rows:
                if row["organisation_id"] is _UNKNOWN:
                    row["organisation_id"] = found.get(row["record_id"])
        self._writer.insert(connection, self._rows)
        self._rows = []

    def _look_up_owners(self, connection: sa.Connection, record_ids: list[UUID]) -> dict:
        t = audit_events
        found: dict[UUID, UUID | None] = {}
        for start in range(0, len(record_ids), self.LOOKUP_CHUNK):
            chunk = record_ids[start:start + self.LOOKUP_CHUNK]
            found.update(connection.execute(
                sa.select(t.c.record_id, t.c.organisation_id)
                .where(t.c.record_id.in_(chunk), t.c.record_version == 1)).all())
        self._owners.update({record_id: found.get(record_id) for record_id in record_ids})
        return found

    def clear(self, connection: sa.Connection) -> None:
        self._owners.clear()
        super().clear(connection)
