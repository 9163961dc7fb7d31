"""The integration API's schemas: the web forms' own marshmallow schemas, made strict for JSON
(an unknown field is refused, a number must be a number), and what each resource looks like.

The OpenAPI description (``/api/v1/openapi.json``) is generated from these same classes, so a
rule a form checks (a code from the list, a fee within bounds, a real date) is the rule the API
checks and documents.
"""

from __future__ import annotations

from datetime import UTC, datetime

from marshmallow import RAISE, Schema, fields, post_load, validate

from domain import ssda903
from domain.vocabulary import NEEDS, SETTING_TYPES
from portal.form_fields import Money
from portal.placement_schemas import ChangeSchema, EndSchema, StartSchema
from portal.schemas import ReasonSchema, VacancySchema

UNKNOWN = "Unknown field: this operation does not take it"
MAX_LIMIT = 100


class ApiSchema(Schema):
    """JSON, not a form: unknown fields are refused, whole numbers and true/false are JSON's
    own types, never strings that look like them."""

    class Meta:
        unknown = RAISE

    # A query string holds only text: its numbers are read from it. A JSON body's are not.
    strict_numbers = True

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        super().on_bind_field(field_name, field_obj)
        if isinstance(field_obj, fields.Integer | Money) and self.strict_numbers:
            field_obj.strict = True
        field_obj.error_messages = {**field_obj.error_messages, "unknown": UNKNOWN}

    def handle_error(self, error, data, **kwargs) -> None:
        for name, messages in error.messages.items() if isinstance(error.messages, dict) \
                else ():
            if messages == ["Unknown field."]:
                error.messages[name] = [UNKNOWN]
        raise error


# --- vacancies --------------------------------------------------------------------------------

class VacancyIn(ApiSchema, VacancySchema):
    """A vacancy to publish at one of the provider's own settings."""


class VacancyChanges(ApiSchema, VacancySchema):
    """The terms to change (any of them); a term left out keeps its value."""

    class Meta:
        unknown = RAISE
        exclude = ("setting_id",)

    @post_load
    def _blank_description(self, data: dict, **_kwargs) -> dict:
        if "description" in data:
            data["description"] = data["description"] or ""
        return data


class Reason(ApiSchema, ReasonSchema):
    """Why (optional): kept in the record's history."""


