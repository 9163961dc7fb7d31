"""The vacancy board's results as a CSV file: the same filters and order as the page, every
row rather than one page of them, and the same words for setting types and needs.

Only the board's own facts are written (no child is on the board). Text a spreadsheet would
run as a formula is written with a leading apostrophe, as in the dashboards' downloads."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from domain.vocabulary import NEEDS, SETTING_TYPES
from portal.figures import safe_text

COLUMNS = (
    "Vacancy", "Provider", "Setting", "Setting type", "Host authority", "Postcode district",
    "Youngest age", "Oldest age", "Needs met", "Weekly fee (£)", "Places",
    "Registered places", "Available from", "Expires on", "Published",
)


def _row(v: Any) -> list[Any]:
    needs = [NEEDS.get(code, code) for code in (v["needs"] or "").split("|") if code]
    return [str(v["id"]), safe_text(v["provider_name"]), safe_text(v["setting_name"]),
            SETTING_TYPES.get(v["setting_type"], v["setting_type"]),
            safe_text(v["host_authority_name"]), v["postcode_district"], v["age_from"],
            v["age_to"], "; ".join(needs), v["weekly_fee"], v["places"],
            "" if v["registered_places"] is None else v["registered_places"],
            v["available_from"].isoformat(),
            v["expires_on"].isoformat() if v["expires_on"] else "",
            v["published_at"].date().isoformat()]


def board_csv(rows: Iterable[Any]) -> str:
    """A byte-order mark (so spreadsheet programs read the pound sign), the header, a row each.
    Dates are ISO 8601, which every spreadsheet sorts correctly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(_row(v) for v in rows)
    return "\ufeff" + out.getvalue()
