"""Marshmallow schemas of the vacancy board's forms: a provider's named contact, asking a
provider for a vacancy's place, and an officer's saved board searches."""

from __future__ import annotations

from datetime import date, datetime, time

from marshmallow import ValidationError, fields, validate, validates_schema
from werkzeug.datastructures import MultiDict

from domain.timezone import LONDON
from portal.forms import FormResult, combine_date, load
from portal.schemas import FormSchema


def _text(label: str, limit: int, *, required: bool = True) -> fields.String:
    optional = {} if required else {"load_default": None, "allow_none": True}
    return fields.String(required=required, **optional,
                         validate=validate.Length(max=limit,
                                                  error=f"{label} must be {limit} characters "
                                                        "or fewer"),
                         error_messages={"required": f"Enter {label.lower()}",
                                         "null": f"Enter {label.lower()}"})


class ContactSchema(FormSchema):
    """A provider's named contact. The domain checks every field (one left blank, a phone
    number or e-mail address that is not one), all at once, so nothing is required here."""

    contact_name = _text("The contact's name", 100, required=False)
    contact_phone = _text("The contact's telephone number", 40, required=False)
    contact_email = _text("The contact's email address", 254, required=False)
    reason = _text("The reason", 500, required=False)


class AskSchema(FormSchema):
    """Asking a vacancy's provider for its place: which of the officer's searches, and for a
    draft the date (and time) offers close."""

    search_id = fields.UUID(load_default=None, allow_none=True, error_messages={
        "invalid_uuid": "Choose one of your authority's open home searches"})
    offers_close_on = fields.Date(load_default=None, allow_none=True)
    offers_close_time = fields.Time(load_default=None, allow_none=True, error_messages={
        "invalid": "Enter the time offers close, like 17:00"})
    reason = _text("The reason", 500, required=False)

    @validates_schema(skip_on_field_errors=False)
    def _rules(self, data: dict, **_kwargs) -> None:
        if data.get("search_id") is None:
            raise ValidationError({"search_id": "Choose one of your authority's open home "
                                                "searches"})


def parse_ask(form: MultiDict) -> FormResult:
    """The search and, when given, the offers deadline (a London date and time, 17:00 unless
    another time is given, as an aware datetime)."""
    errors: dict[str, str] = {}
    raw = form.to_dict()
    raw["offers_close_on"] = combine_date(form, "offers_close_on", "The date offers close",
                                          errors)
    raw["offers_close_time"] = raw.get("offers_close_time") or None
    result = load(AskSchema(), raw, errors)
    if result.ok:
        at = result.data.pop("offers_close_time") or time(17, 0)
        on: date | None = result.data.pop("offers_close_on")
        result.data["offers_close_at"] = (datetime.combine(on, at, tzinfo=LONDON)
                                          if on is not None else None)
    result.anchors = {"offers_close_on": "offers_close_on-day"}
    return result


class BoardSearchNameSchema(FormSchema):
    """The name an officer gives a saved search of the board (the filters are the board's
    own, read by the board's parser)."""

    name = _text("The name", 100, required=False)
