"""The integration API's schemas for home searches, their offers and the referrals providers
answer: the forms' own schemas (portal/home_search_schemas.py, portal/referral_schemas.py) made
strict for JSON, and what each resource looks like.

A provider's referral holds only what the referral page shares: the child's age band, never
the age, the child's reference, legal status or the areas to avoid.
"""

from __future__ import annotations

from marshmallow import Schema, fields, pre_load, validate

from domain.home_search import (
    DECLINE_REASONS,
    STATUS_LABELS,
    UNFILLED_REASONS,
    URGENCIES,
)
from domain.vocabulary import NEEDS, SETTING_TYPES
from portal.api.schemas import ApiSchema, PageQuery, UtcDateTime
from portal.home_search_schemas import CancelSchema, CloseUnfilledSchema, HomeSearchSchema, district
from portal.referral_schemas import AcceptSchema, DeclineSchema, OfferSchema
from portal.schemas import ReasonSchema


def _yes_no(message: str, **options) -> fields.Boolean:
    return fields.Boolean(truthy={True}, falsy={False}, error_messages={"invalid": message},
                          **options)


# --- what a client sends ------------------------------------------------------------------------

class HomeSearchTerms(ApiSchema, HomeSearchSchema):
    """A home search's referral terms, checked by the domain's own rules (every one at once)."""

    placement_types = fields.List(fields.String(validate=validate.OneOf(
        list(SETTING_TYPES), error="Choose kinds of placement from the list")),
        load_default=list)
    needs = fields.List(fields.String(validate=validate.OneOf(
        list(NEEDS), error="Choose needs from the list")), load_default=list)
    stay_near_school = _yes_no("stay_near_school must be true or false", load_default=False)
    areas_to_avoid = fields.List(fields.String(validate=validate.Length(max=8)),
                                 load_default=list, metadata={
                                     "description": "Postcode districts to avoid, like ME4"})
    urgency = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        list(URGENCIES), error="Say whether the search is planned or an emergency"))

    @pre_load
    def _districts(self, data: dict, **_kwargs) -> dict:
        """Districts from whatever was sent (text only; anything else is the field's error)."""
        data = dict(data)
        for name in ("family_district", "school_district"):
            if isinstance(data.get(name), str):
                data[name] = district(data[name])
        if isinstance(data.get("areas_to_avoid"), list):
            data["areas_to_avoid"] = [district(a) if isinstance(a, str) else a
                                      for a in data["areas_to_avoid"]]
        return data


class HomeSearchIn(HomeSearchTerms):
    """A home search to draft: the child (by the council's own id, hashed at once and never
    stored or sent back), then the terms."""

    child_id = fields.String(required=True, validate=validate.Length(
        min=1, max=100, error="Child id must be 1 to 100 characters"), metadata={
        "description": "The council's own id for the child: hashed into the portal's "
                       "pseudonymous reference at once; never stored or sent back"})


class HomeSearchChanges(HomeSearchTerms):
    """The terms to change (any of them); a term left out keeps its value. A draft only."""


class SendIn(ApiSchema, ReasonSchema):
    """The providers to send a draft to, and when offers close."""

    provider_ids = fields.List(fields.UUID(error_messages={
        "invalid_uuid": "Choose providers by their ids"}), required=True,
        validate=validate.Length(min=1, max=200, error="Choose 1 to 200 providers"),
        error_messages={"required": "Choose at least one provider to send the search to"})
    offers_close_at = fields.AwareDateTime(required=True, error_messages={
        "required": "Give the moment offers close",
        "invalid": "Give the moment offers close in RFC 3339, like 2027-01-04T17:00:00+00:00",
        "invalid_awareness": "Give the moment offers close with its offset, like +00:00"})


class CancelIn(ApiSchema, CancelSchema):
    """Why the search is cancelled (needed)."""


class CloseUnfilledIn(ApiSchema, CloseUnfilledSchema):
    """Why no home was found, to count as unmet need."""

    unfilled_reason = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        list(UNFILLED_REASONS), error="Choose why no home was found"))


class CloseToOffersIn(ApiSchema, ReasonSchema):
    """Close the offers window early (why, optional)."""


class AcceptIn(ApiSchema, AcceptSchema):
    """The offer to accept; the child's month of birth and status when new to the portal;
    out of area, the approval the regulations require (all four approval fields, or none)."""

    uasc = _yes_no("uasc must be true or false", load_default=False)
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(
        max=500, error="Reason must be 500 characters or fewer"))


class OfferIn(ApiSchema, OfferSchema):
    """An offer: one of your open vacancies, or a place at one of your settings."""


