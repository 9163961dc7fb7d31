"""Marshmallow schemas for the placement, contract and target forms, in GOV.UK style.

The schemas check what a form alone can tell (a code from the list, a real date, a whole
number); the domain checks the rest (a code valid in the episode's collection year, dates in
order, one open placement per child) and its messages are shown beside the same fields.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from uuid import UUID

from marshmallow import ValidationError, fields, post_load, pre_load, validate, validates_schema

from domain import ssda903
from domain.contract import MAX_PLACES, MAX_WEEKLY_PRICE
from domain.contract import problems as contract_problems
from domain.organisation import TARGETS
from domain.placement import BIRTH_MONTH, EPISODE_FIELDS, MAX_WEEKLY_COST, episode_problems
from domain.postcode import NotAPostcode, normalise_postcode
from domain.vocabulary import CONTRACT_ROUTES, SETTING_TYPES
from portal.form_fields import money
from portal.out_of_area_schemas import OutOfAreaFields
from portal.schemas import FormSchema, _int
from projections.placement_location import NOT_KNOWN
from projections.placement_queries import AREAS, STATUSES

CHANGE_RNE = ("L", "P", "T", "B", "U")
PROVIDER_CHOICES = {"in_house": "In-house (the council's own carers or homes)",
                    "unknown": NOT_KNOWN["setting"]}
# A full postcode is cut to its sector as soon as it arrives: the portal keeps no full postcode.


def _required(message: str) -> dict[str, str]:
    return {"required": message, "null": message}


def _code(codes, what: str, *, required: bool = False, only=None) -> fields.String:
    message = f"Choose the {what} from the list"
    options = {} if required else {"load_default": None, "allow_none": True}
    return fields.String(required=required, **options,
                         validate=validate.OneOf(list(only or codes), error=message),
                         error_messages=_required(f"Choose the {what}"))


def _date(label: str, *, required: bool = True) -> fields.Date:
    options = {"required": True} if required else {"load_default": None, "allow_none": True}
    return fields.Date(**options, error_messages={
        **_required(f"Enter the {label}"), "invalid": f"The {label} must be a real date"})


def _reason(required: bool, what: str = "Say why") -> fields.String:
    options = {"required": True} if required else {"load_default": None, "allow_none": True}
    return fields.String(**options, error_messages=_required(what), validate=validate.Length(
        max=500, error="Reason must be 500 characters or fewer"))


def _optional_uuid(message: str) -> fields.UUID:
    return fields.UUID(load_default=None, allow_none=True, error_messages={"invalid": message})


def postcode_area(value: str | None) -> str | None:
    """Upper case, single spaces, and a full postcode cut to its sector ("dt1 1ab" -> "DT1 1")."""
    if value is None:
        return None
    try:
        district, sector = normalise_postcode(value)
    except NotAPostcode:  # left as typed, for the domain's rule to refuse with its message
        return " ".join(value.upper().split())
    return sector or district


class PlacementTermsSchema(FormSchema):
    """Where and how a child is placed: shared by recording, changing and correcting.

    Given ``today`` (and the child's ``birth_month`` where the form does not ask for it), the
    domain's own episode rules (a code valid in the start's collection year, dates not in the
    future nor before birth) are named with the form's own errors, all at once."""

    START = "start"  # the field holding the date the (new) episode starts

    legal_status = _code(ssda903.LEGAL_STATUSES, "legal status", required=True)
    cin = _code(ssda903.CATEGORIES_OF_NEED, "category of need")
    place = _code(ssda903.PLACEMENT_TYPES, "placement type", required=True)
    place_provider = _code(ssda903.PLACEMENT_PROVIDERS, "placement provider")
    provider = fields.String(required=True, error_messages=_required(
        "Choose the provider, or say the placement is in-house or not in the directory"))
    setting_id = _optional_uuid("Choose the setting from the list")
    placement_area = _optional_uuid("Choose the authority from the list")
    home_postcode = fields.String(load_default=None, allow_none=True)
    placement_postcode = fields.String(load_default=None, allow_none=True)
    weekly_cost = money("Weekly cost", 0, MAX_WEEKLY_COST, required=False)
    contract_route = _code(CONTRACT_ROUTES, "contract route")
    contract_id = _optional_uuid("Choose the contract from the list")

    def __init__(self, *, today: date | None = None, birth_month: str | None = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.today = today
        self.birth_month = birth_month

    @validates_schema(skip_on_field_errors=False)
    def _episode_rules(self, data: dict, **_kwargs) -> None:
        if self.today is None:
            return
        facts = {k: v for k, v in data.items() if k in EPISODE_FIELDS and k != "contract_id"}
        facts["start"] = data.get(self.START)
        birth_month = data.get("birth_month") or self.birth_month
        if not (isinstance(birth_month, str) and BIRTH_MONTH.match(birth_month)):
            birth_month = None
        found = episode_problems(facts, birth_month, self.today, complete=False)
        if found:
            raise ValidationError({self.START if k == "start" else k: v
                                   for k, v in found.items() if k in self.load_fields
                                   or k == "start"})

    @pre_load
    def _postcodes(self, data: dict, **_kwargs) -> dict:
        return {**data, **{name: postcode_area(data.get(name))
                           for name in ("home_postcode", "placement_postcode")}}

    @validates_schema(skip_on_field_errors=False)
    def _provider_choice(self, data: dict, **_kwargs) -> None:
        provider = data.get("provider")
        if provider is None or provider in PROVIDER_CHOICES:  # a missing one says so itself
            return
        try:
            UUID(provider or "")
        except ValueError:
            raise ValidationError("Choose the provider from the list",
                                  field_name="provider") from None


class PeriodSchema(PlacementTermsSchema, OutOfAreaFields):
    """A new period of care for a child already on the authority's records."""

    start = _date("date the placement started")
    reason = _reason(False)


class StartSchema(PeriodSchema):
    """A child's first placement with the authority: who the child is, then the placement."""

    birth_month = fields.String(required=True, error_messages=_required(
        "Enter the month and year of birth"))
    sex = _code(ssda903.SEXES, "child's sex", required=True)
    uasc = fields.String(required=True, validate=validate.OneOf(("yes", "no"), error=(
        "Say whether the child is an unaccompanied asylum-seeking child")),
        error_messages=_required("Say whether the child is an unaccompanied asylum-seeking "
                                 "child"))

    @post_load
    def _uasc(self, data: dict, **_kwargs) -> dict:
        return {**data, "uasc": data["uasc"] == "yes"}


class ChangeSchema(PlacementTermsSchema, OutOfAreaFields):
    START = "on"
    on = _date("date of the change")
    rne = _code(ssda903.NEW_EPISODE_REASONS, "reason for the new episode", required=True,
                only=CHANGE_RNE)
    reason_place_change = _code(ssda903.PLACEMENT_CHANGE_REASONS, "reason for the change")
    reason = _reason(False)


class EndSchema(FormSchema):
    on = _date("date the placement ended")
    rec = _code(ssda903.EPISODE_END_REASONS, "reason the placement ended", required=True,
                only=[c for c in ssda903.EPISODE_END_REASONS if c != ssda903.CONTINUING])
    reason = _reason(False)


class CorrectChildSchema(FormSchema):
    birth_month = fields.String(required=True, error_messages=_required(
        "Enter the month and year of birth"))
    sex = _code(ssda903.SEXES, "child's sex", required=True)
    uasc = fields.String(required=True, validate=validate.OneOf(("yes", "no"), error=(
        "Say whether the child is an unaccompanied asylum-seeking child")),
        error_messages=_required("Say whether the child is an unaccompanied asylum-seeking "
                                 "child"))
    reason = _reason(True, "Say why the record is being corrected")

    @post_load
    def _uasc(self, data: dict, **_kwargs) -> dict:
        return {**data, "uasc": data["uasc"] == "yes"}


class CorrectEpisodeSchema(PlacementTermsSchema):
    start = _date("start date")
    end = _date("end date", required=False)
    rne = _code(ssda903.NEW_EPISODE_REASONS, "reason for the new episode", required=True)
    rec = _code(ssda903.EPISODE_END_REASONS, "reason the episode ended")
    reason_place_change = _code(ssda903.PLACEMENT_CHANGE_REASONS, "reason for the change")
    reason = _reason(True, "Say why the record is being corrected")


class ChildSearchSchema(FormSchema):
    """The children list's filters, from the query string. Every one may be left out."""

    status = fields.String(load_default="open", allow_none=True, validate=validate.OneOf(
        STATUSES, error="Choose who to show from the list"))
    group = _code(ssda903.GROUPS, "kind of placement")
    place = _code(ssda903.PLACEMENT_TYPES, "placement type")
    area = _code(AREAS, "area")
    route = _code(CONTRACT_ROUTES, "contract route")
    started_from = _date("first start date", required=False)
    started_to = _date("last start date", required=False)
    page = fields.Integer(load_default=1, allow_none=True,
                          validate=validate.Range(min=1, max=100_000),
                          error_messages={"invalid": "Page must be a whole number"})

    @validates_schema(skip_on_field_errors=False)
    def _dates_in_order(self, data: dict, **_kwargs) -> None:
        if data.get("started_from") and data.get("started_to") \
                and data["started_from"] > data["started_to"]:
            raise ValidationError("The first start date must not be after the last",
                                  field_name="started_to")


class ContractSchema(FormSchema):
    title = fields.String(required=True, error_messages=_required("Enter the contract's title"),
                          validate=validate.Length(max=200, error=(
                              "Title must be 200 characters or fewer")))
    provider_id = fields.UUID(required=True, error_messages={
        **_required("Choose the provider"), "invalid": "Choose the provider from the list"})
    route = _code(CONTRACT_ROUTES, "contract route", required=True,
                  only=("block", "framework", "spot"))
    setting_type = _code(SETTING_TYPES, "kind of provision", required=True)
    places = _int("Places", 0, MAX_PLACES, required=False)
    weekly_price = money("Weekly price per place", 1, MAX_WEEKLY_PRICE, required=True)
    start = _date("start date")
    end = _date("end date")

    def __init__(self, *, providers: Collection[UUID] | None = None, **kwargs) -> None:
        """``providers``: those on offer (a provider not among them is refused)."""
        super().__init__(**kwargs)
        self.providers = providers

    @validates_schema(skip_on_field_errors=False)
    def _rules(self, data: dict, **_kwargs) -> None:
        found = contract_problems(data, complete=False)  # the domain's, with the form's own
        provider = data.get("provider_id")
        if self.providers is not None and provider is not None \
                and provider not in self.providers:
            found["provider_id"] = "Choose the provider from the list"
        if found:
            raise ValidationError(found)


class VaryContractSchema(FormSchema):
    places = _int("Places", 0, MAX_PLACES, required=False)
    weekly_price = money("Weekly price per place", 1, MAX_WEEKLY_PRICE, required=True)
    end = _date("end date")
    reason = _reason(True, "Say why the contract is being varied")


class TerminateContractSchema(FormSchema):
    on = _date("termination date")
    reason = _reason(True, "Say why the contract is being terminated")


def _target(label: str, low: float, high: float) -> fields.Float:
    return fields.Float(load_default=None, allow_none=True, allow_nan=False,
                        validate=validate.Range(min=low, max=high,
                                                error=f"{label} must be between {low:g} and "
                                                      f"{high:g}"),
                        error_messages={"invalid": f"{label} must be a number"})


TargetsSchema = FormSchema.from_dict(
    {name: _target(label, *limits) for name, (label, limits) in TARGETS.items()}
    | {"reason": _reason(False)}, name="TargetsSchema")
