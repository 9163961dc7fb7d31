"""Field types shared by every form: one way to read an amount of money.

A weekly fee, a price, a cost or a value is typed as people write money: "5200", "5,200",
"£5,200" or "5200.00". Every money field in the portal is a whole number of pounds (the
Placements Data Standard's weekly cost is "whole pounds, excluding VAT"), so pence are refused
with a message that says so, and anything else that is not an amount says what is wrong.
"""

from __future__ import annotations

import re

from marshmallow import fields, validate

# Digits with commas between each group of three ("5,200", "1,250,000"), or none ("5200").
_POUNDS = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)$")
_GROUPED_BADLY = re.compile(r"^[\d,]+$")
_PENCE = re.compile(r"^\d+$")


class Money(fields.Field):
    """A whole number of pounds, as people type it. ``label`` starts every message."""

    def __init__(self, label: str, **kwargs) -> None:
        self.label = label
        given = kwargs.pop("error_messages", {})
        messages = {
            "invalid": f"{label} must be an amount in pounds, like £5,200",
            "pence": f"{label} must be in whole pounds: pence are not accepted",
            "commas": f"{label} has a comma in the wrong place: write it like £5,200",
            "negative": f"{label} cannot be less than £0",
            "whole": f"{label} must be a whole number",
        }
        super().__init__(**kwargs, error_messages={**messages, **given})
        # JSON (the API) sends a number as a number: text, even "5,200", is refused there.
        self.strict = False

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        if isinstance(value, bool) or not isinstance(value, (str, int)) \
                or (self.strict and not isinstance(value, int)):
            raise self.make_error("whole" if self.strict else "invalid")
        if isinstance(value, int):
            return value
        return pounds(value, self.make_error)

    def _serialize(self, value, attr, obj, **kwargs):
        return value


def pounds(typed: str, error) -> int:
    """``typed`` as whole pounds; ``error(key)`` makes the exception to raise."""
    amount = "".join(typed.split())  # "£ 5 200" as "£5200": spaces never change an amount
    amount = amount.removeprefix("£")
    if amount.startswith("-"):
        raise error("negative")
    whole, point, pence = amount.partition(".")
    if not whole.isascii() or not (pence.isascii() or not pence):
        raise error("invalid")
    if point and _PENCE.match(pence) and (whole == "" or _POUNDS.match(whole)):
        if int(pence) != 0:
            raise error("pence")
    elif point:
        raise error("invalid")
    if _POUNDS.match(whole):
        return int(whole.replace(",", ""))
    if _GROUPED_BADLY.match(whole) and any(c.isdigit() for c in whole):
        raise error("commas")
    raise error("invalid")


def money(label: str, low: int, high: int, *, required: bool) -> Money:
    """A money field between £``low`` and £``high`` (whole pounds), with GOV.UK messages."""
    optional = {} if required else {"load_default": None, "allow_none": True}
    out_of_range = f"{label} must be between £{low:,} and £{high:,}"
    return Money(label, required=required, **optional,
                 validate=validate.Range(min=low, max=high, error=out_of_range),
                 error_messages={"required": f"Enter {label[0].lower()}{label[1:]}",
                                 "null": f"Enter {label[0].lower()}{label[1:]}",
                                 "negative": out_of_range})
