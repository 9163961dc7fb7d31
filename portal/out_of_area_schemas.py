"""The out-of-area fields: whether a placement is planned or an emergency, and the approval the
regulations require (who, in which role, when, why). Shared by recording a placement, changing
it, accepting an offer, and recording an emergency placement's approval afterwards."""

from __future__ import annotations

from marshmallow import ValidationError, fields, post_load, pre_load, validate, validates_schema

from domain.gazetteer import UPPER_TIER
from domain.out_of_area import APPROVER_ROLES, MAX_NAME, MAX_REASON, URGENCIES, Approval
from portal.schemas import FormSchema

APPROVAL_FIELDS = ("approver_name", "approver_role", "approved_on", "approval_reason")
OUT_OF_AREA_FIELDS = frozenset({"urgency", *APPROVAL_FIELDS})
MISSING = {
    "approver_name": "Enter the name of the person who approved the placement",
    "approver_role": "Choose the approver's role",
    "approved_on": "Enter the date the placement was approved",
    "approval_reason": "Give the reason for the approval",
}


class ApprovalFields(FormSchema):
    """An approval: all four given, or none (when ``approval_required`` is False)."""

    approval_required = False

    approver_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(
        max=MAX_NAME, error=f"The approver's name must be {MAX_NAME} characters or fewer"))
    approver_role = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        list(APPROVER_ROLES), error="Choose the approver's role from the list"))
    approved_on = fields.Date(load_default=None, allow_none=True, error_messages={
        "invalid": "The approval date must be a real date"})
    approval_reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(
        max=MAX_REASON, error=f"The reason must be {MAX_REASON} characters or fewer"))

    @validates_schema(skip_on_field_errors=False)  # said with the other fields' errors
    def _all_or_none(self, data: dict, **_kwargs) -> None:
        given = [name for name in APPROVAL_FIELDS if data.get(name) is not None]
        if not given and not self.approval_required:
            return
        missing = {name: MISSING[name] for name in APPROVAL_FIELDS if name not in given}
        if missing:
            raise ValidationError(missing)

    @post_load
    def _approval(self, data: dict, **_kwargs) -> dict:
        approval = None
        if data.get("approver_name") is not None:
            approval = Approval(approver_name=data["approver_name"],
                                approver_role=data["approver_role"],
                                approved_on=data["approved_on"],
                                reason=data["approval_reason"])
        return {**{k: v for k, v in data.items() if k not in APPROVAL_FIELDS},
                "approval": approval}


class OutOfAreaFields(ApprovalFields):
    """Planned or emergency, then the approval (needed only out of area; see the domain)."""

    urgency = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        list(URGENCIES), error="Say whether the placement is planned or an emergency"))


class ApprovalSchema(ApprovalFields):
    """Recording an emergency placement's approval afterwards: every field is needed."""

    approval_required = True


class AdjoiningSchema(FormSchema):
    """A pair of adjoining authorities an administrator adds, and why."""

    ons_code = fields.String(required=True, validate=validate.Regexp(
        UPPER_TIER, error="Enter an upper-tier authority's ONS code, like E10000016"),
        error_messages={"required": "Enter the first authority's ONS code",
                        "null": "Enter the first authority's ONS code"})
    adjoining_ons_code = fields.String(required=True, validate=validate.Regexp(
        UPPER_TIER, error="Enter an upper-tier authority's ONS code, like E06000035"),
        error_messages={"required": "Enter the adjoining authority's ONS code",
                        "null": "Enter the adjoining authority's ONS code"})
    reason = fields.String(required=True, validate=validate.Length(
        max=500, error="Reason must be 500 characters or fewer"), error_messages={
        "required": "Say how the boundary was checked", "null": "Say how the boundary was "
        "checked"})

    @pre_load
    def _codes_upper(self, data: dict, **_kwargs) -> dict:
        return {k: (v.strip().upper() if k in ("ons_code", "adjoining_ons_code")
                    and isinstance(v, str) else v) for k, v in data.items()}
