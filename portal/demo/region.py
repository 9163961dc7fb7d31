"""Demo region: eight partner councils, synthetic providers, settings and vacancies.

Pure data, standard library only. The authority facts (codes, populations, key-decision
thresholds, postcode districts) are real public figures, each with its source in a comment;
anything not checked against a source is marked ``# unverified``.

Everything about providers is synthetic: the organisation names are invented (any likeness to
a real company is a coincidence), Ofsted URNs sit in ranges used only here (``SC8xxxxx`` for
providers, ``SC9xxxxx`` for settings), and vacancy descriptions never describe a child. The
constants are built by plain deterministic code below, so every import gives the same values.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class AuthorityFact:
    la_code: str  # DfE LA code, 3 digits
    ons_code: str  # ONS upper-tier authority code
    name: str  # the council's usual short name
    population_0_17: int  # ONS mid-year estimate, children aged 0-17 (year noted per row)
    partnerships: tuple[str, ...]
    key_decision_threshold: int  # pounds
    postcode_districts: tuple[str, ...]  # real districts inside the authority's area


@dataclass(frozen=True)
class SettingFact:
    name: str
    setting_type: str  # one of SETTING_TYPES
    ofsted_urn: str | None  # None for fostering-agency offices: the agency's URN is used
    host_la_code: str
    postcode_district: str
    registered_places: int  # for a fostering office: the agency's approved places there


@dataclass(frozen=True)
class ProviderFact:
    name: str
    kind: str  # one of PROVIDER_KINDS
    ofsted_urn: str | None  # agency-level registration (fostering agencies), else None
    settings: tuple[SettingFact, ...]


@dataclass(frozen=True)
class VacancyFact:
    provider_name: str
    setting_name: str
    age_from: int
    age_to: int
    needs_met: tuple[str, ...]  # codes from NEEDS
    weekly_fee: int  # whole pounds excluding VAT (Placements Data Standard convention)
    available_in_days: int  # days from "today"
    description: str  # one plain sentence, never about a child


SETTING_TYPES: tuple[str, ...] = (
    "childrens_home",
    "independent_fostering_agency",
    "supported_accommodation",
    "short_breaks",
    "parent_and_child",
)

PROVIDER_KINDS: tuple[str, ...] = (
    "childrens_home_operator",
    "fostering_agency",
    "supported_accommodation_provider",
    "mixed",
)

NEEDS: tuple[tuple[str, str], ...] = (
    ("emotional_behavioural", "Emotional and behavioural needs"),
    ("disability", "Disability"),
    ("sibling_group", "Sibling group"),
    ("uasc", "Unaccompanied asylum-seeking children"),
    ("parent_and_child", "Parent and child"),
    ("complex_needs", "Complex needs"),
    ("mental_health", "Mental health"),
    ("exploitation_risk", "Risk of exploitation"),
    ("solo_placement", "Solo placement"),
    ("education_on_site", "Education on site"),
    # The Placements Data Standard records communication needs (ESOL, BSL, Makaton, other).
    ("communication", "Communication needs (for example BSL or Makaton)"),
)

# The demo's own commissioning groupings. The real Peninsula partnership also takes in
# Cornwall (unverified); this region leaves Cornwall out. Dorset commissions on its own here.
PARTNERSHIPS: tuple[tuple[str, str], ...] = (
    (
        "Peninsula",
        "South West partnership of Devon, Plymouth, Torbay and Somerset, buying placements "
        "together through shared frameworks and block contracts.",
    ),
    (
        "South East",
        "South East partnership of Kent, Portsmouth and West Sussex, sharing market "
        "engagement, a dynamic purchasing system and joint block contracts.",
    ),
    (
        "Dorset",
        "Dorset Council's own commissioning area: it tenders and buys placements on its own "
        "and shares its sufficiency data with the region.",
    ),
)

# Postcode districts with a town or locality each (locality only labels demo descriptions and
# fostering-office names). Districts chosen to lie inside the authority's area; Torbay (TQ1-TQ5)
# and Portsmouth (PO1-PO6) have fewer than eight districts in all, so they list every one.
_DISTRICT_TEXT: dict[str, str] = {
    "838": (
        "DT1 Dorchester, DT2 Maiden Newton, DT3 Chickerell, DT4 Weymouth, DT5 Portland, "
        "DT6 Bridport, DT7 Lyme Regis, DT8 Beaminster, DT9 Sherborne, "
        "DT10 Sturminster Newton, DT11 Blandford Forum, SP7 Shaftesbury, SP8 Gillingham, "
        "BH19 Swanage, BH20 Wareham, BH21 Wimborne Minster, BH31 Verwood"
    ),
    "878": (
        "EX1 Exeter, EX2 Alphington, EX4 Pinhoe, EX8 Exmouth, EX10 Sidmouth, EX14 Honiton, "
        "EX16 Tiverton, EX20 Okehampton, EX31 Barnstaple, EX34 Ilfracombe, EX39 Bideford, "
        "TQ7 Kingsbridge, TQ9 Totnes, TQ12 Newton Abbot, TQ13 Bovey Tracey, TQ14 Teignmouth, "
        "PL19 Tavistock, PL21 Ivybridge"
    ),
    "879": (
        "PL1 Stonehouse, PL2 Keyham, PL3 Peverell, PL4 Mutley, PL5 St Budeaux, "
        "PL6 Derriford, PL7 Plympton, PL9 Plymstock"
    ),
    "880": ("TQ1 Torquay, TQ2 Shiphay, TQ3 Paignton, TQ4 Goodrington, TQ5 Brixham"),
    "933": (
        "TA1 Taunton, TA2 Bishops Lydeard, TA6 Bridgwater, TA8 Burnham-on-Sea, "
        "TA9 Highbridge, TA11 Somerton, TA18 Crewkerne, TA20 Chard, TA21 Wellington, "
        "TA24 Minehead, BA4 Shepton Mallet, BA5 Wells, BA6 Glastonbury, BA11 Frome, "
        "BA16 Street, BA20 Yeovil, BS28 Wedmore"
    ),
    "886": (
        "CT1 Canterbury, CT2 Sturry, CT5 Whitstable, CT6 Herne Bay, CT9 Margate, "
        "CT11 Ramsgate, CT16 Dover, CT20 Folkestone, DA2 Dartford, DA11 Northfleet, "
        "ME10 Sittingbourne, ME13 Faversham, ME14 Maidstone, ME15 Loose, ME16 Barming, "
        "TN1 Tunbridge Wells, TN9 Tonbridge, TN13 Sevenoaks, TN23 Ashford, TN24 Kennington"
    ),
    "851": ("PO1 Portsea, PO2 North End, PO3 Copnor, PO4 Eastney, PO5 Southsea, PO6 Cosham"),
    "938": (
        "BN11 Worthing, BN12 Goring-by-Sea, BN13 Durrington, BN14 Broadwater, BN15 Lancing, "
        "BN17 Littlehampton, BN18 Arundel, BN43 Shoreham-by-Sea, PO19 Chichester, "
        "PO20 Selsey, PO21 Bognor Regis, PO22 Felpham, RH10 Crawley, RH11 Ifield, "
        "RH12 Horsham, RH13 Southwater, RH15 Burgess Hill, RH16 Haywards Heath, "
        "RH19 East Grinstead, GU29 Midhurst"
    ),
}


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """ "DT1 Dorchester, DT2 Maiden Newton" -> (("DT1", "Dorchester"), ("DT2", ...))."""
    return tuple((item.partition(" ")[0], item.partition(" ")[2]) for item in text.split(", "))


_DISTRICTS = {la: _pairs(text) for la, text in _DISTRICT_TEXT.items()}

_TOWN: dict[str, str] = {d: t for pairs in _DISTRICTS.values() for d, t in pairs}


def _districts(la_code: str) -> tuple[str, ...]:
    return tuple(district for district, _ in _DISTRICTS[la_code])


# DfE LA codes and ONS codes: as used in DfE children-looked-after statistics and the ONS
# register of geographic codes (Somerset Council is the unitary E06000066 from 1 April 2023).
# Populations aged 0-17 and key-decision thresholds, with sources:
# - Dorset 66,100: derived. Dorset Council, Corporate Parenting Strategy 2024-2027: 449 children
#   in care at March 2024, 67.92 per 10,000, implying ~66,100 aged 0-17 (the DfE rate uses the
#   ONS mid-year estimate, mid-2022 or mid-2023). Threshold £500,000: the project's DESIGN.md.
# - Devon 152,921: Devon County Council, Sufficiency Strategy 2024-2029 ("152,921 children and
#   young people aged 0-17"), from ONS mid-year estimates, base year not stated (likely 2022).
#   Threshold £1m: Devon governance review (report LDS/23/16, 2023) kept the £1 million figure.
# - Kent: threshold £1m per the project's DESIGN.md (Kent County Council area, excl. Medway).
# - Portsmouth: threshold £250,000, portsmouth.gov.uk "Council forward plan" (at least £250,000,
#   or 25% of the relevant budget, whichever is greater).
# - West Sussex: threshold £500,000, West Sussex County Council Forward Plan of Key Decisions
#   ("expenditure or savings of £500,000 or more").
# - Every other population is an approximate ONS mid-2022 figure, and every other threshold a
#   £500,000 placeholder: both marked "# unverified" on their rows.
# Columns: la_code, ons_code, name, population_0_17, partnerships, key_decision_threshold,
# postcode_districts.
_PEN, _SEA = ("Peninsula",), ("South East",)
AUTHORITIES: tuple[AuthorityFact, ...] = (
    AuthorityFact("838", "E06000059", "Dorset", 66_100, ("Dorset",), 500_000, _districts("838")),
    AuthorityFact("878", "E10000008", "Devon", 152_921, _PEN, 1_000_000, _districts("878")),
    # population and threshold # unverified
    AuthorityFact("879", "E06000026", "Plymouth", 52_000, _PEN, 500_000, _districts("879")),
    # population and threshold # unverified
    AuthorityFact("880", "E06000027", "Torbay", 25_000, _PEN, 500_000, _districts("880")),
    # population and threshold # unverified
    AuthorityFact("933", "E06000066", "Somerset", 112_000, _PEN, 500_000, _districts("933")),
    # population # unverified
    AuthorityFact("886", "E10000016", "Kent", 345_000, _SEA, 1_000_000, _districts("886")),
    # population # unverified
    AuthorityFact("851", "E06000044", "Portsmouth", 43_000, _SEA, 250_000, _districts("851")),
    # population # unverified
    AuthorityFact("938", "E10000032", "West Sussex", 181_000, _SEA, 500_000, _districts("938")),
)

# How many settings of each type each authority hosts: children's homes, fostering offices,
# supported accommodation (16+), short breaks, parent and child. Kent hosts 75 children's
# homes with 336 registered places between them (the project's fixed fact).
_SETTING_COUNTS: dict[str, tuple[int, int, int, int, int]] = {
    "838": (28, 2, 4, 1, 1),
    "878": (48, 4, 6, 2, 1),
    "879": (20, 2, 4, 1, 0),
    "880": (11, 1, 2, 0, 0),
    "933": (36, 3, 5, 1, 1),
    "886": (75, 5, 10, 2, 1),
    "851": (12, 2, 3, 1, 0),
    "938": (38, 3, 5, 1, 1),
}
_KENT_HOMES = 75
_KENT_HOME_PLACES = 336

_SW = ("838", "878", "879", "880", "933")
_SE = ("886", "851", "938")
_ALL = _SW + _SE

_H, _F, _S, _B, _P = SETTING_TYPES  # home, fostering, supported, short Breaks, Parent-child

# (name, kind, authorities it works in, setting types it runs). All names are invented.
_PROVIDER_SPECS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Bramblewick Children's Homes Ltd", "childrens_home_operator", _ALL, (_H,)),
    ("Saltmarsh Lane Care Ltd", "childrens_home_operator", _SW, (_H,)),
    ("Kestrelhurst Care Ltd", "childrens_home_operator", _SE, (_H,)),
    ("Larchmere Residential Care Ltd", "childrens_home_operator", _ALL, (_H,)),
    ("Tidewell Homes for Children Ltd", "childrens_home_operator", _SW, (_H,)),
    ("Hopfield Oast Care Ltd", "childrens_home_operator", _SE, (_H,)),
    ("Quillstone Care Group Ltd", "childrens_home_operator", _ALL, (_H,)),
    ("Moorlark Homes Ltd", "childrens_home_operator", _SW, (_H,)),
    ("Chalkpath Children's Care Ltd", "childrens_home_operator", _SE, (_H,)),
    ("Wrenfold Care Ltd", "childrens_home_operator", _ALL, (_H,)),
    ("Ambercombe Homes Ltd", "childrens_home_operator", _SW, (_H,)),
    ("Fennelbrook Care Ltd", "childrens_home_operator", _SE, (_H,)),
    ("Oakwhistle Children's Services Ltd", "childrens_home_operator", _ALL, (_H, _B)),
    ("Stillwater Combe Care Ltd", "childrens_home_operator", _SW, (_H,)),
    ("Weald Lantern Homes Ltd", "childrens_home_operator", _SE, (_H,)),
    ("Copperbeech Hollow Care Ltd", "childrens_home_operator", _ALL, (_H,)),
    ("Kindlewood Fostering Ltd", "fostering_agency", _ALL, (_F,)),
    ("Tamarisk Fostering CIC", "fostering_agency", _SW, (_F,)),
    ("Lanternfield Fostering Ltd", "fostering_agency", _SE, (_F,)),
    ("Northcombe Fostering Partnership Ltd", "fostering_agency", _SW, (_F,)),
    ("Seaholly Fostering Ltd", "fostering_agency", _SE, (_F,)),
    ("Marram Grass Fostering Ltd", "fostering_agency", _ALL, (_F,)),
    ("Ploverdale Family Placements Ltd", "fostering_agency", _ALL, (_F,)),
    ("Cobnut Fostering Ltd", "fostering_agency", _SE, (_F,)),
    ("Stepping Stile Supported Living Ltd", "supported_accommodation_provider", _ALL, (_S,)),
    ("Firstrung Supported Housing Ltd", "supported_accommodation_provider", _SE, (_S,)),
    ("Ladderwell Young People's Housing Ltd", "supported_accommodation_provider", _SW, (_S,)),
    ("Lintelgate Youth Housing CIC", "supported_accommodation_provider", _SE, (_S,)),
    ("Open Latch Supported Accommodation Ltd", "supported_accommodation_provider", _SW, (_S,)),
    ("Cornerpiece Sixteen Plus Ltd", "supported_accommodation_provider", _SE, (_S,)),
    ("Fledgewing Housing Trust", "supported_accommodation_provider", _ALL, (_S,)),
    ("Heronsgate Children's Services Ltd", "mixed", _ALL, (_H, _S, _B, _P)),
    ("Wessex Orchard Care Ltd", "mixed", _SW, (_H, _F, _B, _P)),
    ("Downland Hearth Care Ltd", "mixed", _SE, (_H, _S, _B, _P)),
    ("Bellfounder Care Group Ltd", "mixed", _ALL, (_H, _F, _S)),
    ("Sea Kale Family Services Ltd", "mixed", _SW, (_F, _S, _P)),
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# House names: prefix x suffix; index i -> (i % 36, (i // 36 + i) % 10) is one-to-one for
# i < 360, so every house-named setting gets its own name.
_NAME_PREFIXES = _words(
    "Harbour Beech Oak Willow Meadow Orchard Heather Bramble Fern Rowan Hazel Linden "
    "Kingfisher Heron Swallow Lark Sorrel Clover Primrose Bluebell Holly Juniper Alder "
    "Ash Cedar Elm Maple Poplar Thistle Yarrow Chestnut Foxglove Hawthorn Sycamore Teasel "
    "Wren"
)
_NAME_SUFFIXES = _words("House Lodge View Cottage Court Barn Place Grange Farmhouse Villa")


def _house_name(i: int) -> str:
    n = len(_NAME_PREFIXES)
    return f"{_NAME_PREFIXES[i % n]} {_NAME_SUFFIXES[(i // n + i) % len(_NAME_SUFFIXES)]}"


def _spread(counts: tuple[tuple[int, int], ...]) -> tuple[int, ...]:
    """Interleave (size, how_many) pairs: 6, 5, 4, 3, 2, 6, 5, ... until all are used."""
    remaining = dict(counts)
    out: list[int] = []
    while any(remaining.values()):
        for size in sorted(remaining, reverse=True):
            if remaining[size]:
                out.append(size)
                remaining[size] -= 1
    return tuple(out)


# Kent: 20 x 6 + 20 x 5 + 16 x 4 + 14 x 3 + 5 x 2 = 336 places in 75 homes.
_KENT_PLACES = _spread(((6, 20), (5, 20), (4, 16), (3, 14), (2, 5)))
# Elsewhere: mostly 2-4 places, a few single-bed and larger homes.
_HOME_PLACES = (3, 2, 4, 3, 4, 2, 3, 1, 4, 5, 2, 3, 6, 4, 3, 2)


# Dorset's supported accommodation: five local providers with 87 places between them (Dorset
# Council, Sufficiency report 2024). Four settings come from the spread below with these places;
# the fifth provider's scheme is added after the demo's vacancies are chosen (see PROVIDERS).
_DORSET_SUPPORTED_PLACES = (16, 18, 12, 21)
_DORSET_FIFTH_SUPPORTED = ("Ladderwell Young People's Housing Ltd", "Weymouth Foyer", "DT4",
                           20, "SC899101")
_DORSET_SUPPORTED = (5, 87)  # providers, places


def _places(setting_type: str, la_code: str, k: int, a: int) -> int:
    if setting_type == _S and la_code == "838":
        return _DORSET_SUPPORTED_PLACES[k]
    if setting_type == _H:
        if la_code == "886":
            return _KENT_PLACES[k]
        return _HOME_PLACES[(k + 3 * a) % len(_HOME_PLACES)]
    if setting_type == _F:
        return 15 + (k * 13 + a * 7) % 46  # approved fostering places around the office
    if setting_type == _S:
        return 4 + (k * 5 + a) % 9
    if setting_type == _B:
        return 3 + (k + a) % 4
    return 2 + (k + a) % 3  # parent and child


def _build_providers() -> tuple[ProviderFact, ...]:
    settings: dict[str, list[SettingFact]] = {spec[0]: [] for spec in _PROVIDER_SPECS}
    house_i = 0
    setting_urn = 900_000
    for a, authority in enumerate(AUTHORITIES):
        la = authority.la_code
        districts = authority.postcode_districts
        for t, (setting_type, count) in enumerate(
            zip(SETTING_TYPES, _SETTING_COUNTS[la], strict=True)
        ):
            eligible = [s[0] for s in _PROVIDER_SPECS if la in s[2] and setting_type in s[3]]
            for k in range(count):
                provider = eligible[(a * 3 + t + k) % len(eligible)]
                d = (k * 7 + a + t * 3) % len(districts)
                if setting_type == _F:
                    # Fostering offices are named after their town; one per town per agency.
                    taken = {s.name for s in settings[provider]}
                    while f"{_TOWN[districts[d]]} office" in taken:
                        d = (d + 1) % len(districts)
                    name, urn = f"{_TOWN[districts[d]]} office", None
                else:
                    name = _house_name(house_i)
                    house_i += 1
                    setting_urn += 1
                    urn = f"SC{setting_urn}"
                settings[provider].append(
                    SettingFact(
                        name=name,
                        setting_type=setting_type,
                        ofsted_urn=urn,
                        host_la_code=la,
                        postcode_district=districts[d],
                        registered_places=_places(setting_type, la, k, a),
                    )
                )
    providers = []
    for p, (name, kind, _, types) in enumerate(_PROVIDER_SPECS, start=1):
        urn = f"SC{800_000 + p}" if _F in types else None
        providers.append(ProviderFact(name, kind, urn, tuple(settings[name])))
    return tuple(providers)


PROVIDERS: tuple[ProviderFact, ...] = _build_providers()

# How many vacancies each authority shows per setting type (capped by what it hosts).
_VACANCY_COUNTS: dict[str, tuple[int, int, int, int, int]] = {
    "838": (3, 2, 2, 1, 1),
    "878": (5, 2, 2, 1, 1),
    "879": (3, 2, 2, 1, 0),
    "880": (3, 1, 2, 0, 0),
    "933": (4, 2, 2, 1, 1),
    "886": (8, 2, 4, 1, 1),
    "851": (3, 2, 2, 1, 0),
    "938": (4, 2, 2, 1, 1),
}

_AGES: dict[str, tuple[tuple[int, int], ...]] = {
    _H: ((8, 17), (10, 17), (12, 17), (7, 14), (11, 16), (13, 17)),
    _F: ((0, 17), (0, 4), (5, 11), (8, 17), (0, 10), (11, 17)),
    _S: ((16, 18), (16, 17)),
    _B: ((5, 17), (8, 17), (0, 11)),
    _P: ((0, 2), (15, 18)),
}

_NEEDS_OPTIONS: dict[str, tuple[tuple[str, ...], ...]] = {
    _H: (
        ("emotional_behavioural", "education_on_site"),
        ("emotional_behavioural", "exploitation_risk"),
        ("complex_needs", "mental_health"),
        ("solo_placement", "complex_needs"),
        ("emotional_behavioural", "mental_health", "education_on_site"),
        ("exploitation_risk", "solo_placement"),
        ("disability", "complex_needs"),
    ),
    _F: (
        ("sibling_group",),
        ("emotional_behavioural",),
        ("uasc", "emotional_behavioural"),
        ("sibling_group", "disability"),
        ("parent_and_child",),
        ("communication",),
    ),
    _S: (
        ("uasc",),
        ("emotional_behavioural", "exploitation_risk"),
        ("mental_health",),
        ("uasc", "communication"),
    ),
    _B: (("disability", "complex_needs"), ("disability", "communication")),
    _P: (("parent_and_child",), ("parent_and_child", "mental_health")),
}

# (lowest, highest, multiplier) for a deterministic weekly fee in whole pounds excluding VAT.
_FEES: dict[str, tuple[int, int, int]] = {
    _H: (3_500, 7_500, 613),
    _F: (800, 1_300, 97),
    _S: (900, 2_500, 311),
    _B: (600, 1_500, 173),
    _P: (2_000, 4_500, 419),
}

_NUMBER_WORDS = ("no", "single", "two", "three", "four", "five", "six")

_DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    _H: (
        "A {n}-bed home near {town} with a settled staff team and good links to local schools.",
        "A {n}-bed home in {town} offering a calm, structured routine and outdoor activities.",
        "A {n}-bed home on the edge of {town} with a therapeutic approach and waking night staff.",
        "A {n}-bed family-style home in {town} close to shops, a park and a bus route.",
    ),
    _F: (
        "Experienced foster carers within reach of {town}, supported by the agency's local team.",
        "Foster carers near {town} with therapeutic training and an out-of-hours support line.",
        "A foster home in the {town} area with room for brothers and sisters to stay together.",
    ),
    _S: (
        "A shared house in {town} with staff support for young people moving towards independence.",
        "A self-contained flat in {town} with key-worker support and help with college and work.",
    ),
    _B: (
        "Overnight short breaks in {town} for disabled children, with adapted rooms and "
        "trained staff.",
        "Weekend and holiday short breaks near {town} with sensory spaces and a garden.",
    ),
    _P: (
        "A residential parent and child assessment setting near {town} with staff on hand day "
        "and night.",
        "A parent and child setting in {town} with a family worker and links to health visitors.",
    ),
}


def _fee(setting_type: str, i: int) -> int:
    low, high, mult = _FEES[setting_type]
    step = 25 if setting_type in (_H, _S, _P) else 5
    return low + ((i * mult) % (high - low + 1)) // step * step


def _build_vacancies() -> tuple[VacancyFact, ...]:
    by_host: dict[tuple[str, str], list[tuple[ProviderFact, SettingFact]]] = {}
    for provider in PROVIDERS:
        for setting in provider.settings:
            key = (setting.host_la_code, setting.setting_type)
            by_host.setdefault(key, []).append((provider, setting))
    vacancies: list[VacancyFact] = []
    i = 0
    for authority in AUTHORITIES:
        for setting_type, wanted in zip(
            SETTING_TYPES, _VACANCY_COUNTS[authority.la_code], strict=True
        ):
            pool = by_host.get((authority.la_code, setting_type), [])
            count = min(wanted, len(pool))
            step = max(1, len(pool) // max(count, 1))
            for j in range(count):
                provider, setting = pool[j * step]
                age_from, age_to = _AGES[setting_type][i % len(_AGES[setting_type])]
                # A solo placement only makes sense in a home of one or two places.
                options = [
                    o
                    for o in _NEEDS_OPTIONS[setting_type]
                    if "solo_placement" not in o or setting.registered_places <= 2
                ]
                needs = options[i % len(options)]
                templates = _DESCRIPTIONS[setting_type]
                description = templates[i % len(templates)].format(
                    n=_NUMBER_WORDS[min(setting.registered_places, 6)],
                    town=_TOWN[setting.postcode_district],
                )
                vacancies.append(
                    VacancyFact(
                        provider_name=provider.name,
                        setting_name=setting.name,
                        age_from=age_from,
                        age_to=age_to,
                        needs_met=needs,
                        weekly_fee=_fee(setting_type, i),
                        available_in_days=(i * 11) % 61,
                        description=description,
                    )
                )
                i += 1
    return tuple(vacancies)


VACANCIES: tuple[VacancyFact, ...] = _build_vacancies()


def _with_dorsets_fifth_supported(providers: tuple[ProviderFact, ...]
                                  ) -> tuple[ProviderFact, ...]:
    """The directory with Dorset's fifth local supported accommodation provider's scheme,
    added after the vacancies were chosen so every other demo record stays as it was."""
    name, setting, district, places, urn = _DORSET_FIFTH_SUPPORTED
    fifth = SettingFact(name=setting, setting_type=_S, ofsted_urn=urn, host_la_code="838",
                        postcode_district=district, registered_places=places)
    return tuple(ProviderFact(p.name, p.kind, p.ofsted_urn, (*p.settings, fifth))
                 if p.name == name else p for p in providers)


PROVIDERS = _with_dorsets_fifth_supported(PROVIDERS)


def _check() -> None:
    """Assert the invariants the rest of the portal (and its tests) rely on."""
    import re

    need_codes = {code for code, _ in NEEDS}
    partnership_names = {name for name, _ in PARTNERSHIPS}
    assert 8 <= len(NEEDS) <= 12
    assert len(need_codes) == len(NEEDS)
    assert [a.name for a in AUTHORITIES] == [
        "Dorset",
        "Devon",
        "Plymouth",
        "Torbay",
        "Somerset",
        "Kent",
        "Portsmouth",
        "West Sussex",
    ]
    authorities = {a.la_code: a for a in AUTHORITIES}
    assert len(authorities) == len(AUTHORITIES)
    assert len({a.ons_code for a in AUTHORITIES}) == len(AUTHORITIES)
    all_districts: list[str] = []
    for a in AUTHORITIES:
        assert re.fullmatch(r"\d{3}", a.la_code), a
        assert re.fullmatch(r"E(06|10)\d{6}", a.ons_code), a
        assert a.population_0_17 > 10_000, a
        assert a.key_decision_threshold > 0, a
        assert a.partnerships, a
        assert set(a.partnerships) <= partnership_names, a
        assert len(a.postcode_districts) >= 5, a  # Torbay has only five districts
        assert len(a.postcode_districts) <= 20, a
        assert all(re.fullmatch(r"[A-Z]{1,2}\d{1,2}", d) for d in a.postcode_districts), a
        all_districts.extend(a.postcode_districts)
    assert len(all_districts) == len(set(all_districts)), "a district in two authorities"

    urns: list[str] = []
    for p in PROVIDERS:
        assert p.kind in PROVIDER_KINDS, p.name
        assert p.settings, p.name
        if p.ofsted_urn is not None:
            urns.append(p.ofsted_urn)
        names = [s.name for s in p.settings]
        assert len(names) == len(set(names)), f"duplicate setting name in {p.name}"
        for s in p.settings:
            assert s.setting_type in SETTING_TYPES, s
            assert s.host_la_code in authorities, s
            assert s.postcode_district in authorities[s.host_la_code].postcode_districts, s
            assert s.registered_places >= 1, s
            if s.setting_type == "childrens_home":
                assert 1 <= s.registered_places <= 6, s
            if s.ofsted_urn is not None:
                urns.append(s.ofsted_urn)
            else:
                assert s.setting_type == "independent_fostering_agency", s
    assert len({p.name for p in PROVIDERS}) == len(PROVIDERS)
    assert 30 <= len(PROVIDERS) <= 45
    assert all(re.fullmatch(r"SC\d{6}", u) for u in urns)
    assert len(urns) == len(set(urns)), "duplicate URN"

    kent_homes = [
        s
        for p in PROVIDERS
        for s in p.settings
        if s.setting_type == "childrens_home" and s.host_la_code == "886"
    ]
    assert len(kent_homes) == _KENT_HOMES, len(kent_homes)
    assert sum(s.registered_places for s in kent_homes) == _KENT_HOME_PLACES

    dorset_supported = [(p.name, s.registered_places) for p in PROVIDERS for s in p.settings
                        if s.host_la_code == "838" and s.setting_type == _S]
    assert (len({n for n, _ in dorset_supported}),
            sum(n for _, n in dorset_supported)) == _DORSET_SUPPORTED

    settings = {(p.name, s.name): s for p in PROVIDERS for s in p.settings}
    assert 60 <= len(VACANCIES) <= 90, len(VACANCIES)
    seen_types: set[tuple[str, str]] = set()
    for v in VACANCIES:
        s = settings[(v.provider_name, v.setting_name)]
        seen_types.add((s.host_la_code, s.setting_type))
        assert 0 <= v.age_from <= v.age_to <= 18, v
        if s.setting_type == "supported_accommodation":
            assert v.age_from >= 16, v
        if "solo_placement" in v.needs_met:
            assert s.registered_places <= 2, v
        assert v.needs_met, v
        assert set(v.needs_met) <= need_codes, v
        low, high, _ = _FEES[s.setting_type]
        assert low <= v.weekly_fee <= high, v
        assert 0 <= v.available_in_days <= 60, v
        assert v.description.endswith("."), v
        assert ". " not in v.description, v
    assert {la for la, _ in seen_types} == set(authorities)
    assert {t for _, t in seen_types} == set(SETTING_TYPES)


if __name__ == "__main__":
    _check()
    print(
        f"ok: {len(AUTHORITIES)} authorities, {len(PROVIDERS)} providers, "
        f"{sum(len(p.settings) for p in PROVIDERS)} settings, {len(VACANCIES)} vacancies"
    )
