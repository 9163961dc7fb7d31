"""Postcodes cut down to what the portal may keep: the sector ("DT1 1") or the district ("DT1").

SSDA903 carries the full postcode of the child's home and of the placement (HOME_POST, PL_POST);
the portal never stores a full postcode. Regional data pooling degrades postcodes to the sector
before sharing (see ../shared/REFERENCE.md, "Regional data pooling"); so does this importer,
with the gazetteer's normaliser (the same reading of a postcode as the distance views use).
"""

from __future__ import annotations

from projections.gazetteer import NotAPostcode, normalise_postcode


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
