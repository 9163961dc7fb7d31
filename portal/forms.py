"""Turning submitted forms into clean values with marshmallow, and errors into GOV.UK shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from marshmallow import Schema, ValidationError
from werkzeug.datastructures import MultiDict

from portal import text_input


@dataclass
class FormResult:
    data: dict = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    # Where an error links to when it has no field of its own (e.g. a page number in the URL).
    anchors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_list(self) -> list[dict[str, str]]:
        """For govukErrorSummary: each message linking to its field."""
        return [{"text": message, "href": f"#{self.anchors.get(name, name)}"}
                for name, message in self.errors.items()]

    def field_error(self, name: str) -> dict[str, str] | None:
        message = self.errors.get(name)
        return {"text": message} if message else None


def _first_message(messages) -> str:
    if isinstance(messages, dict):
        return _first_message(next(iter(messages.values())))
    if isinstance(messages, list):
        return _first_message(messages[0])
    return str(messages)


def combine_date(form: MultiDict, name: str, label: str,
                 errors: dict[str, str]) -> str | None:
    """GOV.UK date inputs submit day, month and year apart; join them as an ISO date. Only
    the digits 0 to 9 make a date (not full-width or other scripts' digits, which ``int``
    would take)."""
    parts = [form.get(f"{name}-{part}", "").strip() for part in ("day", "month", "year")]
    if not any(parts):
        return None
    if not all(parts):
        errors[name] = f"{label} must include a day, month and year"
        return None
    if not all(part.isascii() and part.isdigit() for part in parts):
        errors[name] = f"{label} must be a real date"
        return None
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0])).isoformat()
    except ValueError:
        errors[name] = f"{label} must be a real date"
        return None


def text(value: str, name: str, errors: dict[str, str], *,
         label: str = text_input.DEFAULT_LABEL, limit: int = text_input.MAX_ANY_TEXT) -> str:
    """A free-text value read without a schema (answers to a tender's own questions):
    normalised as a schema would, or an error on ``name`` when it cannot be stored."""
    value = text_input.normalise(value)
    message = text_input.problem(value, label, limit)
    if message is not None:
        errors.setdefault(name, message)
    return value


def readable(schema: Schema, raw: dict, errors: dict[str, str]) -> dict:
    """What ``schema`` can read of ``raw`` besides the fields in ``errors``, so the rules
    across them can be checked beside those fields' errors."""
    try:
        return schema.load({k: v for k, v in raw.items() if k not in errors}, partial=True)
    except ValidationError:
        return {}


def load(schema: Schema, raw: dict, errors: dict[str, str] | None = None) -> FormResult:
    """Validate ``raw`` with ``schema``; field errors keep the schema's messages."""
    errors = dict(errors or {})
    raw = {k: v for k, v in raw.items() if k not in errors}
    try:
        data = schema.load(raw)
    except ValidationError as error:
        for name, messages in error.normalized_messages().items():
            errors.setdefault(name, _first_message(messages))
        return FormResult(data={}, errors=errors)
    return FormResult(data=data, errors=errors)
