"""Marshmallow schemas: every field a user can submit, with messages in GOV.UK style."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields as dataclass_fields
from datetime import date
from uuid import UUID

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)
from werkzeug.datastructures import MultiDict

from domain.organisation import Setting
from domain.vacancy import MAX_PLACES, MAX_WEEKLY_FEE
from domain.vacancy import problems as vacancy_problems
from domain.vocabulary import MAX_AGE, NEEDS, PROVIDER_KINDS, SETTING_TYPES
from portal import text_input
from portal.form_fields import money
from portal.forms import FormResult, text
from projections.vacancy_queries import QUALITY, SORTS


def _int(label: str, low: int, high: int, *, required: bool, unit: str = "") -> fields.Integer:
    optional = {} if required else {"load_default": None, "allow_none": True}
    return fields.Integer(
        required=required,
        strict=False,
        **optional,
        validate=validate.Range(min=low, max=high,
                                error=f"{label} must be between {unit}{low:,} and {unit}{high:,}"),
        error_messages={
            "required": f"Enter {label.lower()}",
            "invalid": f"{label} must be a whole number",
            "null": f"Enter {label.lower()}",
        },
    )


def _label(field: fields.Field) -> str:
    """What a field's own length message calls it ("Description must be ..."), for messages
    about its text."""
    for validator in field.validators:
        if isinstance(validator, validate.Length) and " must be " in (validator.error or ""):
            return validator.error.split(" must be ")[0]
    return text_input.DEFAULT_LABEL


def _limit(field: fields.Field) -> int | None:
    """The length limit a field sets itself; None when it sets none (the default applies)."""
    return next((v.max for v in field.validators
                 if isinstance(v, validate.Length) and v.max is not None), None)


class FormSchema(Schema):
    """What every submitted form shares: unknown fields are ignored, every text value is
    normalised and refused when it cannot be stored (see :mod:`portal.text_input`), and a field
    left blank counts as not given (so optional fields may stay empty and required ones say
    "Enter ...")."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _blank_to_none(self, data: dict, **_kwargs) -> dict:
        return {k: (None if isinstance(v, str) and not v.strip() else v)
                for k, v in data.items()}

    def load(self, data, *, many=None, partial=None, unknown=None):
        """Every problem at once: a text value that cannot be stored is refused on its own
        field alongside every other field's error (never instead of them)."""
        if many or not isinstance(data, dict):
            return super().load(data, many=many, partial=partial, unknown=unknown)
        cleaned, problems = self._clean_text(data)
        try:
            loaded = super().load({k: v for k, v in cleaned.items() if k not in problems},
                                  partial=partial, unknown=unknown)
        except ValidationError as error:
            raise ValidationError(self._in_form_order(
                {**error.normalized_messages(), **problems})) from None
        if problems:
            raise ValidationError(self._in_form_order(problems))
        return loaded

    def _in_form_order(self, errors: dict) -> dict:
        """Errors in the order of the schema's fields (the error summary's order)."""
        keys = [field.data_key or name for name, field in self.load_fields.items()]
        return dict(sorted(errors.items(),
                           key=lambda item: keys.index(item[0]) if item[0] in keys
                           else len(keys)))

    def _clean_text(self, data: dict) -> tuple[dict, dict]:
        """Every string given for a field of the form, alone or in a list, as NFC with newline
        line endings. A value holding a control character or a lone surrogate, or longer than
        any field takes, is refused on its own field (and not loaded), so no such value ever
        reaches a command."""
        cleaned, problems = dict(data), {}
        for name, field in self.load_fields.items():
            key = field.data_key or name
            value = data.get(key)
            values = value if isinstance(value, list) else [value]
            if not any(isinstance(v, str) for v in values):
                continue
            values = [text_input.normalise(v) if isinstance(v, str) else v for v in values]
            limit = _limit(field)
            for typed in (v for v in values if isinstance(v, str)):
                message = text_input.problem(typed, _label(field),
                                             None if limit else text_input.MAX_ANY_TEXT)
                if message is not None:
                    problems.setdefault(key, [message])
            cleaned[key] = values if isinstance(value, list) else values[0]
        return cleaned, problems