class UtcDateTime(fields.DateTime):
    """A moment in RFC 3339 with its offset (SQLite hands back stored UTC moments naive)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class SettingOut(Schema):
    id = fields.UUID(required=True, metadata={"description": "Send as a vacancy's setting_id"})
    name = fields.String(required=True)
    setting_type = fields.String(required=True, validate=validate.OneOf(SETTING_TYPES))
    ofsted_urn = fields.String(required=True, allow_none=True)
    host_authority_id = fields.UUID(required=True)
    host_authority_name = fields.String(required=True)
    postcode_district = fields.String(required=True)
    registered_places = fields.Integer(required=True)


class SettingList(Schema):
    items = fields.List(fields.Nested(SettingOut), required=True)


class VacancyOut(Schema):
    id = fields.UUID(required=True)
    setting_id = fields.UUID(required=True)
    setting_name = fields.String(required=True)
    setting_type = fields.String(required=True, validate=validate.OneOf(SETTING_TYPES))
    host_authority_id = fields.UUID(required=True)
    host_authority_name = fields.String(required=True)
    postcode_district = fields.String(required=True)
    age_from = fields.Integer(required=True)
    age_to = fields.Integer(required=True)
    needs_met = fields.Function(lambda row: [n for n in row["needs"].split("|") if n],
                                required=True,
                                metadata={"type": "array", "items": {"type": "string"}})
    weekly_fee = fields.Integer(required=True)
    places = fields.Integer(required=True)
    available_from = fields.Date(required=True)
    expires_on = fields.Date(required=True, allow_none=True)
    description = fields.String(required=True)
    status = fields.String(required=True)
    published_at = UtcDateTime(required=True)
    changed_at = UtcDateTime(required=True)


class OwnVacancyOut(VacancyOut):
    version = fields.Integer(required=True, metadata={
        "description": "The vacancy's version: its ETag, to send back in If-Match"})


class BoardVacancyOut(VacancyOut):
    provider_id = fields.UUID(required=True)
    provider_name = fields.String(required=True)


class PageQuery(ApiSchema):
    strict_numbers = False
    cursor = fields.String(load_default=None, metadata={
        "description": "Where the page starts: a 'next_cursor' as given (none: the first page)"})
    limit = fields.Integer(load_default=50, validate=validate.Range(
        min=1, max=MAX_LIMIT, error=f"Limit must be between 1 and {MAX_LIMIT}"), metadata={
        "description": "How many items at most"})


class BoardQuery(PageQuery):
    setting_type = fields.String(load_default=None, validate=validate.OneOf(
        SETTING_TYPES, error="Choose a setting type from the list"))
    host_authority_id = fields.UUID(load_default=None, error_messages={
        "invalid": "Host authority must be an authority's id"})
    age = fields.Integer(load_default=None, validate=validate.Range(min=0, max=25))
    needs = fields.List(fields.String(validate=validate.OneOf(
        NEEDS, error="Choose needs from the list")), load_default=list)
    max_weekly_fee = fields.Integer(load_default=None, validate=validate.Range(
        min=1, max=100_000))


class OwnVacanciesQuery(PageQuery):
    status = fields.String(load_default=None, validate=validate.OneOf(
        ("available", "held", "filled", "withdrawn", "expired"),
        error="Choose a status from the list"))


class VacancyPage(Schema):
    items = fields.List(fields.Nested(OwnVacancyOut), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class BoardPage(Schema):
    items = fields.List(fields.Nested(BoardVacancyOut), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


# --- placements -------------------------------------------------------------------------------

BIRTH_MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


class PlacementIn(ApiSchema, StartSchema):
    """A child's placement starts: the child (by the council's own id, hashed at once and never
    stored), then where and how the child is placed, as the Record a placement page asks."""

    child_id = fields.String(required=True, validate=validate.Length(
        min=1, max=100, error="Child id must be 1 to 100 characters"), metadata={
        "description": "The council's own id for the child: hashed into the portal's "
                       "pseudonymous reference at once; never stored or sent back"})
    birth_month = fields.String(required=True, validate=validate.Regexp(
        BIRTH_MONTH, error="Month of birth must be a month like 2012-05"),
        error_messages={"required": "Enter the month and year of birth"})
    uasc = fields.Boolean(required=True, truthy={True}, falsy={False}, error_messages={
        "required": "Say whether the child is an unaccompanied asylum-seeking child",
        "invalid": "uasc must be true or false"})

    @post_load
    def _uasc(self, data: dict, **_kwargs) -> dict:
        return data  # already true or false


class PlacementChangeIn(ApiSchema, ChangeSchema):
    """A change of placement: the new placement's details, from the date given."""


class PlacementEndIn(ApiSchema, EndSchema):
    """The child's placement ends (and the period of care with it)."""


class EpisodeOut(Schema):
    number = fields.Integer(required=True)
    start = fields.Date(required=True)
    end = fields.Date(required=True, allow_none=True)
    legal_status = fields.String(required=True)
    cin = fields.String(required=True, allow_none=True)
    place = fields.String(required=True, validate=validate.OneOf(
        list(ssda903.PLACEMENT_TYPES)))
    place_provider = fields.String(required=True, allow_none=True)
    rne = fields.String(required=True, allow_none=True)
    rec = fields.String(required=True, allow_none=True)
    reason_place_change = fields.String(required=True, allow_none=True)
    provider_id = fields.UUID(required=True, allow_none=True)
    setting_id = fields.UUID(required=True, allow_none=True)
    placement_authority_id = fields.UUID(required=True, allow_none=True)
    placement_postcode = fields.String(required=True, allow_none=True)
    weekly_cost = fields.Integer(required=True, allow_none=True)
    contract_route = fields.String(required=True, allow_none=True)
    contract_id = fields.UUID(required=True, allow_none=True)


class ChildOut(Schema):
    child_ref = fields.String(required=True, metadata={
        "description": "The portal's pseudonymous reference for the child"})
    birth_month = fields.String(required=True)
    sex = fields.String(required=True)
    uasc = fields.Boolean(required=True)
    open = fields.Boolean(required=True, metadata={"description": "Placed now"})


class ChildSummaryOut(ChildOut):
    latest = fields.Nested(EpisodeOut, required=True)


class PlacementOut(ChildOut):
    version = fields.Integer(required=True, metadata={
        "description": "The child's record's version: its ETag, to send back in If-Match"})
    episodes = fields.List(fields.Nested(EpisodeOut), required=True)


class PlacementsQuery(PageQuery):
    status = fields.String(load_default="open", validate=validate.OneOf(
        ("open", "ended", "all"), error="Choose open, ended or all"))


class PlacementPage(Schema):
    items = fields.List(fields.Nested(ChildSummaryOut), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


class Problem(Schema):
    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.List(fields.Dict(keys=fields.String(), values=fields.String()))
