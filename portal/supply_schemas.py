"""Marshmallow schemas for the supply forms: the council's own homes and their registration
pipeline, and its places in development. What only the domain knows (the next stage from
this one, an opening date after today, the kinds of setting a kind of scheme provides) is
checked with the form's own errors, all at once."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from uuid import UUID

from marshmallow import ValidationError, fields, validate, validates_schema

from domain.development import CONFIDENCE, DEVELOPMENT_TYPES, MAX_NAME, MAX_PLACES
from domain.development import problems as development_problems
from domain.in_house import IN_HOUSE_SETTING_TYPES, STAGES
from domain.organisation import OFSTED_URN
from portal.placement_schemas import _code, _date, _optional_uuid, _reason, _required
from portal.schemas import FormSchema, _int

OUTCOMES = {"opened": "It has opened", "dropped": "It will not go ahead"}


def _name(what: str) -> fields.String:
    return fields.String(required=True, error_messages=_required(f"Enter the {what}'s name"),
                         validate=validate.Length(max=MAX_NAME, error=(
                             f"The name must be {MAX_NAME} characters or fewer")))


class StageSchema(FormSchema):
    stage = _code(STAGES, "stage", required=True)
    on = _date("date of this step")
    reason = _reason(True, "Say why the setting moves to this stage")

    def __init__(self, *, today: date | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.today = today or date.today()

    @validates_schema(skip_on_field_errors=False)
    def _rules(self, data: dict, **_kwargs) -> None:
        if data.get("on") is not None and data["on"] > self.today:
            raise ValidationError({"on": "The date of the step cannot be in the future"})


class CouncilHomeSchema(StageSchema):
    name = _name("home or service")
    setting_type = _code({}, "kind of setting", required=True, only=IN_HOUSE_SETTING_TYPES)
    postcode_district = fields.String(required=True, error_messages=_required(
        "Enter the postcode district, like DT1"), validate=validate.Length(
        max=8, error="Enter a postcode district, like DT1 or BH20"))
    registered_places = _int("Places", 1, 200, required=True)
    ofsted_urn = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(
        OFSTED_URN, error="Enter an Ofsted URN, like SC123456"))


class PlacesSchema(FormSchema):
    registered_places = _int("Places", 1, 200, required=True)
    reason = _reason(True, "Say why the places change")


class DevelopmentSchema(FormSchema):
    name = _name("scheme")
    development_type = _code(DEVELOPMENT_TYPES, "kind of scheme", required=True)
    setting_type = fields.String(required=True, error_messages=_required(
        "Choose the kind of setting it provides"))
    places = _int("Places", 1, MAX_PLACES, required=True)
    expected_opening = _date("expected opening date")
    confidence = _code(CONFIDENCE, "confidence in the date", required=True)
    tender_id = _optional_uuid("Choose one of your authority's tenders")
    contract_id = _optional_uuid("Choose one of your authority's contracts")
    reason = _reason(False)

    def __init__(self, *, today: date | None = None, tenders: Collection[UUID] | None = None,
                 contracts: Collection[UUID] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.today = today or date.today()
        self.tenders, self.contracts = tenders, contracts

    @validates_schema(skip_on_field_errors=False)
    def _rules(self, data: dict, **_kwargs) -> None:
        found = {k: v for k, v in development_problems(data, today=self.today).items()
                 if k in data or k == "setting_type"}
        for key, offered in (("tender_id", self.tenders), ("contract_id", self.contracts)):
            if offered is not None and data.get(key) is not None and data[key] not in offered:
                found[key] = self.fields[key].error_messages["invalid"]
        if found:
            raise ValidationError(found)


class ChangeDevelopmentSchema(DevelopmentSchema):
    reason = _reason(True, "Say why the scheme is changing")


class EndDevelopmentSchema(FormSchema):
    outcome = _code(OUTCOMES, "outcome", required=True)
    on = _date("date")
    reason = _reason(True, "Say what happened")