class VacancySearchSchema(FormSchema):
    """The vacancy board's filters, from the query string. Every field may be left out."""


    setting_type = fields.String(validate=validate.OneOf(
        SETTING_TYPES, error="Choose a setting type from the list"), load_default=None,
        allow_none=True)
    area = fields.String(load_default=None, allow_none=True)
    age = _int("Age", 0, MAX_AGE, required=False)
    needs = fields.List(fields.String(validate=validate.OneOf(
        NEEDS, error="Choose needs from the list")), load_default=list)
    max_weekly_fee = money("Maximum weekly fee", 1, MAX_WEEKLY_FEE, required=False)
    available_by = fields.Date(load_default=None, allow_none=True,
                               error_messages={"invalid": "Available by must be a real date"})
    quality = fields.String(validate=validate.OneOf(
        ["", *QUALITY], error="Choose an Ofsted judgement from the list"), load_default=None,
        allow_none=True)
    sort = fields.String(validate=validate.OneOf(SORTS, error="Choose a sort order"),
                         load_default="available", allow_none=True)
    page = fields.Integer(load_default=1, allow_none=True,
                          validate=validate.Range(min=1, max=100_000),
                          error_messages={"invalid": "Page must be a whole number"})



class VacancySchema(FormSchema):
    """A provider's vacancy: publish and edit share it."""


    setting_id = fields.UUID(required=True, error_messages={
        "required": "Choose the setting", "invalid": "Choose the setting", "null":
        "Choose the setting"})
    age_from = _int("Youngest age", 0, MAX_AGE, required=True)
    age_to = _int("Oldest age", 0, MAX_AGE, required=True)
    needs_met = fields.List(fields.String(validate=validate.OneOf(
        NEEDS, error="Choose needs from the list")), load_default=list)
    weekly_fee = money("Weekly fee", 1, MAX_WEEKLY_FEE, required=True)
    places = _int("Number of places", 1, MAX_PLACES, required=True)
    available_from = fields.Date(required=True, error_messages={
        "required": "Enter the date the place is available from",
        "null": "Enter the date the place is available from",
        "invalid": "Available from must be a real date"})
    expires_on = fields.Date(load_default=None, allow_none=True, error_messages={
        "invalid": "Expiry date must be a real date"})
    description = fields.String(load_default="", allow_none=True, validate=validate.Length(
        max=1000, error="Description must be 1,000 characters or fewer"))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(
        max=500, error="Reason must be 500 characters or fewer"))


    @post_load
    def _blank_description(self, data: dict, **_kwargs) -> dict:
        data["description"] = data.get("description") or ""
        return data

    def __init__(self, *, settings: Mapping[UUID, Setting] | None = None,
                 today: date | None = None, since: date | None = None, **kwargs) -> None:
        """``settings``: the provider's own, so the domain's rules about the chosen one
        (registered places, ages) are named with the form's own errors; ``today``: the date
        an available-from date is judged by; ``since``: the vacancy's present available-from
        date (left as it is, it is not judged again)."""
        super().__init__(**kwargs)
        self.settings = settings or {}
        self.today = today
        self.since = since

    @validates_schema(skip_on_field_errors=False)
    def _rules(self, data: dict, **_kwargs) -> None:
        setting = self.settings.get(data.get("setting_id"))
        if setting is not None:
            moved = data.get("available_from") != self.since
            found = vacancy_problems(setting, data, today=self.today if moved else None)
            if found:
                raise ValidationError(found)
        elif data.get("age_from") is not None and data.get("age_to") is not None \
                and data["age_from"] > data["age_to"]:
            raise ValidationError("Youngest age must not be more than the oldest age",
                                  field_name="age_from")


