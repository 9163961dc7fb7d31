"""The monthly fostering return's form: the month (a GOV.UK date input of month and year),
every figure as a whole number, and the reason for a correction. The domain's rules (no
negative counts, no more approvals than assessments, places that hold their households) are
said with the form's own errors, all at once."""

from __future__ import annotations

from datetime import date

from marshmallow import fields, validate
from werkzeug.datastructures import MultiDict

from domain.errors import Refused
from domain.fostering import FIELDS, check_return
from portal.forms import FormResult, load
from portal.schemas import FormSchema


def _figure(label: str) -> fields.Integer:
    return fields.Integer(load_default=None, allow_none=True, strict=False, error_messages={
        "invalid": f"{label} must be a whole number"})


FosteringReturnSchema = FormSchema.from_dict(
    {name: _figure(label) for name, label in FIELDS.items()}
    | {"month": fields.Date(load_default=None, allow_none=True,
                            error_messages={"invalid": "The month must be a real month"}),
       "reason": fields.String(load_default=None, allow_none=True, validate=validate.Length(
           max=500, error="The reason must be 500 characters or fewer"))},
    name="FosteringReturnSchema")


FosteringImportSchema = FormSchema.from_dict(
    {"reason": fields.String(load_default=None, allow_none=True, validate=validate.Length(
        max=500, error="The reason must be 500 characters or fewer"))},
    name="FosteringImportSchema")


def _month(form: MultiDict, errors: dict[str, str]) -> str | None:
    """The month and year of the GOV.UK date input, as the month's first day (ISO)."""
    month, year = (form.get(f"month-{p}", "").strip() for p in ("month", "year"))
    if not month and not year:
        return None
    if not (month.isascii() and month.isdigit() and year.isascii() and year.isdigit()
            and len(year) == 4 and 1 <= int(month) <= 12):
        errors["month"] = "The month must be a real month, like 4 2026"
        return None
    return date(int(year), int(month), 1).isoformat()


def parse_fostering_return(form: MultiDict, *, today: date,
                           correcting: bool = False) -> FormResult:
    """The return's month, figures and reason (a correction's is required); every error at
    once, the domain's too."""
    errors: dict[str, str] = {}
    raw = {k: v for k, v in form.to_dict().items() if not k.startswith("month-")}
    raw["month"] = _month(form, errors)
    result = load(FosteringReturnSchema(), raw, errors)
    data = result.data if result.ok else {
        k: v for k, v in _loaded_parts(raw).items() if k not in result.errors}
    figures = {name: data.get(name) for name in FIELDS}
    try:
        check_return(data.get("month"), figures, today=today)
    except Refused as refused:
        for key, message in refused.errors.items():
            result.errors.setdefault(key, message)
    if correcting and not data.get("reason") and "reason" not in result.errors:
        result.errors["reason"] = "Enter the reason for the correction"
    result.anchors = {"month": "month-month"}
    if result.ok:
        result.data = {"month": data["month"], "figures": figures,
                       "reason": data.get("reason")}
    return result


def _loaded_parts(raw: dict) -> dict:
    """The fields that load on their own, when the form as a whole does not."""
    schema = FosteringReturnSchema()
    found = {}
    for name in (*FIELDS, "month", "reason"):
        single = load(schema, {name: raw.get(name)})
        if single.ok:
            found[name] = single.data.get(name)
    return found
