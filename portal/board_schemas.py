"""Marshmallow schemas of the vacancy board's forms: a provider's named contact, asking a
provider for a vacancy's place, and an officer's saved board searches."""

from __future__ import annotations

from marshmallow import fields, validate

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
    """A provider's named contact: every field required (the domain checks the phone number
    and the e-mail address, all at once)."""

    contact_name = _text("The contact's name", 100)
    contact_phone = _text("The contact's telephone number", 40)
    contact_email = _text("The contact's email address", 254)
    reason = _text("The reason", 500, required=False)