def setting_of(row: Mapping) -> Setting:
    """A directory row as the domain's setting, for the rules a form checks with it."""
    return Setting(**{f.name: row[f.name] for f in dataclass_fields(Setting)})


class ReasonSchema(FormSchema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(
        max=500, error="Reason must be 500 characters or fewer"))



class SignInSchema(FormSchema):
    email = fields.String(required=True, validate=validate.Length(
        min=3, max=320, error="Enter your email address"), error_messages={
        "required": "Enter your email address", "null": "Enter your email address"})
    password = fields.String(required=True, validate=validate.Length(
        min=1, max=256, error="Enter your password"), error_messages={
        "required": "Enter your password", "null": "Enter your password"})


def _text(label: str, max_length: int, *, required: bool = True,
          missing: str | None = None) -> fields.String:
    missing = missing or f"Enter {label[0].lower()}{label[1:]}"
    return fields.String(
        required=required,
        load_default=None if not required else fields.missing_,
        allow_none=not required,
        validate=validate.Length(max=max_length,
                                 error=f"{label} must be {max_length:,} characters or fewer"),
        error_messages={"required": missing, "null": missing},
    )


class AuthoritySchema(FormSchema):
    la_code = _text("DfE LA code", 3, missing="Enter the DfE LA code")
    ons_code = _text("ONS code", 9, missing="Enter the ONS code")
    name = _text("Name", 200, missing="Enter the authority's name")
    population_0_17 = _int("Population aged 0 to 17", 1, 5_000_000, required=True)
    partnerships = fields.String(load_default="", allow_none=True, validate=validate.Length(
        max=500, error="Partnerships must be 500 characters or fewer"))
    key_decision_threshold = money("Key-decision threshold", 1, 100_000_000, required=True)

    @post_load
    def _split_partnerships(self, data: dict, **_kwargs) -> dict:
        data["partnerships"] = [p.strip() for p in (data["partnerships"] or "").split(",")
                                if p.strip()]
        return data


class ProviderSchema(FormSchema):
    name = _text("Name", 200, missing="Enter the provider's name")
    kind = fields.String(required=True, validate=validate.OneOf(
        PROVIDER_KINDS, error="Choose the kind of provider"), error_messages={
        "required": "Choose the kind of provider", "null": "Choose the kind of provider"})
    ofsted_urn = _text("Ofsted URN", 12, required=False)



class SettingSchema(FormSchema):
    name = _text("Name", 200, missing="Enter the setting's name")
    setting_type = fields.String(required=True, validate=validate.OneOf(
        SETTING_TYPES, error="Choose a setting type"), error_messages={
        "required": "Choose a setting type", "null": "Choose a setting type"})
    ofsted_urn = _text("Ofsted URN", 12, required=False)
    host_authority_id = fields.UUID(required=True, error_messages={
        "required": "Choose the host authority", "null": "Choose the host authority",
        "invalid": "Choose the host authority"})
    postcode_district = _text("Postcode district", 4, missing="Enter the postcode district")
    registered_places = _int("Registered places", 1, 200, required=True)


# --- uploads ----------------------------------------------------------------------------------

MAX_UPLOAD_REASON = 500


def district_upload(form: MultiDict, files: MultiDict) -> tuple[FormResult, dict]:
    """The postcode districts upload: a CSV file and, if given, a reason. The result keeps the
    reason as typed (to show again); the terms are the file, its name without any folder and
    the reason, stripped."""
    typed = form.get("reason", "")
    result = FormResult(data={"reason": typed})
    reason = text(typed, "reason", result.errors, label="The reason",
                  limit=MAX_UPLOAD_REASON).strip() or None
    upload = files.get("file")
    if upload is None or not upload.filename:
        result.errors["file"] = "Choose a CSV file of postcode districts"
        return result, {}
    file_name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1]
    return result, {"file": upload, "file_name": file_name, "reason": reason}
