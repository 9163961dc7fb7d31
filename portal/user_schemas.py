"""The forms of the users area: filters, and changes of access that always need a reason."""

from __future__ import annotations

from marshmallow import fields, validate

from domain.vocabulary import ROLES
from portal.schemas import FormSchema

REASON_MAX = 500


def _reason() -> fields.String:
    return fields.String(required=True, validate=validate.Length(
        max=REASON_MAX, error=f"Reason must be {REASON_MAX} characters or fewer"),
        error_messages={"required": "Enter the reason", "null": "Enter the reason"})


def _page() -> fields.Integer:
    return fields.Integer(load_default=1, allow_none=True, validate=validate.Range(
        min=1, max=10_000_000, error="Page must be a whole number from 1"),
        error_messages={"invalid": "Page must be a whole number"})


class UsersFilterSchema(FormSchema):
    organisation = fields.UUID(load_default=None, allow_none=True, error_messages={
        "invalid": "Choose an organisation from the list",
        "invalid_uuid": "Choose an organisation from the list"})
    page = _page()


class HistoryPageSchema(FormSchema):
    page = _page()


class RoleChangeSchema(FormSchema):
    """Grant or take away one role."""

    role = fields.String(required=True, validate=validate.OneOf(
        ROLES, error="Choose a role from the list"), error_messages={
        "required": "Choose a role", "null": "Choose a role"})
    reason = _reason()


class AccessReasonSchema(FormSchema):
    """Suspend or reinstate an account."""

    reason = _reason()
