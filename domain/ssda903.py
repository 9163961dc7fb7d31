"""SSDA903 code lists (the DfE's children looked after return), versioned by collection year.

The codes are the canonical vocabulary for placements. A collection year is named by the year
it starts in: 2024 means the 2024-25 return (1 April 2024 to 31 March 2025). Each code records
the first and last collection year it is valid for, from the DfE's published guidance for each
year (see ../shared/REFERENCE.md). A placement is checked against the code list of the
collection year its episode started in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

FIRST_YEAR = 2015  # the earliest collection year the portal accepts data for
NO_LAST = 9999


@dataclass(frozen=True)
class Code:
    label: str
    first_year: int = FIRST_YEAR
    last_year: int = NO_LAST

    def valid_in(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year


def collection_year(day: date) -> int:
    """The collection year a date falls in (years run from 1 April to 31 March)."""
    return day.year if day.month >= 4 else day.year - 1


def last_financial_year(on: date) -> tuple[date, date]:
    """The first and last day of the last financial year (1 April to 31 March, as councils'
    budgets and the SSDA903 collection years run) that ended on or before ``on``."""
    end = date(on.year if (on.month, on.day) >= (3, 31) else on.year - 1, 3, 31)
    return date(end.year - 1, 4, 1), end


def year_label(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


# PLACE: placement type. H5, P2 and Z1 were dropped from 2025-26; K3 began in 2024-25.
# Z11-Z14 are new in 2025-26 and replace Z1; their official descriptions are not verified here
# (see ../shared/REFERENCE.md), so each is labelled by what it replaces and names its own code,
# never four copies of one label that cannot be told apart.
PLACEMENT_TYPES: dict[str, Code] = {
    "A3": Code("Placed for adoption with consent, with current foster carer"),
    "A4": Code("Placed for adoption with consent, not with current foster carer"),
    "A5": Code("Placed for adoption under a placement order, with current foster carer"),
    "A6": Code("Placed for adoption under a placement order, not with current foster carer"),
    "H5": Code("Semi-independent living accommodation not subject to children's homes "
               "regulations", last_year=2024),
    "K1": Code("Secure children's home"),
    "K2": Code("Children's home"),
    "K3": Code("Registered supported accommodation (16+)", first_year=2024),
    "P1": Code("Placed with own parent or person with parental responsibility"),
    "P2": Code("Independent living, for example in a flat or lodgings", last_year=2024),
    "P3": Code("Residential employment"),
    "R1": Code("Residential care home"),
    "R2": Code("NHS or health trust establishment providing medical or nursing care"),
    "R3": Code("Family centre or mother and baby unit"),
    "R5": Code("Young offender institution or prison"),
    "S1": Code("Residential school"),
    "T0": Code("Temporary placement (all types)"),
    "T1": Code("Temporary periods in hospital"),
    "T2": Code("Temporary absences of the child on holiday"),
    "T3": Code("Temporary accommodation whilst normal foster carer is on holiday"),
    "T4": Code("Temporary accommodation of seven days or less"),
    "U1": Code("Foster placement with relative or friend, long term fostering"),
    "U2": Code("Foster placement with relative or friend who is also an approved adopter"),
    "U3": Code("Foster placement with relative or friend, not long term or adopter"),
    "U4": Code("Foster placement with other foster carer, long term fostering"),
    "U5": Code("Foster placement with other foster carer who is also an approved adopter"),
    "U6": Code("Foster placement with other foster carer, not long term or adopter"),
    "Z1": Code("Other placement", last_year=2024),
    "Z11": Code("Other placement recorded as Z11 (a 2025-26 code)", first_year=2025),
    "Z12": Code("Other placement recorded as Z12 (a 2025-26 code)", first_year=2025),
    "Z13": Code("Other placement recorded as Z13 (a 2025-26 code)", first_year=2025),
    "Z14": Code("Other placement recorded as Z14 (a 2025-26 code)", first_year=2025),
}

PLACEMENT_PROVIDERS: dict[str, Code] = {
    "PR0": Code("Parents or other person with parental responsibility"),
    "PR1": Code("Own provision (by the council)"),
    "PR2": Code("Other local authority provision"),
    "PR3": Code("Other public provision (for example a primary care trust)"),
    "PR4": Code("Private provision"),
    "PR5": Code("Voluntary or third sector provision"),
}

NEW_EPISODE_REASONS: dict[str, Code] = {
    "S": Code("Started to be looked after"),
    "L": Code("Change of legal status only"),
    "P": Code("Change of placement and carer(s) only"),
    "T": Code("Change of placement only, same carer(s)"),
    "B": Code("Change of legal status and placement and carer(s) at the same time"),
    "U": Code("Change of legal status and change of placement, same carer(s)"),
}

LEGAL_STATUSES: dict[str, Code] = {
    "C1": Code("Interim care order"),
    "C2": Code("Full care order"),
    "D1": Code("Freeing order granted"),
    "E1": Code("Placement order granted"),
    "J1": Code("Remanded to local authority accommodation or youth detention accommodation"),
    "J2": Code("Placed in local authority accommodation under PACE"),
    "J3": Code("Sentenced to a youth rehabilitation order with residence requirement"),
    "L1": Code("Under police protection and in local authority accommodation"),
    "L2": Code("Emergency protection order"),
    "L3": Code("Under child assessment order and in local authority accommodation"),
    "V2": Code("Single period of accommodation under section 20"),
    "V3": Code("Accommodated under an agreed series of short-term breaks, single placements"),
    "V4": Code("Accommodated under an agreed series of short-term breaks, multiple placements"),
}
# Children looked after only under a series of short breaks are left out of the DfE's count of
# children looked after (and so of the rate per 10,000).
SHORT_BREAK_LEGAL_STATUSES = frozenset({"V3", "V4"})

CATEGORIES_OF_NEED: dict[str, Code] = {
    "N1": Code("Abuse or neglect"),
    "N2": Code("Child's disability"),
    "N3": Code("Parental illness or disability"),
    "N4": Code("Family in acute stress"),
    "N5": Code("Family dysfunction"),
    "N6": Code("Socially unacceptable behaviour"),
    "N7": Code("Low income"),
    "N8": Code("Absent parenting"),
}

# REC: why an episode ceased. X1 means the episode ended and a new one began the same day
# (the child is still looked after); every other code ends the period of care.
CONTINUING = "X1"
EPISODE_END_REASONS: dict[str, Code] = {
    "X1": Code("Episode ceased and new episode begins on the same day"),
    "E11": Code("Adopted, application for an adoption order unopposed"),
    "E12": Code("Adopted, consent dispensed with by the court"),
    "E13": Code("Left care to live with parent(s), relative(s) or other person(s) with no "
                "parental responsibility"),
    "E14": Code("Accommodation on remand ended"),
    "E15": Code("Age assessment determined child is aged 18 or over"),
    "E16": Code("Child moved abroad"),
    "E17": Code("Aged 18 or over and remained with current carers (including staying put)"),
    "E2": Code("Died"),
    "E3": Code("Care taken over by another local authority in the UK"),
    "E41": Code("Residence order or child arrangements order granted"),
    "E45": Code("Special guardianship order made to former foster carer(s), who were "
                "relatives or friends"),
    "E46": Code("Special guardianship order made to former foster carer(s), other than "
                "relatives or friends"),
    "E47": Code("Special guardianship order made to carer(s), other than former foster "
                "carer(s), who were relatives or friends"),
    "E48": Code("Special guardianship order made to carer(s), other than former foster "
                "carer(s), other than relatives or friends"),
    "E4A": Code("Returned home to live with parent(s), relative(s), or other person(s) with "
                "parental responsibility as part of the care planning process"),
    "E4B": Code("Returned home to live with parent(s), relative(s), or other person(s) with "
                "parental responsibility, not part of the care planning process"),
    "E5": Code("Moved into independent living arrangement and no longer looked after"),
    "E6": Code("Transferred to residential care funded by adult social care services"),
    "E7": Code("Sentenced to custody"),
    "E8": Code("Period of being looked after ceased for any other reason"),
    "E9": Code("Sentenced to custody (care order continues)"),
}

PLACEMENT_CHANGE_REASONS: dict[str, Code] = {
    "ALLEG": Code("Allegation (section 47 enquiry)"),
    "APPRR": Code("Approval of carers removed or resigned"),
    "CARPL": Code("Change to the care plan to meet the child's needs"),
    "CHILD": Code("Child's request"),
    "CLOSE": Code("Provider or setting closed"),
    "CREQB": Code("Carer's request because of the child's behaviour"),
    "CREQO": Code("Carer's request for another reason"),
    "CUSTOD": Code("Child moved into custody"),
    "LAREQ": Code("Responsible authority's request, other than a change to the care plan"),
    "OTHER": Code("Other"),
    "PLACE": Code("Change in the status of the placement only"),
    "STAND": Code("Standards of care concern"),
}

SEXES: dict[str, str] = {"1": "Male", "2": "Female"}

# Placement types grouped as the sufficiency views show them. In-house and independent
# fostering differ by provider, not by type (U4-U6 with PR1-PR3 is in-house; PR4-PR5 is an
# independent fostering agency).
GROUPS: dict[str, str] = {
    "fostering_kinship": "Foster care with relatives or friends",
    "fostering_in_house": "Foster care, council carers",
    "fostering_agency": "Foster care, independent fostering agency",
    "childrens_home": "Children's homes (including secure)",
    "supported": "Supported and independent accommodation",
    "adoption": "Placed for adoption",
    "parents": "Placed with parents",
    "other_residential": "Other residential settings",
    "other": "Other and temporary",
}


def placement_group(place: str, place_provider: str | None) -> str:
    if place in {"U1", "U2", "U3"}:
        return "fostering_kinship"
    if place in {"U4", "U5", "U6"}:
        return "fostering_agency" if place_provider in {"PR4", "PR5"} else "fostering_in_house"
    if place in {"K1", "K2"}:
        return "childrens_home"
    if place in {"H5", "K3", "P2"}:
        return "supported"
    if place.startswith("A"):
        return "adoption"
    if place == "P1":
        return "parents"
    if place in {"R1", "R2", "R3", "R5", "S1", "P3"}:
        return "other_residential"
    return "other"


# The Placements Data Standard's three placement types (its "actual placement" group).
def standard_placement_type(place: str) -> str | None:
    if place.startswith("U"):
        return "Foster"
    if place in {"K1", "K2", "R1", "S1"}:
        return "Residential"
    if place in {"H5", "K3", "P2"}:
        return "Supported accommodation"
    return None


# SSDA903's URN for "no Ofsted URN applies": a placeholder, never a setting's real URN.
URN_PLACEHOLDER = "XXXXXXX"

# Types whose placements need no Ofsted URN (the DfE's validation rules).
URN_NOT_REQUIRED = frozenset({"P1", "P3", "R1", "R2", "R5", "T0", "T1", "T2", "T3", "T4",
                              "Z11", "Z12", "Z13", "Z14"})


def check_code(codes: dict[str, Code], code: str, on: date) -> bool:
    entry = codes.get(code)
    return entry is not None and entry.valid_in(collection_year(on))


def label(codes: dict[str, Code], code: str | None) -> str:
    if code is None:
        return "Not recorded"
    entry = codes.get(code)
    return f"{code}: {entry.label}" if entry else code


def setting_placement(setting_type: str, on: date) -> tuple[str, str]:
    """The SSDA903 placement type and placement provider codes of a place in an independent
    provider's setting of ``setting_type`` starting ``on``, as the demo's placements code them:
    a children's home K2, an independent fostering agency's carer U6 (not long term until the
    plan says so), supported accommodation K3 (H5 before K3 existed), a parent and child
    residential place R3; short breaks are in children's homes (K2). The provider is private
    (PR4)."""
    if setting_type == "supported_accommodation":
        return ("K3" if PLACEMENT_TYPES["K3"].valid_in(collection_year(on)) else "H5"), "PR4"
    return {"childrens_home": "K2", "independent_fostering_agency": "U6",
            "parent_and_child": "R3", "short_breaks": "K2"}[setting_type], "PR4"
