"""Forms of single sign-on: a platform administrator's identity-provider settings, and the work
email a user enters to find their organisation's sign-in."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates

from domain.account import EMAIL, normalise_email
from domain.identity_provider import normalise_domains
from portal.schemas import FormSchema, _text


class IdentityProviderSchema(FormSchema):
    """Register and change share it; the domain checks each setting's meaning."""

    display_name = _text("Name users will see", 100,
                         missing="Enter the name users will see, like Kent County Council")
    discovery_url = _text("Discovery URL", 500, missing="Enter the discovery URL")
    client_id = _text("Client ID", 200, missing="Enter the client ID")
    client_secret_ref = _text("Where the client secret is kept", 310,
                              missing="Enter where the client secret is kept")
    allowed_domains = fields.Function(
        deserialize=normalise_domains, required=True,
        error_messages={"required": "Enter at least one email domain, like kent.gov.uk",
                        "null": "Enter at least one email domain, like kent.gov.uk"})
    reason = _text("Reason", 500, required=False)

    @validates("allowed_domains")
    def _some_domain(self, value: list[str], **_kwargs) -> None:
        if not value:
            raise ValidationError("Enter at least one email domain, like kent.gov.uk")


class NewIdentityProviderSchema(IdentityProviderSchema):
    organisation_id = fields.UUID(required=True, error_messages={
        "required": "Choose the organisation", "null": "Choose the organisation",
        "invalid": "Choose the organisation"})


class ReasonSchema(FormSchema):
    reason = _text("Reason", 500, required=False)


class WorkEmailSchema(FormSchema):
    email = fields.String(required=True, validate=validate.Length(
        max=320, error="Enter your work email address"), error_messages={
        "required": "Enter your work email address", "null": "Enter your work email address"})

    @validates("email")
    def _email(self, value: str, **_kwargs) -> None:
        if not EMAIL.match(normalise_email(value)):
            raise ValidationError("Enter an email address in the correct format, like "
                                  "name@kent.gov.uk")
