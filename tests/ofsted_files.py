"""Ofsted register files made in code for tests and benchmarks, in the register's real column
layout (with two of the columns Ofsted publishes that the portal ignores)."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from portal.imports.ofsted import COLUMNS

IGNORED = ("Region", "Parliamentary constituency")
LAYOUT = (COLUMNS["urn"], COLUMNS["provider_type"], COLUMNS["provider_subtype"],
          COLUMNS["setting_name"], COLUMNS["registration_status"],
          COLUMNS["registration_date"], COLUMNS["local_authority"], IGNORED[0], IGNORED[1],
          COLUMNS["places"], COLUMNS["owner"], COLUMNS["inspection_date"],
          COLUMNS["publication_date"], COLUMNS["judgement"])


def d(day: date | str | None) -> str:
    """A date as Ofsted writes it; text (a bad date, for tests) is written as it is."""
    if isinstance(day, str):
        return day
    return "" if day is None else f"{day:%d/%m/%Y}"


def row(urn: str, *, name: str = "Test Home", status: str = "Active",
        registered: date | str | None = date(2015, 4, 1), places: int | str | None = 4,
        inspected: date | str | None = date(2025, 6, 10),
        published: date | str | None = date(2025, 7, 1),
        judgement: str = "2", provider_type: str = "Children's home",
        subtype: str = "Children's home", local_authority: str = "Dorset",
        owner: str = "Test Homes Ltd") -> dict[str, str]:
    return {COLUMNS["urn"]: urn, COLUMNS["provider_type"]: provider_type,
            COLUMNS["provider_subtype"]: subtype, COLUMNS["setting_name"]: name,
            COLUMNS["registration_status"]: status, COLUMNS["registration_date"]: d(registered),
            COLUMNS["local_authority"]: local_authority, IGNORED[0]: "South West",
            IGNORED[1]: "", COLUMNS["places"]: "" if places is None else str(places),
            COLUMNS["owner"]: owner, COLUMNS["inspection_date"]: d(inspected),
            COLUMNS["publication_date"]: d(published), COLUMNS["judgement"]: judgement}


def register_text(rows: list[dict[str, str]], columns=LAYOUT) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore",
                            lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_register(path: Path, rows: list[dict[str, str]], columns=LAYOUT) -> Path:
    path.write_text(register_text(rows, columns), encoding="utf-8")
    return path
