"""The words of the domain that have fixed lists: setting types, needs, roles.

Setting types follow the kinds of provision named in DfE and Ofsted statistics.
Placement types (SSDA903 PLACE codes) join these when placements are recorded.
"""

from __future__ import annotations

SETTING_TYPES: dict[str, str] = {
    "childrens_home": "Children's home",
    "independent_fostering_agency": "Independent fostering agency",
    "supported_accommodation": "Supported accommodation (16+)",
    "short_breaks": "Short breaks",
    "parent_and_child": "Parent and child",
}

# Supported accommodation is registered for young people aged 16 and 17 (and care leavers),
# Ofsted's Supported Accommodation (England) Regulations 2023.
SUPPORTED_ACCOMMODATION_MIN_AGE = 16
MAX_AGE = 25  # care leavers may stay in some settings up to 25

NEEDS: dict[str, str] = {
    "emotional_behavioural": "Emotional and behavioural needs",
    "disability": "Disability",
    "complex_needs": "Complex needs",
    "mental_health": "Mental health",
    "exploitation_risk": "Risk of exploitation",
    "sibling_group": "Sibling group",
    "uasc": "Unaccompanied asylum-seeking children",
    "parent_and_child": "Parent and child",
    "solo_placement": "Solo placement",
    "education_on_site": "Education on site",
    # The Placements Data Standard records communication needs (ESOL, BSL, Makaton, other).
    "communication": "Communication needs (for example BSL or Makaton)",
}

PROVIDER_KINDS: dict[str, str] = {
    "childrens_home_operator": "Children's home operator",
    "fostering_agency": "Independent fostering agency",
    "supported_accommodation_provider": "Supported accommodation provider",
    "mixed": "Several kinds of provision",
}

ROLES: dict[str, str] = {
    "council_officer": "Council officer",
    "provider_user": "Provider user",
    "auditor": "Auditor",
    "platform_admin": "Platform administrator",
    "organisation_admin": "Organisation administrator",
}

# Which kinds of organisation each role may belong to.
ROLE_ORGANISATION_KINDS: dict[str, frozenset[str]] = {
    "council_officer": frozenset({"authority"}),
    "provider_user": frozenset({"provider"}),
    "auditor": frozenset({"authority", "platform"}),
    "platform_admin": frozenset({"platform"}),
    # Invites people to their own authority or provider and resets their second factor.
    "organisation_admin": frozenset({"authority", "provider"}),
}

# Roles whose accounts must sign in with a second factor (TOTP) when they use a password.
# Council officers may enrol one; everyone else who can change others' records, see every
# event or administer accounts must.
SECOND_FACTOR_REQUIRED: frozenset[str] = frozenset(
    {"provider_user", "auditor", "platform_admin", "organisation_admin"})

# How a placement was bought (the contract route). Regional data sources name more routes
# (regional framework or DPS, sub-regional contract, local block, collaborative block, spot);
# they group into these four.
CONTRACT_ROUTES: dict[str, str] = {
    "in_house": "In-house (the council's own provision)",
    "block": "Block contract",
    "framework": "Framework or dynamic purchasing system",
    "spot": "Spot purchase",
}
