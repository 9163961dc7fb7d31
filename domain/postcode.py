"""Postcodes as the portal reads them: the one parser of districts, sectors and full
postcodes, shared by the directory, placements, the gazetteer, the forms and the SSDA903
importer. The portal keeps a postcode only down to its sector ("DT1 1") or district ("DT1")."""

from __future__ import annotations

import re

from domain.errors import DomainError

DISTRICT = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?$")  # the outward code: "DT1", "SW1A"
SECTOR_OR_DISTRICT = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?( \d)?$")
_FULL = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?)(\d)[A-Z]{2}$")  # outward + inward, no space
_SECTOR = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?)(\d)$")


class NotAPostcode(DomainError):
    """The text is not a postcode, a postcode sector or a postcode district."""


def normalise_postcode(text: str | None) -> tuple[str, str | None]:
    """``(district, sector)`` from a full postcode ("me14 5xx"), a sector ("DT1 1") or a
    district ("dt1"), in any case and spacing; ``sector`` is None for a bare district.

    Without a space, up to four characters read as a district ("DT11" is the district DT11,
    not the sector DT1 1); five or more are a sector or a full postcode."""
    raw = " ".join(str(text or "").upper().split())
    parts = raw.split(" ")
    if len(parts) == 2 and DISTRICT.match(parts[0]):
        outward, inward = parts
        if re.fullmatch(r"\d([A-Z]{2})?", inward):
            return outward, f"{outward} {inward[0]}"
    elif len(parts) == 1 and raw:
        if len(raw) <= 4 and DISTRICT.match(raw):
            return raw, None
        match = _FULL.match(raw) or _SECTOR.match(raw)
        if match:
            return match.group(1), f"{match.group(1)} {match.group(2)}"
    raise NotAPostcode(f"Enter a postcode, a postcode sector or a postcode district, like "
                       f"ME14 1XX, ME14 1 or ME14 (not {raw[:20]!r})")


def postcode_sector(text: str | None) -> str | None:
    """The sector of a full postcode ("dt1 1ab" -> "DT1 1"); a sector or a district given
    alone is kept as it is. Blank gives None; anything else raises ValueError, whose message
    never repeats the text (it may be a child's home postcode)."""
    if not (text or "").strip():
        return None
    try:
        district, sector = normalise_postcode(text)
    except NotAPostcode:
        raise ValueError("not a postcode") from None
    return sector or district
