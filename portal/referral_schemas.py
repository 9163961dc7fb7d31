"""The referral forms: sending a search (providers and a deadline), a provider's offer or
decline, and the officer's acceptance. Text goes through :class:`portal.schemas.FormSchema`,
which refuses control characters; the domain then checks the rules with the same words."""

from __future__ import annotations

from datetime import date, datetime, time

from marshmallow import ValidationError, fields, validates_schema
from werkzeug.datastructures import MultiDict

from domain.home_search import DECLINE_REASONS, MAX_NOTES, MAX_REASON
from domain.placement import BIRTH_MONTH
from domain.timezone import LONDON
from portal.form_fields import Money
from portal.forms import FormResult, combine_date, load
from portal.out_of_area_schemas import ApprovalFields
from portal.schemas import FormSchema


class SendSchema(FormSchema):
    provider_ids = fields.List(fields.UUID(error_messages={
        "invalid_uuid": "Choose providers from the list"}), load_default=list)
    offers_close_on = fields.Date(load_default=None, allow_none=True)
    offers_close_time = fields.Time(load_default=None, allow_none=True, error_messages={
        "invalid": "Enter the time offers close, like 17:00"})

    @validates_schema(skip_on_field_errors=False)
    def _rules(self, data: dict, **_kwargs) -> None:
        found = {}
        if not data.get("provider_ids"):
            found["provider_ids"] = "Choose at least one provider to send the search to"
        if data.get("offers_close_on") is None:
            found["offers_close_on"] = "Enter the date offers close"
        if found:
            raise ValidationError(found)


def parse_send(form: MultiDict) -> FormResult:
    """Providers and the offers deadline (a London date and time, as an aware datetime)."""
    errors: dict[str, str] = {}
    raw = form.to_dict()
    raw["provider_ids"] = form.getlist("provider_ids")
    raw["offers_close_on"] = combine_date(form, "offers_close_on", "The date offers close",
                                          errors)
    raw["offers_close_time"] = raw.get("offers_close_time") or None
    result = load(SendSchema(), raw, errors)
    if result.ok:
        at = result.data.pop("offers_close_time") or time(17, 0)
        on: date = result.data.pop("offers_close_on")
        result.data["offers_close_at"] = datetime.combine(on, at, tzinfo=LONDON)
    result.anchors = {"offers_close_on": "offers_close_on-day", "provider_ids": "provider_ids"}
    return result


class OfferSchema(FormSchema):
    """An offer of one of the provider's open vacancies, or of a place at one of its settings
    where no vacancy is published: exactly one of the two."""

    vacancy_id = fields.UUID(load_default=None, allow_none=True,
                             error_messages={"invalid_uuid": "Choose one of your vacancies"})
    setting_id = fields.UUID(load_default=None, allow_none=True,
                             error_messages={"invalid_uuid": "Choose one of your settings"})
    weekly_price = Money("The weekly price", load_default=None, allow_none=True)
    start_on = fields.Date(load_default=None, allow_none=True)
    notes = fields.String(load_default=None, allow_none=True)

    @validates_schema(skip_on_field_errors=False)
    def _rules(self, data: dict, **_kwargs) -> None:
        found = {}
        if data.get("vacancy_id") is None and data.get("setting_id") is None:
            found["vacancy_id"] = "Choose one of your vacancies, or one of your settings"
        elif data.get("vacancy_id") is not None and data.get("setting_id") is not None:
            found["setting_id"] = "Offer either a vacancy or a setting, not both"
        if data.get("weekly_price") is None:
            found["weekly_price"] = "Enter the weekly price"
        if data.get("start_on") is None:
            found["start_on"] = "Enter the date the child could move in"
        if len(data.get("notes") or "") > MAX_NOTES:
            found["notes"] = f"Notes must be {MAX_NOTES} characters or fewer"
        if found:
            raise ValidationError(found)


def parse_offer(form: MultiDict) -> FormResult:
    errors: dict[str, str] = {}
    raw = form.to_dict()
    raw["start_on"] = combine_date(form, "start_on", "The start date", errors)
    for name in ("vacancy_id", "setting_id"):
        raw[name] = raw.get(name) or None  # "Choose ..." in a list sends an empty value
    result = load(OfferSchema(), raw, errors)
    result.anchors = {"start_on": "start_on-day", "vacancy_id": "vacancy_id",
                      "setting_id": "setting_id"}
    return result


class DeclineSchema(FormSchema):
    decline_reason = fields.String(load_default=None, allow_none=True)
    reason = fields.String(load_default=None, allow_none=True)

    @validates_schema(skip_on_field_errors=False)
    def _rules(self, data: dict, **_kwargs) -> None:
        found = {}
        if data.get("decline_reason") not in DECLINE_REASONS:
            found["decline_reason"] = "Choose why you cannot offer a place"
        if len(data.get("reason") or "") > MAX_REASON:
            found["reason"] = f"The reason must be {MAX_REASON} characters or fewer"
        if found:
            raise ValidationError(found)


class AcceptSchema(ApprovalFields):
    """The offer, the child's facts when new to the portal, and (out of area) the approval."""

    offer_id = fields.UUID(load_default=None, allow_none=True,
                           error_messages={"invalid_uuid": "Choose the offer to accept"})
    birth_month = fields.String(load_default=None, allow_none=True)
    uasc = fields.Boolean(load_default=False, allow_none=True, truthy={"yes"}, falsy={"no"})

    @validates_schema(skip_on_field_errors=False)
    def _rules(self, data: dict, **_kwargs) -> None:
        found = {}
        if data.get("offer_id") is None:
            found["offer_id"] = "Choose the offer to accept"
        month = data.get("birth_month")
        if month and not BIRTH_MONTH.match(month):
            found["birth_month"] = "Enter the month and year of birth, like 2012-05"
        if found:
            raise ValidationError(found)


def parse_accept(posted: MultiDict) -> FormResult:
    """An acceptance, with the approval's date joined from its three inputs."""
    errors: dict[str, str] = {}
    raw = posted.to_dict()
    raw["approved_on"] = combine_date(posted, "approved_on", "Approval date", errors)
    form = load(AcceptSchema(), raw, errors)
    form.anchors = {"approved_on": "approved_on-day"}
    return form
