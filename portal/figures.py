"""How a sufficiency figure reads: on the page, in a chart and in a CSV file.

One place decides the text of every cell, so the table, the chart's printed values and the
downloaded CSV always agree. The words follow the symbols of official statistics (GSS; see
../shared/REFERENCE.md): a suppressed cell (``HIDDEN``) reads "c" (confidential) whether it is
small itself or hidden to protect another, and the table's footnote says why; "low" is a figure
that is not 0 but rounds to 0 at the precision shown (a share of 0.04% shown as 0.0%); an
unknown one (``None``) reads "unknown". Never a number, never 0, for what is not shown.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from projections.sufficiency.tables import (
    COUNT,
    HIDDEN,
    MILES,
    MONEY,
    NUMBER,
    PERCENT,
    RATE,
    TEXT,
)

HIDDEN_TEXT = "c"
LOW_TEXT = "low"
UNKNOWN_TEXT = "unknown"
# Read by screen readers after the word, so "c", "low" and "unknown" are never a puzzle.
HIDDEN_EXPLANATION = ("(confidential: hidden to protect children's privacy, see the note "
                      "below the table)")
LOW_EXPLANATION = "(more than 0, but less than the smallest figure shown)"
LOW_NOTE = "low: more than 0, but it rounds to 0 at the precision shown."
UNKNOWN_EXPLANATION = "(cannot be worked out from the records held)"

# What a CSV column header adds so the unit is not lost with the £ and % signs.
CSV_UNITS = {PERCENT: " (%)", MONEY: " (£)", MILES: " (miles)", RATE: " (per 10,000)"}


def number(value) -> float | None:
    """The value as a finite number, or None when it is hidden, unknown or not a number."""
    if value is None or isinstance(value, bool | str):
        return None
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) else None


def status(value, kind: str | None = None) -> str | None:
    """"c" or "unknown" for a cell that holds no number, "low" for a number of ``kind`` that
    is not 0 but rounds to 0 as that kind is shown; None for a number shown as it is."""
    if isinstance(value, str) and value == HIDDEN:
        return HIDDEN_TEXT
    found = number(value)
    if found is None:
        return UNKNOWN_TEXT
    if kind is not None and kind != TEXT and found != 0 and \
            Decimal(_plain(found, kind)) == 0:
        return LOW_TEXT
    return None


def _half_up(value: float, places: int = 0) -> Decimal:
    exponent = Decimal(1).scaleb(-places)
    return Decimal(repr(value)).quantize(exponent, rounding=ROUND_HALF_UP)


def _plain(value: float, kind: str) -> str:
    """The rounded number without separators or symbols: what a CSV cell holds."""
    if kind in (COUNT, MONEY):
        return str(int(_half_up(value)))
    if kind in (PERCENT, RATE, MILES):
        return str(_half_up(value, 1))
    if float(value).is_integer():
        return str(int(value))
    return str(_half_up(value, 1))


def display(value, kind: str) -> str:
    """The text shown on the page and printed on a chart."""
    if kind == TEXT:
        return "" if value is None else str(value)
    if (word := status(value, kind)) is not None:
        return word
    plain = Decimal(_plain(number(value), kind))
    sign = "-" if plain < 0 else ""
    if kind == MONEY:
        return f"{sign}£{abs(plain):,}"
    if kind == PERCENT:
        return f"{plain:,}%"
    if kind in (COUNT, NUMBER, RATE, MILES):
        return f"{plain:,}"
    return str(value)


def explanation(value, kind: str) -> str | None:
    """The visually hidden words after "c", "low" or "unknown"."""
    if kind == TEXT:
        return None
    return {HIDDEN_TEXT: HIDDEN_EXPLANATION, LOW_TEXT: LOW_EXPLANATION,
            UNKNOWN_TEXT: UNKNOWN_EXPLANATION}.get(status(value, kind))


# Cells a spreadsheet would run as a formula (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_value(value, kind: str) -> str:
    """What a CSV cell holds: the page's figure without separators or symbols, or the same
    word the page shows. Text from the data that a spreadsheet would run as a formula gets a
    leading apostrophe."""
    if kind != TEXT:
        word = status(value, kind)
        return word if word is not None else _plain(number(value), kind)
    return safe_text("" if value is None else str(value))


def safe_text(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def is_numeric_kind(kind: str) -> bool:
    return kind in (COUNT, PERCENT, RATE, MONEY, MILES, NUMBER)
