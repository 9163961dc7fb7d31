"""What the councils' tender pages read beyond ``tender_queries``: who may sit on a tender's
evaluation panel (the council officers of its lead and partner authorities), and the providers
a tender names as the only ones who may answer it. Only the lead and the partners read them."""

from __future__ import annotations

from uuid import UUID

import sqlalchemy as sa

from domain.errors import NotFound
from projections.directory import accounts, organisations
from projections.tender_queries import MISSING, tender_detail
from projections.tenders import tender_eligible_providers, tender_partners


def panel_candidates(viewer, c: sa.Connection, tender_id: UUID) -> list[dict]:
    """Active council officers of the tender's lead and partner authorities, by authority
    (the lead first) and name: id, display name and the authority's name."""
    tender = tender_detail(viewer, c, tender_id)
    if not tender["viewer_is_partner"]:
        raise NotFound(MISSING)
    rows = c.execute(
        sa.select(accounts.c.id, accounts.c.display_name, accounts.c.roles,
                  organisations.c.name.label("organisation_name"))
        .join(organisations, organisations.c.id == accounts.c.organisation_id)
        .join(tender_partners, sa.and_(tender_partners.c.authority_id == accounts.c.organisation_id,
                                       tender_partners.c.tender_id == tender_id))
        .where(accounts.c.suspended.is_(False), accounts.c.status == "active")
        .order_by(tender_partners.c.is_lead.desc(), organisations.c.name,
                  accounts.c.display_name)).mappings()
    return [{"id": r["id"], "display_name": r["display_name"],
             "organisation_name": r["organisation_name"]}
            for r in rows if "council_officer" in r["roles"].split()]


def named_providers(viewer, c: sa.Connection, tender_id: UUID) -> list[dict]:
    """The providers the tender names as the only ones who may answer it (id and name, by
    name); empty when it is open to every provider of its lots' kinds of placement."""
    tender = tender_detail(viewer, c, tender_id)
    if not tender["viewer_is_partner"]:
        raise NotFound(MISSING)
    e = tender_eligible_providers
    return [dict(r) for r in c.execute(
        sa.select(organisations.c.id, organisations.c.name)
        .join(e, e.c.provider_id == organisations.c.id)
        .where(e.c.tender_id == tender_id).order_by(organisations.c.name)).mappings()]
