"""One permission table: role x action -> scope. Views, commands, queries and any future API all
read it, and ``/help/permissions`` renders it as the documentation of who may do what.

Scopes, narrowest first:
- ``own_organisation``: only records belonging to the principal's own organisation;
- ``own_partnership``: records of the principal's own organisation and of every authority in a
  partnership the principal's organisation belongs to (a joint tender's pipeline);
- ``region``: every partner's records of that kind (for child-level data, never: child-level
  records are only ever ``own_organisation``).

A role with no entry for an action may not do it at all. Where a grant is narrower than its
scope alone says (a provider sees only tenders open to providers), ``CONDITIONS`` says so, and
the code that reads those records applies it.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from domain.errors import DomainError, NotFound

OWN = "own_organisation"
PARTNERSHIP = "own_partnership"
REGION = "region"

# How each scope reads in the documentation, narrowest first.
SCOPES: dict[str, str] = {
    OWN: "Own organisation",
    PARTNERSHIP: "Own partnership",
    REGION: "Region",
}
SCOPE_DESCRIPTIONS: dict[str, str] = {
    OWN: "Only records that belong to the user's own organisation.",
    PARTNERSHIP: ("Records of the user's own organisation and of every partner council in a "
                  "partnership the organisation belongs to."),
    REGION: "Records of every partner council and provider in the region.",
}
_WIDTH = {scope: rank for rank, scope in enumerate(SCOPES)}

PERMISSIONS: dict[str, dict[str, str]] = {
    # action: {role: scope}
    "vacancies.search": {"council_officer": REGION, "platform_admin": REGION, "auditor": REGION},
    "vacancies.manage": {"provider_user": OWN},
    "vacancies.view_own": {"provider_user": OWN},
    # The provider's named contact for its vacancies, shown to councils on each vacancy.
    "providers.contact": {"provider_user": OWN},
    # A council officer's own saved searches of the vacancy board (each officer's own).
    "board_searches.manage": {"council_officer": OWN},
    "directory.view": {
        "council_officer": REGION, "provider_user": REGION, "auditor": REGION,
        "platform_admin": REGION,
    },
    "organisations.manage": {"platform_admin": REGION},
    "accounts.manage": {"platform_admin": REGION, "organisation_admin": OWN},
    # API clients act for their own organisation only, with roles of its own kind (an auditor's
    # system: the platform's own client, set up by a platform administrator).
    "api_clients.manage": {"organisation_admin": OWN, "platform_admin": OWN},
    # A client's own webhook subscriptions (through the API): the events its organisation
    # may see, posted to its systems.
    "webhooks.manage": {"council_officer": OWN, "provider_user": OWN},
    "identity_providers.manage": {"platform_admin": REGION},
    "system.health": {"platform_admin": REGION, "auditor": REGION},
    "system.retry_projections": {"platform_admin": REGION},
    # Child-level placement records: only ever the officer's own authority.
    "placements.view": {"council_officer": OWN},
    "placements.manage": {"council_officer": OWN},
    "placements.import": {"council_officer": OWN},
    "contracts.manage": {"council_officer": OWN},
    # Home searches are child-level records: only the placing authority's own officers.
    # Auditors read them through the event history, like placements.
    "home_searches.view": {"council_officer": OWN},
    "home_searches.manage": {"council_officer": OWN},
    # A host authority reads the notices of placements other authorities make in its area:
    # no child reference, only what the regulations say it needs.
    "out_of_area.host_view": {"council_officer": OWN},
    # A provider sees only the searches sent to it, and only what a referral shares.
    "referrals.answer": {"provider_user": OWN},
    "targets.manage": {"council_officer": OWN},
    # An authority's in-house fostering returns (households, places, recruitment): its own
    # officers record and read them; others see them only in the suppressed measures.
    "fostering.manage": {"council_officer": OWN},
    # Supply: the authority's own (in-house) homes and services and its places in development.
    # Other authorities see the pipeline only as aggregates (sufficiency.view_regional).
    "in_house.manage": {"council_officer": OWN},
    "developments.manage": {"council_officer": OWN},
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
    # Joint tenders: led by one authority, run with the partner authorities of a partnership.
    "tenders.lead": {"council_officer": OWN},
    "tenders.view": {"council_officer": PARTNERSHIP, "provider_user": REGION,
                     "auditor": REGION},
    "tenders.respond": {"provider_user": OWN},
    "tenders.pipeline": {"council_officer": PARTNERSHIP},
    # Notices to the viewer's own organisation: tenders and home searches (providers), offers
    # closing on its home searches (councils); and an officer's own, of new vacancies matching
    # their saved searches of the board.
    "notices.read": {"provider_user": OWN, "council_officer": OWN},
}

# Roles that reach the whole region or run the platform: only someone who manages accounts
# region-wide (a platform administrator) grants or takes them away, never an organisation's own
# administrator.
PLATFORM_ROLES: frozenset[str] = frozenset({"platform_admin", "auditor"})

# Grants narrower than their scope alone says: (action, role) -> the limit, in words. The code
# reading those records applies the limit; the documentation page shows it in the cell.
CONDITIONS: dict[tuple[str, str], str] = {
    ("tenders.view", "provider_user"): "open tenders only",
}

ACTION_DESCRIPTIONS: dict[str, str] = {
    "vacancies.search": "Search the regional vacancy board",
    "vacancies.manage": "Publish, change and withdraw vacancies",
    "vacancies.view_own": "See your organisation's own vacancies and their history",
    "providers.contact": ("Name the person councils contact about your organisation's "
                          "vacancies"),
    "board_searches.manage": ("Save searches of the vacancy board and be told when a new "
                              "vacancy matches one"),
    "directory.view": "See the directory of partner authorities and providers",
    "organisations.manage": "Register authorities, providers and settings",
    "accounts.manage": "Create accounts and grant roles",
    "api_clients.manage": ("Create and revoke your organisation's API clients (keys for its "
                           "own systems)"),
    "webhooks.manage": ("Subscribe your organisation's systems to the events it may see "
                        "(webhooks)"),
    "identity_providers.manage": "Register organisations' identity providers for single sign-on",
    "system.health": "See the projections' detailed status",
    "system.retry_projections": "Retry a view that stopped at a change it could not apply",
    "placements.view": "See your authority's children in care and their placements",
    "placements.manage": "Record, change, end and correct your authority's placements",
    "placements.import": "Import your authority's SSDA903 return",
    "contracts.manage": "Record and vary your authority's contracts",
    "home_searches.view": "See your authority's home searches and the vacancies matching them",
    "home_searches.manage": "Draft, change, cancel and close your authority's home searches",
    "referrals.answer": ("See home searches sent to your organisation and answer them with an "
                         "offer or a decline"),
    "out_of_area.host_view": ("See the notices other authorities send yours about children "
                              "they place in your area"),
    "targets.manage": "Set your authority's sufficiency targets",
    "fostering.manage": ("Record, correct and import your authority's monthly in-house "
                         "fostering returns"),
    "in_house.manage": ("Record your authority's own homes and services and their registration "
                        "with Ofsted"),
    "developments.manage": "Record and change your authority's places in development",
    "sufficiency.view_own": "See your authority's sufficiency dashboard in full",
    "sufficiency.view_regional": "See partnership and regional sufficiency aggregates",
    "reference.manage": "Extend the postcode districts and the adjoining authorities",
    "audit.read": "Replay the event history, see views as they stood, download checkpoints",
    "tenders.lead": "Draft, publish, evaluate and award a tender your authority leads",
    "tenders.view": "See tenders, their lots, stages and clarifications",
    "tenders.respond": "Answer market engagement, ask clarification questions and bid",
    "tenders.pipeline": "See the partnership's pipeline of planned and running tenders",
    "notices.read": ("See your organisation's notices, and your own of your saved searches, and "
                     "mark them read"),
}


class Forbidden(DomainError):
    """The principal's roles do not allow this action."""