class DeclineIn(ApiSchema, DeclineSchema):
    """Why you cannot offer a place."""

    decline_reason = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        list(DECLINE_REASONS), error="Choose why you cannot offer a place"))


class SearchesQuery(PageQuery):
    status = fields.String(load_default=None, validate=validate.OneOf(
        list(STATUS_LABELS), error="Choose a status from the list"))


# --- what a client is sent ----------------------------------------------------------------------

class HomeSearchOut(Schema):
    id = fields.UUID(required=True)
    child_ref = fields.String(required=True, metadata={
        "description": "The portal's pseudonymous reference for the child"})
    status = fields.String(required=True, validate=validate.OneOf(list(STATUS_LABELS)))
    urgency = fields.String(required=True, validate=validate.OneOf(list(URGENCIES)))
    needed_by = fields.Date(required=True)
    latest_start = fields.Date(required=True)
    placement_types = fields.List(fields.String(), required=True)
    age = fields.Integer(required=True)
    sex = fields.String(required=True)
    siblings = fields.Integer(required=True)
    needs = fields.List(fields.String(), required=True)
    family_district = fields.String(required=True, allow_none=True)
    school_district = fields.String(required=True, allow_none=True)
    stay_near_school = fields.Boolean(required=True)
    areas_to_avoid = fields.List(fields.String(), required=True)
    legal_status = fields.String(required=True)
    unfilled_reason = fields.String(required=True, allow_none=True)
    starts_on = fields.Date(required=True, allow_none=True, metadata={
        "description": "An accepted offer's start day, while its placement waits for it"})
    drafted_at = UtcDateTime(required=True)
    changed_at = UtcDateTime(required=True)
    version = fields.Integer(required=True, metadata={
        "description": "The search's version: its ETag, to send back in If-Match"})


class HomeSearchPage(Schema):
    items = fields.List(fields.Nested(HomeSearchOut), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class OfferOut(Schema):
    id = fields.UUID(required=True)
    provider_id = fields.UUID(required=True)
    provider_name = fields.String(required=True)
    vacancy_id = fields.UUID(required=True, allow_none=True, metadata={
        "description": "None: a place offered at a setting, no vacancy published"})
    setting_id = fields.UUID(required=True)
    setting_name = fields.String(required=True)
    setting_type = fields.String(required=True, validate=validate.OneOf(list(SETTING_TYPES)))
    postcode_district = fields.String(required=True)
    weekly_price = fields.Integer(required=True)
    start_on = fields.Date(required=True)
    notes = fields.String(required=True)
    status = fields.String(required=True)
    made_at = UtcDateTime(required=True)


class RankedOfferOut(OfferOut):
    rank = fields.Integer(required=True)
    score = fields.Float(required=True, metadata={
        "description": "Points by the matching's published weights (the offers page's)"})
    distance_miles = fields.Float(required=True, allow_none=True)
    inside_authority = fields.Boolean(required=True)
    route = fields.String(required=True)


class SentToOut(Schema):
    provider_id = fields.UUID(required=True)
    name = fields.String(required=True)
    answer = fields.String(required=True, allow_none=True, metadata={
        "description": "None (not yet), offered or declined"})
    decline_reason = fields.String(required=True, allow_none=True)


class OffersOut(Schema):
    search = fields.Nested(HomeSearchOut, required=True)
    sent_to = fields.List(fields.Nested(SentToOut), required=True)
    offers = fields.List(fields.Nested(RankedOfferOut), required=True, metadata={
        "description": "Every offer, best first"})


class ReferralOut(Schema):
    id = fields.UUID(required=True)
    authority_name = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(list(STATUS_LABELS)))
    urgency = fields.String(required=True, validate=validate.OneOf(list(URGENCIES)))
    needed_by = fields.Date(required=True)
    latest_start = fields.Date(required=True)
    placement_types = fields.List(fields.String(), required=True)
    age_band = fields.String(required=True, metadata={
        "description": "The SSDA903 statistics' age band (never the age)"})
    sex = fields.String(required=True)
    siblings = fields.Integer(required=True)
    needs = fields.List(fields.String(), required=True)
    family_district = fields.String(required=True, allow_none=True)
    school_district = fields.String(required=True, allow_none=True)
    stay_near_school = fields.Boolean(required=True)
    offers_close_at = UtcDateTime(required=True)
    answer = fields.String(required=True, allow_none=True)
    decline_reason = fields.String(required=True, allow_none=True)


class ReferralDetailOut(ReferralOut):
    own_offers = fields.List(fields.Nested(OfferOut), required=True, metadata={
        "description": "Your organisation's offers on it (never another provider's)"})


class ReferralPage(Schema):
    items = fields.List(fields.Nested(ReferralOut), required=True)
    next_cursor = fields.String(required=True, allow_none=True)
