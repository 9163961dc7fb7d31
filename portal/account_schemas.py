"""Marshmallow schemas for local accounts: invitations, passwords, second-factor codes."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from auth.credentials import MAX_PASSWORD_LENGTH
from domain.vocabulary import ROLES
from portal.schemas import FormSchema


def _required(label: str, max_length: int, missing: str | None = None) -> fields.String:
    missing = missing or f"Enter {label}"
    return fields.String(required=True, validate=validate.Length(
        max=max_length, error=f"{label[0].upper()}{label[1:]} must be {max_length} characters "
                              "or fewer"),
        error_messages={"required": missing, "null": missing})


class InvitationSchema(FormSchema):
    email = _required("the person's email address", 320)
    display_name = _required("the person's name", 200)
    # Only a platform administrator chooses; an organisation administrator's own is used.
    organisation_id = fields.UUID(load_default=None, allow_none=True, error_messages={
        "invalid": "Choose the organisation from the list",
        "invalid_uuid": "Choose the organisation from the list"})
    roles = fields.List(fields.String(validate=validate.OneOf(
        ROLES, error="Choose roles from the list")), load_default=list)
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(
        max=500, error="Reason must be 500 characters or fewer"))

    @validates_schema(skip_on_field_errors=False)  # said with the other fields' errors
    def _some_role(self, data: dict, **_kwargs) -> None:
        if not data.get("roles"):
            raise ValidationError("Choose at least one role", field_name="roles")


class NewPasswordSchema(FormSchema):
    password = fields.String(required=True, validate=validate.Length(
        max=MAX_PASSWORD_LENGTH,
        error=f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer"),
        error_messages={"required": "Enter a password", "null": "Enter a password"})
    confirm_password = fields.String(required=True, error_messages={
        "required": "Enter the password again", "null": "Enter the password again"})

    @validates_schema(skip_on_field_errors=False)
    def _same(self, data: dict, **_kwargs) -> None:
        if data.get("password") and data.get("confirm_password") \
                and data["password"] != data["confirm_password"]:
            raise ValidationError("The passwords do not match", field_name="confirm_password")


class CodeSchema(FormSchema):
    code = fields.String(required=True, validate=validate.Regexp(
        r"^\s*\d{3}[\s-]?\d{3}\s*$", error="Enter the 6-digit code from your authenticator app"),
        error_messages={"required": "Enter the 6-digit code from your authenticator app",
                        "null": "Enter the 6-digit code from your authenticator app"})


class RecoveryCodeSchema(FormSchema):
    recovery_code = fields.String(required=True, validate=validate.Length(
        max=40, error="Enter one of your recovery codes, like 1a2b3-c4d5e-6f7a8-b9c0d"),
        error_messages={"required": "Enter one of your recovery codes",
                        "null": "Enter one of your recovery codes"})


class PasswordResetRequestSchema(FormSchema):
    email = fields.String(required=True, validate=validate.Length(
        min=3, max=320, error="Enter your email address"), error_messages={
        "required": "Enter your email address", "null": "Enter your email address"})


class ResetSecondFactorSchema(FormSchema):
    reason = fields.String(required=True, validate=validate.Length(
        max=500, error="Reason must be 500 characters or fewer"), error_messages={
        "required": "Say why the second factor is being reset",
        "null": "Say why the second factor is being reset"})