def scope_of_roles(roles: Iterable[str], action: str) -> str | None:
    """The widest scope any of ``roles`` grants for ``action`` (None: no access)."""
    grants = PERMISSIONS[action]
    scopes = {grants[role] for role in roles if role in grants}
    return max(scopes, key=_WIDTH.__getitem__) if scopes else None


def scope_for(principal, action: str) -> str | None:
    """The widest scope any of the principal's roles grants for ``action`` (None: no access)."""
    return scope_of_roles(principal.roles, action)


def can(principal, action: str) -> bool:
    return principal is not None and scope_for(principal, action) is not None


def check(principal, action: str) -> str:
    scope = scope_for(principal, action) if principal is not None else None
    if scope is None:
        raise Forbidden("You do not have permission to do that")
    return scope


def in_scope(principal, action: str, organisation_id: UUID | None,
             partnerships: Iterable[str] = ()) -> bool:
    """Whether a record is within what ``principal`` may do ``action`` to.

    ``organisation_id`` is the organisation the record belongs to; ``partnerships`` are the
    partnerships it belongs to (its authority's, or the partnership a joint tender is run for),
    which only an ``own_partnership`` grant reads. The principal's own partnerships are
    ``principal.partnerships`` (loaded with the principal at sign-in).
    """
    scope = scope_for(principal, action) if principal is not None else None
    if scope is None:
        return False
    if scope == REGION:
        return True
    if organisation_id is not None and organisation_id == principal.organisation_id:
        return True
    if scope == PARTNERSHIP:
        own = frozenset(getattr(principal, "partnerships", ()))
        return not own.isdisjoint(partnerships)
    return False


def check_in_scope(principal, action: str, organisation_id: UUID | None,
                   partnerships: Iterable[str] = (), *,
                   missing: str = "There is no such record") -> str:
    """The principal's scope for ``action`` on this record. Without the action at all:
    Forbidden. A record outside the scope is NotFound with ``missing``, exactly as if there were
    no such record, so nobody learns that another organisation's record exists."""
    scope = check(principal, action)
    if not in_scope(principal, action, organisation_id, partnerships):
        raise NotFound(missing)
    return scope


def roles_in_table() -> set[str]:
    """Every role the table grants anything to."""
    return {role for grants in PERMISSIONS.values() for role in grants}
