"""One permission table: role x action -> scope. Views, commands and queries all read it.

Scopes:
- ``own_organisation``: only records belonging to the principal's own organisation;
- ``region``: every partner's records of that kind (for child-level data, never: child-level
  records are only ever ``own_organisation``).
"""

from __future__ import annotations

from domain.errors import DomainError

OWN = "own_organisation"
REGION = "region"

PERMISSIONS: dict[str, dict[str, str]] = {
    # action: {role: scope}
    "vacancies.search": {"council_officer": REGION, "platform_admin": REGION, "auditor": REGION},
    "vacancies.manage": {"provider_user": OWN},
    "vacancies.view_own": {"provider_user": OWN},
    "directory.view": {
        "council_officer": REGION, "provider_user": REGION, "auditor": REGION,
        "platform_admin": REGION,
    },
    "organisations.manage": {"platform_admin": REGION},
    "accounts.manage": {"platform_admin": REGION},
    "system.health": {"platform_admin": REGION, "auditor": REGION},
    # Child-level placement records: only ever the officer's own authority.
    "placements.view": {"council_officer": OWN},
    "placements.manage": {"council_officer": OWN},
    "placements.import": {"council_officer": OWN},
    "contracts.manage": {"council_officer": OWN},
    "targets.manage": {"council_officer": OWN},
    # Sufficiency views: an officer's own authority in full; anything crossing authority
    # lines as aggregates with small counts suppressed.
    "sufficiency.view_own": {"council_officer": OWN},
    "sufficiency.view_regional": {
        "council_officer": REGION, "provider_user": REGION, "auditor": REGION,
        "platform_admin": REGION,
    },
    "reference.manage": {"platform_admin": REGION},
    # Auditors read every event, read-only; child references in events stay pseudonymous.
    "audit.read": {"auditor": REGION},
}

ACTION_DESCRIPTIONS: dict[str, str] = {
    "vacancies.search": "Search the regional vacancy board",
    "vacancies.manage": "Publish, change and withdraw vacancies",
    "vacancies.view_own": "See your organisation's own vacancies and their history",
    "directory.view": "See the directory of partner authorities and providers",
    "organisations.manage": "Register authorities, providers and settings",
    "accounts.manage": "Create accounts and grant roles",
    "system.health": "See the projections' detailed status",
    "placements.view": "See your authority's children in care and their placements",
    "placements.manage": "Record, change, end and correct your authority's placements",
    "placements.import": "Import your authority's SSDA903 return",
    "contracts.manage": "Record and vary your authority's contracts",
    "targets.manage": "Set your authority's sufficiency targets",
    "sufficiency.view_own": "See your authority's sufficiency dashboard in full",
    "sufficiency.view_regional": "See partnership and regional sufficiency aggregates",
    "reference.manage": "Extend the postcode district reference data",
    "audit.read": "Replay the event history, see views as they stood, download checkpoints",
}


class Forbidden(DomainError):
    """The principal's roles do not allow this action."""


def scope_for(principal, action: str) -> str | None:
    """The widest scope any of the principal's roles grants for ``action`` (None: no access)."""
    grants = PERMISSIONS[action]
    scopes = {grants[role] for role in principal.roles if role in grants}
    if REGION in scopes:
        return REGION
    return OWN if OWN in scopes else None


def can(principal, action: str) -> bool:
    return principal is not None and scope_for(principal, action) is not None


def check(principal, action: str) -> str:
    scope = scope_for(principal, action) if principal is not None else None
    if scope is None:
        raise Forbidden("You do not have permission to do that")
    return scope
