"""The home search forms: parsing what was typed, and every rule broken shown at once.

The schema turns the posted strings into values (whole numbers, dates, lists, districts); the
domain's own :func:`domain.home_search.problems` then names every rule the values break, so
the form and the command refuse the same things with the same words, all at once.
"""

from __future__ import annotations

from datetime import date

from marshmallow import ValidationError, fields, pre_load, validates_schema
from werkzeug.datastructures import MultiDict

from domain.home_search import MAX_REASON, UNFILLED_REASONS, problems
from domain.postcode import NotAPostcode, normalise_postcode
from portal.forms import FormResult, combine_date, load
from portal.schemas import FormSchema

# The form's fields top to bottom: the error summary lists problems in this order.
ORDER = ("child_id", "urgency", "needed_by", "latest_start", "placement_types", "age", "sex",
         "siblings", "needs", "family_district", "school_district", "stay_near_school",
         "areas_to_avoid", "legal_status", "reason")
DATE_LABELS = {"needed_by": "The date needed by", "latest_start": "The latest start"}
LIST_FIELDS = ("placement_types", "needs")


def district(value: str | None) -> str | None:
    """A district from whatever was typed: a full postcode or sector is cut to its district
    (the portal keeps no full postcode); anything else is left as typed for the rules to
    refuse with their message."""
    if value is None:
        return None
    try:
        return normalise_postcode(value)[0]
    except NotAPostcode:
        return " ".join(value.upper().split())


def _whole(label: str) -> fields.Integer:
    return fields.Integer(load_default=None, allow_none=True, strict=False, error_messages={
        "invalid": f"{label} must be a whole number"})


class HomeSearchSchema(FormSchema):
    """A home search's referral terms: drafting and editing share it."""

    urgency = fields.String(load_default=None, allow_none=True)
    needed_by = fields.Date(load_default=None, allow_none=True, error_messages={
        "invalid": "The date needed by must be a real date"})
    latest_start = fields.Date(load_default=None, allow_none=True, error_messages={
        "invalid": "The latest start must be a real date"})
    placement_types = fields.List(fields.String(), load_default=list)
    age = _whole("The child's age")
    sex = fields.String(load_default=None, allow_none=True)
    siblings = _whole("The number of brothers and sisters")
    needs = fields.List(fields.String(), load_default=list)
    family_district = fields.String(load_default=None, allow_none=True)
    school_district = fields.String(load_default=None, allow_none=True)
    stay_near_school = fields.Boolean(load_default=False, allow_none=True, truthy={"yes"},
                                      falsy={"no"},
                                      error_messages={"invalid": "Say whether the child must "
                                                                 "stay near their school"})
    areas_to_avoid = fields.String(load_default=None, allow_none=True)
    legal_status = fields.String(load_default=None, allow_none=True)
    reason = fields.String(load_default=None, allow_none=True)

    def __init__(self, *, today: date | None = None, largest_group: int | None = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.today = today  # None: the date needed by is not checked against today
        self.largest_group = largest_group

    @pre_load
    def _districts(self, data: dict, **_kwargs) -> dict:
        data = dict(data)
        for name in ("family_district", "school_district"):
            data[name] = district(data.get(name))
        return data

    @validates_schema(skip_on_field_errors=False)
    def _rules(self, data: dict, **_kwargs) -> None:
        terms = dict(data)
        terms["areas_to_avoid"] = areas(terms.get("areas_to_avoid"))
        found = problems(terms, today=self.today, largest_group=self.largest_group)
        reason = data.get("reason")
        if reason is not None and len(reason) > MAX_REASON:
            found["reason"] = f"The reason must be {MAX_REASON} characters or fewer"
        if found:
            raise ValidationError(found)


def areas(text: str | list | None) -> list[str]:
    """"ME4, ct1 2ab" -> ["ME4", "CT1"]: districts to avoid, separated by commas."""
    if isinstance(text, list):
        return text
    return [district(part) or "" for part in (text or "").split(",") if part.strip()]


def parse(form: MultiDict, *, today: date | None, largest_group: int | None) -> FormResult:
    """The posted form as a command's terms, or every error at once (keeping what was typed,
    with lists as lists)."""
    errors: dict[str, str] = {}
    raw = form.to_dict()
    for name in LIST_FIELDS:
        raw[name] = form.getlist(name)
    for name, label in DATE_LABELS.items():
        raw[name] = combine_date(form, name, label, errors)
    result = load(HomeSearchSchema(today=today, largest_group=largest_group), raw, errors)
    if result.ok:
        result.data["areas_to_avoid"] = areas(result.data["areas_to_avoid"])
    else:
        result.data = typed(form)
        result.errors = in_form_order(result.errors)
    result.anchors = {name: f"{name}-day" for name in DATE_LABELS} | {
        "placement_types": "placement_types", "needs": "needs", "urgency": "urgency",
        "sex": "sex", "stay_near_school": "stay_near_school"}
    return result


def in_form_order(errors: dict[str, str]) -> dict[str, str]:
    rank = {name: n for n, name in enumerate(ORDER)}
    return dict(sorted(errors.items(), key=lambda item: rank.get(item[0], len(ORDER))))


def typed(form: MultiDict) -> dict:
    """What was typed, to show again: single fields as text, lists as lists; never the
    council's own child id."""
    data = {k: v for k, v in form.to_dict().items() if k != "child_id"}
    for name in LIST_FIELDS:
        data[name] = form.getlist(name)
    return data


class CloseUnfilledSchema(FormSchema):
    unfilled_reason = fields.String(load_default=None, allow_none=True)
    reason = fields.String(load_default=None, allow_none=True)

    @validates_schema(skip_on_field_errors=False)
    def _rules(self, data: dict, **_kwargs) -> None:
        found = {}
        if data.get("unfilled_reason") not in UNFILLED_REASONS:
            found["unfilled_reason"] = "Choose why no home was found"
        if len(data.get("reason") or "") > MAX_REASON:
            found["reason"] = f"The reason must be {MAX_REASON} characters or fewer"
        if found:
            raise ValidationError(found)


class CancelSchema(FormSchema):
    reason = fields.String(load_default=None, allow_none=True)

    @validates_schema(skip_on_field_errors=False)
    def _rules(self, data: dict, **_kwargs) -> None:
        reason = data.get("reason")
        if not reason:
            raise ValidationError({"reason": "Say why the search is cancelled"})
        if len(reason) > MAX_REASON:
            raise ValidationError(
                {"reason": f"The reason must be {MAX_REASON} characters or fewer"})
